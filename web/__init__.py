"""Litestar dashboard (server-rendered HTMX); reads projections only."""
