"""How the live candle feed fails, importable without ccxt: ``paper`` catches it, and every other
command loads no exchange client (``adapters.exchanges.live_feed`` raises it)."""

from __future__ import annotations


class LiveFeedError(RuntimeError):
    """The feed stopped: the exchange refused something retrying cannot fix, or the network
    stayed down for ``RetryPolicy.attempts`` connections in a row."""
