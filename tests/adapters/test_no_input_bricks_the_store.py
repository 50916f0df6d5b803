"""The promise of issue 12 as a property: whatever CSV rows the importer accepts, every projector
(``projections rebuild``) and every report (``data check``, ``backtest``, ``paper`` then
``status``) handles without a traceback; a refused file stores nothing.

Rows are drawn at and beyond each limit: timestamps beyond 64 bits, negative, far in the
future, off the timeframe, at the first and last accepted millisecond; prices of 1e-12 and
1e12 and just past them, 1e308, 1e309, NaN and inf spelled every way, subnormals, empty
fields; volumes of 0, 1e18 and beyond. A sound market of a random size and price scale comes
first, so that some files are accepted and reach the backtest and the paper trader with prices
near the bounds.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.store.home import Home
from domain.candles import MAX_TS, MIN_TS
from domain.market import HOUR_MS
from tests.adapters.paper_kit import make_config
from tests.stubs import SAMPLE_DATA, T0, CandleStubs

H = HOUR_MS
CANDLES = "timestamp_ms,open,high,low,close,volume"
FUNDING = "timestamp_ms,funding_rate"
TIMES = [
    str(MIN_TS),
    str(MAX_TS - H),
    str(MAX_TS),
    str(MIN_TS - H),
    "360000000000000000000000000",  # beyond 64 bits (the report)
    "36000000000000000000",  # year 1,142,764
    str(2**63),
    str(2**63 - 1),
    "-3600000",
    str(T0 + 1),  # off the hour
    "",
    "nan",
    "1.6725312e12",
    " 1672531200000",
    "\uff11\uff16\uff17\uff12",  # full-width digits: isdigit() says yes
    "9" * 5000,  # beyond int()'s 4300-digit limit
]
PRICES = [
    "1",
    "1e-12",
    "9.99e-13",
    "1e12",
    "1.0000001e12",
    "1e308",
    "1e309",
    "-1e309",
    "inf",
    "Infinity",
    "-inf",
    "nan",
    "NaN",
    "0",
    "-0",
    "-1",
    "",
    "5e-324",
    "1e-320",
    "abc",
    "1_000",
    "0x10",
]
EXTREME = ["1e-12", "1.0000001e-12", "1e12", "999999999999.9", "3"]  # accepted, at the bounds
VOLUMES = ["0", "-0", "1e18", "1.1e18", "-1", "nan", "inf", "", "1e308", "7"]
RATES = ["0.0001", "-0.999", "0.99999", "1", "-1", "1e308", "nan", "inf", "", "x", "-0"]
SCALES = [1e-11, 1e-6, 1.0, 1e4, 1e9]


@st.composite
def candle_file(draw) -> tuple[str, str]:
    """(name, text) of a BTC/USDT 1h file: a sound market, then rows at the limits."""
    scale = draw(st.sampled_from(SCALES))
    count = draw(st.integers(0, 80))
    volume = draw(st.sampled_from([0.0, 1.0, 1e17]))
    rows = [
        (t, o * scale, h * scale, l * scale, c * scale, v * 0 + volume)
        for t, o, h, l, c, v in CandleStubs.wave(count)
    ]
    lines = [",".join(repr(x) if isinstance(x, float) else str(x) for x in r) for r in rows]
    next_ts = T0 + count * H
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        ts = draw(st.sampled_from([str(next_ts)] * len(TIMES) + TIMES))
        fields = [draw(st.sampled_from(PRICES + EXTREME * 5)) for _ in range(4)]
        if draw(st.booleans()):  # well-ordered extremes: low <= open, close <= high
            numbers = sorted(fields, key=_as_number)
            fields = [numbers[1], numbers[3], numbers[0], numbers[2]]
        lines.append(",".join([ts, *fields, draw(st.sampled_from(VOLUMES + ["0", "1e18"] * 5))]))
        next_ts += H
    header = draw(st.sampled_from([CANDLES] * 12 + ["\ufeff" + CANDLES, "ts,o,h,l,c,v", ""]))
    return "BTC_USDT-1h.csv", "\n".join([header, *lines]) + "\n"


@st.composite
def accepted_candle_file(draw) -> tuple[str, str]:
    """A file the importer must accept, with every value at a bound: prices of 1e-12 and 1e12,
    volumes of 0 and 1e18, the first and the last accepted hour (a gap of 77 years)."""
    scale = draw(st.sampled_from(SCALES))
    count = draw(st.integers(30, 80))
    rows = [
        (t, o * scale, h * scale, l * scale, c * scale, draw(st.sampled_from([0.0, 1e18, v])))
        for t, o, h, l, c, v in CandleStubs.wave(count)
    ]
    extremes = [float(x) for x in EXTREME[:4]]

    def extreme_row(ts: int) -> tuple:
        low, a, b, high = sorted(draw(st.sampled_from(extremes)) for _ in range(4))
        return (ts, a, high, low, b, draw(st.sampled_from([0.0, 1e18])))

    if draw(st.booleans()):
        rows.insert(0, extreme_row(MIN_TS))
    for k in range(draw(st.integers(0, 3))):
        rows.append(extreme_row(T0 + (count + k) * H))
    if draw(st.booleans()):
        rows.append(extreme_row(MAX_TS - H))
    lines = [",".join(repr(x) if isinstance(x, float) else str(x) for x in r) for r in rows]
    return "BTC_USDT-1h.csv", "\n".join([CANDLES, *lines]) + "\n"


@st.composite
def funding_file(draw) -> tuple[str, str]:
    count = draw(st.integers(0, 30))
    lines = [f"{T0 + i * 8 * H},0.0001" for i in range(count)]
    for i in range(draw(st.integers(0, 3))):
        ts = draw(st.one_of(st.just(str(T0 + (count + i) * 8 * H)), st.sampled_from(TIMES)))
        lines.append(f"{ts},{draw(st.sampled_from(RATES))}")
    return "BTC_USDT_USDT-funding.csv", "\n".join([FUNDING, *lines]) + "\n"


def _as_number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _run(home: Path, *argv: str, config: Path | None = None) -> tuple[int, str]:
    """The real CLI in this process; returns the exit code and stderr. An exception escaping
    main() fails the test by itself."""
    err = io.StringIO()
    base = ["--home", str(home)] + (["--config-dir", str(config)] if config else [])
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main([*base, *argv])
    return code, err.getvalue()


def _stored(home: Path) -> int:
    engine = Engine(Home(home))
    try:
        return engine.store.recorder.max_notification_id() or 0
    finally:
        engine.close()


REPORTS = (
    ["projections", "rebuild"],
    ["data", "check"],
    ["backtest", "--strategy", "grid_atr", "--symbol", "BTC/USDT"],
    ["paper", "--replay", "--from", "2023-01-01"],
    ["status"],
    ["doctor"],
)


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    return make_config(tmp_path_factory.mktemp("config"), "BTC/USDT")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(st.one_of(candle_file(), funding_file()), min_size=1, max_size=2))
def test_whatever_the_store_accepts_every_projector_and_report_handles(config, files) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root, home = Path(tmp), Path(tmp) / "home"
        for name, text in files:
            path = root / name
            path.write_text(text, encoding="utf-8")
            before = _stored(home)
            code, err = _run(home, "data", "import", str(path))
            assert code in (0, 2) and "Traceback" not in err, err
            rows = len(text.splitlines()) - 1
            added = _stored(home) - before
            if code == 2:
                assert added == 0  # a refused file stores nothing
            else:
                assert rows > 0 and added <= rows + 1  # its rows (new ones), and a listing
        for argv in REPORTS:
            code, err = _run(home, *argv, config=config)
            assert "Traceback" not in err, (argv, err)
            assert code in (0, 2), (argv, code, err)  # 2: nothing to report on, said so


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=accepted_candle_file())
def test_values_at_the_bounds_are_accepted_and_every_report_runs_on_them(config, file) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home, path = Path(tmp) / "home", Path(tmp) / file[0]
        path.write_text(file[1], encoding="utf-8")
        # with the contract the backtest and the paper trader obey (Bitget's BTC perpetual)
        code, err = _run(home, "data", "import", str(path), str(SAMPLE_DATA / "bitget-specs.csv"))
        assert code == 0, err
        for argv in REPORTS:
            code, err = _run(home, *argv, config=config)
            assert "Traceback" not in err, (argv, err)
            assert code == 0, (argv, code, err)
