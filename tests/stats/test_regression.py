"""OLS and logistic regression: statsmodels agreement, the HC3 sandwich by hand, and the refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from cxlens.stats import logit, ols


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 250
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "g": rng.choice(["x", "y", "z"], n)})
    df["y"] = 1 + df["a"] - 0.5 * df["b"] + 0.7 * (df["g"] == "y") + rng.normal(size=n) * (1 + np.abs(df["a"]))
    df["buy"] = np.where(df["a"] - df["b"] + rng.logistic(size=n) > 0, "yes", "no")
    return df


def test_ols_hc3_matches_statsmodels(data: pd.DataFrame) -> None:
    r = ols(data, "y", ["a", "b", "g"])
    x = sm.add_constant(pd.get_dummies(data[["a", "b", "g"]], columns=["g"], drop_first=True, dtype=float))
    ref = sm.OLS(data["y"], x).fit(cov_type="HC3")
    assert r.coef["term"].tolist() == ["const", "a", "b", "g[T.y]", "g[T.z]"]
    assert r.coef["coef"].to_numpy() == pytest.approx(ref.params.to_numpy())
    assert r.coef["se"].to_numpy() == pytest.approx(ref.bse.to_numpy())
    assert r.fit["cov_type"] == "HC3" and r.fit["r2"] == pytest.approx(ref.rsquared)
    assert r.fit["f"] == pytest.approx(float(np.squeeze(ref.fvalue)))
    assert r.coef.loc[1, "beta"] == pytest.approx(ref.params["a"] * data["a"].std() / data["y"].std())
    # HC3 by hand: (X'X)⁻¹ X' diag(e²/(1−h)²) X (X'X)⁻¹
    xv = x.to_numpy()
    bread = np.linalg.inv(xv.T @ xv)
    h = np.einsum("ij,jk,ik->i", xv, bread, xv)
    e = ref.resid.to_numpy()
    hc3 = bread @ (xv.T * (e**2 / (1 - h) ** 2)) @ xv @ bread
    assert r.coef["se"].to_numpy() == pytest.approx(np.sqrt(np.diag(hc3)))


def test_ols_nonrobust_and_t_intervals(data: pd.DataFrame) -> None:
    r = ols(data, "y", ["a"], cov_type="nonrobust")
    ref = stats.linregress(data["a"], data["y"])
    assert r.coef.loc[1, "coef"] == pytest.approx(ref.slope) and r.coef.loc[1, "se"] == pytest.approx(ref.stderr)
    assert r.coef.loc[1, "p_val"] == pytest.approx(ref.pvalue)
    assert r.coef.loc[1, "vif"] == 1.0


def test_logit_matches_statsmodels_and_hc3_by_hand(data: pd.DataFrame) -> None:
    r = logit(data, "buy", ["a", "b"])
    x = sm.add_constant(data[["a", "b"]])
    y = (data["buy"] == "yes").astype(float)
    ref = sm.Logit(y, x).fit(disp=0)
    assert r.fit["success"] == "yes"
    assert r.coef["coef"].to_numpy() == pytest.approx(ref.params.to_numpy(), rel=1e-6)
    assert r.fit["pseudo_r2"] == pytest.approx(ref.prsquared)
    assert logit(data, "buy", ["a", "b"], cov_type="HC0").coef["se"].to_numpy() == pytest.approx(
        sm.Logit(y, x).fit(disp=0, cov_type="HC0").bse.to_numpy(), rel=1e-5
    )
    p = ref.predict(x).to_numpy()
    xv, w = x.to_numpy(), p * (1 - p)
    bread = np.linalg.inv(xv.T @ (xv * w[:, None]))
    xw = xv * np.sqrt(w)[:, None]
    h = np.einsum("ij,jk,ik->i", xw, bread, xw)
    u = xv * ((y.to_numpy() - p) / (1 - h))[:, None]
    assert r.coef["se"].to_numpy() == pytest.approx(np.sqrt(np.diag(bread @ u.T @ u @ bread)), rel=1e-5)
    # AUC = P(score of a success > score of a failure)
    pos, neg = p[y == 1], p[y == 0]
    assert r.fit["auc"] == pytest.approx((pos[:, None] > neg[None, :]).mean())
    assert r.coef.loc[1, "odds_ratio"] == pytest.approx(np.exp(ref.params["a"]), rel=1e-6)


def test_refusals(data: pd.DataFrame) -> None:
    df = data.copy()
    df["k"] = 2.0
    df["ab"] = df["a"] + 2 * df["b"]
    with pytest.raises(ValueError, match="constant predictor.*'k'"):
        ols(df, "y", ["a", "k"])
    with pytest.raises(ValueError, match="singular design.*ab"):
        ols(df, "y", ["a", "b", "ab"])
    with pytest.raises(ValueError, match="too few complete rows: 3"):
        ols(df.head(3), "y", ["a", "b"])
    with pytest.raises(ValueError, match="outcome 'k' is constant"):
        ols(df, "k", ["a"])
    with pytest.raises(ValueError, match="not numeric"):
        ols(df, "buy", ["a"])
    with pytest.raises(ValueError, match="binary"):
        logit(df, "g", ["a"])
    df["split"] = df["a"] > 0
    with pytest.raises(ValueError, match="separat"):
        logit(df, "split", ["a"])
    with pytest.raises(ValueError, match="cov_type"):
        ols(df, "y", ["a"], cov_type="HC9")
