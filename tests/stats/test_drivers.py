"""Key-driver analysis: LMG against a brute-force Shapley over statsmodels fits, relative weights,
the importance–performance matrix, the refusals, and the planted drivers of the demo company."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cxlens.stats import drivers, importance_performance, key_drivers
from cxlens.stats.drivers import lmg, relative_weights, subset_r2
from cxlens.store import Workspace


def _brute_lmg(df: pd.DataFrame, dv: str, ivs: list[str]) -> dict[str, float]:
    """Shapley value of R² by p! / 2^p separate OLS fits: the definition, independently of cxlens."""

    def r2(subset: tuple[str, ...]) -> float:
        return 0.0 if not subset else float(sm.OLS(df[dv], sm.add_constant(df[list(subset)])).fit().rsquared)

    p = len(ivs)
    out = {}
    for j in ivs:
        others = [v for v in ivs if v != j]
        out[j] = sum(
            math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p) * (r2((*s, j)) - r2(s))
            for k in range(p)
            for s in itertools.combinations(others, k)
        )
    return out


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    n = 400
    common = rng.normal(size=n)
    df = pd.DataFrame({f"x{i}": 0.6 * common + rng.normal(size=n) for i in range(4)})
    df["y"] = 0.9 * df["x0"] + 0.5 * df["x1"] + 0.2 * df["x2"] + rng.normal(size=n)
    return df


def test_lmg_equals_brute_force_shapley(data: pd.DataFrame) -> None:
    ivs = ["x0", "x1", "x2", "x3"]
    r = key_drivers(data, "y", ivs)
    brute = _brute_lmg(data, "y", ivs)
    got = r.table.set_index("driver")["lmg"]
    for name in ivs:
        assert got[name] == pytest.approx(brute[name], abs=1e-10)
    assert got.sum() == pytest.approx(r.fit["r2"], abs=1e-12)
    assert r.table["driver"].tolist()[0] == "x0" and r.table["rank"].tolist() == [1, 2, 3, 4]
    assert r.table["lmg_pct"].sum() == pytest.approx(100.0)


def test_subset_r2_from_one_matrix(data: pd.DataFrame) -> None:
    corr = data[["x0", "x1", "x2", "x3", "y"]].corr().to_numpy()
    r2 = subset_r2(corr)
    assert r2[0] == 0.0
    fit = sm.OLS(data["y"], sm.add_constant(data[["x0", "x2"]])).fit()
    assert r2[0b0101] == pytest.approx(fit.rsquared, abs=1e-12)
    # the covariance matrix gives the same R² (scale-free)
    cov = data[["x0", "x1", "x2", "x3", "y"]].cov().to_numpy()
    assert subset_r2(cov) == pytest.approx(r2)


def test_relative_weights_sum_to_r2_and_equal_lmg_when_orthogonal(data: pd.DataFrame) -> None:
    r = key_drivers(data, "y", ["x0", "x1", "x2", "x3"])
    assert r.table["rel_weight"].sum() == pytest.approx(r.fit["r2"], abs=1e-12)
    corr = np.array([[1, 0, 0, 0.5], [0, 1, 0, 0.3], [0, 0, 1, 0.1], [0.5, 0.3, 0.1, 1]], dtype=float)
    assert relative_weights(corr) == pytest.approx([0.25, 0.09, 0.01])
    assert lmg(corr) == pytest.approx([0.25, 0.09, 0.01])


def test_standardized_betas_and_correlations(data: pd.DataFrame) -> None:
    r = key_drivers(data, "y", ["x0", "x1"]).table.set_index("driver")
    z = (data - data.mean()) / data.std()
    fit = sm.OLS(z["y"], z[["x0", "x1"]]).fit()
    assert r.loc["x0", "beta"] == pytest.approx(fit.params["x0"])
    assert r.loc["x1", "r"] == pytest.approx(data["x1"].corr(data["y"]))
    assert r.loc["x0", "mean"] == pytest.approx(data["x0"].mean())


def test_bootstrap_intervals(data: pd.DataFrame) -> None:
    r = key_drivers(data, "y", ["x0", "x1", "x2"], n_boot=200, random_state=1)
    t = r.table
    assert (t["lmg_pct_ci_low"] <= t["lmg_pct"]).all() and (t["lmg_pct"] <= t["lmg_pct_ci_high"]).all()
    assert (t["rel_weight_pct_ci_low"] < t["rel_weight_pct_ci_high"]).all()
    again = key_drivers(data, "y", ["x0", "x1", "x2"], n_boot=200, random_state=1).table
    assert again["lmg_pct_ci_low"].tolist() == t["lmg_pct_ci_low"].tolist()


def test_weighted_equals_replicated_rows(data: pd.DataFrame) -> None:
    df = data.head(50).copy()
    df["w"] = np.tile([1.0, 2.0], 25)
    doubled = pd.concat([df, df[df["w"] == 2.0]])
    a = key_drivers(df, "y", ["x0", "x1"], weights="w").table.set_index("driver")["lmg"]
    b = key_drivers(doubled, "y", ["x0", "x1"]).table.set_index("driver")["lmg"]
    assert a.to_numpy() == pytest.approx(b.to_numpy(), rel=1e-10)


def test_importance_performance_quadrants() -> None:
    t = pd.DataFrame({"driver": list("abcd"), "lmg_pct": [40.0, 30.0, 20.0, 10.0], "mean": [3.0, 4.5, 3.2, 4.4]})
    out, cuts = importance_performance(t)
    assert cuts == (25.0, pytest.approx(3.775))
    assert out["quadrant"].tolist() == [
        "concentrate_here",
        "keep_up_the_good_work",
        "low_priority",
        "possible_overkill",
    ]
    fixed, _ = importance_performance(t, thresholds=(35.0, 3.1))
    assert fixed["quadrant"].tolist() == ["concentrate_here", *["possible_overkill"] * 3]
    med, cuts = importance_performance(t, thresholds="median")
    assert cuts == (25.0, pytest.approx(3.8))
    with pytest.raises(ValueError, match="thresholds"):
        importance_performance(t, thresholds="mode")


def test_refusals(data: pd.DataFrame) -> None:
    df = data.copy()
    df["k"] = 1.0
    df["sum"] = df["x0"] + df["x1"]
    with pytest.raises(ValueError, match="constant column.*'k'"):
        key_drivers(df, "y", ["x0", "k"])
    with pytest.raises(ValueError, match="linearly dependent.*sum"):
        key_drivers(df, "y", ["x0", "x1", "sum"])
    with pytest.raises(ValueError, match="too few complete rows: 3"):
        key_drivers(df.head(3), "y", ["x0", "x1"])
    with pytest.raises(ValueError, match="cannot also be a driver"):
        key_drivers(df, "y", ["y", "x0"])
    many = pd.DataFrame(np.random.default_rng(0).normal(size=(100, 18)), columns=[f"v{i}" for i in range(18)])
    with pytest.raises(ValueError, match="limited to 16"):
        key_drivers(many, "v0", [f"v{i}" for i in range(1, 18)])


def test_workspace_drivers_default_to_dimensions(tiny_ws: Workspace) -> None:
    with pytest.raises(ValueError, match="too few complete rows"):
        drivers(tiny_ws, "overall", survey="tiny")  # 3 complete rows for 2 dimensions
    with pytest.raises(ValueError, match="no question 'nps'"):
        drivers(tiny_ws, "nps", survey="tiny")
    with pytest.raises(ValueError, match="unknown driver"):
        drivers(tiny_ws, "overall", survey="tiny", drivers=["speed"])


def test_demo_planted_drivers(demo_ws: Workspace) -> None:
    """docs/demo.md §1: overall = Σ β_k · dimension mean + noise with β after_sales 0.90 > service_quality
    0.70 > product_performance 0.50 > delivery 0.40 > price 0.15; the five dimensions have the same latent
    spread and intercorrelation, so their LMG shares must come out in the same order."""
    r = drivers(demo_ws, "overall", survey="satisfaction_2025")
    assert r.fit["drivers_from"] == "dimensions" and r.fit["n"] >= 2900
    order = r.table["driver"].tolist()
    assert order == ["after_sales", "service_quality", "product_performance", "delivery", "price"]
    assert r.table["driver"].iloc[0] == "after_sales"
    # the outcome is mostly explained by the five dimensions (planted noise sd 0.8 on a 1–10 score)
    assert 0.6 < r.fit["r2"] < 0.8
    # after_sales: most important and the lowest mean after price → the place to act
    quadrants = r.table.set_index("driver")["quadrant"]
    assert quadrants["after_sales"] == "concentrate_here"
    assert quadrants["price"] == "low_priority"


def test_demo_survey_without_dimensions(demo_ws: Workspace) -> None:
    r = drivers(demo_ws, "csat", survey="post_ticket")
    assert r.fit["drivers_from"] == "questions" and r.table["driver"].tolist() == ["ces"]
    assert r.table["lmg_pct"].iloc[0] == pytest.approx(100.0)
    with pytest.raises(ValueError, match="nothing can drive it"):
        drivers(demo_ws, "nps", survey="relationship_nps")
    with pytest.raises(ValueError, match="name the survey"):
        drivers(demo_ws, "overall")  # satisfaction_2025 and benchmark_stellar both ask it
