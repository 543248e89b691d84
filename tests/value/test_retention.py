"""The shifted-beta-geometric retention model against Fader & Hardie (2007), "How to project customer
retention", J. Interactive Marketing 21(1), Table 1 and the published maximum-likelihood estimates
(tolerance: the published rounding, half a unit of the third decimal)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cxlens.value.clv import NotFittedError
from cxlens.value.retention import ShiftedBetaGeometricFitter

#: % of a cohort of 1,000 still active after years 1–7 (Fader & Hardie 2007, Table 1)
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


@pytest.mark.parametrize(
    ("cohort", "alpha", "beta"), [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)], ids=["regular", "high_end"]
)
def test_reproduces_the_published_estimates(cohort: list[int], alpha: float, beta: float) -> None:
    m = ShiftedBetaGeometricFitter().fit(cohort)
    assert round(float(m.params_["alpha"]), 3) == alpha
    assert round(float(m.params_["beta"]), 3) == beta
    assert m.n_ == 1
    summary = m.summary
    assert (summary["se"] > 0).all()
    assert (summary["ci_low"] < summary["coef"]).all() and (summary["coef"] < summary["ci_high"]).all()
    # the fitted curve stays within 2.5 points of every observed year
    fitted = m.survival_function(np.arange(8)) * 1000
    assert np.abs(fitted - np.array(cohort)).max() < 25


def test_loglik_by_hand() -> None:
    """A cohort 10 → 6 → 4 with α = 1, β = 2: P(1) = 1/3, P(2) = β/(α+β+1) · P(1) = 1/6,
    S(2) = B(1,4)/B(1,2) = 1/2; LL = 4 ln(1/3) + 2 ln(1/6) + 4 ln(1/2)."""
    m = ShiftedBetaGeometricFitter()
    ll = m._loglik(np.array([1.0, 2.0]), (np.array([10.0, 6.0, 4.0]),))[0][0]
    assert ll == pytest.approx(4 * math.log(1 / 3) + 2 * math.log(1 / 6) + 4 * math.log(1 / 2), rel=1e-12)


def test_curves_are_consistent() -> None:
    m = ShiftedBetaGeometricFitter().fit(REGULAR)
    t = np.arange(1, 13)
    s = m.survival_function(np.r_[0, t])
    assert s[0] == 1.0
    np.testing.assert_allclose(s[:-1] - s[1:], m.churn_probability(t), rtol=1e-10)
    np.testing.assert_allclose(s[1:] / s[:-1], m.retention_rate(t), rtol=1e-10)
    assert (np.diff(m.retention_rate(t)) > 0).all()  # retention rises as the cohort is sifted
    table = m.projection(12)
    assert list(table.columns) == ["period", "survival", "retention_rate", "expected_active", "observed_active"]
    assert table["observed_active"].iloc[7] == 241 and np.isnan(table["observed_active"].iloc[8])


def test_derl_is_the_discounted_sum_of_survival() -> None:
    """DERL(d, n−1 renewals) = Σ_{t≥n} S(t)/S(n−1) / (1+d)^(t−n) (Fader & Hardie 2010, eq. 4)."""
    m = ShiftedBetaGeometricFitter().fit(HIGH_END)
    d = 0.1
    for renewals in (0, 4):
        n = renewals + 1
        t = np.arange(n, n + 3000)
        direct = (m.survival_function(t) / m.survival_function([n - 1]) / (1 + d) ** (t - n)).sum()
        assert m.derl(d, renewals)[0] == pytest.approx(direct, rel=1e-8)
    assert m.derl(d, 4)[0] > m.derl(d, 0)[0]  # survivors are the better customers
    with pytest.raises(ValueError, match="positive"):
        m.derl(0.0)


@pytest.mark.parametrize(
    ("active", "message"),
    [
        ([1000], "at least one later count"),
        ([1000, 900, 950], "cannot increase"),
        ([1000, 1000, 1000], "no customer cancelled"),
        ([0, 0], "at least one customer"),
        ([1000, 500.5], "whole, non-negative"),
    ],
)
def test_refusals(active: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ShiftedBetaGeometricFitter().fit(active)


def test_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        ShiftedBetaGeometricFitter().survival_function([1])
