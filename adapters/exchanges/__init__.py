"""Exchanges through ccxt: what each venue allows, the client, the backfill of candles, funding
and open interest, contract specs, the live candle feed.

Imports only ``adapters.exchanges`` and ``adapters.text``; what it fetches goes to a sink the
caller passes (never the store directly).
"""
