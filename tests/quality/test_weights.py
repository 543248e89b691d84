"""Weight estimators: published AHP results, a hand-computed entropy example, and the validation errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlens.exceptions import ConfigurationError
from cxlens.quality.weights import (
    RANDOM_INDEX,
    AHPWeights,
    BenchmarkWeights,
    DirectWeights,
    EntropyWeights,
    InconsistentJudgementsError,
    RegressionWeights,
)

# Saaty, T. L. (2008). Decision making with the analytic hierarchy process. Int. J. Services Sciences 1(1):
# 83–98, Table 2 ("Which drink is consumed more in the U.S.?"): the judgements, the derived priorities
# (.177 .019 .042 .116 .190 .129 .327) and C.R. = .022. The same figures are asserted by the AHPy package's
# tests (PhilipGriffith/AHPy:tests/test_ahp.py, test_drinks_weights_precision_3_saaty, test_drinks_cr_saaty).
DRINKS = {
    ("coffee", "wine"): 9,
    ("coffee", "tea"): 5,
    ("coffee", "beer"): 2,
    ("coffee", "soda"): 1,
    ("coffee", "milk"): 1,
    ("water", "coffee"): 2,
    ("water", "wine"): 9,
    ("water", "tea"): 9,
    ("water", "beer"): 3,
    ("water", "soda"): 2,
    ("water", "milk"): 3,
    ("tea", "wine"): 3,
    ("beer", "wine"): 9,
    ("beer", "tea"): 3,
    ("beer", "milk"): 1,
    ("soda", "wine"): 9,
    ("soda", "tea"): 4,
    ("soda", "beer"): 2,
    ("soda", "milk"): 2,
    ("milk", "wine"): 9,
    ("milk", "tea"): 3,
}
SAATY_DRINKS = {
    "coffee": 0.177,
    "wine": 0.019,
    "tea": 0.042,
    "beer": 0.116,
    "soda": 0.190,
    "milk": 0.129,
    "water": 0.327,
}


def test_ahp_reproduces_saatys_drinks_example() -> None:
    ahp = AHPWeights(DRINKS, name="drinks").fit()
    # published to 3 decimals: agree to half a unit in the third decimal
    for drink, weight in SAATY_DRINKS.items():
        assert ahp.weights_[drink] == pytest.approx(weight, abs=0.0005)
    assert round(ahp.cr_, 3) == 0.022
    assert ahp.ri_ == RANDOM_INDEX[7] == 1.32
    assert ahp.weights_.sum() == pytest.approx(1.0)
    assert ahp.ci_ == pytest.approx((ahp.lambda_max_ - 7) / 6)


def test_ahp_matrix_form_equals_pair_form() -> None:
    names = list(SAATY_DRINKS)
    pairs = AHPWeights(DRINKS, criteria=names).fit()
    matrix = pairs.matrix_.to_numpy().tolist()
    again = AHPWeights(matrix, criteria=names).fit()
    np.testing.assert_allclose(again.weights_.to_numpy(), pairs.weights_.to_numpy())


def test_a_consistent_matrix_gives_its_ratios_and_cr_zero() -> None:
    w = np.array([0.4, 0.2, 0.2, 0.1, 0.1])
    matrix = (w[:, None] / w[None, :]).tolist()
    ahp = AHPWeights(matrix, criteria=list("abcde")).fit()
    np.testing.assert_allclose(ahp.weights_.to_numpy(), w, atol=1e-12)
    assert ahp.lambda_max_ == pytest.approx(5.0)
    assert ahp.cr_ == pytest.approx(0.0, abs=1e-12)


def test_fractions_as_text_are_read() -> None:
    ahp = AHPWeights([[1, 3], ["1/3", 1]], criteria=["x", "y"]).fit()
    assert ahp.weights_.to_dict() == pytest.approx({"x": 0.75, "y": 0.25})
    assert ahp.cr_ == 0.0  # two criteria are always consistent


def test_inconsistent_judgements_are_rejected_naming_the_matrix() -> None:
    cyclic = {("a", "b"): 3, ("b", "c"): 3, ("c", "a"): 3}  # a > b > c > a
    with pytest.raises(InconsistentJudgementsError, match=r"expert panel: .*CR = 1\.149 > 0\.1") as info:
        AHPWeights(cyclic, name="expert panel").fit()
    assert isinstance(info.value, ValueError)
    # the limit is a setting
    assert AHPWeights(cyclic, max_cr=2.0).fit().cr_ == pytest.approx(1.149, abs=0.001)


@pytest.mark.parametrize(
    ("comparisons", "message"),
    [
        ([[1, 2], [2, 1]], "not reciprocal"),
        ([[1, 0], [0, 1]], "positive"),
        ({("a", "b"): 2, ("a", "c"): 3}, "missing comparison"),
        ({("a", "a"): 2}, "same criterion"),
        ([[1, "x"], ["1/2", 1]], "not a number"),
        ([[1]], "at least two"),
    ],
)
def test_bad_matrices_say_what_is_wrong(comparisons: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        AHPWeights(comparisons, name="m").fit()  # type: ignore[arg-type]


def test_entropy_weights_hand_computed() -> None:
    # a = (2, 4, 4): p = (.2, .4, .4); H = −(.2 ln .2 + 2 × .4 ln .4) = .321888 + .733033 = 1.054920
    #   e_a = H / ln 3 = 1.054920 / 1.098612 = .960230, d_a = .039770
    # b = (1, 1, 8): p = (.1, .1, .8); H = 2 × .230259 + .178515 = .639032; e_b = .581672, d_b = .418328
    # c = (3, 3, 3): e_c = 1, d_c = 0
    # w = d / Σd = (.039770, .418328, 0) / .458098 = (.086815, .913185, 0)
    X = pd.DataFrame({"a": [2, 4, 4], "b": [1, 1, 8], "c": [3, 3, 3]})
    est = EntropyWeights().fit(X)
    assert est.entropy_.to_dict() == pytest.approx({"a": 0.960230, "b": 0.581672, "c": 1.0}, abs=1e-6)
    # the hand computation carries 6 decimals through four steps: agree to 1e-5
    assert est.weights_.to_dict() == pytest.approx({"a": 0.086815, "b": 0.913185, "c": 0.0}, abs=1e-5)
    assert list(est.summary.columns) == ["criterion", "weight", "entropy", "divergence", "n"]


def test_entropy_extremes_and_missing_values() -> None:
    # all mass on one customer → entropy 0 → all the weight; missing values are left out per column
    X = pd.DataFrame({"x": [5.0, 0.0, 0.0, np.nan], "y": [1.0, 2.0, 3.0, 4.0]})
    est = EntropyWeights().fit(X)
    assert est.entropy_["x"] == pytest.approx(0.0, abs=1e-12)
    assert int(est.n_["x"]) == 3
    py = np.array([1, 2, 3, 4]) / 10
    assert est.entropy_["y"] == pytest.approx(-(py * np.log(py)).sum() / math.log(4))
    with pytest.raises(ValueError, match="non-negative"):
        EntropyWeights().fit(pd.DataFrame({"x": [-1.0, 2.0]}))
    with pytest.raises(ValueError, match="undefined"):
        EntropyWeights().fit(pd.DataFrame({"x": [1.0, 1.0], "y": [2.0, 2.0]}))


def test_direct_and_benchmark_weights(tmp_path: Path) -> None:
    assert DirectWeights({"a": 3, "b": 1}).fit().weights_.to_dict() == {"a": 0.75, "b": 0.25}
    with pytest.raises(ConfigurationError, match="'b' must be a non-negative number"):
        DirectWeights({"a": 1, "b": -1}).fit()
    with pytest.raises(ConfigurationError, match="sum to 0"):
        DirectWeights({"a": 0}).fit()
    (tmp_path / "peers.yaml").write_text("source: 行业协会 2025\nweights: {a: 0.6, b: 0.2}\n", encoding="utf-8")
    est = BenchmarkWeights.from_file(tmp_path / "peers.yaml").fit()
    assert est.weights_.to_dict() == pytest.approx({"a": 0.75, "b": 0.25})
    assert est.params_["source"] == "行业协会 2025"
    (tmp_path / "peers.csv").write_text("criterion,weight\na,1\nb,3\n", encoding="utf-8")
    assert BenchmarkWeights.from_file(tmp_path / "peers.csv").fit().weights_.to_dict() == {"a": 0.25, "b": 0.75}
    (tmp_path / "bad.yaml").write_text("source: x\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="bad.yaml: key `weights`"):
        BenchmarkWeights.from_file(tmp_path / "bad.yaml")


def test_regression_weights_share_r2_and_match_ols() -> None:
    rng = np.random.default_rng(7)
    X = pd.DataFrame(rng.normal(size=(400, 3)), columns=["a", "b", "c"])
    y = 2.0 * X["a"] + 1.0 * X["b"] + rng.normal(size=400)
    y.iloc[0] = np.nan  # listwise: one customer without the outcome
    est = RegressionWeights(n_boot=100, outcome="orders").fit(X, y)
    design = np.column_stack([np.ones(399), X.iloc[1:].to_numpy()])
    coef, *_ = np.linalg.lstsq(design, y.iloc[1:].to_numpy(), rcond=None)
    resid = y.iloc[1:].to_numpy() - design @ coef
    r2 = 1 - resid.var() / y.iloc[1:].var(ddof=0)
    assert est.n_ == 399
    assert est.r2_ == pytest.approx(r2, rel=1e-9)
    assert est.raw_weights_.sum() == pytest.approx(r2, rel=1e-9)
    assert est.weights_.sum() == pytest.approx(1.0)
    # nearly orthogonal predictors: shares ≈ 4 : 1 : 0 of the explained variance
    assert est.weights_["a"] == pytest.approx(0.8, abs=0.05)
    assert est.weights_["c"] < 0.02
    assert (est.ci_low_ <= est.weights_).all() and (est.weights_ <= est.ci_high_).all()
    lmg = RegressionWeights(measure="lmg", n_boot=0).fit(X, y)
    assert lmg.weights_.sum() == pytest.approx(1.0)


def test_regression_weights_refuse_constant_inputs() -> None:
    X = pd.DataFrame({"a": [1.0] * 10, "b": range(10)})
    with pytest.raises(ValueError, match="criterion 'a' does not vary"):
        RegressionWeights(n_boot=0).fit(X, pd.Series(range(10), dtype=float))
    with pytest.raises(ValueError, match="at least 5"):
        RegressionWeights(n_boot=0).fit(X.iloc[:3], pd.Series([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="not fitted"):
        _ = RegressionWeights().summary
