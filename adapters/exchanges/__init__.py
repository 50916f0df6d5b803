"""Exchanges through ccxt: what each venue allows, the client, the backfill of candles, funding
and open interest, contract specs, the live candle feed, the Bitget account gateway of live
trading (``bitget_account``).

Imports only ``adapters.exchanges`` and ``adapters.text``; what it fetches goes to a sink the
caller passes (never the store directly).
"""
