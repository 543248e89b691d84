"""Descriptive statistics of a survey variable: location, spread, quantiles, top/bottom box, distribution.

Weights are survey (sampling / post-stratification) weights, not frequency weights: the weighted mean is
the Hájek estimator Σwx / Σw, its standard error the with-replacement linearisation
``se² = n/(n−1) · Σ w²(x − x̄_w)² / (Σw)²`` (as Stata's ``svy: mean`` and R's ``survey::svymean`` for a
one-stage design), and the Kish effective sample size ``n_eff = (Σw)² / Σw²`` is reported next to n.
Weighted quantiles invert the weighted empirical distribution function (``inverted_cdf``); unweighted
quantiles use linear interpolation (NumPy / R type 7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cxlens.metrics.intervals import wilson_interval
from cxlens.stats.data import check_columns, numeric_column

__all__ = ["descriptives", "frequencies"]

Scale = tuple[float, float]


def _weights(data: pd.DataFrame, weights: str | None) -> pd.Series | None:
    if weights is None:
        return None
    w = numeric_column(data, weights)
    bad = w.isna() | (w < 0) | ~np.isfinite(w.fillna(0))
    if bad.any():
        row = data.index[bad.to_numpy()][0]
        raise ValueError(
            f"weights column {weights!r} must be finite and ≥ 0; row {row!r} has {data.loc[row, weights]!r}"
        )
    return w


def _scale_of(scale: Scale | Mapping[str, Scale] | None, dv: str) -> Scale | None:
    if scale is None:
        return None
    s = scale.get(dv) if isinstance(scale, Mapping) else scale
    if s is None:
        return None
    lo, hi = float(s[0]), float(s[1])
    if not hi > lo:
        raise ValueError(f"scale of {dv!r} must be (min, max) with max > min, got {s!r}")
    return lo, hi


def _summary(x: np.ndarray, w: np.ndarray | None, alpha: float) -> dict[str, float]:
    n = len(x)
    out: dict[str, float] = {"n": float(n)}
    if n == 0:
        return out | dict.fromkeys(
            ("n_eff", "mean", "sd", "se", "ci_low", "ci_high", "median", "q1", "q3", "min", "max"), np.nan
        )
    if w is None or np.all(w == w[0]):
        mean = float(x.mean())
        sd = float(x.std(ddof=1)) if n > 1 else np.nan
        se = sd / np.sqrt(n)
        q1, med, q3 = (float(v) for v in np.quantile(x, [0.25, 0.5, 0.75]))
        n_eff = float(n)
    else:
        total = w.sum()
        if total <= 0:
            raise ValueError("the weights of the answered rows sum to 0")
        mean = float((w * x).sum() / total)
        dev = x - mean
        sd = float(np.sqrt((w * dev**2).sum() / total * n / (n - 1))) if n > 1 else np.nan
        se = float(np.sqrt(n / (n - 1) * (w**2 * dev**2).sum()) / total) if n > 1 else np.nan
        q1, med, q3 = (float(v) for v in np.quantile(x, [0.25, 0.5, 0.75], weights=w, method="inverted_cdf"))
        n_eff = float(total**2 / (w**2).sum())
    half = float(stats.t.ppf(1 - alpha / 2, n - 1)) * se if n > 1 else np.nan
    return out | {
        "n_eff": n_eff,
        "mean": mean,
        "sd": sd,
        "se": se,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "median": med,
        "q1": q1,
        "q3": q3,
        "min": float(x.min()),
        "max": float(x.max()),
    }


def _boxes(x: np.ndarray, w: np.ndarray | None, scale: Scale | None, top: int, bottom: int) -> dict[str, float]:
    names = ("top_box", "top_box_ci_low", "top_box_ci_high", "bottom_box", "bottom_box_ci_low", "bottom_box_ci_high")
    if scale is None or len(x) == 0:
        return dict.fromkeys(names, np.nan)
    lo, hi = scale
    ww = np.ones_like(x) if w is None else w
    n_eff = ww.sum() ** 2 / (ww**2).sum() if ww.sum() > 0 else 0.0
    out: dict[str, float] = {}
    for name, hit in (("top_box", x >= hi - top + 1), ("bottom_box", x <= lo + bottom - 1)):
        share = (ww * hit).sum() / ww.sum()
        value, low, high = wilson_interval([share * n_eff], [n_eff])
        out |= {name: float(value[0]), f"{name}_ci_low": float(low[0]), f"{name}_ci_high": float(high[0])}
    return out


def descriptives(
    data: pd.DataFrame,
    dv: str | Sequence[str],
    weights: str | None = None,
    *,
    by: str | None = None,
    scale: Scale | Mapping[str, Scale] | None = None,
    top: int = 2,
    bottom: int = 2,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Descriptive statistics of one or more numeric variables, optionally per group and weighted.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent (e.g. :func:`~cxlens.stats.survey_frame`).
    dv : str or sequence of str
        The numeric column(s) to describe.
    weights : str, optional
        Column of survey weights (finite, ≥ 0). See the module docstring for the estimators.
    by : str, optional
        Describe each group of this column separately (rows with a missing group are left out).
    scale : (min, max) or {dv: (min, max)}, optional
        The answer scale; needed for top/bottom box. Top box = the share of answers ≥ max − top + 1 (4–5 on
        a 1–5 scale with ``top=2``), bottom box = the share ≤ min + bottom − 1.
    top, bottom : int, default 2
        Number of boxes counted at each end.
    alpha : float, default 0.05
        1 − confidence level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per variable (and group): ``variable``, ``by`` value, ``n`` (answered), ``missing``,
        ``n_eff`` (Kish; = n unweighted), ``mean``, ``sd``, ``se``, ``ci_low``/``ci_high`` (Student's t with
        n − 1 df), ``median``, ``q1``, ``q3``, ``min``, ``max``, ``top_box`` and ``bottom_box`` (in %, with
        Wilson intervals on the effective n).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": [1, 2, 4, 5, 5, None]})
    >>> d = descriptives(df, "q", scale=(1, 5))
    >>> d[["n", "missing", "mean", "median", "top_box"]].round(2).to_dict("records")
    [{'n': 5, 'missing': 1, 'mean': 3.4, 'median': 4.0, 'top_box': 60.0}]
    """
    dvs = [dv] if isinstance(dv, str) else list(dv)
    if not dvs:
        raise ValueError("dv is empty: name at least one column to describe")
    check_columns(data, *dvs, weights, by)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if top < 1 or bottom < 1:
        raise ValueError("top and bottom count boxes: they must be ≥ 1")
    w_all = _weights(data, weights)
    groups: list[tuple[Any, pd.Index]] = [(None, data.index)]
    if by is not None:
        keys = data[by].dropna()
        groups = [(k, idx) for k, idx in keys.groupby(keys, observed=True, sort=True).groups.items()]
    rows = []
    for name in dvs:
        values = numeric_column(data, name)
        sc = _scale_of(scale, name)
        for key, idx in groups:
            v = values.loc[idx]
            ok = v.notna().to_numpy()
            x = v.to_numpy()[ok]
            w = None if w_all is None else w_all.loc[idx].to_numpy()[ok]
            row: dict[str, Any] = {"variable": name}
            if by is not None:
                row[by] = key
            summary = _summary(x, w, alpha)
            row |= {"n": int(summary.pop("n")), "missing": int((~ok).sum())}
            row |= summary | _boxes(x, w, sc, top, bottom)
            rows.append(row)
    return pd.DataFrame(rows)


def frequencies(
    data: pd.DataFrame,
    dv: str,
    weights: str | None = None,
    *,
    scale: Scale | None = None,
) -> pd.DataFrame:
    """The distribution of a variable: count and share of every value (SPSS FREQUENCIES).

    Parameters
    ----------
    data : pandas.DataFrame
    dv : str
        Any column (numeric, categorical or text).
    weights : str, optional
        Survey weights: ``n`` is then the weighted count (Σw) and ``n_raw`` the unweighted one.
    scale : (min, max), optional
        For an integer scale, every scale point is listed, with 0 when nobody chose it.

    Returns
    -------
    pandas.DataFrame
        ``value``, ``n``, ``n_raw``, ``pct`` (of answered), ``cum_pct``; then one row ``value = None``
        for the missing answers with ``pct`` NaN. Values are ordered (categories in their own order).

    Examples
    --------
    >>> import pandas as pd
    >>> frequencies(pd.DataFrame({"q": [1, 1, 2, None]}), "q", scale=(1, 3))["n"].tolist()
    [2.0, 1.0, 0.0, 1.0]
    """
    check_columns(data, dv, weights)
    w = _weights(data, weights)
    series = data[dv]
    weight = pd.Series(1.0, index=data.index) if w is None else w
    ok = series.notna()
    answered = pd.DataFrame({"value": series[ok], "w": weight[ok]})
    grouped = answered.groupby("value", observed=False, sort=True).agg(n=("w", "sum"), n_raw=("w", "size"))
    if scale is not None and pd.api.types.is_numeric_dtype(series):
        lo, hi = float(scale[0]), float(scale[1])
        if float(lo).is_integer() and float(hi).is_integer():
            points = np.arange(lo, hi + 1)
            index = grouped.index.union(pd.Index(points, dtype=grouped.index.dtype)).rename("value")
            grouped = grouped.reindex(index, fill_value=0)
    grouped = grouped.reset_index()
    total = grouped["n"].sum()
    grouped["n"] = grouped["n"].astype("float64")
    grouped["n_raw"] = grouped["n_raw"].astype("int64")
    grouped["pct"] = 100 * grouped["n"] / total if total > 0 else np.nan
    grouped["cum_pct"] = grouped["pct"].cumsum()
    grouped["value"] = grouped["value"].astype(object)
    missing = pd.DataFrame(
        {
            "value": [None],
            "n": [float(weight[~ok].sum())],
            "n_raw": [int((~ok).sum())],
            "pct": [np.nan],
            "cum_pct": [np.nan],
        }
    )
    return pd.concat([grouped, missing], ignore_index=True)
