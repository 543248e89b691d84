"""Trend and anomaly detection on a metric series (e.g. monthly NPS per region from
:func:`cxlens.metrics.compute`): which periods are off their expected value by more than sampling noise and
ordinary period-to-period variation explain, and where a series shifted level for good.

:func:`detect_anomalies` works per group (the ``by`` columns) on the points in time order:

* **expected value.** ``"stl"``: the trend + seasonal part of a robust STL decomposition (Cleveland, Cleveland,
  McRae & Terpenning 1990, J. Official Statistics 6(1); statsmodels), for complete series of at least three
  seasonal cycles. ``"robust"``: a leave-one-out weighted median of the ``window`` nearest points on each side,
  each neighbour weighted by its precision 1/se² — so a month of 5 answers barely moves the baseline.
  ``"auto"`` takes STL when it applies, else the robust baseline.
* **spread.** Each point's residual ``r_t = y_t − ŷ_t`` is compared with ``√(σ²_proc + se_t²)``: its own
  sampling standard error ``se_t`` (the metric's ``se``, or (ci_high − ci_low)/(2·1.96)) plus the series'
  process variance ``σ²_proc ≥ 0``, the variation sampling does not explain, estimated robustly as the
  solution of ``median_t(r_t² / (σ²_proc + se_t²)) = 0.4549`` (the median of χ²₁), or 0 when even
  ``σ²_proc = 0`` gives a smaller median. Without standard errors this is the squared MAD scale
  ``(median|r| / 0.6745)²`` of the usual robust z-score; with them, noisy points count for less.
  ``z_t = r_t / √(σ²_proc + se_t²)`` is then a robust z-score that respects each point's n.
* **flag.** Two-sided ``p_val = 2·Φ(−|z|)``; a point is flagged when ``p_val < alpha`` (default 0.01) and it rests
  on at least ``min_n`` observations. ``direction`` says whether it is a dip or a spike.

:func:`change_points` tests each group for one lasting level shift with the precision-weighted CUSUM
statistic ``max_k |Σ_{i≤k} w_i (y_i − ȳ_w)| / √Σw`` (Page 1954; ``w_i = 1/se_i²`` when every point has a
standard error, else 1) and a permutation p-value (the statistic over ``n_perm`` random orderings of the
(value, weight) pairs, seeded), then recurses on both sides (binary segmentation, Scott & Knott 1974) while the
shifts stay significant. Means before and after are precision-weighted.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

__all__ = ["anomalies", "change_points", "detect_anomalies"]

METHODS = ("auto", "stl", "robust")
_CORE = ("period", "value", "n", "ci_low", "ci_high", "se", "metric")


def _groups(series: pd.DataFrame, by: Sequence[str] | None, time: str, value: str) -> list[str]:
    for col in (time, value):
        if col not in series.columns:
            raise ValueError(f"the series has no {col!r} column; columns are {', '.join(map(str, series.columns))}")
    if by is None:
        pos = list(series.columns).index(time)
        return [c for c in series.columns[:pos] if c not in _CORE]
    missing = [b for b in by if b not in series.columns]
    if missing:
        raise ValueError(f"by column(s) not in the series: {', '.join(missing)}")
    return list(by)


def _se(frame: pd.DataFrame, value: str) -> np.ndarray:
    if "se" in frame.columns and frame["se"].notna().any():
        se = frame["se"].to_numpy(float)
    elif {"ci_low", "ci_high"} <= set(frame.columns):
        se = (frame["ci_high"] - frame["ci_low"]).to_numpy(float) / (2 * 1.959964)
    else:
        se = np.zeros(len(frame))
    return np.where(np.isfinite(se), se, np.nan)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, 0.5 * cum[-1])])


def _robust_expected(y: np.ndarray, se: np.ndarray, window: int) -> np.ndarray:
    fallback = np.nanmedian(se[se > 0]) if (se > 0).any() else 1.0
    w = 1 / np.where(se > 0, se, fallback) ** 2
    out = np.empty(len(y))
    for t in range(len(y)):
        idx = [i for i in range(max(0, t - window), min(len(y), t + window + 1)) if i != t]
        out[t] = _weighted_median(y[idx], w[idx]) if idx else np.nan
    return out


def _stl_expected(y: np.ndarray, period: int) -> np.ndarray:
    from statsmodels.tsa.seasonal import STL

    res = STL(y, period=period, robust=True).fit()
    return np.asarray(res.trend + res.seasonal)


def _regular(times: pd.Series) -> bool:
    t = pd.DatetimeIndex(times)
    if len(t) < 3:
        return False
    freq = pd.infer_freq(t)
    return freq is not None


def _one(frame: pd.DataFrame, value: str, method: str, period: int | None, window: int) -> tuple[np.ndarray, str]:
    y = frame[value].to_numpy(float)
    se = _se(frame, value)
    use_stl = method == "stl" or (
        method == "auto"
        and period is not None
        and period >= 2
        and len(y) >= 3 * period
        and _regular(frame["__time"])
        and importlib.util.find_spec("statsmodels") is not None
    )
    if use_stl:
        if period is None or period < 2:
            raise ValueError("method='stl' needs period= (points per seasonal cycle, e.g. 12 for months)")
        if len(y) < 2 * period + 1 or not _regular(frame["__time"]):
            raise ValueError(f"STL needs a gap-free series of at least {2 * period + 1} points; this one has {len(y)}")
        return _stl_expected(y, period), "stl"
    return _robust_expected(y, np.nan_to_num(se, nan=0.0), window), "robust"


def detect_anomalies(
    series: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    time: str = "period",
    value: str = "value",
    method: str = "auto",
    period: int | None = None,
    window: int = 4,
    alpha: float = 0.01,
    min_n: int = 10,
    min_points: int = 5,
) -> pd.DataFrame:
    """Flag the points of a metric series that are far from their expected value (module docstring).

    Parameters
    ----------
    series : pandas.DataFrame
        One row per group and period: ``time`` and ``value`` columns, optionally ``n``, ``se`` or
        ``ci_low``/``ci_high`` (as :func:`cxlens.metrics.compute` returns).
    by : sequence of str, optional
        Group columns; default: the columns before ``time`` (compute's slices), excluding ``metric``.
    method : {"auto", "stl", "robust"}
    period : int, optional
        Points per seasonal cycle for STL (12 for months, 4 for quarters, 7 for days).
    window : int
        Neighbours on each side for the robust baseline.
    alpha : float
        Two-sided level of the flag; with m points, about ``alpha·m`` false alarms are expected.
    min_n : int
        Points with fewer observations (``n``) are scored but never flagged.
    min_points : int
        Groups with fewer points are returned with NaN scores (too short for a baseline).

    Returns
    -------
    pandas.DataFrame
        The group columns, ``period``, ``value``, ``n``, ``se``, ``expected``, ``residual``, ``scale``
        (√(σ²_proc + se²)), ``z``, ``p_val``, ``flag``, ``direction`` (``"dip"``/``"spike"``/``""``) and
        ``method``, sorted by group and time.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"period": pd.date_range("2025-01-01", periods=9, freq="MS"),
    ...                   "value": [20, 22, 19, 21, -15, 20, 23, 21, 20], "se": 5.0, "n": 100})
    >>> detect_anomalies(s).query("flag").period.dt.strftime("%Y-%m").tolist()
    ['2025-05']
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), not {alpha}")
    keys = _groups(series, by, time, value)
    data = series.copy()
    data["__time"] = pd.to_datetime(data[time])
    data = data[data[value].notna()]
    parts = []
    for _, frame in data.groupby(keys, sort=True, dropna=False) if keys else [((), data)]:
        frame = frame.sort_values("__time").reset_index(drop=True)
        parts.append(_score(frame, value, method, period, window, alpha, min_n, min_points))
    columns = [
        *keys,
        time,
        value,
        "n",
        "se",
        "expected",
        "residual",
        "scale",
        "z",
        "p_val",
        "flag",
        "direction",
        "method",
    ]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    return out[columns]


def _score(
    frame: pd.DataFrame,
    value: str,
    method: str,
    period: int | None,
    window: int,
    alpha: float,
    min_n: int,
    min_points: int,
) -> pd.DataFrame:
    se = _se(frame, value)
    frame = frame.assign(se=se)
    if "n" not in frame.columns:
        frame["n"] = np.nan
    if len(frame) < min_points:
        nan = np.full(len(frame), np.nan)
        return frame.assign(
            expected=nan, residual=nan, scale=nan, z=nan, p_val=nan, flag=False, direction="", method="too_short"
        )
    expected, used = _one(frame, value, method, period, window)
    y = frame[value].to_numpy(float)
    resid = y - expected
    se0 = np.nan_to_num(se, nan=0.0)
    proc = _process_variance(resid, se0)
    scale = np.sqrt(proc + se0**2)
    scale = np.where(scale > 0, scale, np.nan)
    z = resid / scale
    p = 2 * sps.norm.sf(np.abs(z))
    enough = frame["n"].isna().to_numpy() | (frame["n"].fillna(0).to_numpy() >= min_n)
    flag = (p < alpha) & enough & np.isfinite(z)
    return frame.assign(
        expected=expected,
        residual=resid,
        scale=scale,
        z=z,
        p_val=p,
        flag=flag,
        direction=np.where(flag, np.where(z < 0, "dip", "spike"), ""),
        method=used,
    )


def _process_variance(resid: np.ndarray, se: np.ndarray) -> float:
    """σ² ≥ 0 with median(r²/(σ² + se²)) = median of χ²₁ (0.4549): a robust, precision-aware moment estimate."""
    ok = np.isfinite(resid)
    r2, s2 = resid[ok] ** 2, se[ok] ** 2
    target = sps.chi2.ppf(0.5, 1)
    if not len(r2):
        return 0.0
    if (s2 <= 0).all():
        return float(np.median(r2) / target)
    if np.median(r2 / np.where(s2 > 0, s2, np.inf)) <= target:
        return 0.0
    lo, hi = 0.0, float(np.max(r2)) / target + 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if np.median(r2 / (mid + s2)) > target:
            lo = mid
        else:
            hi = mid
    return float((lo + hi) / 2)


def _cusum(y: np.ndarray, w: np.ndarray) -> tuple[float, int]:
    """Precision-weighted CUSUM: max_k |Σ_{i≤k} w_i (y_i − ȳ_w)| / √Σw and its argmax (points before the change)."""
    s = np.cumsum(w * (y - np.average(y, weights=w)))[:-1] / np.sqrt(w.sum())
    k = int(np.argmax(np.abs(s)))
    return float(abs(s[k])), k + 1


def change_points(
    series: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    time: str = "period",
    value: str = "value",
    alpha: float = 0.05,
    n_perm: int = 999,
    min_segment: int = 3,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Lasting level shifts per group: CUSUM with a permutation p-value, by binary segmentation.

    Returns
    -------
    pandas.DataFrame
        One row per significant change: the group columns, ``period`` (the first period of the new level),
        ``mean_before``, ``mean_after``, ``shift``, ``cusum``, ``p_val`` (permutation, (b + 1)/(n_perm + 1)),
        ``n_before``, ``n_after`` (points in the two segments). Empty when no series shifted.
    """
    keys = _groups(series, by, time, value)
    data = series[series[value].notna()].copy()
    data["__time"] = pd.to_datetime(data[time])
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for key, frame in data.groupby(keys, sort=True, dropna=False) if keys else [((), data)]:
        frame = frame.sort_values("__time")
        y = frame[value].to_numpy(float)
        se = np.nan_to_num(_se(frame, value), nan=0.0)
        w = 1 / se**2 if (se > 0).all() else np.ones(len(y))
        w = w / w.mean()
        times = list(frame[time])
        label = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        stack = [(0, len(y))]
        while stack:
            lo, hi = stack.pop()
            seg, ws = y[lo:hi], w[lo:hi]
            if len(seg) < 2 * min_segment:
                continue
            stat, k = _cusum(seg, ws)
            k = min(max(k, min_segment), len(seg) - min_segment)
            orders = [rng.permutation(len(seg)) for _ in range(n_perm)]
            perms = np.array([_cusum(seg[o], ws[o])[0] for o in orders])
            p = (1 + int((perms >= stat).sum())) / (n_perm + 1)
            if p >= alpha:
                continue
            rows.append(
                {
                    **label,
                    time: times[lo + k],
                    "mean_before": float(np.average(seg[:k], weights=ws[:k])),
                    "mean_after": float(np.average(seg[k:], weights=ws[k:])),
                    "shift": float(np.average(seg[k:], weights=ws[k:]) - np.average(seg[:k], weights=ws[:k])),
                    "cusum": stat,
                    "p_val": p,
                    "n_before": k,
                    "n_after": len(seg) - k,
                }
            )
            stack += [(lo, lo + k), (lo + k, hi)]
    cols = [*keys, time, "mean_before", "mean_after", "shift", "cusum", "p_val", "n_before", "n_after"]
    return pd.DataFrame(rows, columns=cols).sort_values([*keys, time], kind="stable").reset_index(drop=True)


_SEASON = {"month": 12, "quarter": 4, "week": 52, "day": 7}


def anomalies(
    source: Any,
    metric: str,
    *,
    by: Sequence[str] = (),
    every: str = "month",
    method: str = "auto",
    alpha: float = 0.01,
    min_n: int = 10,
    **options: Any,
) -> pd.DataFrame:
    """:func:`cxlens.metrics.compute` then :func:`detect_anomalies`, with the seasonal period of ``every``.

    ``options`` go to ``compute`` (``survey=``, ``filters=``, ``start=`` …). Returns the same columns as
    :func:`detect_anomalies` plus ``metric``.
    """
    from cxlens.metrics import compute

    series = compute(source, metric, by=list(by), every=every, **options)
    out = detect_anomalies(series, by=list(by), method=method, period=_SEASON.get(every), alpha=alpha, min_n=min_n)
    out.insert(0, "metric", metric)
    return out
