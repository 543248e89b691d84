"""Exploratory factor analysis: do the questionnaire's declared dimensions hold in the answers?

Extraction by iterated principal axis factoring or maximum likelihood (the ``factanal`` objective of
Jöreskog 1967, minimised over the uniquenesses as R does), varimax or promax rotation (R's ``varimax`` and
``promax`` algorithms: Kaiser 1958; Hendrickson & White 1964), the number of factors by Horn's (1965)
parallel analysis or Kaiser's eigenvalue > 1 rule, and :func:`check_dimensions`, which says whether every
item loads highest on the factor of its own dimension.

All on the Pearson correlation matrix of the items after listwise deletion of incomplete rows; refuses
constant items and a singular correlation matrix (:func:`cxlens.stats.reliability.kmo` and
:func:`~cxlens.stats.reliability.bartlett_sphericity` say whether factoring makes sense at all).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps

from cxlens.stats.reliability import _corr

__all__ = ["FactorAnalysisFitter", "check_dimensions", "efa", "parallel_analysis"]

METHODS = ("pa", "ml")
ROTATIONS = ("varimax", "promax", "none")


def _eig(R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(R)
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order]


def parallel_analysis(
    data: pd.DataFrame, *, n_iter: int = 100, quantile: float = 0.95, seed: int | None = 0
) -> pd.DataFrame:
    """Horn's parallel analysis: keep the components whose eigenvalue beats random data's.

    The eigenvalues of the items' correlation matrix are compared with the ``quantile`` (Glorfeld 1995: 95 %)
    of the eigenvalues of ``n_iter`` correlation matrices of independent normal data of the same size
    (seeded). The number of factors is the count of leading eigenvalues above that threshold; the
    ``kaiser`` column applies Kaiser's eigenvalue > 1 rule for comparison.

    Returns
    -------
    pandas.DataFrame
        One row per component: ``component`` (1-based), ``eigenvalue``, ``random_mean``, ``random_q``,
        ``retain`` (parallel analysis), ``kaiser``; plus ``n`` and ``p``.
    """
    R, n, names = _corr(data, "parallel analysis")
    p = len(names)
    obs = _eig(R)[0]
    rng = np.random.default_rng(seed)
    sims = np.empty((n_iter, p))
    for i in range(n_iter):
        sims[i] = _eig(np.asarray(np.corrcoef(rng.standard_normal((n, p)), rowvar=False)))[0]
    q = np.quantile(sims, quantile, axis=0)
    above = obs > q
    retain = np.cumprod(above).astype(bool)  # leading run only
    return pd.DataFrame(
        {
            "component": np.arange(1, p + 1),
            "eigenvalue": obs,
            "random_mean": sims.mean(axis=0),
            "random_q": q,
            "retain": retain,
            "kaiser": obs > 1,
            "n": n,
            "p": p,
        }
    )


def _varimax(L: np.ndarray, eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    """R's ``stats::varimax`` with Kaiser normalisation: (rotated loadings, rotation matrix)."""
    k = L.shape[1]
    if k < 2:
        return L, np.eye(k)
    sc = np.sqrt((L**2).sum(axis=1))
    x = L / sc[:, None]
    p = len(x)
    T = np.eye(k)
    d = 0.0
    for _ in range(1000):
        z = x @ T
        B = x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p)
        u, s, vt = np.linalg.svd(B)
        T = u @ vt
        d_past, d = d, float(s.sum())
        if d < d_past * (1 + eps):
            break
    return (x @ T) * sc[:, None], T


def _promax(L: np.ndarray, m: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """R's ``stats::promax`` (power ``m``) on top of varimax: (pattern loadings, rotation matrix)."""
    if L.shape[1] < 2:
        return L, np.eye(L.shape[1])
    x, T = _varimax(L)
    Q = x * np.abs(x) ** (m - 1)
    U = np.linalg.lstsq(x, Q, rcond=None)[0]
    d = np.diag(np.linalg.inv(U.T @ U))
    U = U @ np.diag(np.sqrt(d))
    return x @ U, T @ U


class FactorAnalysisFitter:
    """Exploratory factor analysis on the correlation matrix of a block of items (sklearn-style contract).

    Parameters
    ----------
    n_factors : int, optional
        Default: parallel analysis (:func:`parallel_analysis`), at least 1.
    method : {"pa", "ml"}
        ``pa``: iterated principal axis factoring starting from squared multiple correlations
        (communality h²_i = 1 − 1/(R⁻¹)_ii), re-estimating communalities until they change by less than
        ``tol``. ``ml``: maximum likelihood, minimising ``F(Ψ) = Σ_{j>k} (γ_j − log γ_j − 1)`` over the
        uniquenesses Ψ ∈ [0.005, 1] (γ_j the eigenvalues of Ψ^{-1/2} R Ψ^{-1/2}; Jöreskog 1967, as R's
        ``factanal``), which also gives the χ² test of k factors (Bartlett's correction).
    rotation : {"varimax", "promax", "none"}
        Orthogonal varimax, oblique promax (power 4; factor correlations in ``factor_correlation_``) or none.
    max_iter, tol :
        Iteration limit and tolerance (principal axis iterations converge slowly when a factor has only two
        items, hence the generous default); not converging raises ``ValueError`` unless
        ``allow_nonconvergence=True`` (then ``converged_`` is False and the estimates are the last ones).

    Attributes
    ----------
    loadings_ : DataFrame (items × factors ``F1…Fk``): pattern loadings after rotation, factors ordered by
        variance explained and signed so that each column's loadings sum to a positive number.
    communalities_, uniquenesses_ : Series by item (h² = 1 − u²; h² > 1 is a Heywood case, flagged in
        ``heywood_``).
    variance_ : DataFrame (factor, ss_loadings, proportion, cumulative).
    factor_correlation_ : DataFrame (identity for orthogonal rotations).
    eigenvalues_ : ndarray of the correlation matrix's eigenvalues.
    fit_test_ : dict (chi2, dof, p_val) for ``ml`` when dof > 0, else None.
    n_, n_iter_, converged_ :
    """

    def __init__(
        self,
        n_factors: int | None = None,
        method: str = "pa",
        rotation: str = "varimax",
        *,
        max_iter: int = 10_000,
        tol: float = 1e-6,
        seed: int | None = 0,
        allow_nonconvergence: bool = False,
    ) -> None:
        self.n_factors = n_factors
        self.method = method
        self.rotation = rotation
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed
        self.allow_nonconvergence = allow_nonconvergence

    def fit(self, data: pd.DataFrame) -> FactorAnalysisFitter:
        """Fit on ``data`` (one row per respondent, one numeric column per item); returns ``self``."""
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, not {self.method!r}")
        if self.rotation not in ROTATIONS:
            raise ValueError(f"rotation must be one of {', '.join(ROTATIONS)}, not {self.rotation!r}")
        R, n, names = _corr(data, "factor analysis")
        p = len(names)
        k = self.n_factors
        if k is None:
            k = max(1, int(parallel_analysis(data, seed=self.seed)["retain"].sum()))
        if not 1 <= k <= p - 1 or (self.method == "ml" and ((p - k) ** 2 - (p + k)) < 0):
            raise ValueError(f"{k} factors cannot be identified from {p} items ({self.method} extraction)")
        L, psi, n_iter, ok = (self._pa if self.method == "pa" else self._ml)(R, k)
        if not ok and not self.allow_nonconvergence:
            raise ValueError(
                f"{self.method} factor extraction did not converge in {self.max_iter} iterations; try another "
                "number of factors or method, or pass allow_nonconvergence=True"
            )
        rot, Phi = self._rotate(L)
        self.n_, self.n_iter_, self.converged_, self.eigenvalues_ = n, n_iter, ok, _eig(R)[0]
        self._store(rot, Phi, names, R, psi, k, n)
        return self

    def _pa(self, R: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, int, bool]:
        h2 = 1 - 1 / np.diag(np.linalg.inv(R))
        for it in range(1, self.max_iter + 1):
            Rr = R.copy()
            np.fill_diagonal(Rr, h2)
            values, vectors = _eig(Rr)
            L = vectors[:, :k] * np.sqrt(np.clip(values[:k], 0, None))
            new = (L**2).sum(axis=1)
            if np.max(np.abs(new - h2)) < self.tol:
                return L, 1 - new, it, True
            h2 = new
        return L, 1 - h2, self.max_iter, False

    def _ml(self, R: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, int, bool]:
        def loadings(psi: np.ndarray) -> np.ndarray:
            s = 1 / np.sqrt(psi)
            values, vectors = _eig(R * np.outer(s, s))
            return np.asarray((vectors[:, :k] * np.sqrt(np.clip(values[:k] - 1, 0, None))) / s[:, None])

        def objective(psi: np.ndarray) -> float:
            s = 1 / np.sqrt(psi)
            e = _eig(R * np.outer(s, s))[0][k:]
            return float(-(np.sum(np.log(e) - e) - k + len(R)))

        def gradient(psi: np.ndarray) -> np.ndarray:
            L = loadings(psi)
            g = L @ L.T + np.diag(psi) - R
            return np.asarray(np.diag(g) / psi**2)

        start = (1 - 0.5 * k / len(R)) / np.diag(np.linalg.inv(R))
        res = optimize.minimize(
            objective,
            np.clip(start, 0.005, 1),
            jac=gradient,
            method="L-BFGS-B",
            bounds=[(0.005, 1.0)] * len(R),
            options={"maxiter": self.max_iter, "ftol": 1e-12, "gtol": self.tol},
        )
        self._ml_objective = float(res.fun)
        return loadings(res.x), res.x, int(res.nit), bool(res.success)

    def _rotate(self, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = L.shape[1]
        if self.rotation == "varimax" and k > 1:
            return _varimax(L)[0], np.eye(k)
        if self.rotation == "promax" and k > 1:
            pattern, U = _promax(L)
            return pattern, np.linalg.inv(U.T @ U)
        return L, np.eye(k)

    def _store(
        self, L: np.ndarray, Phi: np.ndarray, names: list[str], R: np.ndarray, psi: np.ndarray, k: int, n: int
    ) -> None:
        ss = (L**2).sum(axis=0)
        order = np.argsort(-ss)
        L, Phi = L[:, order], Phi[np.ix_(order, order)]
        sign = np.where(L.sum(axis=0) < 0, -1.0, 1.0)
        L, Phi = L * sign, Phi * np.outer(sign, sign)
        cols = [f"F{i + 1}" for i in range(k)]
        self.loadings_ = pd.DataFrame(L, index=names, columns=cols)
        self.factor_correlation_ = pd.DataFrame(Phi, index=cols, columns=cols)
        h2 = pd.Series(1 - psi, index=names) if self.method == "ml" else pd.Series(np.diag(L @ Phi @ L.T), index=names)
        self.communalities_ = h2
        self.uniquenesses_ = 1 - h2
        self.heywood_ = [i for i in names if h2[i] >= 1 - 1e-9]
        ssl = (L**2).sum(axis=0)
        self.variance_ = pd.DataFrame(
            {
                "factor": cols,
                "ss_loadings": ssl,
                "proportion": ssl / len(names),
                "cumulative": np.cumsum(ssl) / len(names),
            }
        )
        self.fit_test_ = None
        p = len(names)
        dof = ((p - k) ** 2 - (p + k)) / 2
        if self.method == "ml" and dof > 0:
            chi2 = (n - 1 - (2 * p + 5) / 6 - 2 * k / 3) * self._ml_objective
            self.fit_test_ = {"chi2": float(chi2), "dof": float(dof), "p_val": float(sps.chi2.sf(chi2, dof))}

    def tidy(self) -> pd.DataFrame:
        """Loadings in long form: item, factor, loading, communality."""
        if not hasattr(self, "loadings_"):
            raise ValueError("this FactorAnalysisFitter is not fitted yet: call fit(data) first")
        long = self.loadings_.rename_axis("item").reset_index().melt("item", var_name="factor", value_name="loading")
        long["communality"] = long["item"].map(self.communalities_)
        return long


def check_dimensions(loadings: pd.DataFrame, dimensions: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Does each item load highest on the factor of its declared dimension?

    Each dimension is assigned the factor on which most of its items have their largest absolute loading
    (ties: the larger summed |loading|). An item *holds* when its own largest loading is on its dimension's
    factor and no other dimension was assigned that same factor.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``dimension``, ``item``, ``factor`` (its highest-loading factor), ``loading``,
        ``dimension_factor``, ``shared`` (the dimension's factor is also another dimension's), ``holds``,
        and ``cross_loading`` (its second-largest |loading|; > 0.3 is a common warning sign).
    """
    owner: dict[str, str] = {}
    for dim, items in dimensions.items():
        missing = [i for i in items if i not in loadings.index]
        if missing:
            raise ValueError(f"dimension {dim!r}: item(s) {', '.join(missing)} are not in the factor solution")
        for i in items:
            owner[i] = dim
    absl = loadings.abs()
    top = absl.idxmax(axis=1)
    assigned: dict[str, str] = {}
    for dim, items in dimensions.items():
        votes = top[list(items)].value_counts()
        best = votes[votes == votes.max()].index
        assigned[dim] = max(best, key=lambda f: float(absl.loc[list(items), f].sum()))
    counts = pd.Series(list(assigned.values())).value_counts()
    rows: list[dict[str, Any]] = []
    for dim, items in dimensions.items():
        for i in items:
            second = np.sort(absl.loc[i].to_numpy())[-2] if loadings.shape[1] > 1 else 0.0
            shared = bool(counts[assigned[dim]] > 1)
            rows.append(
                {
                    "dimension": dim,
                    "item": i,
                    "factor": top[i],
                    "loading": float(loadings.loc[i, top[i]]),
                    "dimension_factor": assigned[dim],
                    "shared": shared,
                    "holds": bool(top[i] == assigned[dim] and not shared),
                    "cross_loading": float(second),
                }
            )
    return pd.DataFrame(rows)


def efa(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    dimensions: Mapping[str, Sequence[str]] | None = None,
    n_factors: int | None = None,
    method: str = "pa",
    rotation: str = "varimax",
    seed: int | None = 0,
) -> dict[str, Any]:
    """Run the whole check: parallel analysis, the factor solution and (given ``dimensions``) whether they hold.

    ``n_factors`` defaults to the number of declared dimensions when they are given, else to parallel
    analysis. Returns a dict of DataFrames: ``parallel``, ``loadings`` (long), ``variance``,
    ``factor_correlation``, ``dimensions`` (or None) and facts ``n``, ``n_factors``, ``method``,
    ``rotation``, ``converged``, ``dimensions_hold`` (bool or None), ``fit_test``, ``heywood``, and the
    fitted ``model``.
    """
    cols = (
        list(items)
        if items is not None
        else ([i for its in dimensions.values() for i in its] if dimensions else list(data.columns))
    )
    frame = data[cols]
    k = n_factors if n_factors is not None else (len(dimensions) if dimensions else None)
    model = FactorAnalysisFitter(k, method, rotation, seed=seed).fit(frame)
    checked = check_dimensions(model.loadings_, dimensions) if dimensions else None
    return {
        "n": model.n_,
        "n_factors": model.loadings_.shape[1],
        "method": method,
        "rotation": rotation,
        "converged": model.converged_,
        "parallel": parallel_analysis(frame, seed=seed),
        "loadings": model.tidy(),
        "variance": model.variance_,
        "factor_correlation": model.factor_correlation_,
        "dimensions": checked,
        "dimensions_hold": None if checked is None else bool(checked["holds"].all()),
        "fit_test": model.fit_test_,
        "heywood": model.heywood_,
        "model": model,
    }
