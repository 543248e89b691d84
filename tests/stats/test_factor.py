"""Exploratory factor analysis: ML against scikit-learn's maximum-likelihood FactorAnalysis, R's rotation
algorithms' invariants, parallel analysis, the dimension check, and refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import FactorAnalysis

from cxlens.stats.factor import FactorAnalysisFitter, check_dimensions, efa, parallel_analysis

TRUE = np.array(
    [
        [0.8, 0, 0],
        [0.7, 0, 0],
        [0.6, 0.1, 0],
        [0, 0.8, 0],
        [0, 0.7, 0],
        [0, 0.6, 0],
        [0, 0, 0.8],
        [0, 0, 0.7],
        [0.2, 0, 0.6],
    ]
)
DIMS = {"a": ["x0", "x1", "x2"], "b": ["x3", "x4", "x5"], "c": ["x6", "x7", "x8"]}


def simulate(n: int = 500, seed: int = 3, corr: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    F = rng.normal(size=(n, 3))
    if corr:
        F = F @ np.linalg.cholesky(np.full((3, 3), corr) + (1 - corr) * np.eye(3)).T
    X = F @ TRUE.T + rng.normal(size=(n, 9)) * np.sqrt(1 - (TRUE**2).sum(axis=1))
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(9)])


def test_ml_uniquenesses_match_scikit_learn() -> None:
    df = simulate()
    ours = FactorAnalysisFitter(3, "ml", "none").fit(df)
    z = (df - df.mean()) / df.std(ddof=0)
    sk = FactorAnalysis(3, tol=1e-12, max_iter=50_000).fit(z)
    assert ours.uniquenesses_.to_numpy() == pytest.approx(sk.noise_variance_, abs=1e-5)
    assert ours.fit_test_ is not None and ours.fit_test_["dof"] == 12
    assert ours.fit_test_["p_val"] > 0.01  # the three-factor model is the true one


def test_rotations_keep_communalities_and_recover_the_structure() -> None:
    df = simulate()
    unrotated = FactorAnalysisFitter(3, "pa", "none").fit(df)
    varimax = FactorAnalysisFitter(3, "pa", "varimax").fit(df)
    assert varimax.communalities_.to_numpy() == pytest.approx(unrotated.communalities_.to_numpy(), abs=1e-10)
    assert np.allclose(varimax.factor_correlation_, np.eye(3))
    L = varimax.loadings_.abs()
    assert L.idxmax(axis=1).groupby(lambda i: int(i[1:]) // 3).nunique().tolist() == [1, 1, 1]
    assert (L.max(axis=1) > 0.45).all()
    assert varimax.variance_.cumulative.iloc[-1] == pytest.approx(varimax.communalities_.sum() / 9)


def test_promax_finds_correlated_factors() -> None:
    df = simulate(corr=0.5, seed=4)
    m = FactorAnalysisFitter(3, "ml", "promax").fit(df)
    off = m.factor_correlation_.to_numpy()[~np.eye(3, dtype=bool)]
    assert (off > 0.3).all() and (off < 0.7).all()
    assert efa(df, dimensions=DIMS, method="ml", rotation="promax")["dimensions_hold"] is True


def test_parallel_analysis_counts_three_factors_and_is_seeded() -> None:
    df = simulate()
    pa = parallel_analysis(df, seed=1)
    assert int(pa.retain.sum()) == 3 and int(pa.kaiser.sum()) == 3
    assert pa.eigenvalue.sum() == pytest.approx(9)
    pd.testing.assert_frame_equal(pa, parallel_analysis(df, seed=1))
    assert FactorAnalysisFitter(method="pa").fit(df).loadings_.shape == (9, 3)


def test_dimension_check_holds_and_fails() -> None:
    df = simulate()
    assert efa(df, dimensions=DIMS)["dimensions_hold"] is True
    wrong = {"a": ["x0", "x1", "x3"], "b": ["x2", "x4", "x5"], "c": ["x6", "x7", "x8"]}
    res = efa(df, dimensions=wrong)
    assert res["dimensions_hold"] is False
    table = res["dimensions"].set_index("item")
    assert not table.at["x3", "holds"] and not table.at["x2", "holds"] and table.at["x6", "holds"]


def test_check_dimensions_marks_a_shared_factor() -> None:
    loadings = pd.DataFrame({"F1": [0.8, 0.7, 0.6, 0.7], "F2": [0.1, 0.2, 0.1, 0.1]}, index=["p", "q", "r", "s"])
    res = check_dimensions(loadings, {"one": ["p", "q"], "two": ["r", "s"]})
    assert res.shared.all() and not res.holds.any()


def test_refusals() -> None:
    df = simulate()
    with pytest.raises(ValueError, match="constant"):
        FactorAnalysisFitter(2).fit(df.assign(x0=1.0))
    with pytest.raises(ValueError, match="singular"):
        FactorAnalysisFitter(2).fit(df.assign(x9=df.x0 - df.x1))
    with pytest.raises(ValueError, match="cannot be identified"):
        FactorAnalysisFitter(6, "ml").fit(df)
    with pytest.raises(ValueError, match="at least 3 items"):
        FactorAnalysisFitter(1).fit(df[["x0", "x1"]])
    with pytest.raises(ValueError, match="rotation"):
        FactorAnalysisFitter(2, rotation="oblimin").fit(df)


def test_non_convergence_is_reported() -> None:
    df = simulate()
    with pytest.raises(ValueError, match="did not converge"):
        FactorAnalysisFitter(3, "pa", max_iter=2).fit(df)
    m = FactorAnalysisFitter(3, "pa", max_iter=2, allow_nonconvergence=True).fit(df)
    assert m.converged_ is False
