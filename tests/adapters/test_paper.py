"""Paper trading on real BTC candles: same trades as the backtest, resumable, no phantom trades
from the warm-up, explicit closes for disabled runners, and the CLI around it."""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path

import msgspec
import pytest
import yaml

from adapters.cli.main import main
from adapters.cli.status_report import render, state_at, status_text, view_of_simulator
from adapters.files.config_writer import apply_per_asset
from adapters.services import backtest
from adapters.services.backtest import BacktestRequest
from adapters.services.engine import Engine
from adapters.services.paper_trader import PaperTrader
from adapters.store.home import Home
from adapters.text.timefmt import fmt_ts, parse_date
from config.loader import load_settings
from domain.simulator import Simulator
from domain.trades import Trade, fingerprint
from optimization.regimes import classify_regime
from tests.adapters.paper_kit import copy_home, make_config, make_home
from tests.stubs import SAMPLE_DATA
from tests.web.kit import regime_window, summary
from web.paper_data import Markets
from web.plan_view import PlanCache

START, END = "2025-01-01", "2025-07-01"
_CLOSED = ("scalp_radar:Simulator.GridCycleClosed", "scalp_radar:Simulator.PositionClosed")
PRICES = {"open", "high", "low", "close"}


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_home(tmp_path_factory.mktemp("paper"))


@pytest.fixture
def home(stored: Path, tmp_path: Path) -> Path:
    return copy_home(stored, tmp_path)


def _trader(home: Path, config: Path, portfolio: str = "paper") -> tuple[Engine, PaperTrader]:
    engine = Engine(Home(home))
    return engine, PaperTrader(engine, load_settings(config), portfolio)


def _paper_trades(engine: Engine, portfolio: str = "paper") -> list[Trade]:
    decode = engine.store.mapper.transcoder.decode
    records = engine.store.recorder.select_events(Simulator.create_id(portfolio))
    return [Trade.from_record(decode(r.state)["trade"]) for r in records if r.topic in _CLOSED]


def _events(engine: Engine, portfolio: str = "paper") -> list[tuple]:
    """Every stored Simulator event without the library's wall-clock timestamp."""
    decode = engine.store.mapper.transcoder.decode
    out = []
    for r in engine.store.recorder.select_events(Simulator.create_id(portfolio)):
        state = decode(r.state)
        state.pop("timestamp", None)
        out.append((r.originator_version, r.topic, json.dumps(state, sort_keys=True)))
    return out


def test_paper_replay_makes_the_same_trades_as_the_backtest(home: Path, tmp_path: Path) -> None:
    config = make_config(tmp_path, "BTC/USDT")
    engine, trader = _trader(home, config)
    trader.replay(parse_date(START), parse_date(END))
    paper = _paper_trades(engine)
    settings = load_settings(config)
    request = BacktestRequest(
        "grid_atr", "BTC/USDT", start_ms=parse_date(START), end_ms=parse_date(END)
    )
    run = backtest.run(settings, engine.market_reader(), request)
    # the backtest closes what is still open at its last candle; paper keeps it open
    expected = [t for t in run.result.trades if t.reason != "end"]
    assert len(paper) == len(expected) > 10
    assert fingerprint(paper) == fingerprint(expected)
    assert min(t.entry_ts for t in paper) >= parse_date(START)  # warm-up opened nothing


def test_a_replay_cut_in_three_equals_an_uninterrupted_one(home: Path, tmp_path: Path) -> None:
    config = make_config(tmp_path, "BTC/USDT", "ETH/USDT")
    engine, trader = _trader(home, config, "whole")
    trader.replay(parse_date(START), parse_date(END))
    for cut in ("2025-02-10", "2025-04-03T13:00", END):
        _, trader = _trader(home, config, "parts")  # a fresh process each time
        trader.replay(parse_date(START), parse_date(cut))
    whole, parts = _events(engine, "whole"), _events(engine, "parts")
    assert len(whole) > 1000
    # same events in the same order; only the Started events differ (the portfolio's name)
    assert [e[1:] for e in parts[1:]] == [e[1:] for e in whole[1:]]


def test_a_disabled_runner_closes_its_position_with_an_explicit_event(
    home: Path, tmp_path: Path
) -> None:
    config = make_config(tmp_path, "BTC/USDT")
    engine, trader = _trader(home, config)
    # a moment when the grid holds levels: the entry of a trade that closed later
    trader.replay(parse_date(START), parse_date(END))
    held = next(t for t in _paper_trades(engine) if t.exit_ts > t.entry_ts)
    _, trader = _trader(home, config, "cut")
    trader.replay(parse_date(START), held.entry_ts + 3_600_000)  # --to is exclusive
    sim = trader.load()
    assert sim.runners["grid_atr:BTC/USDT"].side == 1
    (config / "strategies.yaml").write_text(
        (config / "strategies.yaml").read_text().replace("enabled: true", "enabled: false")
    )
    _, trader = _trader(home, config, "cut")
    trader.replay(None, None)
    sim = trader.load()
    state = sim.runners["grid_atr:BTC/USDT"]
    assert state.side == 0 and not state.enabled
    assert sim.margin_used == pytest.approx(0.0)
    closing = _paper_trades(engine, "cut")[-1]
    assert closing.reason == "disabled" and closing.exit_ts == sim.last_ts
    # a market sell at the close of the last candle processed, minus the configured slippage
    candles = engine.market_reader().candles(
        engine.market_reader().find("binance", "BTC/USDT", "1h").series_id
    )
    (last,) = (candles.ts == sim.last_ts).nonzero()[0]
    assert candles.close[last - 1] != candles.close[last]  # the previous close would differ
    slippage = yaml.safe_load((config / "risk.yaml").read_text())["slippage_percent"] / 100
    assert closing.exit_price == pytest.approx(candles.close[last] * (1 - slippage), rel=1e-12)


def test_nothing_trades_without_validated_assets(home: Path, tmp_path: Path) -> None:
    config = make_config(tmp_path)  # grid_atr enabled, per_asset empty
    engine, trader = _trader(home, config)
    trader.replay(parse_date(START), parse_date(END))
    sim = trader.load()
    assert sim.runners == {} and _paper_trades(engine) == []


def test_cli_paper_status_replay_at_and_kill_switch_reset(
    home: Path, tmp_path: Path, capsys
) -> None:
    config = make_config(tmp_path, "BTC/USDT", loose_kill_switch=False)
    base = ["--home", str(home), "--config-dir", str(config)]
    assert main([*base, "paper", "--replay", "--from", START, "--to", END]) == 0
    out = capsys.readouterr().out
    assert "paper paper:" in out and "candles" in out
    assert main([*base, "status"]) == 0
    status = capsys.readouterr().out
    assert "grid_atr:BTC/USDT" in status and "kill switch" in status
    assert main([*base, "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["portfolio"]["trades_closed"] > 0
    assert main([*base, "replay", "--at", "2025-03-01"]) == 0
    past = capsys.readouterr().out
    assert "portfolio paper at 2025-03-01 00:00" in past
    assert main([*base, "kill-switch", "reset"]) == 0
    assert "request #1 recorded" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["paper", "--replay", "--from", "2025-13-01"], "--from"),
        (["paper", "--replay", "--from", START, "--to", "2024-01-01"], "--to must be after"),
        (["paper", "--replay", "--speed", "0"], "--speed"),
        (["paper", "--replay", "--from", START, "--speed", "nan"], "--speed nan: must be a finite"),
        (["paper", "--replay", "--from", START, "--speed", "inf"], "--speed inf: must be a finite"),
        (["paper", "--replay"], "give the start"),
        (["status", "--portfolio", "nope"], "no paper portfolio"),
        (["kill-switch", "reset", "--portfolio", "nope"], "no paper portfolio"),
    ],
)
def test_bad_paper_input_exits_2_with_a_reason(
    home: Path, tmp_path: Path, capsys, args: list[str], message: str
) -> None:
    config = make_config(tmp_path, "BTC/USDT")
    assert main(["--home", str(home), "--config-dir", str(config), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1  # one line


def test_a_runner_without_its_contract_spec_stops_paper_unless_no_specs(
    home: Path, tmp_path: Path, capsys
) -> None:
    config = make_config(tmp_path, "BTC/USDT")
    # Binance as the trading venue: the home stores none of its specs
    exchanges = config / "exchanges.yaml"
    exchanges.write_text(
        exchanges.read_text().replace("trading_exchange: bitget", "trading_exchange: binance")
    )
    base = ["--home", str(home), "--config-dir", str(config)]
    replay = [*base, "paper", "--replay", "--from", START, "--to", "2025-01-10"]
    assert main(replay) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one line
    assert "grid_atr:BTC/USDT: no contract spec of binance BTC/USDT:USDT" in err
    assert main([*replay, "--no-specs"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "paper paper: contract none (--no-specs: prices unrounded, no minimums, no liquidation)"
    )


def test_resetting_an_unknown_runner_exits_2_naming_the_known_ones_and_stores_nothing(
    home: Path, tmp_path: Path, capsys
) -> None:
    config = make_config(tmp_path, "BTC/USDT")
    base = ["--home", str(home), "--config-dir", str(config)]
    assert main([*base, "paper", "--replay", "--from", START, "--to", "2025-01-10"]) == 0
    capsys.readouterr()
    stored = _last_notification(home)
    assert main([*base, "kill-switch", "reset", "--runner", "bogus"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no runner 'bogus'" in err and "known: grid_atr:BTC/USDT" in err
    assert _last_notification(home) == stored


def _last_notification(home: Path) -> int | None:
    engine = Engine(Home(home))
    try:
        return engine.store.recorder.max_notification_id()
    finally:
        engine.close()


def _record_profile(engine: Engine, sharpe_by_regime: dict[str, float], window_days: int) -> None:
    """A walk-forward run of grid_atr on BTC/USDT whose OOS windows show these regimes, and its
    parameters applied: the profile the regime filter reads."""
    span = window_days * 86_400_000
    windows = [
        regime_window(i, name, sharpe, oos_span=(i * span, (i + 1) * span - 3_600_000))
        for i, (name, sharpe) in enumerate(sharpe_by_regime.items())
    ]
    run = msgspec.structs.replace(summary("grid_atr", "BTC/USDT", "C"), windows=windows)
    run_id = engine.research.record_run(run)
    engine.research.record_applied("grid_atr", "BTC/USDT", {}, "C", run_id)


def test_regime_filter_blocks_new_grids_in_regimes_with_negative_oos_sharpe(
    home: Path, tmp_path: Path
) -> None:
    config = make_config(tmp_path, "BTC/USDT")
    engine, trader = _trader(home, config)
    _record_profile(engine, {"range": -0.8, "bull": 1.2, "bear": 0.4, "crash": 0.1}, 30)
    trader.replay(parse_date(START), parse_date(END))
    # independently: the regime of each UTC day from the 30 days of candles closed before it
    candles = engine.market_reader().candles(
        engine.market_reader().find("binance", "BTC/USDT", "1h").series_id
    )
    day, hour = 86_400_000, 3_600_000
    expected = {}
    for d in range(parse_date(START) // day, parse_date(END) // day):
        inside = (candles.ts >= d * day - 30 * day) & (candles.ts + hour <= d * day)
        expected[d] = classify_regime(candles.ts[inside], candles.close[inside]).name == "range"
    assert 0 < sum(expected.values()) < len(expected)  # the period has both kinds of days
    decode = engine.store.mapper.transcoder.decode
    blocked, opened_blocked, changes = False, 0, 0
    flat = True
    for r in engine.store.recorder.select_events(Simulator.create_id("paper")):
        state = decode(r.state)
        name = r.topic.rsplit(".", 1)[-1]
        if name in ("EntryBlocked", "EntryUnblocked") and state["reason"] == "regime":
            blocked = name == "EntryBlocked"
            changes += 1
            assert blocked == expected[state["ts"] // day], state
            assert (state["regime"] == "range") == blocked
        elif name == "GridLevelOpened":
            opened_blocked += int(flat and blocked)
            flat = False
        elif name == "GridCycleClosed":
            flat = True
    transitions = sum(1 for d in expected if d - 1 in expected and expected[d] != expected[d - 1])
    assert changes == transitions + int(expected[min(expected)])
    assert opened_blocked == 0  # no new grid while the regime was blocked


def _named(engine: Engine, portfolio: str = "paper") -> list[tuple[str, dict]]:
    decode = engine.store.mapper.transcoder.decode
    records = engine.store.recorder.select_events(Simulator.create_id(portfolio))
    return [(r.topic.rsplit(".", 1)[-1], decode(r.state)) for r in records]


def test_a_tripped_runner_opens_nothing_until_reset(home: Path, tmp_path: Path) -> None:
    config = make_config(tmp_path, "BTC/USDT", loose_kill_switch=False)  # grid 25 % / 25 %
    engine, trader = _trader(home, config)
    trader.replay(parse_date(START), parse_date("2026-01-01"))
    events = _named(engine)
    trips = [(i, e) for i, (name, e) in enumerate(events) if name == "KillSwitchTripped"]
    assert trips, "2025 with sl 15 % at 6x trips the 25 % session loss (seen in the sample)"
    at, trip = trips[0]
    figures = trip["figures"]
    assert trip["scope"] == "runner" and figures["loss_percent"] >= 25.0
    assert figures["realized"] + figures["unrealized"] == pytest.approx(
        -figures["loss_percent"] / 100 * 10_000
    )
    assert not [name for name, _ in events[at:] if name == "GridLevelOpened"]
    assert main(["--home", str(home), "--config-dir", str(config), "kill-switch", "reset"]) == 0
    resets = [e for name, e in _named(engine) if name == "KillSwitchReset"]
    assert resets[-1]["scopes"] == ["grid_atr:BTC/USDT"]


def test_two_runners_on_one_symbol_record_collisions(home: Path, tmp_path: Path) -> None:
    config = make_config(tmp_path, "BTC/USDT")
    strategies = config / "strategies.yaml"
    text = strategies.read_text()
    strategies.write_text(
        text.replace("envelope_dca:\n  enabled: false", "envelope_dca:\n  enabled: true", 1)
    )
    apply_per_asset(config, "envelope_dca", "BTC/USDT", {"envelope_start": 0.02})
    engine, trader = _trader(home, config)
    trader.replay(parse_date(START), parse_date(END))
    events = _named(engine)
    collisions = [e for name, e in events if name == "CollisionDetected"]
    assert collisions and {c["symbol"] for c in collisions} == {"BTC/USDT"}
    # independently: replaying the events, each collision is a first fill while the other
    # runner holds a grid
    holding: dict[str, bool] = {}
    expected = 0
    for name, e in events:
        if name == "GridLevelOpened" and not holding.get(e["key"]):
            others = [k for k, held in holding.items() if held and k != e["key"]]
            expected += bool(others)
            holding[e["key"]] = True
        elif name == "GridCycleClosed":
            holding[e["key"]] = False
    assert len(collisions) == expected


def _state(sim: Simulator) -> tuple[int, dict]:
    """What a Simulator holds, without its identity (id, name, the library's timestamps)."""
    return sim.version, {
        k: v for k, v in vars(sim).items() if not k.startswith("_") and k != "name"
    }


def test_replay_at_a_trip_candle_shows_the_trip_as_a_replay_stopped_after_it(
    home: Path, tmp_path: Path, capsys
) -> None:
    config = make_config(tmp_path, "BTC/USDT", loose_kill_switch=False)
    engine, trader = _trader(home, config)
    trader.replay(parse_date(START), parse_date("2026-01-01"))
    trip = next(e for name, e in _named(engine) if name == "KillSwitchTripped")
    at = trip["ts"]
    base = ["--home", str(home), "--config-dir", str(config)]
    assert main([*base, "replay", "--at", fmt_ts(at)]) == 0
    past_text = capsys.readouterr().out
    assert f"portfolio paper at {fmt_ts(at)}" in past_text
    assert f"grid_atr:BTC/USDT            tripped ({trip['reason']})" in past_text
    # the same portfolio replayed by a process stopped right after that candle (--to is
    # exclusive): the state at the candle is everything that candle recorded
    _, cut = _trader(home, config, "cut")
    cut.replay(parse_date(START), at + 3_600_000)
    past = state_at(engine.store, "paper", at)
    assert past.sim.runners["grid_atr:BTC/USDT"].trip.ts == at
    assert _state(past.sim) == _state(cut.load())
    # and its status, read from the read model, prints what replay --at printed
    engine.project()
    cut_text = status_text(engine.paper_reader(), "cut")
    assert cut_text == render(view_of_simulator(past)).replace("portfolio paper", "portfolio cut")
    assert cut_text.replace("portfolio cut", "portfolio paper") + "\n" == past_text


def _set_risk(config: Path, **values: float) -> None:
    """Set keys of the config copy's risk.yaml (top level or kill_switch), comments kept."""
    path = config / "risk.yaml"
    text = path.read_text()
    for key, value in values.items():
        text, found = re.subn(rf"^(\s*{key}:)\s*[^#\n]*", rf"\g<1> {value}  ", text, flags=re.M)
        assert found == 1, key
    path.write_text(text)


def _session_losses(engine: Engine, portfolio: str) -> dict[int, float]:
    """Per candle: the runner's session loss at the close in % of the 10 000 capital, replayed
    independently from its stored fills and trades and the stored closes."""
    candles = engine.market_reader().candles(
        engine.market_reader().find("binance", "BTC/USDT", "1h").series_id
    )
    closes = dict(zip(candles.ts.tolist(), candles.close.tolist(), strict=True))
    levels: list[tuple[float, float]] = []
    side, realized, losses = 0, 0.0, {}
    for name, e in _named(engine, portfolio):
        if name == "GridLevelOpened":
            levels.append((e["price"], e["qty"]))
            side = e["side"]
        elif name == "GridCycleClosed":
            levels, realized = [], realized + e["trade"]["pnl"]
        elif name == "ClockAdvanced":
            close = closes[e["ts"]]
            unrealized = sum(side * (close - price) * qty for price, qty in levels)
            losses[e["ts"]] = -(realized + unrealized) / 10_000 * 100
    return losses


def test_runner_switch_sleeps_through_the_grace_period_then_trips(
    home: Path, tmp_path: Path
) -> None:
    hour, threshold, first = 3_600_000, 1.0, parse_date(START)  # START: the first traded candle
    end = parse_date("2025-04-01")
    # a long grace period: the session loss reaches 1 % of the capital inside it
    config = make_config(tmp_path / "long", "BTC/USDT")
    _set_risk(config, grid_max_session_loss_percent=threshold, grace_period_candles=500)
    engine, trader = _trader(home, config, "long")
    trader.replay(first, end)
    losses = _session_losses(engine, "long")
    grace_end = first + 500 * hour
    inside = [ts for ts, loss in losses.items() if loss >= threshold and ts < grace_end]
    assert inside, "the sample loses 1 % within 500 candles of 2025-01-01"
    trips = [e for name, e in _named(engine, "long") if name == "KillSwitchTripped"]
    after = [ts for ts, loss in losses.items() if loss >= threshold and ts >= grace_end]
    assert [t["ts"] for t in trips] == after[:1]  # nothing inside, the first one after
    # the same first loss, with a grace period that ends on its candle, trips there
    loss_ts = inside[0]
    config = make_config(tmp_path / "short", "BTC/USDT")
    grace = (loss_ts - first) // hour
    _set_risk(config, grid_max_session_loss_percent=threshold, grace_period_candles=grace)
    engine, trader = _trader(home, config, "short")
    trader.replay(first, end)
    (trip,) = [e for name, e in _named(engine, "short") if name == "KillSwitchTripped"]
    assert (trip["ts"], trip["reason"]) == (loss_ts, "session_loss")
    assert trip["figures"]["loss_percent"] == pytest.approx(losses[loss_ts])


def test_a_paced_replay_waits_between_candles_and_saves_each_one_alone(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path, "BTC/USDT")

    def clocks_per_save(trader: PaperTrader) -> list[int]:
        """ClockAdvanced events (one per candle) in each transaction the trader writes."""
        counts: list[int] = []
        save = trader.store.save

        def counting_save(*objects):
            events = objects[-1].pending_events
            counts.append(sum(isinstance(e, Simulator.ClockAdvanced) for e in events))
            return save(*objects)

        monkeypatch.setattr(trader.store, "save", counting_save)
        return counts

    # six hourly candles of one UTC day; at 12 000x the sixth is due 5 h / 12 000 = 1.5 s
    # after the first
    start, end, speed = parse_date(START), parse_date(START) + 6 * 3_600_000, 12_000.0
    _, paced = _trader(home, config, "paced")
    counts = clocks_per_save(paced)
    began = time.perf_counter()
    paced.replay(start, end, speed=speed)
    assert time.perf_counter() - began >= 0.9 * 5 * 3600 / speed
    assert [n for n in counts if n] == [1] * 6
    # unpaced, the same candles go in one transaction (their UTC day)
    _, fast = _trader(home, config, "fast")
    counts = clocks_per_save(fast)
    fast.replay(start, end)
    assert [n for n in counts if n] == [6]


def test_the_margin_guard_refuses_a_level_that_the_two_runners_together_cannot_hold(
    home: Path, tmp_path: Path
) -> None:
    config = make_config(tmp_path, "BTC/USDT", "ETH/USDT")
    for symbol in ("BTC/USDT", "ETH/USDT"):
        apply_per_asset(config, "grid_atr", symbol, {"sl_percent": 15.0, "num_levels": 3})
    _set_risk(config, max_margin_ratio=0.3)
    engine, trader = _trader(home, config)
    trader.replay(parse_date(START), parse_date(END))
    # equal allocation over two assets, capped at 25 % of the capital: min(5000, 2500) per
    # asset, a third of it per level; the guard allows 30 % of 10 000 in use
    per_level, cap = 2500.0 / 3, 3000.0
    held: dict[str, float] = {}
    refused = []
    for name, e in _named(engine):
        if name == "GridLevelOpened":
            assert e["margin"] == pytest.approx(per_level)
            held[e["key"]] = held.get(e["key"], 0.0) + e["margin"]
            assert sum(held.values()) <= cap + 1e-6
        elif name == "GridCycleClosed":
            held[e["key"]] = 0.0
        elif name == "EntryBlocked" and e["reason"] == "margin":
            own = held.get(e["key"], 0.0)
            assert own + per_level <= cap  # the runner alone could add the level...
            assert sum(held.values()) + per_level > cap  # ...not with the other's margin
            refused.append(e["key"])
    assert set(refused) == {"grid_atr:BTC/USDT", "grid_atr:ETH/USDT"}  # each was second


def test_the_portfolio_records_the_venue_it_trades_once_per_switch(
    home: Path, tmp_path: Path
) -> None:
    """Replayed on Binance, then restarted on Binance (nothing new), then on Bitget candles
    (here the same file imported as Bitget with every price doubled): one ExchangeSelected per
    switch, and the dashboard's plan of a runner reads the venue the portfolio trades."""
    doubled = tmp_path / "BTC_USDT-1h.csv"
    with gzip.open(SAMPLE_DATA / "BTC_USDT-1h.csv.gz", "rt") as source:
        lines = source.read().splitlines()
    head, rows = lines[0], [line.split(",") for line in lines[1:]]
    price_columns = [i for i, name in enumerate(head.split(",")) if name in PRICES]
    doubled.write_text(
        "\n".join(
            [head]
            + [
                ",".join(str(float(v) * 2) if i in price_columns else v for i, v in enumerate(r))
                for r in rows
            ]
        )
        + "\n"
    )
    assert main(["--home", str(home), "data", "import", "--exchange", "bitget", str(doubled)]) == 0
    config = make_config(tmp_path, "BTC/USDT")
    settings = load_settings(config)
    for exchange, to in (("binance", "2025-02-01"), ("binance", "2025-03-01"), ("bitget", END)):
        engine = Engine(Home(home))
        PaperTrader(engine, settings, "paper", exchange).replay(parse_date(START), parse_date(to))
        engine.close()
    engine = Engine(Home(home))
    selected = [e for e in _events(engine) if e[1].endswith("ExchangeSelected")]
    assert [json.loads(e[2])["exchange"] for e in selected] == ["binance", "bitget"]
    assert json.loads(selected[1][2])["ts"] == parse_date("2025-03-01") - 3_600_000
    engine.project()
    pf = engine.paper_reader().portfolio("paper")
    assert pf["exchange"] == "bitget"
    runner = engine.paper_reader().runners("paper")[0]
    markets = Markets(PlanCache(), "binance", settings)
    nxt = markets.runner_next_candle(engine.read_db, pf, runner)
    bitget = engine.market_reader().candles(
        engine.market_reader().find("bitget", "BTC/USDT", "1h").series_id, end=pf["last_ts"] + 1
    )
    assert nxt is not None and nxt.price == bitget.close[-1]
    binance_close = (
        engine.market_reader()
        .candles(
            engine.market_reader().find("binance", "BTC/USDT", "1h").series_id,
            end=pf["last_ts"] + 1,
        )
        .close[-1]
    )
    assert nxt.price == pytest.approx(2 * binance_close)
    engine.close()
