"""Closed-form estimates and 95 % intervals from the sums a metric's Ibis expression returns.

Engines compute exact counts and sums; these functions turn them into a value, its standard error and a
confidence interval, the same way whatever engine computed the sums. Every function takes and returns
NumPy arrays (one element per slice) and gives NaN, never 0, where n = 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = ["Z95", "mean_interval", "nps_interval", "wilson_interval"]

Z95 = float(stats.norm.ppf(0.975))
Array = NDArray[np.float64]


def _f(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=np.float64)


def wilson_interval(successes: ArrayLike, n: ArrayLike, z: float = Z95) -> tuple[Array, Array, Array]:
    """Share ``successes / n`` (in %) with the Wilson score interval (Wilson 1927), which stays inside
    0–100 % and behaves for small n and shares near 0 or 1, unlike the normal approximation.

    >>> p, lo, hi = wilson_interval([8], [10])
    >>> round(float(p[0]), 1), round(float(lo[0]), 1), round(float(hi[0]), 1)
    (80.0, 49.0, 94.3)
    """
    k, m = _f(successes), _f(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / m
        denom = 1 + z**2 / m
        centre = (p + z**2 / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / denom
    return 100 * p, 100 * (centre - half), 100 * (centre + half)


def nps_interval(
    promoters: ArrayLike, detractors: ArrayLike, n: ArrayLike, z: float = Z95
) -> tuple[Array, Array, Array, Array]:
    """NPS = 100 × (promoters − detractors) / n with the multinomial variance of a difference of two shares
    of one sample: Var = [p_P + p_D − (p_P − p_D)²] / n (e.g. Rocks 2016, "The true standard error of NPS").

    Returns (nps, standard error, ci_low, ci_high), in NPS points. With 50 promoters and 20 detractors of
    100: Var = (0.5 + 0.2 − 0.3²) / 100 = 0.0061, so SE = 7.81 points. The normal-approximation interval is
    cut to NPS's range [−100, 100] (two promoters of two would otherwise reach past +100).

    >>> nps, se, lo, hi = nps_interval([50], [20], [100])
    >>> float(nps[0]), round(float(se[0]), 2), round(float(lo[0]), 1), round(float(hi[0]), 1)
    (30.0, 7.81, 14.7, 45.3)
    """
    pp, pd, m = _f(promoters), _f(detractors), _f(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_p, share_d = pp / m, pd / m
        score = share_p - share_d
        se = np.sqrt((share_p + share_d - score**2) / m)
    low, high = np.clip(score - z * se, -1.0, 1.0), np.clip(score + z * se, -1.0, 1.0)
    return 100 * score, 100 * se, 100 * low, 100 * high


def mean_interval(
    n: ArrayLike, total: ArrayLike, total_sq: ArrayLike, level: float = 0.95
) -> tuple[Array, Array, Array, Array]:
    """Mean with Student's t interval, from n, Σx and Σx² (so engines only sum).

    Returns (mean, sample sd, ci_low, ci_high); the interval is NaN when n < 2.

    >>> mean, sd, lo, hi = mean_interval([4], [10.0], [30.0])
    >>> float(mean[0]), round(float(sd[0]), 4), round(float(lo[0]), 3), round(float(hi[0]), 3)
    (2.5, 1.291, 0.446, 4.554)
    """
    m, s, ss = _f(n), _f(total), _f(total_sq)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / m
        var = np.clip((ss - m * mean**2) / (m - 1), 0, None)
        sd = np.sqrt(var)
        t = stats.t.ppf(0.5 + level / 2, np.where(m > 1, m - 1, np.nan))
        half = t * sd / np.sqrt(m)
    return mean, sd, mean - half, mean + half
