"""Retention in a contractual setting: the shifted-beta-geometric (sBG) model.

Fader & Hardie (2007), "How to project customer retention", *Journal of Interactive Marketing* 21(1),
76–90. Each customer renews at the end of every period with a constant probability 1 − θ until they
cancel; θ varies across customers as Beta(α, β). For a cohort followed from its start:

* P(T = t) = B(α+1, β+t−1) / B(α, β): the probability of cancelling in period t (eq. 4; recursively
  P(1) = α/(α+β), P(t) = (β+t−2)/(α+β+t−1) · P(t−1)),
* S(t) = B(α, β+t) / B(α, β): the share still active after t periods (eq. 5),
* r_t = S(t)/S(t−1) = (β+t−1)/(α+β+t−1): the retention rate, which rises with t as the cohort is sifted
  (eq. 6),

and the likelihood of a cohort observed for n periods, with n_t customers still active after period t, is
Π_t P(t)^(n_{t−1} − n_t) · S(n)^(n_n) (eq. 7). The discounted expected residual lifetime of a customer who
has renewed n − 1 times is DERL(d) = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d)) (Fader & Hardie 2010,
"Customer-base valuation in a contractual setting", *Marketing Science* 29(1), eq. 6).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from cxlens.value.clv import Array, MaximumLikelihoodFitter, _array

__all__ = ["ShiftedBetaGeometricFitter"]


class ShiftedBetaGeometricFitter(MaximumLikelihoodFitter):
    """The sBG retention model (Fader & Hardie 2007); ``params_`` = (alpha, beta).

    Examples
    --------
    The "regular" customers of Fader & Hardie (2007, Table 1), 1,000 at the start, fitted on 7 years:

    >>> m = ShiftedBetaGeometricFitter().fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> m.params_.round(3).tolist()
    [0.704, 1.182]
    >>> m.survival_function(np.arange(8, 13)).round(3).tolist()
    [0.22, 0.204, 0.191, 0.18, 0.17]
    """

    param_names = ("alpha", "beta")

    def fit(self, active: ArrayLike) -> ShiftedBetaGeometricFitter:
        """Fit to one cohort: ``active[0]`` customers at the start and ``active[t]`` still active after
        period t (counts, non-increasing). Returns ``self``."""
        n = _array(active, "active")
        if len(n) < 2:
            raise ValueError("active needs the cohort size and at least one later count")
        if (n < 0).any() or (n != np.round(n)).any():
            raise ValueError("active must hold whole, non-negative customer counts")
        if n[0] <= 0:
            raise ValueError("the cohort must start with at least one customer")
        rises = np.diff(n) > 0
        if rises.any():
            t = int(np.argmax(rises)) + 1
            raise ValueError(
                f"active customers cannot increase: {n[t - 1]:g} after period {t - 1}, {n[t]:g} after period {t}"
            )
        if n[-1] == n[0]:
            raise ValueError("no customer cancelled: the retention model cannot be identified")
        self.cohort_ = n.copy()
        self._maximise((n,), np.ones(1), np.array([1.0, 1.0]))
        return self

    def _loglik(self, params: Array, data: tuple[Array, ...]) -> tuple[Array, Array]:
        alpha, beta = params
        (n,) = data
        periods = len(n) - 1
        t = np.arange(1, periods + 1)
        lost = n[:-1] - n[1:]
        base = special.betaln(alpha, beta)
        log_p = special.betaln(alpha + 1, beta + t - 1) - base
        log_s = special.betaln(alpha, beta + periods) - base
        ll = float(lost @ log_p + n[-1] * log_s)
        d_ab, d_a, d_b = special.digamma(alpha + beta), special.digamma(alpha), special.digamma(beta)
        # d/dα ln B(α+1, β+t−1) = ψ(α+1) − ψ(α+β+t); d/dα ln B(α, β) = ψ(α) − ψ(α+β)
        dp_a = special.digamma(alpha + 1) - special.digamma(alpha + beta + t) - (d_a - d_ab)
        dp_b = special.digamma(beta + t - 1) - special.digamma(alpha + beta + t) - (d_b - d_ab)
        ds_a = d_a - special.digamma(alpha + beta + periods) - (d_a - d_ab)
        ds_b = special.digamma(beta + periods) - special.digamma(alpha + beta + periods) - (d_b - d_ab)
        grad = np.array([[lost @ dp_a + n[-1] * ds_a], [lost @ dp_b + n[-1] * ds_b]])
        return np.array([ll]), grad

    def churn_probability(self, t: ArrayLike) -> Array:
        """P(T = t): the share of the starting cohort that cancels in period t (t = 1, 2, …)."""
        self._check_fitted()
        alpha, beta = self.params_.to_numpy()
        tt = self._periods(t, 1)
        return np.asarray(
            np.exp(special.betaln(alpha + 1, beta + tt - 1) - special.betaln(alpha, beta)), dtype="float64"
        )

    def survival_function(self, t: ArrayLike) -> Array:
        """S(t): the share of the starting cohort still active after t periods (t = 0, 1, …)."""
        self._check_fitted()
        alpha, beta = self.params_.to_numpy()
        tt = self._periods(t, 0)
        return np.asarray(np.exp(special.betaln(alpha, beta + tt) - special.betaln(alpha, beta)), dtype="float64")

    def retention_rate(self, t: ArrayLike) -> Array:
        """r_t = (β+t−1)/(α+β+t−1): the share of those active after period t−1 who renew in period t."""
        self._check_fitted()
        alpha, beta = self.params_.to_numpy()
        tt = self._periods(t, 1)
        return np.asarray((beta + tt - 1) / (alpha + beta + tt - 1), dtype="float64")

    def derl(self, discount_rate: float, renewals: ArrayLike = 0) -> Array:
        """Discounted expected residual lifetime, in periods (counting the current one), of a customer who
        has renewed ``renewals`` = n − 1 times, at ``discount_rate`` per period (Fader & Hardie 2010):
        (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d)). Multiply by the margin per period for value."""
        self._check_fitted()
        if discount_rate <= 0:
            raise ValueError(
                f"discount_rate must be positive (the undiscounted lifetime can be infinite), not {discount_rate}"
            )
        alpha, beta = self.params_.to_numpy()
        n = self._periods(renewals, 0) + 1
        return np.asarray(
            (beta + n - 1)
            / (alpha + beta + n - 1)
            * special.hyp2f1(1, beta + n, alpha + beta + n, 1 / (1 + discount_rate)),
            dtype="float64",
        )

    def projection(self, periods: int) -> pd.DataFrame:
        """Survival and retention for periods 0…``periods``, next to the fitted cohort where observed:
        columns ``period``, ``survival``, ``retention_rate``, ``expected_active`` and ``observed_active``."""
        self._check_fitted()
        if periods < 1:
            raise ValueError(f"periods must be at least 1, not {periods}")
        t = np.arange(periods + 1)
        survival = self.survival_function(t)
        cohort = self.cohort_
        observed = np.full(periods + 1, np.nan)
        shown = min(len(cohort), periods + 1)
        observed[:shown] = cohort[:shown]
        return pd.DataFrame(
            {
                "period": t,
                "survival": survival,
                "retention_rate": np.r_[np.nan, self.retention_rate(t[1:])],
                "expected_active": survival * cohort[0],
                "observed_active": observed,
            }
        )

    @staticmethod
    def _periods(t: ArrayLike, lowest: int) -> Array:
        tt = _array(t, "t")
        if (tt < lowest).any() or (tt != np.round(tt)).any():
            raise ValueError(f"periods must be whole numbers ≥ {lowest}")
        return tt
