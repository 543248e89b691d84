"""Action plans: the baseline measured at creation, before/after by the metric layer's test, the
difference-in-differences checked against statsmodels' response-level OLS with HC2 errors, and the verdicts.

Hand-made data (seeded): 60 customers in region S (treated) and 60 in N (comparison) each answer a 1–5 CSAT
question once in Jan–Mar 2025 and once in Apr–Jun 2025; the plan starts 2025-04-01. S's answers move up
after the start, N's do not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats

from cxlens.loop.plans import create_plan, did, evaluate_plan, get_plan, list_plans, set_plan_status
from cxlens.store import Workspace

BEFORE = [0.10, 0.20, 0.35, 0.25, 0.10]
AFTER_S = [0.02, 0.08, 0.25, 0.40, 0.25]
START = datetime(2025, 4, 1)


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for region, after in (("S", AFTER_S), ("N", BEFORE)):
        for i in range(60):
            for phase, probs, month in ((0, BEFORE, 2), (1, after, 5)):
                rows.append(
                    {"customer_id": f"{region}{i:02d}", "region": region, "after": phase,
                     "at": f"2025-{month:02d}-{1 + i % 28:02d} 10:00", "csat": int(rng.choice(5, p=probs)) + 1}
                )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture
def plan_ws(builder: Callable[..., Workspace]) -> tuple[Workspace, pd.DataFrame]:
    data = _data()
    customers = data.drop_duplicates("customer_id")[["customer_id", "region"]]
    responses = data.assign(response_id=[f"R{i:04d}" for i in range(len(data))])
    files = {
        "customers.csv": customers.assign(segment="consumer").to_csv(index=False),
        "responses.csv": responses.rename(columns={"at": "submitted_at"})[
            ["response_id", "customer_id", "submitted_at", "csat"]
        ].to_csv(index=False),
    }
    survey = "code: s\ntitle: t\nquestions:\n  - {code: csat, type: csat, scale: [1, 5], text: 满意}\n"
    return builder(files, survey), data


def test_did_matches_response_level_ols_with_hc2_errors(plan_ws: tuple[Workspace, pd.DataFrame]) -> None:
    ws, data = plan_ws
    create_plan(ws, "south", "csat_mean", survey="s", question="csat", filters={"region": "S"},
                comparison={"region": "N"}, start=START, baseline_start=datetime(2025, 1, 1),
                due=datetime(2025, 7, 1), target=3.5, owner="陈", measures="回访")  # fmt: skip
    result = evaluate_plan(ws, "south")
    data["treated"] = (data["region"] == "S").astype(int)
    ols = smf.ols("csat ~ treated * after", data=data).fit(cov_type="HC2")
    assert result.did is not None
    assert result.did["did"] == pytest.approx(ols.params["treated:after"], rel=1e-12)
    assert result.did["se"] == pytest.approx(ols.bse["treated:after"], rel=1e-9)
    assert result.did["p_val"] == pytest.approx(ols.pvalues["treated:after"], rel=1e-6)
    lo, hi = ols.conf_int().loc["treated:after"]
    assert (result.did["ci_low"], result.did["ci_high"]) == pytest.approx((lo, hi), rel=1e-9)
    s = data[data["region"] == "S"]
    welch = stats.ttest_ind(s[s["after"] == 1]["csat"], s[s["after"] == 0]["csat"], equal_var=False)
    ba = result.before_after
    assert ba["test"] == "welch_t" and ba["p_val"] == pytest.approx(welch.pvalue, rel=1e-9)
    assert (ba["before_n"], ba["after_n"]) == (60, 60)
    assert result.verdict == "target_reached" and "Target 3.5 reached" in result.summary
    assert result.tracking["phase"].tolist() == ["baseline", "follow_up"]  # answers in Feb and May only


def test_baseline_is_measured_at_creation(plan_ws: tuple[Workspace, pd.DataFrame]) -> None:
    ws, data = plan_ws
    plan = create_plan(ws, "b", "csat_mean", survey="s", question="csat", filters={"region": "S"}, start=START,
                       baseline_days=90)  # fmt: skip
    before = data[(data["region"] == "S") & (data["after"] == 0)]["csat"]
    assert plan["baseline_value"] == pytest.approx(before.mean()) and plan["baseline_n"] == 60
    t = stats.t.ppf(0.975, 59) * before.std(ddof=1) / np.sqrt(60)
    assert (plan["baseline_ci_low"], plan["baseline_ci_high"]) == pytest.approx((before.mean() - t, before.mean() + t))
    assert get_plan(ws, "b")["filters"] == {"region": "S"}
    set_plan_status(ws, "b", "completed")
    assert list_plans(ws).set_index("name").loc["b", "status"] == "completed"


def test_verdicts(plan_ws: tuple[Workspace, pd.DataFrame]) -> None:
    ws, _ = plan_ws
    common = {"survey": "s", "question": "csat", "start": START, "baseline_start": datetime(2025, 1, 1)}
    create_plan(ws, "high-bar", "csat_mean", filters={"region": "S"}, target=4.5, **common)
    assert evaluate_plan(ws, "high-bar").verdict == "target_not_reached"
    create_plan(ws, "no-target", "csat_mean", filters={"region": "S"}, **common)
    assert evaluate_plan(ws, "no-target").verdict == "improved"
    create_plan(ws, "north", "csat_mean", filters={"region": "N"}, target=3.0, **common)
    north = evaluate_plan(ws, "north")
    assert north.verdict == "not_yet_significant" and north.before_after["p_val"] > 0.05
    assert "may be noise" in north.summary


def test_bad_plans_are_refused(plan_ws: tuple[Workspace, pd.DataFrame]) -> None:
    ws, _ = plan_ws
    with pytest.raises(ValueError, match="cannot be filtered by agent"):
        create_plan(ws, "x", "csat_mean", survey="s", question="csat", filters={"agent": "A1"}, start=START)
    with pytest.raises(ValueError, match="due date"):
        create_plan(ws, "x", "csat_mean", survey="s", question="csat", start=START, due=datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="unknown metric"):
        create_plan(ws, "x", "happiness", start=START)
    create_plan(ws, "dup", "csat_mean", survey="s", question="csat", start=START)
    with pytest.raises(ValueError, match="exists"):
        create_plan(ws, "dup", "csat_mean", survey="s", question="csat", start=START)
    with pytest.raises(LookupError, match="no action plan"):
        evaluate_plan(ws, "nope")
    with pytest.raises(ValueError, match="no baseline"):
        create_plan(ws, "future", "csat_mean", survey="s", question="csat", start=datetime(2030, 1, 1))
    create_plan(ws, "early", "csat_mean", survey="s", question="csat", start=datetime(2025, 3, 1))
    with pytest.raises(ValueError, match="no follow-up data"):
        evaluate_plan(ws, "early", end=datetime(2025, 3, 1))


def test_did_of_four_cells() -> None:
    r = did((10.0, 1.0), (14.0, 1.0), (10.0, 1.0), (11.0, 1.0))
    assert r["did"] == 3.0 and r["se"] == 2.0
    assert r["p_val"] == pytest.approx(2 * stats.norm.sf(1.5))
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((3 - 1.959964 * 2, 3 + 1.959964 * 2), rel=1e-6)
