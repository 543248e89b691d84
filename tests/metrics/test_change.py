"""The period-change tests against SciPy's own implementations on known inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlens.metrics.change import add_change
from cxlens.metrics.intervals import nps_interval, wilson_interval


def test_two_proportion_z_matches_the_textbook() -> None:
    # 45/100 vs 60/100: pooled p = .525, z = .15 / sqrt(.525·.475·.02) = 2.1243, p = .0336
    frame = pd.DataFrame({"period": [1, 2], "n": [100, 100], "satisfied": [45, 60]})
    frame["value"] = wilson_interval(frame["satisfied"], frame["n"])[0]
    out = add_change(frame, ["period"])
    assert out.loc[1, "test"] == "two_proportion_z"
    assert out.loc[1, "p_val"] == pytest.approx(0.03364, abs=1e-4) and bool(out.loc[1, "significant"])


def test_welch_matches_scipy() -> None:
    a, b = np.array([3.0, 4, 5, 4, 3, 5]), np.array([5.0, 6, 5, 7, 6])
    frame = pd.DataFrame(
        {"period": [1, 2], "n": [len(a), len(b)], "value": [a.mean(), b.mean()], "sd": [a.std(ddof=1), b.std(ddof=1)]}
    )
    out = add_change(frame, ["period"])
    assert out.loc[1, "p_val"] == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)


def test_nps_difference_uses_both_variances() -> None:
    score, se, _, _ = nps_interval([50, 40], [20, 30], [100, 100])
    frame = pd.DataFrame({"period": [1, 2], "n": [100, 100], "value": score, "se": se})
    out = add_change(frame, ["period"])
    z = (10 - 30) / np.sqrt(se[0] ** 2 + se[1] ** 2)
    assert out.loc[1, "p_val"] == pytest.approx(2 * stats.norm.sf(abs(z)))


def test_mann_whitney_for_times() -> None:
    before, after = np.array([1.0, 2, 3, 4, 5]), np.array([6.0, 7, 8, 9, 10])
    frame = pd.DataFrame({"period": [1, 2], "n": [5, 5], "value": [3.0, 8.0], "p90": [4.6, 9.6], "sd": [1.0, 1.0]})
    out = add_change(frame, ["period"], samples={(1,): before, (2,): after})
    assert out.loc[1, "test"] == "mann_whitney"
    assert out.loc[1, "p_val"] == pytest.approx(stats.mannwhitneyu(after, before).pvalue)


def test_slices_are_compared_within_themselves() -> None:
    frame = pd.DataFrame(
        {
            "segment": ["a", "a", "b"],
            "period": [1, 2, 2],
            "n": [10, 10, 10],
            "satisfied": [5, 5, 9],
            "value": [50.0, 50.0, 90.0],
        }
    )
    out = add_change(frame, ["segment", "period"])
    assert np.isnan(out.loc[0, "previous"]) and out.loc[1, "previous"] == 50.0
    assert np.isnan(out.loc[out["segment"] == "b", "change"]).all()
