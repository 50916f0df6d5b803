"""Issue 12: no input file can brick the store. Each reproduction is one tiny scenario through
the real CLI on a real SQLite home: a refused file is one line on stderr, exit 2, nothing
stored, and the store keeps working for everything after it."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.cli.main import main
from adapters.services.engine import Engine
from adapters.services.importer import IMPORT_LOCK, ImportLock, ImportLockBusy, import_file
from adapters.store.home import Home
from domain.market import Market
from tests.stubs import T0, CandleStubs, csv_text, write_csv

HEADER = "timestamp_ms,open,high,low,close,volume\n"
REPO = Path(__file__).resolve().parents[2]
BTC = Market("binance", "BTC/USDT", "1h")


def _events(home: Path) -> int:
    engine = Engine(Home(home))
    try:
        return engine.store.recorder.max_notification_id() or 0
    finally:
        engine.close()


def _import(tmp_path: Path, capsys, path: Path) -> tuple[int, list[str], str]:
    """Exit code, the stderr lines that are not the progress bar, stdout."""
    code = main(["--home", str(tmp_path / "home"), "data", "import", str(path)])
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if not line.startswith("importing ")]
    return code, errors, captured.out


def _refused_in_one_line(tmp_path: Path, capsys, path: Path, why: str) -> None:
    code, errors, out = _import(tmp_path, capsys, path)
    assert code == 2
    assert len(errors) == 1 and errors[0].startswith(str(path)) and why in errors[0], errors
    assert "Traceback" not in errors[0]
    assert "0 new events, 1 refused" in out
    assert _events(tmp_path / "home") == 0


def _the_store_still_works(tmp_path: Path, capsys) -> None:
    """Every command that projects, and a valid import, after the refusal."""
    home = ["--home", str(tmp_path / "home")]
    good = write_csv(tmp_path / "good" / "ETH_USDT-1h.csv", CandleStubs.wave(30))
    assert main([*home, "data", "import", str(good)]) == 0
    assert main([*home, "data", "check"]) == 0
    assert main([*home, "projections", "rebuild"]) == 0
    assert main([*home, "status"]) == 2  # no paper portfolio: an answer, not a traceback
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no paper portfolio" in err


@pytest.fixture(autouse=True)
def _good_dir(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()


def test_a_timestamp_beyond_64_bits_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "BTC_USDT-1h.csv"
    path.write_text(HEADER + "360000000000000000000000000,1,2,0.5,1.5,10\n")
    _refused_in_one_line(tmp_path, capsys, path, "outside 2009-01-01 .. 2100-01-01 UTC")
    _the_store_still_works(tmp_path, capsys)


def test_a_far_future_timestamp_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "BTC_USDT-1h.csv"  # year 1,142,764: fits int64, no date holds it
    path.write_text(HEADER + "36000000000000000000,1,2,0.5,1.5,10\n")
    _refused_in_one_line(tmp_path, capsys, path, "outside 2009-01-01 .. 2100-01-01 UTC")
    _the_store_still_works(tmp_path, capsys)


def test_a_price_beyond_the_float_limits_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "BTC_USDT-1h.csv"
    path.write_text(HEADER + f"{T0},1,1e309,0.5,1.5,10\n")
    _refused_in_one_line(tmp_path, capsys, path, "high is inf")


def test_a_corrupt_gzip_body_is_one_line(tmp_path: Path, capsys) -> None:
    body = bytearray(gzip.compress(csv_text(CandleStubs.wave(2000)).encode()))
    body[len(body) // 2 : len(body) // 2 + 16] = b"\xff" * 16  # zlib.error inside the stream
    path = tmp_path / "BTC_USDT-1h.csv.gz"
    path.write_bytes(bytes(body))
    _refused_in_one_line(tmp_path, capsys, path, "cannot read")


def test_a_truncated_gzip_is_one_line(tmp_path: Path, capsys) -> None:
    body = gzip.compress(csv_text(CandleStubs.wave(2000)).encode())
    path = tmp_path / "BTC_USDT-1h.csv.gz"
    path.write_bytes(body[: len(body) // 2])  # EOFError
    _refused_in_one_line(tmp_path, capsys, path, "truncated gzip")


def test_a_gz_name_that_is_not_gzip_is_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "BTC_USDT-1h.csv.gz"
    path.write_text(csv_text(CandleStubs.wave(3)))  # gzip.BadGzipFile
    _refused_in_one_line(tmp_path, capsys, path, "cannot read")


def test_a_field_over_131072_characters_is_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "BTC_USDT-1h.csv"
    path.write_text(csv_text(CandleStubs.wave(3)) + "1" * 131_073 + ",1,2,0.5,1.5,10\n")
    _refused_in_one_line(tmp_path, capsys, path, ":5: cannot read: field larger than")


def test_a_header_only_file_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "BTC_USDT-1h.csv"
    path.write_text(HEADER)
    _refused_in_one_line(tmp_path, capsys, path, "no rows")


def test_a_header_only_funding_file_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "BTC_USDT_USDT-funding.csv.gz"
    path.write_bytes(gzip.compress(b"timestamp_ms,funding_rate\n"))
    _refused_in_one_line(tmp_path, capsys, path, "no rows")


def test_an_empty_file_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "BTC_USDT-1h.csv"
    path.write_text("")
    _refused_in_one_line(tmp_path, capsys, path, "got an empty file")


def test_a_file_that_is_not_utf8_is_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "BTC_USDT-1h.csv"
    path.write_bytes(HEADER.encode() + b"\xff\xfe1,2\n")
    _refused_in_one_line(tmp_path, capsys, path, "cannot read")


def test_a_byte_order_mark_before_the_header_is_no_refusal(tmp_path: Path, capsys) -> None:
    path = tmp_path / "BTC_USDT-1h.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(CandleStubs.wave(3)).encode())
    code, errors, out = _import(tmp_path, capsys, path)
    assert code == 0 and errors == [] and "3 new events" in out


# -- two imports at once ---------------------------------------------------------------------
_MAIN = "import sys; from adapters.cli.main import main; sys.exit(main())"


def _cli(home: Path, *argv: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", _MAIN, "--home", str(home), *argv],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_imports_of_one_new_file_at_once(tmp_path: Path) -> None:
    """Two real processes: the second waits for the first (the import lock), then finds every
    row stored and adds nothing; no IntegrityError, both exit 0."""
    rows = CandleStubs.wave(20_000)
    path = write_csv(tmp_path / "BTC_USDT-1h.csv.gz", rows)
    home = tmp_path / "home"
    Engine(Home(home)).close()  # both processes open an existing store
    first, second = _cli(home, "data", "import", str(path)), _cli(home, "data", "import", str(path))
    results = [(p.wait(timeout=120), *p.communicate()) for p in (first, second)]
    for code, _out, err in results:
        assert code == 0 and "Traceback" not in err, err
    added = sorted(int(out.split(" new events")[0].split()[-1]) for _c, out, _e in results)
    assert added == [0, len(rows)]
    assert _events(home) == len(rows) + 1  # the candles and the series' listing, once


def test_a_busy_import_lock_is_waited_for(tmp_path: Path) -> None:
    lock = tmp_path / IMPORT_LOCK
    said: list[str] = []
    with ImportLock(lock):
        started = time.monotonic()
        busy = pytest.raises(ImportLockBusy, match="still running after 0 s")
        with busy, ImportLock(lock, wait_s=0.3, on_wait=said.append):
            pass
        assert time.monotonic() - started >= 0.3
    assert said == [f"waiting for another data import of this home (lock {lock})"]
    with ImportLock(lock, wait_s=0):  # released with its holder
        pass


def test_an_import_lock_held_too_long_is_one_line_exit_2(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setattr("adapters.services.importer.LOCK_WAIT_S", 0.2)
    path = write_csv(tmp_path / "BTC_USDT-1h.csv", CandleStubs.wave(3))
    home = tmp_path / "home"
    with ImportLock(home / IMPORT_LOCK):
        assert main(["--home", str(home), "data", "import", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("scalp-radar: waiting for another data import")
    assert err[1].startswith("scalp-radar: error: another data import of this home is still")
    assert len(err) == 2 and _events(home) == 0


def test_an_import_racing_another_writer_reads_the_store_again(tmp_path: Path) -> None:
    """Without the lock (a fetch, another machine on one PostgreSQL): the store refuses the
    conflicting transaction, the import reads the series again and adds only what is missing."""
    rows = CandleStubs.wave(50)
    path = write_csv(tmp_path / "BTC_USDT-1h.csv", rows)
    mine, other = Engine(Home(tmp_path / "home")), Engine(Home(tmp_path / "home"))
    try:
        assert mine.market_data.last_ts(BTC) is None  # caches "nothing stored" (version 1)
        other.market_data.append_candles(BTC, rows[:20])
        outcome = import_file(mine.market_data, path, "binance")
        assert (outcome.error, outcome.added) == (None, 30)
        assert (mine.store.recorder.max_notification_id() or 0) == 51
    finally:
        mine.close()
        other.close()
