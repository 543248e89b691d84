"""Correlation matrices (Pearson, Spearman) with n, p-value and confidence interval for every pair.

Missing answers are deleted pairwise: each pair uses every row where both are answered, and its ``n`` says
how many. Definitions:

* Pearson's r; p from t = r √((n − 2)/(1 − r²)) on n − 2 df; interval by Fisher's z, SE = 1/√(n − 3).
* Spearman's ρ = Pearson's r of the (average) ranks; p from the same t approximation (as R's
  ``cor.test(method = "spearman", exact = FALSE)`` and SciPy); interval by Fisher's z with the
  Fieller–Hartley–Pearson (1957) SE = √(1.06/(n − 3)).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from cxlens.stats.data import check_columns, numeric_column

__all__ = ["correlation", "correlation_matrix"]

METHODS = ("pearson", "spearman")


def correlation(
    data: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    method: str = "pearson",
    alpha: float = 0.05,
    correction: str = "none",
) -> pd.DataFrame:
    """Every pairwise correlation of ``columns``, in long (tidy) form.

    Parameters
    ----------
    data : pandas.DataFrame
    columns : sequence of str, optional
        Numeric columns (default: every numeric column of ``data``).
    method : {"pearson", "spearman"}, default "pearson"
    alpha : float, default 0.05
        1 − the confidence level of the intervals.
    correction : {"none", "holm", "fdr_bh", "bonferroni"}, default "none"
        Adjustment of the p-values across the pairs (``p_corr``).

    Returns
    -------
    pandas.DataFrame
        One row per pair (x before y in ``columns`` order): ``x``, ``y``, ``method``, ``n``, ``r``,
        ``ci_low``, ``ci_high``, ``p_val``, ``p_corr``. A pair with fewer than 3 common answers, or a
        constant column within the pair, has NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 4, 5, 4, 5], "c": [5, 4, 3, 2, None]})
    >>> correlation(df)[["x", "y", "n", "r"]].round(4).values.tolist()
    [['a', 'b', 5, 0.7746], ['a', 'c', 4, -1.0], ['b', 'c', 4, -0.7182]]
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if correction not in ("none", "holm", "fdr_bh", "bonferroni"):
        raise ValueError(f"correction must be none, holm, fdr_bh or bonferroni, not {correction!r}")
    if columns is None:
        columns = [
            c
            for c in data.columns
            if pd.api.types.is_numeric_dtype(data[c]) and not isinstance(data[c].dtype, pd.CategoricalDtype)
        ]
    cols = list(dict.fromkeys(columns))
    if len(cols) < 2:
        raise ValueError(f"a correlation needs at least 2 numeric columns, got {cols}")
    check_columns(data, *cols)
    values = {c: numeric_column(data, c).to_numpy() for c in cols}
    z = float(stats.norm.ppf(1 - alpha / 2))
    rows = [_pair(x, y, values[x], values[y], method, z) for x, y in itertools.combinations(cols, 2)]
    frame = pd.DataFrame(rows)
    frame["p_corr"] = frame["p_val"]
    ok = frame["p_val"].notna().to_numpy()
    if correction != "none" and ok.any():
        frame.loc[ok, "p_corr"] = multipletests(frame.loc[ok, "p_val"], method=correction)[1]
    return frame


def _pair(x: str, y: str, a: np.ndarray, b: np.ndarray, method: str, z: float) -> dict[str, object]:
    both = ~(np.isnan(a) | np.isnan(b))
    a, b = a[both], b[both]
    n = int(both.sum())
    row: dict[str, object] = {"x": x, "y": y, "method": method, "n": n}
    if n < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return row | {"r": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_val": np.nan}
    if method == "spearman":
        a, b = stats.rankdata(a), stats.rankdata(b)
    r = float(np.clip(np.corrcoef(a, b)[0, 1], -1.0, 1.0))
    if abs(r) == 1.0:
        p = 0.0
    else:
        t = r * np.sqrt((n - 2) / (1 - r**2))
        p = float(2 * stats.t.sf(abs(t), n - 2))
    lo = hi = np.nan
    if n > 3:
        se = np.sqrt((1.06 if method == "spearman" else 1.0) / (n - 3))
        zr = np.arctanh(np.clip(r, -0.9999999, 0.9999999))
        lo, hi = float(np.tanh(zr - z * se)), float(np.tanh(zr + z * se))
    return row | {"r": r, "ci_low": lo, "ci_high": hi, "p_val": p}


def correlation_matrix(long: pd.DataFrame, value: str = "r") -> pd.DataFrame:
    """The square matrix of one column (``r``, ``p_val``, ``n`` …) of a :func:`correlation` result.

    The diagonal is 1 for ``r``, 0 for p-values and NaN otherwise.

    Examples
    --------
    >>> import pandas as pd
    >>> m = correlation_matrix(correlation(pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 3, 2, 4]})))
    >>> m.round(2).values.tolist()
    [[1.0, 0.8], [0.8, 1.0]]
    """
    check_columns(long, "x", "y", value, where="the correlation table")
    names = list(dict.fromkeys([*long["x"], *long["y"]]))
    out = pd.DataFrame(np.nan, index=names, columns=names)
    for row in long.itertuples(index=False):
        out.loc[row.x, row.y] = out.loc[row.y, row.x] = getattr(row, value)
    diagonal = {"r": 1.0, "p_val": 0.0, "p_corr": 0.0}.get(value, np.nan)
    for name in names:
        out.loc[name, name] = diagonal
    return out
