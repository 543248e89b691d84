"""Descriptives and frequencies, checked against hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlens.stats import descriptives, frequencies


def test_unweighted_by_hand() -> None:
    x = [1, 2, 4, 5, 5, 3, 4]
    df = pd.DataFrame({"q": [*x, None]})
    d = descriptives(df, "q", scale=(1, 5)).iloc[0]
    arr = np.array(x, dtype=float)
    assert d["n"] == 7 and d["missing"] == 1 and d["n_eff"] == 7
    assert d["mean"] == pytest.approx(arr.mean())
    assert d["sd"] == pytest.approx(arr.std(ddof=1))
    assert d["se"] == pytest.approx(arr.std(ddof=1) / np.sqrt(7))
    half = stats.t.ppf(0.975, 6) * arr.std(ddof=1) / np.sqrt(7)
    assert (d["ci_low"], d["ci_high"]) == pytest.approx((arr.mean() - half, arr.mean() + half))
    assert (d["q1"], d["median"], d["q3"]) == pytest.approx(tuple(np.quantile(arr, [0.25, 0.5, 0.75])))
    assert (d["min"], d["max"]) == (1.0, 5.0)
    assert d["top_box"] == pytest.approx(100 * 4 / 7)  # 4s and 5s
    assert d["bottom_box"] == pytest.approx(100 * 2 / 7)  # 1s and 2s
    assert d["top_box_ci_low"] < d["top_box"] < d["top_box_ci_high"]


def test_weighted_linearisation_by_hand() -> None:
    x = np.array([1.0, 2.0, 4.0, 5.0])
    w = np.array([1.0, 2.0, 1.0, 0.5])
    d = descriptives(pd.DataFrame({"q": x, "w": w}), "q", weights="w").iloc[0]
    mean = (w * x).sum() / w.sum()
    n = 4
    se = np.sqrt(n / (n - 1) * (w**2 * (x - mean) ** 2).sum()) / w.sum()
    assert d["mean"] == pytest.approx(mean)
    assert d["se"] == pytest.approx(se)
    assert d["n_eff"] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    # weighted median: inverted weighted CDF — cumulative shares 1/4.5, 3/4.5 ≥ 0.5 → 2
    assert d["median"] == 2.0


def test_equal_weights_equal_unweighted() -> None:
    df = pd.DataFrame({"q": [1.0, 3.0, 4.0, 8.0], "w": 2.0})
    a, b = descriptives(df, "q").iloc[0], descriptives(df, "q", weights="w").iloc[0]
    for col in ("mean", "sd", "se", "ci_low", "ci_high"):
        assert a[col] == pytest.approx(b[col])


def test_by_group_and_many_variables() -> None:
    df = pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 4, 2, 2], "g": ["x", "x", "y", None]})
    d = descriptives(df, ["a", "b"], by="g")
    assert d[["variable", "g", "n"]].values.tolist() == [["a", "x", 2], ["a", "y", 1], ["b", "x", 2], ["b", "y", 1]]
    assert d.loc[1, "mean"] == 3.0 and np.isnan(d.loc[1, "sd"])


def test_empty_column_is_nan_not_zero() -> None:
    d = descriptives(pd.DataFrame({"q": [np.nan, np.nan]}), "q").iloc[0]
    assert d["n"] == 0 and d["missing"] == 2 and np.isnan(d["mean"])


def test_refusals() -> None:
    df = pd.DataFrame({"q": [1, 2], "t": ["a", "b"], "w": [1, -1]})
    with pytest.raises(ValueError, match="not numeric"):
        descriptives(df, "t")
    with pytest.raises(ValueError, match="no column"):
        descriptives(df, "zz")
    with pytest.raises(ValueError, match="≥ 0"):
        descriptives(df, "q", weights="w")
    with pytest.raises(ValueError, match="max > min"):
        descriptives(df, "q", scale=(5, 1))


def test_frequencies() -> None:
    df = pd.DataFrame({"q": [1, 1, 2, 5, None], "w": [1, 1, 2, 1, 3]})
    f = frequencies(df, "q", scale=(1, 5))
    assert f["value"].tolist()[:5] == [1.0, 2.0, 3.0, 4.0, 5.0] and f["value"].iloc[5] is None
    assert f["n"].tolist() == [2.0, 1.0, 0.0, 0.0, 1.0, 1.0]
    assert f["pct"].tolist()[:5] == [50.0, 25.0, 0.0, 0.0, 25.0]
    assert f["cum_pct"].iloc[4] == 100.0
    fw = frequencies(df, "q", weights="w")
    assert fw["n"].tolist() == [2.0, 2.0, 1.0, 3.0] and fw["n_raw"].tolist() == [2, 1, 1, 1]
    cat = frequencies(pd.DataFrame({"c": pd.Categorical(["b", "a", "b"], categories=["b", "a", "z"])}), "c")
    assert cat["value"].tolist()[:3] == ["b", "a", "z"] and cat["n"].tolist()[:3] == [2.0, 1.0, 0.0]
