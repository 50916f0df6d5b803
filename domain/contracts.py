"""The venue's rules for one perpetual contract, and what they do to an order and a position.

A ``Contract`` holds the figures every engine obeys (the event-driven runners, the fast kernels,
paper and live): prices on the ``tick`` grid, quantities floored to the ``step``, orders below
``min_qty`` or ``min_notional`` not placed, and isolated-margin liquidation at the maintenance
margin rate of the position's tier.

Liquidation (isolated margin, linear USDT contract). Bitget's rule ("Position Tier", Bitget
support article 360052911052): a position is liquidated when its margin rate falls to the
maintenance margin rate of its tier, where

    margin rate = (position margin + unrealised P&L) / position value, position value = qty x P.

With margin ``M``, quantity ``q``, average entry ``E`` and rate ``r``, solving
``M + side x q x (P - E) = r x q x P`` for ``P`` gives

    long:  P_liq = (E - M / q) / (1 - r)        short: P_liq = (E + M / q) / (1 + r)

At leverage ``L`` with ``M = q x E / L``: ``E (1 - 1/L) / (1 - r)``, 16.3 % below the entry at 6x
and 0.4 %. The venue checks it on the mark price; the engines check it on the candle's path like
a stop (``domain.execution``), and a liquidated position loses its whole margin (the venue's
liquidation fee is what the maintenance margin leaves). Funding is paid from the account, not
from the position's margin, so it does not move the liquidation price here.

``floor_to_step`` and ``liquidation_price`` are numba ``@njit``: the fast kernels call the very
code the event-driven runners call (as ``domain.ticks``; the same note on numba's cache applies).
"""

from __future__ import annotations

import math

import msgspec
import numpy as np
from numba import njit

from domain.ticks import price_scale


class MarginTier(msgspec.Struct, frozen=True):
    """One row of the venue's position tiers: up to ``max_notional`` (quote currency) of position
    value, the maintenance margin rate ``mmr`` and the highest leverage allowed."""

    max_notional: float
    mmr: float
    max_leverage: float


class Contract(msgspec.Struct, frozen=True):
    """A market's trading rules. Zero means "not known" and disables the rule: ``tick`` 0 leaves
    prices as computed, ``step`` 0 any quantity, ``min_qty`` / ``min_notional`` 0 no minimum,
    ``max_leverage`` 0 no cap, no ``tiers`` no liquidation."""

    tick: float = 0.0
    step: float = 0.0
    min_qty: float = 0.0
    min_notional: float = 0.0
    max_leverage: float = 0.0
    tiers: tuple[MarginTier, ...] = ()

    def tier_table(self) -> np.ndarray:
        """The tiers as a (2, k) float64 array for ``tier_mmr``: upper bounds, then rates."""
        table = np.array([[t.max_notional, t.mmr] for t in self.tiers], dtype=np.float64)
        return np.ascontiguousarray(table.reshape(-1, 2).T)

    def order_qty(self, notional: float, price: float) -> float:
        """``sized_qty`` under this contract's step and minimums."""
        inv, unit = price_scale(self.step)
        return sized_qty(notional, price, inv, unit, self.min_qty, self.min_notional)


@njit(cache=True, error_model="numpy")
def floor_to_step(qty: float, step: float) -> float:
    """``qty`` floored to a multiple of ``step`` (unchanged when ``step`` is 0), as the float the
    decimal multiple parses to (``domain.ticks``' arithmetic: 0.3, not 3 x 0.1). A quantity a
    hair below a multiple (binary round-off) is taken as that multiple, not floored a step down."""
    inv, unit = price_scale(step)
    return floor_scaled(qty, inv, unit)


@njit(cache=True, error_model="numpy")
def floor_scaled(qty: float, inv: float, unit: float) -> float:
    """``floor_to_step`` with the step as ``domain.ticks.price_scale`` gives it (computed once
    by the callers that size many orders)."""
    if inv > 0.0:
        return math.floor(qty * inv + 1e-9) / inv
    if unit > 0.0:
        return math.floor(qty / unit + 1e-9) * unit
    return qty


@njit(cache=True, error_model="numpy")
def sized_qty(
    notional: float, price: float, inv: float, unit: float, min_qty: float, min_notional: float
) -> float:
    """The quantity an order worth ``notional`` at ``price`` may have: floored to the step
    (``(inv, unit)``, its ``price_scale``), 0.0 when it falls below the minimum quantity or
    notional (the order is not placed)."""
    qty = floor_scaled(notional / price, inv, unit)
    if qty <= 0.0 or qty < min_qty or qty * price < min_notional:
        return 0.0
    return qty


@njit(cache=True, error_model="numpy")
def liquidation_price(side: int, entry: float, qty: float, margin: float, mmr: float) -> float:
    """Where an isolated position of ``qty`` at average ``entry`` with ``margin`` is liquidated
    (module docstring); 0.0 for a long that cannot be liquidated (the margin covers a fall to 0)
    and when no rate is known."""
    if mmr <= 0.0:
        return 0.0
    cushion = margin / qty
    if side > 0:
        price = (entry - cushion) / (1.0 - mmr)
        return price if price > 0.0 else 0.0
    return (entry + cushion) / (1.0 + mmr)


def liquidation_distance(leverage: float, mmr: float) -> float:
    """How far from its entry (a fraction) a fresh position at ``leverage`` is liquidated, on
    the nearer side (a short's: ``(1/L - r) / (1 + r)``; a long's divides by ``1 - r``)."""
    return (1.0 / leverage - mmr) / (1.0 + mmr)


@njit(cache=True, error_model="numpy")
def tier_mmr(tiers: np.ndarray, notional: float) -> float:
    """The maintenance margin rate of a position worth ``notional`` in ``tiers`` (a
    ``Contract.tier_table``; beyond the last bound, the last rate); 0.0 without tiers."""
    k = tiers.shape[1]
    if k == 0:
        return 0.0
    for j in range(k):
        if notional <= tiers[0, j]:
            return tiers[1, j]
    return tiers[1, k - 1]


@njit(cache=True, error_model="numpy")
def liquidation_trigger(
    side: int, qty: float, cost: float, margin: float, tiers: np.ndarray, inv: float, step: float
) -> float:
    """The liquidation price of an open position (``qty`` bought or sold for ``cost``, holding
    ``margin``) on the tick grid described by ``domain.ticks.price_scale``, rounded towards the
    entry (a long's up, a short's down: the engines never let a candle pass the venue's trigger
    unnoticed); 0.0 when there is none (no tiers, or a long whose margin covers a fall to 0).
    The tier is that of the position's value at entry (``cost``)."""
    price = liquidation_price(side, cost / qty, qty, margin, tier_mmr(tiers, cost))
    if price <= 0.0:
        return 0.0
    if inv > 0.0:
        units = price * inv
        return (math.ceil(units - 1e-9) if side > 0 else math.floor(units + 1e-9)) / inv
    if step > 0.0:
        units = price / step
        return (math.ceil(units - 1e-9) if side > 0 else math.floor(units + 1e-9)) * step
    return price


@njit(cache=True, error_model="numpy")
def adverse_exit(side: int, stop: float, liquidation: float) -> tuple[float, bool]:
    """The adverse exit a move against the position reaches first: the stop, or the
    liquidation price when it lies between the price and the stop (a tie counts as the
    liquidation); the flag says it is the liquidation. ``liquidation`` 0.0: none."""
    if liquidation > 0.0 and (liquidation >= stop if side > 0 else liquidation <= stop):
        return liquidation, True
    return stop, False


@njit(cache=True, error_model="numpy")
def adverse_fill(
    side: int, fill: float, liquidated: bool, liquidation: float
) -> tuple[float, bool]:
    """Where the adverse exit a candle reached closes the position: at the stop's ``fill``,
    unless that exit is the liquidation (``liquidated``, from ``adverse_exit``) or the fill
    lands at or beyond the liquidation price (a gap, slippage: the venue liquidates first); then
    at the liquidation price, and the flag says so."""
    beyond = liquidation > 0.0 and (fill <= liquidation if side > 0 else fill >= liquidation)
    if liquidated or beyond:
        return liquidation, True
    return fill, False
