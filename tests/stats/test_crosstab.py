"""Cross tables against SciPy and the hand formula of the adjusted standardized residual."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlens.stats import crosstab
from cxlens.stats.crosstab import cramers_v_interval


def _frame(table: list[list[int]], rows: list[str], cols: list[str]) -> pd.DataFrame:
    records = [(r, c) for i, r in enumerate(rows) for j, c in enumerate(cols) for _ in range(table[i][j])]
    return pd.DataFrame(records, columns=["row", "col"])


TABLE = [[20, 15, 5], [10, 25, 25], [5, 10, 30]]


def test_chi2_matches_scipy() -> None:
    r = crosstab(_frame(TABLE, ["a", "b", "c"], ["x", "y", "z"]), "row", "col")
    chi2, p, dof, expected = stats.chi2_contingency(np.array(TABLE), correction=False)
    t = r.test.iloc[0]
    assert t["chi2"] == pytest.approx(chi2, rel=1e-12)
    assert t["p_val"] == pytest.approx(p, rel=1e-9)
    assert t["dof"] == dof and t["n"] == 145
    assert r.cells["expected"].to_numpy() == pytest.approx(expected.ravel())
    v = stats.contingency.association(np.array(TABLE), method="cramer")
    assert t["cramers_v"] == pytest.approx(v, rel=1e-12)
    assert t["ci_low"] < t["cramers_v"] < t["ci_high"]
    assert t["warning"] is None and np.isnan(t["fisher_p_val"])


def test_adjusted_residuals_by_hand() -> None:
    r = crosstab(_frame(TABLE, ["a", "b", "c"], ["x", "y", "z"]), "row", "col")
    obs = np.array(TABLE, dtype=float)
    n = obs.sum()
    ri, cj = obs.sum(1), obs.sum(0)
    cell = r.cells.iloc[0]  # a, x
    e = ri[0] * cj[0] / n
    hand = (obs[0, 0] - e) / np.sqrt(e * (1 - ri[0] / n) * (1 - cj[0] / n))
    assert cell["resid_adj"] == pytest.approx(hand)
    assert bool(cell["significant"]) == (abs(hand) > 1.96)
    assert cell["row_pct"] == pytest.approx(50.0) and cell["col_pct"] == pytest.approx(100 * 20 / 35)
    assert r.counts.loc["All", "All"] == 145


def test_two_by_two_fisher_and_sparse_warning() -> None:
    r = crosstab(_frame([[3, 1], [1, 3]], ["a", "b"], ["x", "y"]), "row", "col")
    t = r.test.iloc[0]
    assert t["fisher_p_val"] == pytest.approx(stats.fisher_exact([[3, 1], [1, 3]])[1])
    assert "expected counts are below 5" in t["warning"]


def test_cramers_v_interval_inverts_noncentral_chi2() -> None:
    lo, hi = cramers_v_interval(10.0, 100, 1, 2)
    # at the bounds the observed statistic sits at the 97.5 % / 2.5 % point of the noncentral chi-square
    assert stats.ncx2.cdf(10.0, 1, lo**2 * 100) == pytest.approx(0.975, abs=1e-6)
    assert stats.ncx2.cdf(10.0, 1, hi**2 * 100) == pytest.approx(0.025, abs=1e-6)


def test_weighted_counts_and_categorical_order() -> None:
    df = pd.DataFrame(
        {
            "row": pd.Categorical(["b", "a", "a", "b"], categories=["b", "a", "never"]),
            "col": ["x", "x", "y", "y"],
            "w": [1.0, 2.0, 3.0, 4.0],
        }
    )
    r = crosstab(df, "row", "col", weights="w")
    assert list(r.counts.index) == ["b", "a", "All"]  # empty level dropped, order kept
    assert r.counts.loc["a", "y"] == 3.0 and r.test.iloc[0]["n"] == 10


def test_refusals() -> None:
    df = pd.DataFrame({"a": ["x", "x", "x"], "b": ["u", "v", "u"]})
    with pytest.raises(ValueError, match="at least 2 observed values"):
        crosstab(df, "a", "b")
    with pytest.raises(ValueError, match="different"):
        crosstab(df, "a", "a")
    with pytest.raises(ValueError, match="no column"):
        crosstab(df, "a", "c")
