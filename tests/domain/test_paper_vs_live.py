"""Paper versus live, pairing and differences, on hand-made trades."""

from __future__ import annotations

import pytest

from domain.live_trades import LiveTrade
from domain.paper_vs_live import pair_trades
from domain.trades import Trade

H = 3_600_000
BTC = "BTC/USDT:USDT"


def paper(side: int, entry_ts: int, entry: float, exit_: float, symbol: str = BTC) -> Trade:
    return Trade(
        strategy="grid_atr", symbol=symbol, side=side, entry_ts=entry_ts, exit_ts=entry_ts + 2 * H,
        entry_price=entry, exit_price=exit_, qty=2.0, levels=1, gross=0.0, entry_fees=0.1,
        exit_fee=0.2, funding=0.0, pnl=0.0, reason="tp",
    )  # fmt: skip


def live(side: int, entry_ts: int, entry: float, exit_: float, symbol: str = BTC) -> LiveTrade:
    return LiveTrade(
        symbol=symbol, side=side, entry_ts=entry_ts, exit_ts=entry_ts + 2 * H,
        entry_price=entry, exit_price=exit_, qty=2.0, fees=0.5, pnl=0.0,
    )  # fmt: skip


def test_a_fill_within_the_entry_candle_pairs_with_the_paper_trade() -> None:
    [pair] = pair_trades(
        [live(1, 5 * H + 3, 100.5, 109.0)], [paper(1, 5 * H, 100.0, 110.0)], {BTC: H}
    )
    assert pair.both and pair.entry_ts == 5 * H
    assert pair.entry_diff == pytest.approx(0.5) and pair.exit_diff == pytest.approx(-1.0)
    # long: bought 0.5 higher and sold 1.0 lower than paper, on 2 units: 3.0 paper did not see
    assert pair.slippage == pytest.approx(3.0)
    assert pair.paper_fees == pytest.approx(0.3)


def test_a_short_that_sold_higher_than_paper_gained_by_it() -> None:
    [pair] = pair_trades([live(-1, 2 * H, 101.0, 90.0)], [paper(-1, 2 * H, 100.0, 90.0)], {BTC: H})
    assert pair.slippage == pytest.approx(-2.0)  # sold 1.0 higher on 2 units


def test_a_fill_of_the_next_candle_is_not_that_paper_trade() -> None:
    pairs = pair_trades([live(1, 6 * H, 100.0, 110.0)], [paper(1, 5 * H, 100.0, 110.0)], {BTC: H})
    assert [(p.entry_ts, p.paper is None, p.live is None) for p in pairs] == [
        (5 * H, False, True),  # paper only
        (6 * H, True, False),  # live only
    ]
    assert pairs[0].slippage is None and pairs[1].entry_diff is None


def test_sides_and_symbols_must_match() -> None:
    eth = "ETH/USDT:USDT"
    pairs = pair_trades(
        [live(-1, 5 * H, 100.0, 90.0), live(1, 5 * H, 100.0, 110.0, eth)],
        [paper(1, 5 * H, 100.0, 110.0)],
        {BTC: H, eth: H},
    )
    assert not any(p.both for p in pairs) and len(pairs) == 3
