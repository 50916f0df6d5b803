"""Deflated Sharpe Ratio (Bailey & López de Prado, "The Deflated Sharpe Ratio", JPM 2014).

The probability that the true Sharpe ratio of the selected strategy exceeds what the best of N
unskilled trials would show by luck alone::

    DSR = Phi((SR - SR0) * sqrt(T - 1) / sqrt(1 - g3 * SR + (g4 - 1) / 4 * SR^2))
    SR0 = sqrt(V[SR_n]) * ((1 - gamma) * PhiInv(1 - 1/N) + gamma * PhiInv(1 - 1/(N e)))

with g3 the skewness and g4 the raw kurtosis (3 for a normal) of the selected strategy's returns,
T their count, gamma the Euler-Mascheroni constant, N the number of trials and V[SR_n] the
variance of the trials' Sharpe ratios.

Every quantity is in ONE frequency: the frequency of ``returns`` (daily for this project). SR and
SR0 are **per-period** Sharpe ratios, never annualised; an annualised Sharpe of the project
(``domain.metrics``, daily x sqrt(365)) becomes per-period by dividing by sqrt(365). Mixing an
annualised SR with per-period moments was one of the seed's bugs (see the errata).

Estimators: SR = mean / std with ddof=1 (the project's convention); skewness and kurtosis are the
moment ratios m3 / m2^1.5 and m4 / m2^2 with population moments (the paper's definitions);
V[SR_n] is the sample variance (ddof=1) of the trials' Sharpe ratios. The normal CDF and its
inverse come from ``statistics.NormalDist`` (no scipy, see the roadmap).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from domain.walk_forward_summary import DsrResult

EULER_GAMMA = 0.5772156649015329
_NORMAL = NormalDist()


def expected_max_sharpe(var_sr: float, n_trials: int) -> float:
    """SR0: the expected maximum Sharpe ratio of ``n_trials`` trials with zero true Sharpe whose
    estimated Sharpe ratios have variance ``var_sr`` (the False Strategy theorem). 0 for N = 1:
    a single trial is not a selection."""
    if n_trials < 1:
        raise ValueError("n_trials must be at least 1")
    if n_trials == 1 or var_sr <= 0:
        return 0.0
    quantile = (1 - EULER_GAMMA) * _NORMAL.inv_cdf(1 - 1 / n_trials)
    quantile += EULER_GAMMA * _NORMAL.inv_cdf(1 - 1 / (n_trials * math.e))
    return math.sqrt(var_sr) * quantile


def dsr_from_moments(sr: float, sr0: float, t: int, skew: float, kurt: float) -> float:
    """Phi((SR - SR0) sqrt(T-1) / sqrt(1 - g3 SR + (g4-1)/4 SR^2)), all per period.

    With SR0 = 0 this is the Probabilistic Sharpe Ratio PSR(0)."""
    if t < 2:
        return 0.0  # one return says nothing about a Sharpe ratio: no credit
    denominator = 1 - skew * sr + (kurt - 1) / 4 * sr * sr
    if denominator <= 0:
        # Pearson's inequality g4 >= g3^2 + 1 keeps this >= 0; 0 only for a two-point
        # distribution, where the estimate has no spread: the verdict is certain.
        return 1.0 if sr > sr0 else 0.0 if sr < sr0 else 0.5
    return _NORMAL.cdf((sr - sr0) * math.sqrt(t - 1) / math.sqrt(denominator))


def deflated_sharpe(returns: np.ndarray, trial_sharpes: np.ndarray) -> DsrResult:
    """DSR of the strategy with per-period ``returns``, selected among ``trial_sharpes`` (the
    per-period Sharpe ratios of all N trials, the selected one included)."""
    trial_sharpes = np.asarray(trial_sharpes, dtype=float)
    n_trials = len(trial_sharpes)
    if n_trials < 1:
        raise ValueError("at least one trial (the selected strategy) is needed")
    var_sr = float(np.var(trial_sharpes, ddof=1)) if n_trials > 1 else 0.0
    sr0 = expected_max_sharpe(var_sr, n_trials)
    sr, skew, kurt = _moments(np.asarray(returns, dtype=float))
    t = len(returns)
    return DsrResult(dsr_from_moments(sr, sr0, t, skew, kurt), sr, sr0, t, n_trials, skew, kurt)


def _moments(x: np.ndarray) -> tuple[float, float, float]:
    """(Sharpe ddof=1, skewness, raw kurtosis); (0, 0, 3) when there is no variation."""
    if len(x) < 2:
        return 0.0, 0.0, 3.0
    # All three are scale-invariant: rescaling first keeps tiny returns from underflowing.
    scale = float(np.max(np.abs(x)))
    if scale == 0:
        return 0.0, 0.0, 3.0
    x = x / scale
    deviations = x - np.mean(x)
    m2 = float(np.mean(deviations**2))
    if m2 == 0:
        return 0.0, 0.0, 3.0
    z = deviations / math.sqrt(m2)
    sr = float(np.mean(x)) / float(np.std(x, ddof=1))
    return sr, float(np.mean(z**3)), float(np.mean(z**4))
