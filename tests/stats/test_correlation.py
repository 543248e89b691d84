"""Correlation matrices against SciPy, with pairwise deletion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from cxlens.stats import correlation, correlation_matrix


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    a = rng.normal(size=60)
    df = pd.DataFrame({"a": a, "b": a + rng.normal(size=60), "c": rng.normal(size=60), "t": "x"})
    df.loc[:9, "b"] = np.nan
    df.loc[50:, "c"] = np.nan
    return df


def test_pearson_matches_scipy_pairwise(data: pd.DataFrame) -> None:
    long = correlation(data)
    assert long[["x", "y"]].values.tolist() == [["a", "b"], ["a", "c"], ["b", "c"]]  # text column skipped
    for row in long.itertuples():
        both = data[[row.x, row.y]].dropna()
        ref = stats.pearsonr(both[row.x], both[row.y])
        ci = ref.confidence_interval()
        assert row.n == len(both)
        assert row.r == pytest.approx(ref.statistic) and row.p_val == pytest.approx(ref.pvalue)
        assert (row.ci_low, row.ci_high) == pytest.approx((ci.low, ci.high))
    assert long["n"].tolist() == [50, 50, 40]


def test_spearman_matches_scipy(data: pd.DataFrame) -> None:
    long = correlation(data, ["a", "b"], method="spearman")
    both = data[["a", "b"]].dropna()
    ref = stats.spearmanr(both["a"], both["b"])
    assert long["r"].iloc[0] == pytest.approx(ref.statistic) and long["p_val"].iloc[0] == pytest.approx(ref.pvalue)
    se = np.sqrt(1.06 / (len(both) - 3))
    assert long["ci_low"].iloc[0] == pytest.approx(np.tanh(np.arctanh(ref.statistic) - 1.959964 * se), abs=1e-6)


def test_holm_and_matrix(data: pd.DataFrame) -> None:
    long = correlation(data, correction="holm")
    assert long["p_corr"].to_numpy() == pytest.approx(multipletests(long["p_val"], method="holm")[1])
    m = correlation_matrix(long)
    assert m.loc["a", "a"] == 1.0 and m.loc["b", "a"] == m.loc["a", "b"]
    assert correlation_matrix(long, "n").loc["c", "b"] == 40


def test_constant_pair_is_nan_and_refusals() -> None:
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "k": 1.0})
    assert np.isnan(correlation(df)["r"].iloc[0])
    with pytest.raises(ValueError, match="at least 2"):
        correlation(df, ["a"])
    with pytest.raises(ValueError, match="method"):
        correlation(df, method="kendall")
