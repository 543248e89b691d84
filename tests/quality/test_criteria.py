"""Normalisations: each formula on values worked by hand, fitting, and its errors."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import norm

from cxlens.exceptions import ConfigurationError
from cxlens.quality.criteria import Criterion, Normalisation

X = pd.Series([10.0, 20.0, 40.0, math.nan])


def test_minmax_fitted_and_fixed() -> None:
    n = Normalisation("minmax").fit(X, "higher")
    assert n.transform(X, "higher").tolist()[:3] == pytest.approx([0.0, 100 / 3, 100.0])
    assert math.isnan(n.transform(X, "higher").iloc[3])
    assert n.transform(X, "lower").tolist()[:3] == pytest.approx([100.0, 200 / 3, 0.0])
    fixed = Normalisation("minmax", lo=0, hi=50).fit(X, "higher")
    assert fixed.transform(pd.Series([25.0, 60.0, -5.0]), "higher").tolist() == [50.0, 100.0, 0.0]
    same = Normalisation("minmax").fit(pd.Series([3.0, 3.0]), "higher")
    assert same.transform(pd.Series([3.0]), "higher").tolist() == [50.0]


def test_zscore_is_a_normal_percentile() -> None:
    n = Normalisation("zscore").fit(X, "higher")
    mean, sd = X.mean(), X.std(ddof=1)
    assert n.fitted == pytest.approx({"mean": mean, "sd": sd})
    assert n.transform(pd.Series([40.0]), "higher").iloc[0] == pytest.approx(100 * norm.cdf((40 - mean) / sd))
    assert n.transform(pd.Series([mean]), "lower").iloc[0] == pytest.approx(50.0)


def test_target_with_and_without_floor() -> None:
    hours = Normalisation("target", target=1.0, floor=25.0).fit(X, "lower")
    assert hours.transform(pd.Series([0.5, 1.0, 13.0, 25.0, 30.0]), "lower").tolist() == [100, 100, 50, 0, 0]
    rate = Normalisation("target", target=90.0).fit(pd.Series([30.0, 60.0, 95.0]), "higher")
    assert rate.fitted["floor"] == 30.0  # the worst customer
    assert rate.transform(pd.Series([60.0]), "higher").iloc[0] == pytest.approx(50.0)
    everyone = Normalisation("target", target=50.0).fit(pd.Series([60.0, 70.0]), "higher")
    assert everyone.transform(pd.Series([60.0, 40.0]), "higher").tolist() == [100.0, 0.0]
    with pytest.raises(ConfigurationError, match="must be below its floor"):
        Normalisation("target", target=30.0, floor=10.0).fit(X, "lower")
    with pytest.raises(ConfigurationError, match="needs `target`"):
        Normalisation("target").fit(X, "higher")


def test_benchmark_centres_on_the_peers() -> None:
    n = Normalisation("benchmark", benchmark=20.0, spread=10.0).fit(X, "higher")
    assert n.transform(pd.Series([20.0, 30.0]), "higher").tolist() == pytest.approx([50.0, 100 * norm.cdf(1.0)])
    assert n.transform(pd.Series([30.0]), "lower").iloc[0] == pytest.approx(100 * norm.cdf(-1.0))
    assert "benchmark 20" in n.describe()


def test_invalid_settings() -> None:
    with pytest.raises(ConfigurationError, match="not one of"):
        Normalisation("rank")
    with pytest.raises(ConfigurationError, match="hi > lo"):
        Normalisation("minmax", lo=5, hi=5)
    with pytest.raises(ConfigurationError, match="`sd` must be positive"):
        Normalisation("zscore", sd=0)
    with pytest.raises(ValueError, match="fit the normalisation"):
        Normalisation().transform(X, "higher")
    with pytest.raises(ConfigurationError, match="exactly one of"):
        Criterion("c", {}, "higher", Normalisation(), indicator="satisfaction", metric="csat")
    with pytest.raises(ConfigurationError, match="higher or lower"):
        Criterion("c", {}, "up", Normalisation(), indicator="satisfaction")
