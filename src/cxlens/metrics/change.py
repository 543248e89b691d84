"""Period-over-period change, with the test that says whether it is more than noise.

For each slice, each period is compared with the one before it:
- shares (CSAT %, SLA %, churn …): two-proportion z test with the pooled proportion;
- NPS: z = ΔNPS / √(SE₁² + SE₂²), each SE from the multinomial variance;
- means (CES, CSI, AOV …): Welch's t test from n, mean and sd;
- times (medians): Mann–Whitney U on the two periods' raw times (two-sided).
``significant`` is ``p_val < alpha``; it is computed, never eyeballed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["add_change", "test_for"]

SHARE_COUNTS = ("satisfied", "easy", "top", "bottom", "resolved", "met", "cross", "repeat")


def test_for(frame: pd.DataFrame) -> str:
    """Which test fits a metric's result frame (by the columns its finish step produced)."""
    if "se" in frame:
        return "nps_z"
    if "p90" in frame:
        return "mann_whitney"
    if "sd" in frame:
        return "welch_t"
    if any(c in frame for c in SHARE_COUNTS) or "at_start" in frame:
        return "two_proportion_z"
    return "none"


def _share_counts(frame: pd.DataFrame) -> pd.Series:
    for column in SHARE_COUNTS:
        if column in frame:
            return frame[column]
    return frame["value"] / 100 * frame["n"]


def _p_values(prev: pd.DataFrame, cur: pd.DataFrame, test: str) -> np.ndarray:
    if test == "nps_z":
        z = (cur["value"].to_numpy() - prev["value"].to_numpy()) / np.sqrt(
            cur["se"].to_numpy() ** 2 + prev["se"].to_numpy() ** 2
        )
        return 2 * stats.norm.sf(np.abs(z))
    if test == "welch_t":
        mean_key = "mean" if "mean" in cur else "value"
        cols = [frame[c].to_numpy(float) for frame in (cur, prev) for c in (mean_key, "sd", "n")]
        with np.errstate(invalid="ignore", divide="ignore"):
            _, p = stats.ttest_ind_from_stats(*cols, equal_var=False)
        return np.asarray(p, dtype=float)
    if test == "two_proportion_z":
        k1, n1 = _share_counts(prev).to_numpy(float), prev["n"].to_numpy(float)
        k2, n2 = _share_counts(cur).to_numpy(float), cur["n"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            pooled = (k1 + k2) / (n1 + n2)
            z = (k2 / n2 - k1 / n1) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        return 2 * stats.norm.sf(np.abs(z))
    return np.full(len(cur), np.nan)


def add_change(
    frame: pd.DataFrame, keys: list[str], alpha: float = 0.05, samples: dict[tuple[Any, ...], np.ndarray] | None = None
) -> pd.DataFrame:
    """Add ``previous``, ``change``, ``p_val``, ``significant`` and ``test`` to a per-period result.

    ``samples`` maps (slice…, period) to raw values, for the Mann–Whitney test of time metrics."""
    test = test_for(frame)
    slices = [k for k in keys if k != "period"]
    frame = frame.sort_values([*slices, "period"], ignore_index=True)
    prev = frame.groupby(slices, dropna=False, sort=False).shift(1) if slices else frame.shift(1)
    has_prev = prev["period"].notna().to_numpy()
    frame["previous"] = prev["value"]
    frame["change"] = frame["value"] - prev["value"]
    if test == "mann_whitney" and samples is not None:
        p = np.array(
            [
                _mann_whitney(samples, frame.iloc[i], prev.iloc[i], slices) if has_prev[i] else np.nan
                for i in range(len(frame))
            ]
        )
    else:
        p = np.where(has_prev, _p_values(prev, frame, test), np.nan)
    frame["p_val"] = np.asarray(p, dtype=float)
    tested = frame["p_val"].notna()
    frame["significant"] = pd.array(
        [bool(v < alpha) if ok else None for v, ok in zip(frame["p_val"], tested, strict=True)], dtype="boolean"
    )
    frame["test"] = test
    return frame


def _mann_whitney(
    samples: dict[tuple[Any, ...], np.ndarray], cur: pd.Series, prev: pd.Series, slices: list[str]
) -> float:
    a = samples.get((*[cur[s] for s in slices], cur["period"]))
    b = samples.get((*[cur[s] for s in slices], prev["period"]))
    if a is None or b is None or len(a) == 0 or len(b) == 0:
        return float("nan")
    return float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
