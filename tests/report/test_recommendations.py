"""Recommendations fire on the demo's planted structure, and each cites the numbers behind it."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from cxlens.report import Finding, Report, Section, Text, recommend
from cxlens.report.period import parse_period
from cxlens.report.recommendations import THEME_MIN_BASE


def _by_rule(report: Report, rule: str) -> list:
    return [r for r in report.recommendations if r.rule == rule]


def test_after_sales_driver_is_concentrate_here(reports: dict) -> None:
    report = reports[("satisfaction", "en")]
    (rec,) = [r for r in _by_rule(report, "driver_concentrate") if r.evidence["finding"] == "driver[after_sales]"]
    f = {x.key: x for x in report.section("drivers").findings}["driver[after_sales]"]
    assert rec.priority == 1 and rec.evidence["rank"] == 1
    assert f"importance {f.value:,.1f} % (rank 1)" in rec.text.en
    assert f"performance {f.extra['mean']:.2f}/5 below the mean {f.extra['performance_threshold']:.2f}" in rec.text.en
    assert "重点改进" in reports[("satisfaction", "zh")].recommendations[0].text.zh or any(
        "重点改进" in r.text.zh for r in reports[("satisfaction", "zh")].recommendations
    )


def test_south_china_dip_is_flagged_with_its_test(reports: dict) -> None:
    report = reports[("satisfaction", "en")]
    (rec,) = [r for r in _by_rule(report, "segment_decline") if r.evidence.get("slice") == {"region": "华南"}]
    f = {x.key: x for x in report.section("segments").findings}["nps[region=华南]"]
    assert rec.evidence["p_val"] == f.p_val < 0.05
    assert f"fell {abs(f.change):.1f} points vs last quarter, p = {f.p_val:.3f}" in rec.text.en
    assert "华南" in rec.text.zh and "较上季度下降" in rec.text.zh
    # no other region fell significantly in the dip quarter
    others = [
        r
        for r in _by_rule(report, "segment_decline")
        if r.evidence.get("slice", {}).get("region") not in (None, "华南")
    ]
    assert others == []


def test_kpi_below_target_cites_the_gap(reports: dict) -> None:
    report = reports[("satisfaction", "en")]
    csat = {x.key: x for x in report.section("kpis").findings}["csat"]
    (rec,) = [r for r in _by_rule(report, "kpi_below_target") if r.evidence["finding"] == "csat"]
    assert rec.evidence["gap"] == 80.0 - csat.value
    assert f"below the target 80.0 by {80.0 - csat.value:.1f} points" in rec.text.en


def test_slow_agents_are_the_ones_flagged(reports: dict) -> None:
    # docs/demo.md §4: the slow agents A07 周婷, A18 吴昊 and A29 郑丽 have the lowest CSAT
    flagged = {r.evidence["slice"]["agent"] for r in _by_rule(reports[("service", "en")], "agent_low")}
    assert flagged
    assert flagged <= {"周婷", "吴昊", "郑丽", "A07", "A18", "A29"}


def test_every_recommendation_cites_numbers(reports: dict) -> None:
    import re

    for key in (("satisfaction", "zh"), ("service", "zh"), ("relationship", "zh"), ("industry", "zh")):
        for r in reports[key].recommendations:
            assert re.search(r"\d", r.text.zh) and re.search(r"\d", r.text.en), r
            numbers = [v for v in r.evidence.values() if isinstance(v, int | float)]
            assert numbers, r


def _report(findings: list[Finding]) -> Report:
    p = parse_period("2026-Q3")
    section = Section("text", Text("文本", "Text"), findings=findings)
    return Report("satisfaction", Text("t", "t"), "w", p, p.previous(), "en", datetime(2026, 11, 1), [section])


def _theme(now: int, before: int) -> Finding:
    change = 100.0 * (now - before) / before
    return Finding(
        key="theme[物流 / 配送]",
        label=Text("负面主题「物流 / 配送」", "Negative theme “物流 / 配送”"),
        value=float(now),
        unit="texts",
        n=now,
        previous=float(before),
        change=float(now - before),
        direction="lower",
        extra={"change_pct": change, "quotes": ["物流太慢了"]},
    )


def test_theme_rise_rule() -> None:
    recs = recommend(_report([_theme(24, 10)]))
    assert [r.rule for r in recs] == ["theme_rise"]
    assert "complaints up 140 % (10 → 24 texts)" in recs[0].text.en
    assert "投诉上升 140 %" in recs[0].text.zh
    assert recommend(_report([_theme(14, 10)])) == []  # +40 %: under the threshold
    assert recommend(_report([_theme(20, THEME_MIN_BASE - 1)])) == []  # too few texts to call a rise


def test_kpi_decline_rule_is_direction_aware() -> None:
    p = parse_period("2026-Q3")
    slow = Finding("first_response_time", Text("首响", "First response"), 2.0, "hours", 500, previous=1.0, change=1.0)
    slow.p_val, slow.direction = 0.001, "lower"
    faster = Finding("resolution_time", Text("解决", "Resolution"), 1.0, "hours", 500, previous=2.0, change=-1.0)
    faster.p_val, faster.direction = 0.001, "lower"
    section = Section("kpis", Text("k", "k"), findings=[slow, faster])
    report = Report("service", Text("t", "t"), "w", p, p.previous(), "en", datetime(2026, 11, 1), [section])
    recs = recommend(report)
    assert [r.evidence["finding"] for r in recs] == ["first_response_time"]
    assert "rose 1.00 h vs last quarter, p = 0.001" in recs[0].text.en
    assert pd.notna(recs[0].evidence["p_val"])


def test_competitor_ahead_on_price(reports: dict) -> None:
    recs = _by_rule(reports[("industry", "en")], "competitor_ahead")
    assert [r.evidence["finding"] for r in recs] == ["gap[stellar:price]"]
    assert "Competitor stellar is ahead on Price by" in recs[0].text.en and "Holm p" in recs[0].text.en
    assert "竞品 stellar 在「价格」上领先" in reports[("industry", "zh")].recommendations[-1].text.zh or any(
        "「价格」上领先" in r.text.zh for r in reports[("industry", "zh")].recommendations
    )


def test_plan_off_track_cites_before_and_after(reports: dict) -> None:
    (rec,) = _by_rule(reports[("service", "en")], "plan_off_track")
    f = reports[("service", "en")].section("action_plans").findings[0]
    assert f"{f.previous:,.2f} before → {f.value:,.2f} after (n = {f.n}, target 20.00)" in rec.text.en
