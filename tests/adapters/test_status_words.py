"""``paper status`` says a trip and prices in the dashboard's words (``projections.words``)."""

from __future__ import annotations

from adapters.cli.status_report import render

VIEW = {
    "name": "paper",
    "last_ts": 1_736_294_400_000,  # 2025-01-08 00:00 UTC
    "capital": 10_000.0,
    "equity": 8_760.7,
    "cash": 10_010.8,
    "margin_used": 4_166.67,
    "trades_closed": 1,
    "kill": {
        "reason": "drawdown",
        "ts": 1_736_294_400_000,
        "figures": {
            "drawdown_percent": 10.56,
            "threshold_percent": 10.0,
            "peak_equity": 11_250.0,
            "peak_ts": 1_736_208_000_000,
            "window_hours": 24,
        },
    },
    "halt": None,
    "runners": [],
    "positions": [
        {
            "key": "grid_atr:BTC/USDT",
            "side": 1,
            "levels": 2,
            "avg_entry": 96954.61,
            "qty": 0.05,
            "margin": 1616.0,
            "mark": 95404.1,
            "unrealized": -77.53,
        }
    ],
}


def test_a_trip_is_a_sentence_and_prices_have_separators() -> None:
    text = render(VIEW)
    assert (
        "  kill switch: TRIPPED at 2025-01-08 00:00: equity fell 10.56 % from its peak of "
        "11,250.00 on 2025-01-07 00:00 UTC (limit 10.00 % within 24 h)"
    ) in text
    assert "2 level(s) avg 96,954.61 qty 0.05 margin 1,616.00 last 95,404.1 " in text
