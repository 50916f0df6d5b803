"""The shared words of trading figures: funding paid or received, exits named for what closed
them, kill-switch trips as sentences, prices with their tick's decimals."""

from __future__ import annotations

import pytest

from projections import words
from projections.paper import journal


def test_funding_received_is_said_received_without_a_sign() -> None:
    # the domain's convention: > 0 paid, < 0 received
    assert words.funding(-41.81) == "funding received 41.81"
    assert words.paid_or_received(1234.5) == "paid 1,234.50"


def test_the_journal_says_funding_as_the_trades_do() -> None:
    line = journal.funding_charged({"key": "g", "amount": -41.84, "rate": -0.0001})
    assert line == "g funding received 41.84 (rate -0.01 %)"


def test_a_grid_take_profit_is_an_exit_at_the_moving_average() -> None:
    assert words.trade_exit({"strategy": "grid_atr", "reason": "tp"}) == "exit at MA"
    assert words.trade_exit({"strategy": "bollinger_mr", "reason": "tp"}) == "take-profit"


def test_the_journal_says_whether_a_grid_exit_at_the_ma_won() -> None:
    trade = {"strategy": "grid_atr", "side": 1, "levels": 4, "reason": "tp",
             "exit_price": 95000.0, "pnl": -1327.93}  # fmt: skip
    assert journal.grid_cycle_closed("grid_atr:BTC/USDT", trade) == (
        "grid_atr:BTC/USDT long grid of 4 levels closed (exit at MA) at 95000: lost, P&L -1327.93"
    )


def test_a_drawdown_trip_is_a_sentence_with_its_peak_date() -> None:
    figures = {"drawdown_percent": 10.56, "threshold_percent": 10.0, "peak_equity": 11250.0,
               "peak_ts": 1_736_294_400_000, "equity": 10062.0, "window_hours": 24}  # fmt: skip
    assert words.trip_sentence("drawdown", figures) == (
        "equity fell 10.56 % from its peak of 11,250.00 on 2025-01-08 00:00 UTC "
        "(limit 10.00 % within 24 h)"
    )


def test_a_daily_loss_trip_says_closed_and_open_losses() -> None:
    figures = {"loss_percent": 0.62, "threshold_percent": 0.5, "realized": -12.0,
               "unrealized": -50.0, "capital": 10000.0}  # fmt: skip
    assert words.trip_sentence("daily_loss", figures) == (
        "lost 0.62 % of the capital today (UTC): -12.00 closed, -50.00 open (limit 0.50 %)"
    )


@pytest.mark.parametrize(
    ("value", "tick", "text"),
    [
        (96954.61, 0.1, "96,954.6"),
        (3381.31, 0.01, "3,381.31"),
        (152.345, 0.001, "152.345"),
        (0.2514, 0.0001, "0.2514"),
        (101.25, 0.25, "101.25"),
        (96950.0, 5.0, "96,950"),
        (96954.6123, None, "96,954.612"),  # no tick known: 8 significant digits
    ],
)
def test_a_price_has_its_ticks_decimals_and_separators(
    value: float, tick: float | None, text: str
) -> None:
    assert words.price(value, tick) == text


def test_a_price_change_has_its_sign_and_the_ticks_decimals() -> None:
    assert words.price_change(0.2000000001, 0.1) == "+0.2"
    assert words.price_change(-1234.5, 0.1) == "-1,234.5"
    # 104,511.49999999999 against 104,511.5: no difference at the tick, no sign
    assert words.price_change(104511.49999999999 - 104511.5, 0.1) == "0.0"
