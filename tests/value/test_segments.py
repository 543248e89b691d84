"""Customer features, k-means / Gaussian-mixture segments and demographic profiles."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from cxlens.store import Workspace
from cxlens.value.segments import (
    FEATURES,
    CustomerSegmenter,
    auto_label,
    customer_features,
    demographic_profile,
    profile_segments,
    segment_customers,
)

AS_OF = datetime(2025, 7, 1)  # as in conftest.py


def test_features_by_hand(orders_ws: Workspace) -> None:
    f = customer_features(orders_ws, as_of=AS_OF).set_index("customer_id")
    assert list(f.columns[-len(FEATURES) :]) == list(FEATURES)
    c1 = f.loc["C1"]
    assert (c1["frequency"], c1["monetary"], c1["aov"], c1["recency_days"], c1["tenure_days"]) == (4, 200, 50, 2, 177)
    assert (c1["categories"], c1["tickets"], c1["first_response_hours"], c1["complaints"]) == (2, 2, 3.0, 0)
    assert c1["recommend"] == 4  # the latest answer (1 June), not the earlier 9
    assert c1["satisfaction"] == 100.0  # its CSAT 5 on 1–5 (the latest answer left CSAT blank)
    c3 = f.loc["C3"]
    assert (c3["tickets"], c3["complaints"], c3["satisfaction"]) == (1, 1, 0.0)
    assert np.isnan(c3["first_response_hours"])  # never answered
    c7 = f.loc["C7"]
    assert (c7["frequency"], c7["monetary"], c7["tickets"]) == (0, 0.0, 0) and np.isnan(c7["recency_days"])
    assert f.loc["C2", "satisfaction"] == 25.0  # CSAT 2 on 1–5
    assert np.isnan(f.loc["C6", "recommend"])


def test_answers_after_as_of_are_ignored(orders_ws: Workspace) -> None:
    f = customer_features(orders_ws, as_of=datetime(2025, 5, 1)).set_index("customer_id")
    assert f.loc["C1", "recommend"] == 9 and np.isnan(f.loc["C4", "recommend"])
    assert f.loc["C1", "frequency"] == 2


def _blobs(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])
    sizes = [150, 100, 50]
    points = np.vstack([rng.normal(c, 0.7, size=(n, 2)) for c, n in zip(centres, sizes, strict=True)])
    return pd.DataFrame(points, columns=["spend", "visits"])


@pytest.mark.parametrize("method", ["kmeans", "gmm"])
def test_k_is_chosen_on_separated_groups(method: str) -> None:
    X = _blobs()
    model = CustomerSegmenter(method, log=False, k_max=6).fit(X)
    assert model.k_ == 3
    column = "silhouette" if method == "kmeans" else "bic"
    scores = model.scores_.set_index("k")[column]
    assert scores.idxmax() == 3 if method == "kmeans" else scores.idxmin() == 3
    assert list(np.bincount(model.labels_)[1:]) == [150, 100, 50]  # numbered by size
    assert (model.predict(X) == model.labels_).all()
    assert model.scores_["chosen"].sum() == 1


def test_fixed_k_and_bad_input() -> None:
    X = _blobs()
    assert CustomerSegmenter("kmeans", k=2, log=False).fit(X).k_ == 2
    with pytest.raises(ValueError, match="method"):
        CustomerSegmenter("dbscan").fit(X)
    with pytest.raises(ValueError, match="missing"):
        CustomerSegmenter().fit(X.assign(spend=np.nan))
    with pytest.raises(ValueError, match="k = 500"):
        CustomerSegmenter(k=500).fit(X)
    with pytest.raises(ValueError, match="missing feature"):
        CustomerSegmenter(k=2).fit(X).predict(X[["spend"]])


def test_profiles_and_auto_labels() -> None:
    X = pd.DataFrame(
        {"monetary": [10.0, 12, 100, 110], "frequency": [1.0, 1, 9, 11], "satisfaction": [80.0, 80, 20, 20]}
    )
    prof = profile_segments(X, np.array([1, 1, 2, 2])).set_index("segment")
    # strongest first: satisfaction 1 SD, spend 47/47.14 SD, orders 4.5/4.555 SD from the overall mean
    assert prof.loc[2, "label"] == "low satisfaction · high spend · frequent"
    assert prof.loc[1, "label"] == "high satisfaction · low spend · infrequent"
    assert prof.loc[0, "n"] == 4 and prof.loc[0, "monetary"] == 58.0
    assert prof.loc[2, "monetary_vs_overall"] == pytest.approx((105 - 58) / X["monetary"].std(ddof=0))
    assert auto_label(pd.Series({"tickets": 0.2}), "zh") == "整体平均"
    assert auto_label(pd.Series({"tickets": 0.9, "recency_days": -2.0}), "zh") == "近期购买 · 工单多"


def test_segment_the_demo(demo_ws: Workspace) -> None:
    result = segment_customers(demo_ws, ["recency_days", "frequency", "monetary"], k_max=5)
    assert result.model.k_ in range(2, 6)
    assert len(result.assignments) + result.left_out == len(customer_features(demo_ws))
    prof = result.profiles.set_index("segment")
    assert prof.drop(index=0)["n"].sum() == len(result.assignments)
    assert prof.loc[0, "label"] == "all customers"
    gmm = segment_customers(demo_ws, ["monetary", "satisfaction"], method="gmm", k_max=4, lang="zh")
    assert gmm.scores["k"].min() == 1 and "bic" in gmm.scores
    with pytest.raises(ValueError, match="unknown feature"):
        segment_customers(demo_ws, ["height"])


def test_demographic_profile_by_hand(orders_ws: Workspace) -> None:
    prof = demographic_profile(orders_ws, "region", as_of=AS_OF).set_index("region")
    assert prof.loc["N", "customers"] == 4 and prof.loc["S", "customers"] == 3
    assert prof.loc["N", "buyers_pct"] == 75.0  # C7 never ordered
    assert prof.loc["N", "revenue"] == 250.0 and prof.loc["S", "revenue"] == 800.0
    assert prof.loc["N", "revenue_share"] == pytest.approx(100 * 250 / 1050)
    # latest 0–10 answers: N — C1 4, C3 3, C5 6, C7 10 → NPS (1 − 3)/4 = −50; S — C2 10, C4 8 → 50
    assert (prof.loc["N", "nps"], prof.loc["N", "nps_n"], prof.loc["S", "nps"]) == (-50.0, 4, 50.0)
    assert prof.loc["N", "nps_ci_low"] < -50 < prof.loc["N", "nps_ci_high"]


def test_demographic_profile_by_an_imported_attribute(orders_ws: Workspace) -> None:
    prof = demographic_profile(orders_ws, "member_tier", as_of=AS_OF)
    got = dict(zip(prof["member_tier"], prof["customers"], strict=True))
    assert got == {"gold": 3, "silver": 3, None: 1}  # C5 has no tier
    with pytest.raises(ValueError, match="no customer attribute height"):
        demographic_profile(orders_ws, "height")


def test_cli_segments(demo_ws: Workspace, orders_ws: Workspace) -> None:
    import json

    from typer.testing import CliRunner

    from cxlens.cli import app

    runner = CliRunner()
    args = ["value", "segments", str(demo_ws.path), "--feature", "monetary", "--feature", "frequency", "--k", "3"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [k for k in data] == ["ok", "method", "k", "features", "left_out", "scores", "profiles", "assignments"]
    assert data["k"] == 3 and data["features"] == ["monetary", "frequency"]
    assert runner.invoke(app, [*args, "--lang", "zh"]).exit_code == 0
    by = runner.invoke(app, ["value", "segments", str(orders_ws.path), "--by", "region", "--json"])
    assert by.exit_code == 0 and {r["region"] for r in json.loads(by.stdout)["profile"]} == {"N", "S"}
    bad = runner.invoke(app, ["value", "segments", str(orders_ws.path), "--feature", "height", "--json"])
    assert bad.exit_code == 1 and "unknown feature" in json.loads(bad.stdout)["message"]
