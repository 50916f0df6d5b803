"""notify.yaml: which Telegram messages are sent, loudly or silently, and how often."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from config.fields import ConfigStruct

# the message types of ``projections.notifier`` (one per kind of event worth a message)
MessageType = Literal[
    "level_opened",
    "closed",
    "kill_switch_tripped",
    "kill_switch_reset",
    "entry_blocked",
    "reconciliation_failed",
    "emergency_close",
    "order_rejected",
    "stop_move_failed",
    "params_applied",
    "engine",
    "entries",
    "data",
    "balance_moved",
    "digest",
    # the scheduled reports of ``adapters.notify.reports``
    "heartbeat",
    "daily_report",
    "weekly_report",
]
# on: sent with a sound; silent: sent without one (Telegram's disable_notification); off: never
Rule = Literal["on", "silent", "off"]
Seconds = Annotated[int, msgspec.Meta(ge=0, le=7 * 86_400)]
# "HH:MM" (UTC, 00:00 to 23:59) or "off"
TimeOfDay = Annotated[str, msgspec.Meta(pattern=r"^(off|([01][0-9]|2[0-3]):[0-5][0-9])$")]
Weekday = Literal[
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "off"
]


class NotifyFile(ConfigStruct):
    """notify.yaml.

    Parameters
    ----------
    rules : dict[MessageType, Rule], default {} (a type left out is ``default_rule``)
    default_rule : Rule, default "on"
    cooldown_seconds : dict[MessageType, Seconds], default {} (a type left out is
        ``default_cooldown_seconds``); a message of the same type and subject (runner or
        symbol) within this many seconds of event time after the last one sent is not sent
    default_cooldown_seconds : Seconds, default 0 (no cooldown)
    poll_seconds : float, default 5.0 (how often ``scalp-radar notify`` looks for new events)
    digest_after : int, default 20; when more routine messages (levels opened, trades closed,
        regime blocks) than this are pending at once (a replay, a restart after a long stop),
        they are summed up in one digest; alerts are still sent one by one (0: never digest)
    heartbeat_minutes : int, default 60 (0: no heartbeat); sent at each multiple of it in UTC
        time since 1970 (60: on the hour, 15: at :00, :15, :30, :45)
    daily_report_at : TimeOfDay, default "08:00"; "HH:MM" UTC, when the previous UTC day's
        report is sent, or "off" (quote it: YAML reads a bare 12:30 as a number)
    weekly_report_on : Weekday, default "monday"; the day the previous Monday-to-Sunday week's
        report is sent, at ``daily_report_at`` (00:00 when that is "off"), or "off"
    """

    rules: dict[MessageType, Rule] = msgspec.field(default_factory=dict)
    default_rule: Rule = "on"
    cooldown_seconds: dict[MessageType, Seconds] = msgspec.field(default_factory=dict)
    default_cooldown_seconds: Seconds = 0
    poll_seconds: Annotated[float, msgspec.Meta(ge=0.1, le=3600)] = 5.0
    digest_after: Annotated[int, msgspec.Meta(ge=0)] = 20
    heartbeat_minutes: Annotated[int, msgspec.Meta(ge=0, le=7 * 1440)] = 60
    daily_report_at: TimeOfDay = "08:00"
    weekly_report_on: Weekday = "monday"

    def rule(self, kind: str) -> Rule:
        return self.rules.get(kind, self.default_rule)  # type: ignore[call-overload]

    def cooldown_ms(self, kind: str) -> int:
        seconds = self.cooldown_seconds.get(kind, self.default_cooldown_seconds)  # type: ignore[call-overload]
        return seconds * 1000
