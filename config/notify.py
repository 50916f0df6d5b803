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
    "balance_moved",
    "digest",
]
# on: sent with a sound; silent: sent without one (Telegram's disable_notification); off: never
Rule = Literal["on", "silent", "off"]
Seconds = Annotated[int, msgspec.Meta(ge=0, le=7 * 86_400)]


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
    """

    rules: dict[MessageType, Rule] = msgspec.field(default_factory=dict)
    default_rule: Rule = "on"
    cooldown_seconds: dict[MessageType, Seconds] = msgspec.field(default_factory=dict)
    default_cooldown_seconds: Seconds = 0
    poll_seconds: Annotated[float, msgspec.Meta(ge=0.1, le=3600)] = 5.0
    digest_after: Annotated[int, msgspec.Meta(ge=0)] = 20

    def rule(self, kind: str) -> Rule:
        return self.rules.get(kind, self.default_rule)  # type: ignore[call-overload]

    def cooldown_ms(self, kind: str) -> int:
        seconds = self.cooldown_seconds.get(kind, self.default_cooldown_seconds)  # type: ignore[call-overload]
        return seconds * 1000
