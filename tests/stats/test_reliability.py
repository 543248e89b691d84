"""Cronbach's α, item analysis, KMO / Bartlett, response rate and representativeness: hand-checked cases,
refusals, and the demo survey's planted reliabilities (docs/demo.md: α ≈ 0.85 / 0.86 / 0.80 / 0.79 / 0.85)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from cxlens.datasets.demo import generate
from cxlens.ingest import import_file, import_survey
from cxlens.stats.reliability import (
    bartlett_sphericity,
    cronbach_alpha,
    item_analysis,
    kmo,
    questionnaire_quality,
    representativeness,
    response_rate,
)
from cxlens.store import Workspace

SMALL = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})


def _by_hand(df: pd.DataFrame) -> float:
    k = df.shape[1]
    return k / (k - 1) * (1 - df.var(ddof=1).sum() / df.sum(axis=1).var(ddof=1))


def _factor_data(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 2))
    cols = {f"x{i}": f[:, i // 3] + 0.7 * rng.normal(size=n) for i in range(6)}
    return pd.DataFrame(cols)


def test_alpha_matches_the_textbook_formula_and_feldt() -> None:
    res = cronbach_alpha(SMALL).iloc[0]
    assert res.alpha == pytest.approx(_by_hand(SMALL), abs=1e-12)
    assert res.alpha == pytest.approx(0.9538, abs=1e-4)  # 1.5 · (1 − 6.3 / 17.3)
    n, k = 5, 3
    assert res.ci_low == pytest.approx(1 - (1 - res.alpha) * sps.f.ppf(0.975, n - 1, (n - 1) * (k - 1)))
    assert res.ci_high == pytest.approx(1 - (1 - res.alpha) * sps.f.ppf(0.025, n - 1, (n - 1) * (k - 1)))
    assert (res.n, res.k) == (5, 3)


def test_long_format_equals_wide() -> None:
    long = SMALL.reset_index().melt(id_vars="index", var_name="item", value_name="score")
    res = cronbach_alpha(long, items="item", scores="score", subject="index")
    assert res.alpha.iloc[0] == pytest.approx(cronbach_alpha(SMALL).alpha.iloc[0])


def test_missing_data_policies_differ_as_defined() -> None:
    df = _factor_data()[["x0", "x1", "x2"]].copy()
    df.iloc[::7, 0] = np.nan
    listwise = cronbach_alpha(df, nan_policy="listwise").iloc[0]
    assert listwise.alpha == pytest.approx(_by_hand(df.dropna()))
    assert listwise.n == len(df.dropna())
    pairwise = cronbach_alpha(df).iloc[0]
    C = df.cov().to_numpy()
    assert pairwise.alpha == pytest.approx(1.5 * (1 - np.trace(C) / C.sum()))
    assert pairwise.n == len(df)


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        (SMALL.assign(b=3), {}, "constant"),
        (SMALL[["a"]], {}, "at least 2 items"),
        (SMALL.assign(c=list("vwxyz")), {}, "not numeric"),
        (SMALL, {"nan_policy": "drop"}, "nan_policy"),
        (SMALL.head(2), {}, "at least 3 respondents"),
        (SMALL, {"items": ["a", "zz"]}, "not in data"),
    ],
)
def test_alpha_refuses_bad_input(data: pd.DataFrame, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cronbach_alpha(data, **kwargs)  # type: ignore[arg-type]


def test_alpha_refuses_repeated_long_pairs() -> None:
    long = pd.DataFrame({"s": [1, 1, 2, 2], "i": ["a", "a", "a", "b"], "v": [1, 2, 3, 4]})
    with pytest.raises(ValueError, match="repeated"):
        cronbach_alpha(long, items="i", scores="v", subject="s")


def test_item_analysis_by_hand() -> None:
    df = _factor_data()
    dims = {"one": ["x0", "x1", "x2"], "two": ["x3", "x4", "x5"]}
    table = item_analysis(df, dims).set_index("item")
    for item in ["x0", "x4"]:
        dim = dims["one"] if item in dims["one"] else dims["two"]
        others = [c for c in dim if c != item]
        assert table.at[item, "item_total_r"] == pytest.approx(df[item].corr(df[others].sum(axis=1)))
        assert table.at[item, "alpha_if_deleted"] == pytest.approx(_by_hand(df[others]))
    assert table.loc["x0", "alpha"] == pytest.approx(_by_hand(df[dims["one"]]))


def test_item_analysis_flags_a_weak_item_and_needs_three_items() -> None:
    df = _factor_data().assign(noise=np.random.default_rng(9).normal(size=400))
    table = item_analysis(df, {"d": ["x0", "x1", "x2", "noise"]}).set_index("item")
    assert table.at["noise", "flag"] == "weak"
    assert table.at["noise", "alpha_if_deleted"] > table.at["noise", "alpha"]
    with pytest.raises(ValueError, match="at least 3 items"):
        item_analysis(df, {"d": ["x0", "x1"]})


def test_kmo_against_partial_correlations_from_residuals() -> None:
    df = _factor_data()
    res = kmo(df).set_index("item")
    Z = (df - df.mean()).to_numpy()
    p = Z.shape[1]
    R = np.corrcoef(Z, rowvar=False)
    P = np.zeros((p, p))
    for i in range(p):
        for j in range(i + 1, p):
            rest = [c for c in range(p) if c not in (i, j)]
            X = Z[:, rest]
            ri = Z[:, i] - X @ np.linalg.lstsq(X, Z[:, i], rcond=None)[0]
            rj = Z[:, j] - X @ np.linalg.lstsq(X, Z[:, j], rcond=None)[0]
            P[i, j] = P[j, i] = np.corrcoef(ri, rj)[0, 1]
    off = ~np.eye(p, dtype=bool)
    r2, p2 = (R**2)[off].sum(), (P**2)[off].sum()
    assert res.at["(all items)", "kmo"] == pytest.approx(r2 / (r2 + p2), abs=1e-10)
    row0 = (R[0, 1:] ** 2).sum() / ((R[0, 1:] ** 2).sum() + (P[0, 1:] ** 2).sum())
    assert res.at["x0", "kmo"] == pytest.approx(row0, abs=1e-10)


def test_bartlett_by_hand_and_singular_refusal() -> None:
    df = _factor_data()
    res = bartlett_sphericity(df).iloc[0]
    n, p = df.shape
    chi2 = -(n - 1 - (2 * p + 5) / 6) * np.log(np.linalg.det(df.corr().to_numpy()))
    assert res.chi2 == pytest.approx(chi2)
    assert res.dof == 15
    assert res.p_val < 1e-10
    with pytest.raises(ValueError, match="singular"):
        bartlett_sphericity(df.assign(dup=df["x0"] + df["x1"]))
    with pytest.raises(ValueError, match="singular"):
        kmo(df.assign(dup=2 * df["x0"]))


def test_response_rate_wilson_and_warnings() -> None:
    res = response_rate(45, 600).iloc[0]
    assert res.rate == pytest.approx(0.075)
    z = sps.norm.isf(0.025)
    centre = (0.075 + z**2 / 1200) / (1 + z**2 / 600)
    half = z / (1 + z**2 / 600) * np.sqrt(0.075 * 0.925 / 600 + z**2 / (4 * 600**2))
    assert (res.ci_low, res.ci_high) == pytest.approx((centre - half, centre + half))
    assert "below 10%" in res.warnings
    assert response_rate(300, 600).warnings.iloc[0] == ""
    assert "only 12 responses" in response_rate(12, 20).warnings.iloc[0]
    with pytest.raises(ValueError, match="positive"):
        response_rate(1, 0)


def test_representativeness_matches_scipy_and_flags_the_skewed_cell() -> None:
    population = ["N"] * 500 + ["S"] * 300 + ["W"] * 200
    respondents = ["N"] * 70 + ["S"] * 10 + ["W"] * 20
    res = representativeness(respondents, population).set_index("category")
    expected = sps.chisquare([70, 10, 20], [50, 30, 20])
    assert res["chi2"].iloc[0] == pytest.approx(expected.statistic)
    assert res["p_val"].iloc[0] == pytest.approx(expected.pvalue)
    assert res.at["N", "flag"] == "over" and res.at["S", "flag"] == "under" and res.at["W", "flag"] == ""
    assert res.at["S", "adj_residual"] == pytest.approx((10 - 30) / np.sqrt(30 * 0.7))
    shares = representativeness(respondents, {"N": 0.5, "S": 0.3, "W": 0.2})
    assert shares["chi2"].iloc[0] == pytest.approx(expected.statistic)
    with pytest.raises(ValueError, match="absent from the population"):
        representativeness(["X"], population)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The demo's surveys, customers and satisfaction_2025 responses (seed 2026, scale 1; ~2 s)."""
    root = tmp_path_factory.mktemp("demo")
    files = generate(root / "data", seed=2026, scale=1.0)
    ws = Workspace.init(Path(root) / "ws")
    for survey in files.surveys:
        import_survey(ws, survey)
    import_file(ws, files.customers, "customers")
    import_file(ws, files.responses["satisfaction_2025"], "responses", survey="satisfaction_2025")
    yield ws
    ws.close()


def test_demo_questionnaire_quality(demo: Workspace) -> None:
    q = questionnaire_quality(demo, "satisfaction_2025", by="region")
    alpha = q["alpha"].set_index("dimension")["alpha"]
    # docs/demo.md observed: 0.85 / 0.86 / 0.80 / 0.79 / 0.85 (to two decimals)
    observed = {
        "service_quality": 0.85,
        "product_performance": 0.86,
        "price": 0.80,
        "delivery": 0.79,
        "after_sales": 0.85,
    }
    assert alpha.to_dict() == pytest.approx(observed, abs=0.006)
    assert set(q["items"]["dimension"]) == {"service_quality", "product_performance", "after_sales"}
    assert (q["items"]["flag"] == "").all()
    assert q["kmo"].iloc[-1]["kmo"] > 0.7
    assert q["bartlett"]["p_val"].iloc[0] < 1e-10
    rate = q["response_rate"].iloc[0]
    assert rate.basis == "customers" and rate.invited == 2400
    rep = q["representativeness"]
    assert set(rep["category"]) == {"华东", "华北", "华南", "西部", "海外"}
    assert rep["p_val"].iloc[0] > 0.01  # respondents are drawn at random from active customers


def test_response_rate_counts_invitations_when_the_survey_has_them(demo: Workspace) -> None:
    """Runs last on the shared demo workspace: it adds a published form with 40 invitations, 3 answered."""
    import sqlalchemy as sa

    from cxlens.model import tables as t
    from cxlens.surveys.forms import form_from_survey, publish
    from cxlens.surveys.invitations import create_invitations

    info = form_from_survey(demo, "satisfaction_2025", access="invitation")
    publish(demo, info.code)
    made = create_invitations(demo, info.code, count=40)
    with demo.begin() as conn:
        rid = conn.execute(sa.select(t.responses.c.id).limit(1)).scalar()
        used = [i.id for i in made[:3]]
        conn.execute(t.invitations.update().where(t.invitations.c.id.in_(used)).values(response_id=rid))
    rate = questionnaire_quality(demo, "satisfaction_2025", by=None)["response_rate"].iloc[0]
    assert (rate.basis, rate.responded, rate.invited) == ("invitations", 3, 40)
    assert "below 10%" in rate.warnings
