"""Deflated Sharpe Ratio against the paper's worked example, a hand-made series and properties."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimization.dsr import deflated_sharpe, dsr_from_moments, expected_max_sharpe

# Bailey & Lopez de Prado (2014), section "A numerical example": annualised SR 2.5 over five
# years of daily returns (T = 1250, 250 trading days a year), skewness -3, kurtosis 10, N = 100
# trials whose annualised Sharpe ratios have variance 0.5. Everything is converted to per day:
#   SR        = 2.5 / sqrt(250)                       = 0.158114
#   V[SR_n]   = 0.5 / 250 = 0.002, sqrt               = 0.0447214
#   PhiInv(1 - 1/100)            = PhiInv(0.99)       = 2.326348  (normal table)
#   PhiInv(1 - 1/(100 e))        = PhiInv(0.9963212)  = 2.680210  (normal table)
#   (1 - 0.5772157) * 2.326348 = 0.983543 ; 0.5772157 * 2.680210 = 1.547059 ; sum 2.530603
#   SR0       = 0.0447214 * 2.530603                  = 0.113172  (paper: 0.1132)
#   numerator = (0.158114 - 0.113172) * sqrt(1249) = 0.044942 * 35.34119 = 1.588300
#   variance  = 1 + 3 * 0.158114 + (10 - 1) / 4 * 0.158114^2 = 1 + 0.474342 + 0.05625 = 1.530592
#   z         = 1.588300 / sqrt(1.530592) = 1.588300 / 1.237171  = 1.283816
#   DSR       = Phi(1.2838) = 0.89973 + 0.38 * (0.90147 - 0.89973)  = 0.9004  (paper: 0.9004)
PAPER_SR = 2.5 / math.sqrt(250)
PAPER_VAR = 0.5 / 250


def test_expected_max_sharpe_matches_the_paper() -> None:
    assert expected_max_sharpe(PAPER_VAR, 100) == pytest.approx(0.113172, abs=2e-6)
    # annualised back: 0.113172 * sqrt(250) = 1.7894
    assert expected_max_sharpe(0.5, 100) == pytest.approx(1.7894, abs=1e-4)


def test_dsr_matches_the_paper_example() -> None:
    sr0 = expected_max_sharpe(PAPER_VAR, 100)
    assert dsr_from_moments(PAPER_SR, sr0, 1250, -3.0, 10.0) == pytest.approx(0.9004, abs=1e-4)


def test_annualised_sr_with_daily_moments_is_not_the_paper_answer() -> None:
    # the seed's unit mix: an annualised SR fed with a per-day SR0 and per-day moments
    sr0 = expected_max_sharpe(PAPER_VAR, 100)
    assert dsr_from_moments(2.5, sr0, 1250, -3.0, 10.0) > 0.99


def test_single_trial_has_no_deflation() -> None:
    assert expected_max_sharpe(0.3, 1) == 0.0
    with pytest.raises(ValueError):
        expected_max_sharpe(0.3, 0)


def test_deflated_sharpe_on_a_hand_series_is_the_psr_when_n_is_one() -> None:
    returns = np.array([-0.01, 0.0, 0.01, 0.02, 0.03])
    # mean 0.01; deviations -2,-1,0,1,2 (x0.01); sample variance 10/4 = 2.5 -> SR = 1/sqrt(2.5)
    # symmetric -> skew 0; m2 = 10/5 = 2, m4 = 34/5 = 6.8 -> kurtosis 6.8/4 = 1.7
    # z = SR sqrt(T-1) / sqrt(1 + 0.7/4 * 0.4) = sqrt(0.4) * 2 / sqrt(1.07) = sqrt(1.6/1.07)
    #   = 1.222836 -> Phi = 0.8893 (table: Phi(1.22) = 0.88877, Phi(1.23) = 0.89065)
    result = deflated_sharpe(returns, np.array([1 / math.sqrt(2.5)]))
    assert result.sr == pytest.approx(1 / math.sqrt(2.5))
    assert result.skew == pytest.approx(0.0, abs=1e-12)
    assert result.kurt == pytest.approx(1.7)
    assert (result.t, result.n_trials, result.sr0) == (5, 1, 0.0)
    assert result.dsr == pytest.approx(0.8893, abs=1e-4)
    assert result.dsr == pytest.approx(dsr_from_moments(result.sr, 0.0, 5, 0.0, 1.7))


def test_deflated_sharpe_uses_the_sample_variance_of_the_trials() -> None:
    returns = np.array([-0.01, 0.0, 0.01, 0.02, 0.03])
    trials = np.array([0.1, 0.3, 0.5])  # sample variance ((-.2)^2 + 0 + .2^2) / 2 = 0.04
    result = deflated_sharpe(returns, trials)
    assert result.sr0 == pytest.approx(expected_max_sharpe(0.04, 3))
    assert result.n_trials == 3


def test_dsr_decreases_as_the_number_of_trials_grows() -> None:
    sr0s = [expected_max_sharpe(PAPER_VAR, n) for n in (1, 2, 10, 100, 1000, 10000)]
    assert sr0s == sorted(sr0s) and len(set(sr0s)) == len(sr0s)
    dsrs = [dsr_from_moments(PAPER_SR, s, 1250, -3.0, 10.0) for s in sr0s]
    assert all(a > b for a, b in itertools.pairwise(dsrs))


def test_dsr_decreases_with_more_trials_of_the_same_spread() -> None:
    rng = np.random.default_rng(1)
    returns = rng.normal(0.002, 0.01, 500)
    previous = 1.0
    for n in (2, 10, 100, 1000):
        trials = np.linspace(-1.0, 1.0, n)
        trials = trials / np.std(trials, ddof=1) * 0.05  # variance 0.0025 for every N
        current = deflated_sharpe(returns, trials).dsr
        assert current < previous
        previous = current


def test_degenerate_inputs() -> None:
    assert deflated_sharpe(np.array([0.01]), np.array([0.1])).dsr == 0.0
    flat = deflated_sharpe(np.array([0.01, 0.01, 0.01]), np.array([0.0, 0.2]))
    assert (flat.sr, flat.skew, flat.kurt) == (0.0, 0.0, 3.0)
    with pytest.raises(ValueError):
        deflated_sharpe(np.array([0.01, 0.02]), np.array([]))


returns_lists = st.lists(
    st.floats(-0.5, 0.5, allow_nan=False, allow_infinity=False), min_size=1, max_size=200
)
trial_lists = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=1, max_size=50)


@given(returns_lists, trial_lists)
def test_dsr_is_a_probability(returns: list[float], trials: list[float]) -> None:
    result = deflated_sharpe(np.array(returns), np.array(trials))
    assert 0.0 <= result.dsr <= 1.0
    assert math.isfinite(result.sr) and result.sr0 >= 0.0
