"""A local Bitget: USDT perpetuals matched on stored candles, served over Bitget's v2 REST API."""
