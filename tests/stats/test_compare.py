"""compare(): the chosen test, its reason, and every number against SciPy / statsmodels or a hand formula."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.oneway import anova_oneway
from statsmodels.stats.proportion import proportions_ztest

from cxlens.stats import compare
from cxlens.stats.compare import newcombe_interval


def _two(a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"y": np.r_[a, b], "g": ["a"] * len(a) + ["b"] * len(b)})


def test_student_t_when_normal_and_equal_variances() -> None:
    RNG = np.random.default_rng(101)
    a, b = RNG.normal(5, 1, 40), RNG.normal(5.6, 1, 45)
    r = compare(_two(a, b), "y", "g")
    t = r.test.iloc[0]
    assert t["method"] == "student_t"
    ref = stats.ttest_ind(a, b)
    assert t["statistic"] == pytest.approx(ref.statistic) and t["p_val"] == pytest.approx(ref.pvalue)
    assert t["df1"] == 83
    ci = ref.confidence_interval()
    assert (t["diff_ci_low"], t["diff_ci_high"]) == pytest.approx((ci.low, ci.high))
    pooled = np.sqrt((39 * a.var(ddof=1) + 44 * b.var(ddof=1)) / 83)
    d = (a.mean() - b.mean()) / pooled
    assert t["cohen_d"] == pytest.approx(d)
    assert t["effect_size"] == pytest.approx(d * (1 - 3 / (4 * 85 - 9)))  # Hedges' g
    assert "variances do not differ" in t["method_reason"]
    assert r.groups["n"].tolist() == [40, 45]


def test_welch_when_variances_differ() -> None:
    RNG = np.random.default_rng(102)
    a, b = RNG.normal(0, 1, 50), RNG.normal(0.5, 4, 60)
    t = compare(_two(a, b), "y", "g").test.iloc[0]
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert t["method"] == "welch_t"
    assert t["statistic"] == pytest.approx(ref.statistic) and t["p_val"] == pytest.approx(ref.pvalue)
    assert t["df1"] == pytest.approx(ref.df)
    ci = ref.confidence_interval()
    assert (t["diff_ci_low"], t["diff_ci_high"]) == pytest.approx((ci.low, ci.high))
    assert "variances differ" in t["method_reason"]


def test_mann_whitney_when_small_and_skewed() -> None:
    RNG = np.random.default_rng(103)
    a, b = np.exp(RNG.normal(0, 1.5, 15)), np.exp(RNG.normal(1, 1.5, 12))
    a[0] = 500.0  # an outlier makes Shapiro-Wilk reject
    t = compare(_two(a, b), "y", "g").test.iloc[0]
    ref = stats.mannwhitneyu(a, b, alternative="two-sided")
    assert t["method"] == "mann_whitney"
    assert t["statistic"] == pytest.approx(ref.statistic) and t["p_val"] == pytest.approx(ref.pvalue)
    assert t["effect_size"] == pytest.approx(2 * ref.statistic / (15 * 12) - 1)
    assert t["ci_low"] < t["effect_size"] < t["ci_high"]
    assert "not normal enough" in t["method_reason"] and "a" in t["method_reason"]


def _three(*samples: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"y": np.concatenate(samples), "g": np.repeat(["a", "b", "c"], [len(s) for s in samples])})


def test_anova_with_holm_pairs() -> None:
    RNG = np.random.default_rng(104)
    s = [RNG.normal(m, 1, 35) for m in (0, 0.3, 0.9)]
    r = compare(_three(*s), "y", "g")
    t = r.test.iloc[0]
    ref = stats.f_oneway(*s)
    assert t["method"] == "anova" and t["statistic"] == pytest.approx(ref.statistic)
    assert (t["df1"], t["df2"]) == (2, 102)
    allx = np.concatenate(s)
    eta2 = sum(len(x) * (x.mean() - allx.mean()) ** 2 for x in s) / ((allx - allx.mean()) ** 2).sum()
    assert t["effect_size"] == pytest.approx(eta2)
    assert t["ci_low"] <= t["effect_size"] <= t["ci_high"]
    pairs = r.posthoc
    assert pairs[["a", "b"]].values.tolist() == [["a", "b"], ["a", "c"], ["b", "c"]]
    unc = [stats.ttest_ind(s[i], s[j]).pvalue for i, j in ((0, 1), (0, 2), (1, 2))]
    assert pairs["p_unc"].to_numpy() == pytest.approx(unc)
    assert pairs["p_corr"].to_numpy() == pytest.approx(multipletests(unc, method="holm")[1])
    bh = compare(_three(*s), "y", "g", correction="fdr_bh").posthoc
    assert bh["p_corr"].to_numpy() == pytest.approx(multipletests(unc, method="fdr_bh")[1])


def test_welch_anova_matches_statsmodels() -> None:
    RNG = np.random.default_rng(105)
    s = [RNG.normal(0, 1, 40), RNG.normal(0.5, 3, 50), RNG.normal(1, 1, 45)]
    t = compare(_three(*s), "y", "g").test.iloc[0]
    ref = anova_oneway(s, use_var="unequal")
    assert t["method"] == "welch_anova"
    assert t["statistic"] == pytest.approx(ref.statistic) and t["p_val"] == pytest.approx(ref.pvalue)
    assert t["df2"] == pytest.approx(ref.df[1])


def test_kruskal_and_dunn() -> None:
    RNG = np.random.default_rng(106)
    s = [np.exp(RNG.normal(m, 1.5, 12)) for m in (0, 0.5, 2)]
    r = compare(_three(*s), "y", "g", n_boot=200)
    t = r.test.iloc[0]
    ref = stats.kruskal(*s)
    assert t["method"] == "kruskal" and t["statistic"] == pytest.approx(ref.statistic)
    assert t["effect_size"] == pytest.approx(ref.statistic / 35)
    assert t["ci_low"] <= t["ci_high"]
    # Dunn's z for a vs c by hand (no ties)
    ranks = stats.rankdata(np.concatenate(s))
    z = (ranks[:12].mean() - ranks[24:].mean()) / np.sqrt(36 * 37 / 12 * (2 / 12))
    assert r.posthoc.iloc[1]["statistic"] == pytest.approx(z)
    assert r.posthoc["test"].eq("Dunn's test").all()


def test_two_proportions() -> None:
    df = pd.DataFrame({"y": [1] * 30 + [0] * 20 + [1] * 15 + [0] * 35, "g": ["a"] * 50 + ["b"] * 50})
    t = compare(df, "y", "g").test.iloc[0]
    z, p = proportions_ztest([30, 15], [50, 50])
    assert t["method"] == "two_proportion_z"
    assert t["statistic"] == pytest.approx(z) and t["p_val"] == pytest.approx(p)
    assert t["difference"] == pytest.approx(30.0)
    assert t["effect_size"] == pytest.approx(2 * np.arcsin(np.sqrt(0.6)) - 2 * np.arcsin(np.sqrt(0.3)))
    assert "share of 1" in t["method_reason"]


def test_fisher_when_expected_counts_are_small() -> None:
    df = pd.DataFrame({"y": [True] * 3 + [False] * 7 + [True] * 8 + [False] * 2, "g": ["a"] * 10 + ["b"] * 10})
    t = compare(df, "y", "g").test.iloc[0]
    assert t["method"] == "fisher_exact"
    assert t["p_val"] == pytest.approx(stats.fisher_exact([[3, 7], [8, 2]])[1])
    assert "exact test" in t["method_reason"]


def test_binary_across_three_groups_uses_chi2_and_pairs() -> None:
    df = pd.DataFrame({"y": np.r_[np.ones(20), np.zeros(30), np.ones(35), np.zeros(15), np.ones(25), np.zeros(25)]})
    df["g"] = np.repeat(["a", "b", "c"], 50)
    r = compare(df, "y", "g")
    chi2, p, _, _ = stats.chi2_contingency([[20, 30], [35, 15], [25, 25]], correction=False)
    assert r.test.iloc[0]["method"] == "chi2" and r.test.iloc[0]["statistic"] == pytest.approx(chi2)
    assert len(r.posthoc) == 3 and r.posthoc["correction"].eq("holm").all()


def test_categorical_outcome() -> None:
    df = pd.DataFrame({"y": list("xyzxyzxxyz") * 6, "g": ["a"] * 30 + ["b"] * 30})
    t = compare(df, "y", "g").test.iloc[0]
    assert t["outcome_kind"] == "categorical" and t["method"] == "chi2"


def test_newcombe_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17: 873-890, table II example (56/70 − 48/80): 0.0524, 0.3339
    assert newcombe_interval(56, 70, 48, 80) == pytest.approx((0.0524, 0.3339), abs=5e-5)


def test_forced_method_and_refusals() -> None:
    RNG = np.random.default_rng(112)
    df = _two(RNG.normal(0, 1, 20), RNG.normal(0, 1, 20))
    assert compare(df, "y", "g", method="mann_whitney").test.iloc[0]["method"] == "mann_whitney"
    with pytest.raises(ValueError, match="takes one of"):
        compare(df, "y", "g", method="anova")
    with pytest.raises(ValueError, match="correction"):
        compare(df, "y", "g", correction="magic")
    with pytest.raises(ValueError, match="group"):
        compare(pd.DataFrame({"y": [1.0, 2.0, 3.0], "g": ["a", "a", "b"]}), "y", "g")
    small = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0, 5.0], "g": ["a", "a", "b", "b", "c"]})
    assert "Left out" in compare(small, "y", "g").test.iloc[0]["method_reason"]
