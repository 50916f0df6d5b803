"""The Live screen: the exchange account as the Executor's events built it (equity, free and used
margin, positions with their exchange-side stop and take-profit, open orders with their age, the
last reconciliation, halted symbols, the account kill switch, the recent fills), paper versus
live trade by trade against the shadow portfolio, and the operator's commands on that shadow
("stop new entries", "allow entries", "flatten all"), key-guarded and sent through
``adapters.services.portfolio_commands`` as the CLI's and the bot's are.

It absorbs the former Account screen (a subset of it): ``/account`` redirects here.
"""

from __future__ import annotations

from typing import Any

import anyio
from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from adapters.services.jobs import JobRunner
from adapters.services.portfolio_commands import (
    RequestOutcome,
    UnknownPortfolioError,
    request_entries_halt,
    request_flatten,
)
from projections.live.reader import AccountView, LiveReader
from projections.live.versus import paper_vs_live
from projections.paper.reader import PaperReader
from web import inputs, paper_data
from web.auth import require_api_key
from web.templating import fragment, page

FILLS_SHOWN = 20
PAIRS_SHOWN = 50
# the shadow portfolio `scalp-radar live` trades by default, then a rehearsal's
SHADOWS = ("live", "rehearsal")
ENTRIES = {"stop": True, "allow": False}  # the form's word -> halt


def _db(request: Request):
    return request.app.state.read.db()


def _shadow(request: Request, value: str | None) -> str | None:
    """The paper portfolio shadowing the account: the one asked for, else the first of
    ``SHADOWS`` that exists (None: no shadow yet)."""
    names = paper_data.portfolio_names(_db(request))
    default = next((s for s in SHADOWS if s in names), "")
    return inputs.choice("portfolio", value, names, default) or None


def as_of(view: AccountView, *others: int) -> int:
    """The newest moment the read model knows of the account (its balance refresh, its
    reconciliation, its newest order) or of ``others`` (its newest fill, the shadow's last
    candle): open orders' ages are measured from it, in the account's own clock (a rehearsal
    runs in market time, and the wall clock would age its orders by years)."""
    a = view.account
    return max([a.balance_ts, a.reconciled_ts, *(o.ts for o in view.orders), *others])


@get("/live", sync_to_thread=False)
def show_live(request: Request, portfolio: FromQuery[str | None] = None) -> Template:
    db = _db(request)
    views = LiveReader(db).views()
    shadow = _shadow(request, portfolio)
    commands = _commands_context(db, shadow)
    shadow_ts = commands["pf"]["last_ts"] if commands["pf"] else 0
    accounts = [_account_context(db, v, shadow, shadow_ts) for v in views]
    live = ("accounts", "command-state") if views or shadow else ()
    return page(
        request,
        "live.html",
        "live",
        live,
        accounts=accounts,
        limits=request.app.state.settings.risk.live_kill_switch,
        portfolios=paper_data.portfolio_names(db),
        **commands,
    )


def _account_context(db, view: AccountView, shadow: str | None, shadow_ts: int) -> dict[str, Any]:
    """What the page shows of one account besides its view: its fills, its kill switch's
    trips, its trades against the shadow's (newest first), the moment its orders' ages are
    measured at."""
    reader, account = LiveReader(db), view.account.account
    fills = reader.fills(account, FILLS_SHOWN)
    pairs = paper_vs_live(db, account, shadow)[-PAIRS_SHOWN:] if shadow else []
    return {
        "v": view,
        "as_of": as_of(view, shadow_ts, *(f.ts for f in fills[:1])),
        "fills": fills,
        "trips": reader.trips(account),
        "pairs": pairs[::-1],
    }


@get("/account", sync_to_thread=False)
def account_moved() -> Redirect:
    """The Account screen's address, kept: the Live screen holds everything it showed."""
    return Redirect("/live", status_code=301)


@post(
    "/live/entries",
    guards=[require_api_key],
    status_code=200,
    request_max_body_size=inputs.MAX_FORM_BYTES,
)
async def set_entries(request: Request) -> Template:
    """Stop (``entries=stop``) or allow again (``entries=allow``) the shadow's new entries:
    live trading follows its shadow, so no new entry order goes to the venue."""
    form = await inputs.command_form(request, ("portfolio", "entries"))
    name = _command_portfolio(request, form)
    chosen = inputs.choice("entries", inputs.present(form, "entries"), ENTRIES, "")
    if not chosen:  # an empty choice says nothing: stop or allow must be said
        raise inputs.bad_request("entries", "is required")
    halt = ENTRIES[chosen]
    return await _run(request, name, lambda engine, settings: request_entries_halt(
        engine, settings, name, halt, "web"
    ))  # fmt: skip


@post(
    "/live/flatten",
    guards=[require_api_key],
    status_code=200,
    request_max_body_size=inputs.MAX_FORM_BYTES,
)
async def flatten_all(request: Request) -> Template:
    """Close every position of the shadow and stop its entries; the live process closes the
    venue's positions as its shadow did."""
    form = await inputs.command_form(request, ("portfolio",))
    name = _command_portfolio(request, form)
    return await _run(request, name, lambda engine, settings: request_flatten(
        engine, settings, name, "web"
    ))  # fmt: skip


def _command_portfolio(request: Request, form: dict[str, str]) -> str:
    names = paper_data.portfolio_names(_db(request))
    if not names:
        raise NotFoundException(detail="no paper portfolio yet: nothing to command")
    name = inputs.choice("portfolio", inputs.present(form, "portfolio"), names, "")
    if not name:
        raise inputs.bad_request("portfolio", "is required")
    return name


async def _run(request: Request, name: str, command: Any) -> Template:
    state = request.app.state
    try:
        outcome = await anyio.to_thread.run_sync(_locked, state.jobs, state, command)
    except UnknownPortfolioError as exc:
        raise NotFoundException(detail=str(exc)) from exc
    context = _commands_context(_db(request), name)
    context["outcome"] = outcome.text
    return fragment("partials/live_commands.html", **context)


def _locked(jobs: JobRunner, state: Any, command: Any) -> RequestOutcome:
    # the engine (store, read-DB writer) is shared with jobs and the catch-up loop: one at a time
    with jobs.engine_lock:
        return command(state.engine, state.settings)


def _commands_context(db, shadow: str | None) -> dict[str, Any]:
    return {
        "shadow": shadow,
        "pf": PaperReader(db).portfolio(shadow) if shadow else None,
        "outcome": None,
    }


HANDLERS = [show_live, account_moved, set_entries, flatten_all]
