"""The Account screen: the live exchange account as the Executor's events built it (balance,
positions with their stops, open orders, halted symbols, the last reconciliation and the
recent fills), read from the live read model (``projections.live``)."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from projections.live.reader import LiveReader
from web.templating import page

FILLS_SHOWN = 20


@get("/account", sync_to_thread=False)
def show_account(request: Request) -> Template:
    reader = LiveReader(request.app.state.read.db())
    views = reader.views()
    fills = {v.account.account: reader.fills(v.account.account, FILLS_SHOWN) for v in views}
    live = ("accounts",) if views else ()
    return page(request, "account.html", "account", live, views=views, fills=fills)


HANDLERS = [show_account]
