"""Stored walk-forward results are forever: summaries recorded while they were dicts decode
through the summary's vocabulary (``domain.walk_forward_summary``) and rebuild the same research
read model; the same summary is recorded and printed as it was.

``data/research_store_v1.json.gz`` was written by the code of commit 7cd2a39 (the summary a
``dict``): a walk-forward of grid_atr on the sample's BTC/USDT over four combinations (ma_period
and sl_percent each reduced to their first two values, the rest of the shipped grid pinned to
its first value; ``duration_s`` then set to 1.234), recorded as five ``OptimizationCompleted``
events in the vintages stores hold:

- ``in_sample``: as that code recorded it (each window selects on in-sample data);
- ``explorer``: the same with ``fixed``, as a dashboard Explorer job records it;
- ``no_tick``: without ``price_tick`` (runs before the tick was reported), on ETH/USDT;
- ``earlier_rule``: the seed's rule, without the in-sample rule's keys, windows of the old shape
  and no selection counts, on SOL/USDT;
- ``earlier_rule_first``: the same without the per-window IS Sharpe and OOS return of every
  combination (the first recorded runs), for envelope_dca.

With them: each event as stored (notification id, originator, version, topic, state), the rows
the research projection made of them, and what ``optimize`` printed for ``in_sample`` (``--json``
and the table).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
import pytest
from eventsourcing.persistence import StoredEvent

from adapters.cli.optimize_report import optimize_json, optimize_table
from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.walk_forward_summary import WalkForwardSummary

FIXTURE = Path(__file__).parent / "data" / "research_store_v1.json.gz"
ORDER = {"optimization_runs": "seq", "optimization_combos": "run_id, combo"}


@pytest.fixture(scope="module")
def fixture() -> dict[str, Any]:
    return json.loads(gzip.decompress(FIXTURE.read_bytes()))


@pytest.fixture
def engine(tmp_path: Path):
    engine = Engine(Home(tmp_path / "home"))
    yield engine
    engine.close()


def _stored(engine: Engine, fixture: dict[str, Any]) -> dict[int, int]:
    """The fixture's events in ``engine``'s store: {their notification id then: now}."""
    start = (engine.store.recorder.max_notification_id() or 0) + 1
    engine.store.recorder.insert_events(
        [
            StoredEvent(UUID(originator), version, topic, state.encode())
            for _, originator, version, topic, state in fixture["events"]
        ]
    )
    return {e[0]: start + i for i, e in enumerate(fixture["events"])}


def _summaries(engine: Engine, fixture: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The summaries as stored, by vintage (as the projection decodes an event's state)."""
    decode = engine.store.mapper.transcoder.decode
    by_run = {decode(e[4].encode())["run_id"]: decode(e[4].encode()) for e in fixture["events"]}
    return {name: by_run[run_id]["summary"] for name, run_id in fixture["run_ids"].items()}


def _tables(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    db = engine.read_db
    return {name: [dict(r) for r in db[name].rows_where(order_by=by)] for name, by in ORDER.items()}


def test_every_vintage_rebuilds_the_same_read_model(fixture, engine) -> None:
    seq = _stored(engine, fixture)
    expected = fixture["read_model"] | {
        "optimization_runs": [
            row | {"seq": seq[row["seq"]]} for row in fixture["read_model"]["optimization_runs"]
        ]
    }
    engine.project()
    assert _tables(engine) == expected
    engine.rebuild_projections()  # tables made again, as the vocabulary lays them out
    assert _tables(engine) == expected


def test_every_vintage_decodes_into_the_vocabulary(fixture, engine) -> None:
    summaries = _summaries(engine, fixture)
    decoded = {name: msgspec.convert(s, WalkForwardSummary) for name, s in summaries.items()}
    assert decoded["explorer"].fixed == summaries["explorer"]["fixed"]
    assert decoded["no_tick"].price_tick is None
    for name in ("earlier_rule", "earlier_rule_first"):
        old = decoded[name]
        assert old.selection_rule is None and old.stitched is None
        assert old.combos.selected_in is None
        # an old window is written back in its own shape
        assert [msgspec.to_builtins(w) for w in old.windows] == summaries[name]["windows"]
    assert decoded["earlier_rule_first"].combos.is_sharpe_by_window is None


def test_a_stored_run_prints_as_it_did(fixture, engine) -> None:
    summary = msgspec.convert(_summaries(engine, fixture)["in_sample"], WalkForwardSummary)
    assert optimize_json(summary, fixture["run_ids"]["in_sample"]) == fixture["cli"]["json"]
    assert optimize_table(summary) == fixture["cli"]["table"]


@pytest.mark.parametrize("vintage", ["in_sample", "explorer"])
def test_recording_a_summary_stores_the_json_it_did(fixture, engine, vintage: str) -> None:
    before = _summaries(engine, fixture)[vintage]
    engine.research.record_run(msgspec.convert(before, WalkForwardSummary))
    (event,) = engine.store.recorder.select_notifications(1, limit=10)
    assert engine.store.mapper.transcoder.decode(event.state)["summary"] == before
