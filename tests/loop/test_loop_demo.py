"""The demo company's planted effects (docs/demo.md), found by the loop layer:

* §3 the 华南 (South China) dip of 2026-Q2: each early-warning rule fires on exactly 华南 2026-Q2 and on no
  control region in any quarter of the 24 months (the false-alarm test), and a plan created on the dip's
  metric reports the recovery as significant;
* §7 the after-sales action plan of 2026-01-01: resolution times −30 % for 售后服务 (difference-in-differences
  against 技术支持) and post-ticket CSAT +0.3 (before/after);
* §5 the competitor gaps: Stellar Home behind on service quality and after-sales, ahead on price, level on
  product performance and delivery;
* the journey map over the default touchpoints.

Measured (seed 2026, scale 1): NPS 华南 2026-Q2 −11.2 vs +16.7 (NPS z p = 0.014); delivery items 2.95 vs 3.94
(Welch, Holm p ≈ 2e-19); 77 complaints from 华南 in 2026-Q2 vs 38 a quarter before (Holm p ≈ 7e-5);
after-sales DiD −12.3 h (p ≈ 6e-13); CSAT 3.71 → 3.96 (p ≈ 1e-14); 华南 NPS DiD +28 against the other regions.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from cxlens.loop.alerts import AlertRule, add_rule, evaluate_rule, run_alerts
from cxlens.loop.benchmark import survey_benchmark
from cxlens.loop.journey import journey_map
from cxlens.loop.plans import create_plan, evaluate_plan
from cxlens.store import Workspace

DIP_RULES = [
    AlertRule("nps-drop", "significant_drop", metric="nps", by=["region"], every="quarter", alpha=0.05),
    AlertRule("delivery-drop", "significant_drop", metric="rating_mean", survey="satisfaction_2025",
              filters={"dimension": "delivery"}, by=["region"], every="quarter", alpha=0.01, correction="holm"),
    AlertRule("delivery-seasonal", "significant_drop", metric="rating_mean", survey="satisfaction_2025",
              filters={"dimension": "delivery"}, by=["region"], every="quarter", test="seasonal", alpha=0.01,
              correction="holm"),
    AlertRule("complaint-spike", "spike", source="complaints", by=["region"], every="quarter", baseline=3,
              alpha=0.01, correction="holm"),
]  # fmt: skip


@pytest.mark.parametrize("rule", DIP_RULES, ids=lambda r: r.name)
def test_the_dip_fires_exactly_one_alert_and_no_false_alarm(demo_ws: Workspace, rule: AlertRule) -> None:
    found = evaluate_rule(demo_ws, rule)
    where = [(s["region"], p.strftime("%Y-%m")) for s, p in zip(found["slice"], found["period"], strict=True)]
    assert where == [("华南", "2026-04")], found["message"].tolist()


def test_the_dip_alerts_are_stored_once(demo_ws: Workspace) -> None:
    for rule in DIP_RULES:
        add_rule(demo_ws, rule, replace=True)
    first = run_alerts(demo_ws, rules=[r.name for r in DIP_RULES])
    again = run_alerts(demo_ws, rules=[r.name for r in DIP_RULES])
    assert len(first.new) == len(DIP_RULES) and again.new.empty and again.existing == len(DIP_RULES)


def test_a_plan_on_the_dip_metric_reports_the_recovery(demo_ws: Workspace) -> None:
    others = ["华东", "华北", "西部", "海外"]
    create_plan(demo_ws, "south-nps", "nps", filters={"region": "华南"}, comparison={"region": others},
                start=datetime(2026, 7, 1), baseline_start=datetime(2026, 4, 1), target=15,
                measures="换回原物流伙伴")  # fmt: skip
    result = evaluate_plan(demo_ws, "south-nps")
    assert result.before_after["significant"] and result.before_after["change"] > 20
    assert result.did is not None and result.did["significant"] and result.did["did"] > 15
    assert result.verdict == "target_reached"


def test_the_after_sales_plan_effect_is_found(demo_ws: Workspace) -> None:
    create_plan(demo_ws, "after-sales-speed", "resolution_time", filters={"team": "售后服务"},
                comparison={"team": "技术支持"}, start=datetime(2026, 1, 1), baseline_days=184,
                due=datetime(2026, 7, 1), target=35)  # fmt: skip
    speed = evaluate_plan(demo_ws, "after-sales-speed")
    assert speed.before_after["test"] == "mann_whitney" and speed.before_after["p_val"] < 1e-6
    ratio = speed.before_after["after"] / speed.before_after["before"]
    assert 0.6 < ratio < 0.8  # planted × 0.7
    assert speed.did is not None and speed.did["p_val"] < 1e-6 and speed.did["ci_high"] < 0
    assert abs(speed.did["control_after"] / speed.did["control_before"] - 1) < 0.1  # the control did not move
    assert speed.verdict == "target_reached"
    create_plan(demo_ws, "after-sales-csat", "csat_mean", survey="post_ticket", question="csat",
                start=datetime(2026, 1, 1), baseline_days=184, due=datetime(2026, 7, 1), target=3.9)  # fmt: skip
    csat = evaluate_plan(demo_ws, "after-sales-csat")
    assert csat.before_after["test"] == "welch_t" and csat.before_after["p_val"] < 1e-6
    assert 0.15 < csat.before_after["change"] < 0.45  # planted +0.3
    assert csat.verdict == "target_reached"


def test_the_competitor_gaps(demo_ws: Workspace) -> None:
    gaps = survey_benchmark(demo_ws).set_index("item")
    assert (gaps["competitor"] == "stellar").all() and (gaps["ours_survey"] == "satisfaction_2025").all()
    better = gaps["better"].to_dict()
    assert better == {"after_sales": "ours", "delivery": "", "price": "stellar", "product_performance": "",
                      "service_quality": "ours", "overall": "ours"}  # fmt: skip
    planted = {"service_quality": -0.5, "price": 0.6, "after_sales": -0.8}
    for item, delta in planted.items():
        assert gaps.loc[item, "ci_low"] < delta + 0.15 and gaps.loc[item, "gap"] == pytest.approx(delta, abs=0.25)
    assert gaps["window_start"].iloc[0] >= pd.Timestamp("2025-09-01")
    assert gaps["window_end"].iloc[0] <= pd.Timestamp("2025-12-01")


def test_the_journey_map_covers_every_stage(demo_ws: Workspace) -> None:
    journey = journey_map(demo_ws)
    frame = journey.touchpoints
    assert journey.stages == ["awareness", "purchase", "delivery", "use", "support", "renewal"]
    assert frame["stage"].drop_duplicates().tolist() == journey.stages
    tickets = frame.set_index("touchpoint").loc["service tickets"]
    assert tickets["volume"] > 20000 and 3.5 < tickets["satisfaction"] < 4.2
    nps = frame.set_index("touchpoint").loc["relationship survey"]
    assert nps["satisfaction_metric"] == "nps" and nps["satisfaction_n"] == 4000
