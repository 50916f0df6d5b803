"""Use case: walk-forward optimisation of (strategy, symbol) pairs, recorded as events.

Every job is checked before any work starts (strategy defined, grid valid, data present and long
enough for one window). Jobs run in this process (progress per window) or on the local worker
pool (``adapters.services.local_pool``, ``--workers``) or on Dask workers
(``adapters.services.cluster``, ``--cluster``); each job is a pure function of its
candles and settings, and its result is saved as one ``OptimizationCompleted`` event only when it
is complete, so an interrupted run leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from adapters.services.backtest import (
    BacktestInputError,
    BacktestRequest,
    account,
    costs,
    load_market,
)
from adapters.services.local_pool import PoolShape, cores, local_pool, pool_shape
from adapters.services.traded_contract import VenueContracts
from config.settings import Settings
from domain.market import perpetual_of
from domain.strategies import REGISTRY
from domain.strategies.plans import MarketArrays
from domain.walk_forward_summary import WalkForwardSummary
from optimization.cost import Estimate, JobCost, estimate, job_cost
from optimization.grid_search import GridError, check_grid
from optimization.walk_forward import WalkForwardJob, run_walk_forward
from optimization.windows import WindowError, walk_forward_windows
from projections.market_data import MarketDataReader

if TYPE_CHECKING:
    from adapters.services.cluster_target import ClusterTarget

Progress = Callable[[int, int, str], None]


class OptimizeInputError(ValueError):
    """A job that cannot run: reported before any work starts (CLI exit 2)."""


@dataclass(frozen=True, slots=True)
class PreparedJob:
    job: WalkForwardJob
    market: MarketArrays
    validation: MarketArrays | None


def prepare(
    settings: Settings,
    reader: MarketDataReader,
    strategies: Sequence[str],
    symbols: Sequence[str],
    exchange: str = "binance",
    no_specs: bool = False,
    on_skip: Callable[[str], None] | None = None,
) -> list[PreparedJob]:
    """The jobs, checked; each market obeys the trading venue's contract of its perpetual
    (``no_specs``: none). A job that cannot run raises ``OptimizeInputError``, or, given
    ``on_skip``, is left out and its reason handed over (``optimize --all``: "every strategy x
    every asset" runs what the stored data allows)."""
    contracts = VenueContracts.of(settings, no_specs)
    jobs = []
    for strategy in strategies:
        for symbol in symbols:
            try:
                jobs.append(_prepare_one(settings, reader, strategy, symbol, exchange, contracts))
            except OptimizeInputError as exc:
                if on_skip is None:
                    raise
                on_skip(str(exc))
    return jobs


def _prepare_one(
    settings: Settings,
    reader: MarketDataReader,
    strategy: str,
    symbol: str,
    exchange: str,
    contracts: VenueContracts,
) -> PreparedJob:
    where = f"{strategy} on {symbol}"
    section = getattr(settings.strategies, strategy, None)
    grid = settings.param_grids.grids.get(strategy)
    if strategy not in REGISTRY or section is None:
        raise OptimizeInputError(f"{where}: unknown strategy or no section in strategies.yaml")
    if not grid:
        raise OptimizeInputError(f"{where}: no grid in param_grids.yaml")
    base = msgspec.structs.asdict(section)
    windows = settings.param_grids.wfo.overrides.get(strategy, settings.param_grids.wfo)
    spec = REGISTRY[strategy]
    request = BacktestRequest(strategy, symbol, section.timeframe, exchange)
    try:
        check_grid(grid, list(base))
        loaded = load_market(reader, request, section.timeframe, 0, spec.needs, contracts)
        market = loaded.market
        walk_forward_windows(
            market.ts,
            windows.is_days,
            windows.oos_days,
            windows.step_days,
            first=spec.warmup(section),
            embargo_days=windows.embargo_days,
        )
    except (GridError, WindowError, BacktestInputError) as exc:
        raise OptimizeInputError(f"{where}: {exc}") from exc
    job = WalkForwardJob(
        strategy=strategy,
        symbol=symbol,
        timeframe=section.timeframe,
        base_params=base,
        grid={k: list(v) for k, v in grid.items()},
        is_days=windows.is_days,
        oos_days=windows.oos_days,
        step_days=windows.step_days,
        embargo_days=windows.embargo_days,
        full_score_trades=settings.param_grids.wfo.full_score_trades,
        costs=costs(settings),
        account=account(settings),
        int_keys=int_keys(base),
        contract=loaded.contract.describe(),
    )
    validation = _validation(reader, request, section.timeframe, spec.needs, contracts)
    return PreparedJob(job, market, validation)


def int_keys(base: dict[str, Any]) -> tuple[str, ...]:
    """The parameters that stay integers when stability moves them by +-10/20 %."""
    return tuple(k for k, v in base.items() if isinstance(v, int) and not isinstance(v, bool))


def _validation(
    reader: MarketDataReader,
    request: BacktestRequest,
    timeframe: str,
    needs: tuple[str, ...],
    contracts: VenueContracts,
) -> MarketArrays | None:
    """The perpetual of the same asset, the transfer check's second data source (under the
    same contract: the venue's perpetual of the asset)."""
    if ":" in request.symbol:
        return None
    perp = BacktestRequest(
        request.strategy, perpetual_of(request.symbol), timeframe, request.exchange
    )
    try:
        return load_market(reader, perp, timeframe, 0, needs, contracts).market
    except BacktestInputError:
        return None


def fastest_workers(jobs: Sequence[PreparedJob]) -> int:
    """The worker count the cost model expects to finish ``jobs`` first, up to the cores: the
    pool's processes each run a job on one thread, which wins over one process with every
    thread (the walk-forward's serial part overlaps) once there are jobs enough to pay for the
    pool's start; one or a few run here."""
    return fastest_count([job_cost(p.job, p.market.ts) for p in jobs], cores())


def fastest_count(costs: Sequence[JobCost], available: int) -> int:
    """``fastest_workers`` for jobs of these costs on ``available`` cores (ties: fewer)."""

    def seconds(workers: int) -> float:
        shape = pool_shape(len(costs), workers, available)
        return estimate(costs, shape.processes, shape.threads).seconds

    return min(range(1, min(available, len(costs)) + 1), key=seconds, default=1)


def estimate_jobs(jobs: Sequence[PreparedJob], workers: int | None = 1) -> Estimate:
    """What ``run_jobs(jobs, workers)`` will cost: windows, combinations, kernel steps and the
    expected time on the pool it would use (``optimization.cost``)."""
    shape = pool_shape(len(jobs), workers, cores())
    costs = [job_cost(p.job, p.market.ts) for p in jobs]
    return estimate(costs, shape.processes, shape.threads)


def run_jobs(
    jobs: Sequence[PreparedJob],
    workers: int | None = 1,
    progress: Callable[[str], Progress] | None = None,
    cluster: ClusterTarget | None = None,
) -> Iterator[WalkForwardSummary]:
    """Summaries as jobs complete (in completion order with a pool or a cluster). ``workers``
    processes (None: as many as the cores and jobs allow) on the local pool, each with its share
    of the cores as numba threads; one job, or one worker, runs here with every thread.
    ``cluster``: on Dask workers instead (``adapters.services.cluster``), a LocalCluster shaped
    like the pool; progress then counts the jobs returned (one bar, labelled "on the
    cluster")."""
    shape = pool_shape(len(jobs), workers, cores())
    if cluster is not None:
        yield from _on_cluster(jobs, shape, progress, cluster)
        return
    if shape.processes <= 1:
        for prepared in jobs:
            label = f"{prepared.job.strategy} {prepared.job.symbol}"
            yield _run(prepared, progress(label) if progress else None)
        return
    pool = local_pool(shape)
    futures = [pool.submit(_run, prepared, None) for prepared in jobs]
    try:
        for future in as_completed(futures):
            yield future.result()
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def _on_cluster(
    jobs: Sequence[PreparedJob],
    shape: PoolShape,
    progress: Callable[[str], Progress] | None,
    cluster: ClusterTarget,
) -> Iterator[WalkForwardSummary]:
    # imported here: the extra is optional, and the cluster's warm-up imports this module
    from adapters.services.cluster import run_on_cluster

    update = progress("on the cluster") if progress is not None else None
    for done, summary in enumerate(run_on_cluster(cluster, jobs, shape), 1):
        if update is not None:
            update(done, len(jobs), f"{summary.strategy} {summary.symbol}")
        yield summary


def _run(prepared: PreparedJob, progress: Progress | None) -> WalkForwardSummary:
    return run_walk_forward(prepared.job, prepared.market, prepared.validation, progress)
