"""The operator log holds both kinds of request in one numbered sequence, and a reset request is
stored under the topic it always had (old stores load)."""

from __future__ import annotations

from adapters.store.event_store import open_store
from adapters.store.operator_log import OperatorLog
from domain.operator import EntriesHaltRequested, KillSwitchResetRequested, requests_log_id


def test_resets_and_halts_share_one_numbering_in_their_order() -> None:
    store = open_store(memory=True)
    log = OperatorLog(store, "paper")
    assert log.request_reset("", "cli") == 1
    assert log.request_halt(True, "telegram") == 2
    assert log.request_reset("grid_atr:BTC/USDT", "web") == 3
    pending = log.pending(1)
    assert [type(r) for r in pending] == [EntriesHaltRequested, KillSwitchResetRequested]
    assert (pending[0].halt, pending[0].source) == (True, "telegram")
    assert pending[1].key == "grid_atr:BTC/USDT"


def test_each_kind_is_stored_under_its_own_explicit_topic() -> None:
    store = open_store(memory=True)
    log = OperatorLog(store, "paper")
    log.request_reset("", "cli")
    log.request_halt(False, "cli")
    records = store.recorder.select_events(requests_log_id("paper"))
    assert [(r.originator_version, r.topic) for r in records] == [
        (1, "scalp_radar:KillSwitchResetRequested"),
        (2, "scalp_radar:EntriesHaltRequested"),
    ]
