"""Cross tables: counts, row / column / total %, Pearson's χ² test of independence, Cramér's V with its
confidence interval, and adjusted standardized residuals that say which cells differ.

Definitions (r × c table of counts O, row totals R_i, column totals C_j, total n):

* expected count E_ij = R_i C_j / n; Pearson χ² = Σ (O − E)² / E with (r − 1)(c − 1) df;
* Cramér's V = √(χ² / (n (k − 1))), k = min(r, c) (Cramér 1946). Its interval inverts the noncentral χ²
  distribution: the noncentrality bounds λ_L, λ_U solve F(χ²_obs; df, λ) = 1 − α/2 and α/2, and map to
  V = √(λ / (n (k − 1))) (Smithson 2003; the ``effectsize`` R package's ``cramers_v``), clipped to [0, 1].
  V itself is biased upwards in sparse tables; ``cramers_v_adj`` is Bergsma's (2013) bias-corrected
  Ṽ = √(φ̃² / (min(r̃, c̃) − 1)), φ̃² = max(0, χ²/n − (r − 1)(c − 1)/(n − 1)), r̃ = r − (r − 1)²/(n − 1) (and c̃
  alike). When χ² falls below its df the interval (built for the noncentrality) can lie below V but still
  holds Ṽ;
* adjusted standardized residual (Haberman 1973; SPSS's "adjusted residual", Agresti 2013 §2.4.5)
  r_ij = (O − E) / √(E (1 − R_i / n)(1 − C_j / n)), approximately N(0, 1) under independence: a cell with
  |r| > 1.96 holds significantly more (r > 0) or fewer (r < 0) answers than independence predicts.

The χ² approximation needs large expected counts: the result warns (in ``warning``) when any expected count
is below 1 or more than 20 % are below 5 (Cochran 1954) and, for a 2 × 2 table, also gives Fisher's exact
p-value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from cxlens.stats.data import check_columns

__all__ = ["CrosstabResult", "cramers_v_interval", "crosstab"]


@dataclass(frozen=True)
class CrosstabResult:
    """The result of :func:`crosstab`.

    Attributes
    ----------
    cells : pandas.DataFrame
        One row per cell: the row and column values, ``n``, ``row_pct``, ``col_pct``, ``total_pct``,
        ``expected``, ``resid_adj`` (adjusted standardized residual), ``p_cell`` (its two-sided normal
        p-value) and ``significant`` (|resid_adj| > the critical z, 1.96 at α = 0.05).
    counts : pandas.DataFrame
        The wide table of counts with row and column totals (``All``).
    test : pandas.DataFrame
        One row: ``test``, ``n``, ``chi2``, ``dof``, ``p_val``, ``cramers_v``, ``cramers_v_adj``, ``ci_low``,
        ``ci_high``, ``min_expected``, ``pct_expected_lt5``, ``fisher_p_val`` (2 × 2 only) and ``warning``.
    """

    cells: pd.DataFrame
    counts: pd.DataFrame
    test: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and dicts (JSON-ready)."""
        clean = self.cells.astype(object).where(self.cells.notna(), None)
        test = self.test.astype(object).where(self.test.notna(), None)
        return {"test": test.to_dict("records")[0], "cells": clean.to_dict("records")}


def cramers_v_interval(chi2: float, n: int, dof: int, k: int, alpha: float = 0.05) -> tuple[float, float]:
    """Confidence interval of Cramér's V by inverting the noncentral χ² distribution (module docstring).

    Examples
    --------
    >>> lo, hi = cramers_v_interval(10.0, 100, 1, 2)
    >>> round(lo, 4), round(hi, 4)
    (0.1202, 0.5122)
    """
    if n <= 0 or k < 2 or dof < 1 or not np.isfinite(chi2):
        return float("nan"), float("nan")

    def bound(target: float) -> float:
        # F(chi2; dof, λ) falls with λ; λ = 0 if even the central distribution is below target
        def f(lam: float) -> float:
            cdf = stats.ncx2.cdf(chi2, dof, lam) if lam > 0 else stats.chi2.cdf(chi2, dof)
            return float(cdf - target)

        if f(0.0) <= 0:
            return 0.0
        hi = max(chi2, 1.0)
        while f(hi) > 0:
            hi *= 2
        return float(optimize.brentq(f, 0.0, hi, xtol=1e-10))

    lam_lo, lam_hi = bound(1 - alpha / 2), bound(alpha / 2)
    scale = n * (k - 1)
    return min(1.0, float(np.sqrt(lam_lo / scale))), min(1.0, float(np.sqrt(lam_hi / scale)))


def _table(data: pd.DataFrame, row: str, col: str, weights: str | None) -> pd.DataFrame:
    keep = data[[row, col]].notna().all(axis=1)
    sub = data.loc[keep]
    if weights is not None:
        check_columns(data, weights)
        w = pd.to_numeric(sub[weights], errors="coerce")
        if w.isna().any() or (w < 0).any():
            raise ValueError(f"weights column {weights!r} must be numeric and ≥ 0 on every answered row")
        tab = pd.crosstab(sub[row], sub[col], values=w, aggfunc="sum", dropna=False).fillna(0.0)
    else:
        tab = pd.crosstab(sub[row], sub[col], dropna=False)
    tab = tab.loc[tab.sum(axis=1) > 0, tab.sum(axis=0) > 0]
    return tab.astype("float64")


def crosstab(
    data: pd.DataFrame, row: str, col: str, *, weights: str | None = None, alpha: float = 0.05
) -> CrosstabResult:
    """Cross-tabulate two columns and test their independence (see the module docstring).

    Parameters
    ----------
    data : pandas.DataFrame
    row, col : str
        The two columns (any type; rows missing either are left out). Categories keep their order.
    weights : str, optional
        Survey weights: counts become weighted counts, and the χ² test uses them as if they were counts
        (a first-order approximation; a Rao–Scott correction needs the design).
    alpha : float, default 0.05
        Level of the test, of the residual flags and of the 1 − α interval of V.

    Returns
    -------
    CrosstabResult

    Raises
    ------
    ValueError
        Missing columns, or fewer than 2 observed levels in either column.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": list("xxxxyyyy") * 5, "b": list("uuuvuvvv") * 5})
    >>> r = crosstab(df, "a", "b")
    >>> r.test[["n", "chi2", "dof"]].round(4).to_dict("records")
    [{'n': 40, 'chi2': 10.0, 'dof': 1}]
    """
    check_columns(data, row, col)
    if row == col:
        raise ValueError("row and col must be two different columns")
    tab = _table(data, row, col, weights)
    if tab.shape[0] < 2 or tab.shape[1] < 2:
        raise ValueError(
            f"a cross table needs at least 2 observed values in each column: {row!r} has {tab.shape[0]}, "
            f"{col!r} has {tab.shape[1]}"
        )
    obs = tab.to_numpy()
    n = obs.sum()
    r_tot, c_tot = obs.sum(axis=1, keepdims=True), obs.sum(axis=0, keepdims=True)
    expected = r_tot * c_tot / n
    chi2 = float(((obs - expected) ** 2 / expected).sum())
    dof = (obs.shape[0] - 1) * (obs.shape[1] - 1)
    p_val = float(stats.chi2.sf(chi2, dof))
    k = min(obs.shape)
    v = float(np.sqrt(chi2 / (n * (k - 1))))
    lo, hi = cramers_v_interval(chi2, int(round(n)), dof, k, alpha)
    resid = (obs - expected) / np.sqrt(expected * (1 - r_tot / n) * (1 - c_tot / n))
    z = float(stats.norm.ppf(1 - alpha / 2))
    cells = _cells(tab, obs, expected, resid, z, row, col)
    fisher = float(stats.fisher_exact(obs.round().astype(int))[1]) if obs.shape == (2, 2) else np.nan
    test = pd.DataFrame(
        [
            {
                "test": "Pearson chi-square test of independence",
                "n": int(round(n)),
                "chi2": chi2,
                "dof": dof,
                "p_val": p_val,
                "cramers_v": v,
                "cramers_v_adj": _bergsma(chi2, n, *obs.shape),
                "ci_low": lo,
                "ci_high": hi,
                "min_expected": float(expected.min()),
                "pct_expected_lt5": float(100 * (expected < 5).mean()),
                "fisher_p_val": fisher,
                "warning": _warning(expected),
            }
        ]
    )
    counts = tab.copy()
    counts["All"] = counts.sum(axis=1)
    counts.loc["All"] = counts.sum(axis=0)
    return CrosstabResult(cells, counts, test)


def _cells(
    tab: pd.DataFrame, obs: np.ndarray, expected: np.ndarray, resid: np.ndarray, z: float, row: str, col: str
) -> pd.DataFrame:
    n = obs.sum()
    rows, cols = np.meshgrid(np.arange(obs.shape[0]), np.arange(obs.shape[1]), indexing="ij")
    flat = {
        row: np.asarray(tab.index, dtype=object)[rows.ravel()],
        col: np.asarray(tab.columns, dtype=object)[cols.ravel()],
        "n": obs.ravel(),
        "row_pct": (100 * obs / obs.sum(axis=1, keepdims=True)).ravel(),
        "col_pct": (100 * obs / obs.sum(axis=0, keepdims=True)).ravel(),
        "total_pct": (100 * obs / n).ravel(),
        "expected": expected.ravel(),
        "resid_adj": resid.ravel(),
        "p_cell": 2 * stats.norm.sf(np.abs(resid.ravel())),
    }
    cells = pd.DataFrame(flat if row != "n" else {f"row_{k}" if k == row else k: v for k, v in flat.items()})
    cells["significant"] = np.abs(cells["resid_adj"]) > z
    return cells


def _bergsma(chi2: float, n: float, r: int, c: int) -> float:
    """Bergsma (2013) bias-corrected Cramér's V."""
    if n <= 1:
        return float("nan")
    phi2 = max(0.0, chi2 / n - (r - 1) * (c - 1) / (n - 1))
    rr, cc = r - (r - 1) ** 2 / (n - 1), c - (c - 1) ** 2 / (n - 1)
    k = min(rr, cc) - 1
    return float(np.sqrt(phi2 / k)) if k > 0 else float("nan")


def _warning(expected: np.ndarray) -> str | None:
    low = float((expected < 5).mean())
    if expected.min() < 1:
        return (
            f"an expected count is below 1 ({expected.min():.2f}): the chi-square p-value is unreliable; "
            "merge sparse categories (or use Fisher's exact test on a 2 × 2 table)"
        )
    if low > 0.2:
        return (
            f"{100 * low:.0f} % of the expected counts are below 5 (Cochran's rule allows 20 %): the chi-square "
            "p-value is approximate; merge sparse categories (or use Fisher's exact test on a 2 × 2 table)"
        )
    return None
