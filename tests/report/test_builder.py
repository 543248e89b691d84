"""The numbers of a report are the layer functions' own results (copied, never recomputed)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cxlens.metrics import compute
from cxlens.report import Report, build_report
from cxlens.report.builder import LAYOUT, main_survey
from cxlens.report.period import parse_period
from cxlens.store import Workspace

#: the quarter of the planted 华南 dip (docs/demo.md §3), the period the session reports cover (conftest.py)
DIP = "2026-Q2"


def _row(frame: pd.DataFrame, period: str) -> pd.Series:
    return frame[pd.to_datetime(frame["period"]) == pd.Timestamp(parse_period(period).start)].iloc[0]


@pytest.mark.parametrize("template", list(LAYOUT))
def test_sections_follow_the_seed_structure(reports: dict[tuple[str, str], Report], template: str) -> None:
    report = reports[(template, "zh")]
    keys = [s.key for s in report.sections]
    assert keys[:3] == ["objective", "method", "kpis"]
    assert keys[-1] == "action_plans"
    assert report.period.label == DIP and report.previous.label == "2026-Q1"
    assert report.section("kpis").findings, "every template reports KPIs on the demo"
    assert report.section("action_plans").findings, "the fixture's action plan is reported"
    for s in report.sections:
        assert s.absent is not None or s.findings or s.paragraphs or s.tables, s.key


def test_kpis_equal_the_metric_layer(report_ws: Workspace, reports: dict[tuple[str, str], Report]) -> None:
    found = {f.key: f for f in reports[("satisfaction", "zh")].section("kpis").findings}
    for metric in ("nps", "csat", "ces"):
        expected = _row(compute(report_ws, metric, every="quarter", change=True), DIP)
        f = found[metric]
        assert f.value == pytest.approx(float(expected["value"]))
        assert f.n == int(expected["n"])
        assert f.ci_low == pytest.approx(float(expected["ci_low"]))
        assert f.ci_high == pytest.approx(float(expected["ci_high"]))
        assert f.previous == pytest.approx(float(expected["previous"]))
        assert f.p_val == pytest.approx(float(expected["p_val"]))
    assert found["nps"].target == 30.0 and found["nps"].attained is False
    assert found["csat"].target == 80.0


def test_segment_dip_is_the_metric_layers(report_ws: Workspace, reports: dict[tuple[str, str], Report]) -> None:
    seg = {f.key: f for f in reports[("satisfaction", "zh")].section("segments").findings}
    south = seg["nps[region=华南]"]
    frame = compute(report_ws, "nps", by=["region"], every="quarter", change=True)
    expected = _row(frame[frame["region"] == "华南"], DIP)
    assert south.value == pytest.approx(float(expected["value"]))
    assert south.change == pytest.approx(float(expected["change"]))
    assert south.p_val == pytest.approx(float(expected["p_val"]))
    assert south.n == int(expected["n"])
    # docs/demo.md §3: 华南 −11.2 (n = 98) in the May 2026 wave
    assert south.value == pytest.approx(-11.2, abs=0.1) and south.n == 98
    assert south.worse and south.significant


def test_drivers_equal_the_statistics_layer(report_ws: Workspace, reports: dict[tuple[str, str], Report]) -> None:
    from cxlens.stats import drivers

    p = parse_period(DIP)
    expected = drivers(report_ws, "overall", survey="satisfaction_2025", start=p.start, end=p.end)
    found = {f.key: f for f in reports[("satisfaction", "zh")].section("drivers").findings}
    for row in expected.table.itertuples(index=False):
        f = found[f"driver[{row.driver}]"]
        assert f.value == pytest.approx(row.importance)
        assert f.extra["rank"] == row.rank and f.extra["quadrant"] == row.quadrant
        assert f.extra["mean"] == pytest.approx(row.mean)
        assert f.n == expected.fit["n"]
    assert found["driver[after_sales]"].extra["rank"] == 1
    assert found["driver[after_sales]"].extra["quadrant"] == "concentrate_here"


def test_quality_tiers_equal_the_quality_layer(report_ws: Workspace, reports: dict[tuple[str, str], Report]) -> None:
    from cxlens.quality import score_customers

    p = parse_period(DIP)
    tiers = score_customers(report_ws, start=p.start, end=p.end).tier_counts().set_index("tier")
    scored = int(tiers.drop(index="insufficient_data")["customers"].sum())
    found = {f.key: f for f in reports[("satisfaction", "zh")].section("quality").findings}
    for tier in ("strategic", "healthy", "watch", "at_risk"):
        assert found[f"tier[{tier}]"].extra["customers"] == int(tiers.at[tier, "customers"])
        assert found[f"tier[{tier}]"].value == pytest.approx(100 * tiers.at[tier, "customers"] / scored)


def test_text_themes_equal_the_stored_results(report_ws: Workspace, reports: dict[tuple[str, str], Report]) -> None:
    from cxlens.text.report import text_overview

    overview = text_overview(report_ws, every="quarter")
    section = reports[("satisfaction", "zh")].section("text")
    assert section.absent is None
    themes = section.table("themes").frame
    assert len(themes) == len(overview["themes"])
    for row, theme in zip(themes.itertuples(index=False), overview["themes"], strict=True):
        counts = {p["period"]: p["count"] for p in theme["by_period"]}
        assert row.count == counts.get("2026Q2", 0) and row.previous_count == counts.get("2026Q1", 0)
        assert row.quote == theme["quotes"][0]


def test_service_report_has_team_and_agent_scorecards(reports: dict[tuple[str, str], Report]) -> None:
    teams = reports[("service", "zh")].section("teams")
    agents = {f.slice["agent"]: f for f in teams.findings if "agent" in f.slice}
    assert len(agents) == 40
    assert {f.slice["team"] for f in teams.findings if "team" in f.slice} == {
        "售前咨询",
        "技术支持",
        "售后服务",
        "投诉处理",
    }


def test_relationship_report_has_value_segments(reports: dict[tuple[str, str], Report]) -> None:
    value = reports[("relationship", "zh")].section("value")
    assert value.absent is None
    shares = [f.value for f in value.findings]
    assert sum(shares) == pytest.approx(100.0)


def test_default_period_and_survey(report_ws: Workspace) -> None:
    from cxlens.metrics.engines import Analytics

    assert main_survey(Analytics.for_workspace(report_ws)) == "satisfaction_2025"
    report = build_report(report_ws, "service", lang="en")
    assert report.period.label == "2026-Q3"  # the data end on 2026-10-31: Q4 is not complete


def test_bad_input_is_refused(report_ws: Workspace) -> None:
    with pytest.raises(ValueError, match="template"):
        build_report(report_ws, "marketing", DIP)
    with pytest.raises(ValueError, match="lang"):
        build_report(report_ws, "service", DIP, lang="fr")
    with pytest.raises(ValueError, match="period"):
        build_report(report_ws, "service", "2026-Q9")


def test_report_json_is_plain(reports: dict[tuple[str, str], Report]) -> None:
    import json

    data = reports[("satisfaction", "zh")].to_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert data["period"] == DIP and "NaN" not in text
    assert all(
        not (isinstance(v, float) and math.isnan(v)) for r in data["recommendations"] for v in r["evidence"].values()
    )


def test_action_plan_status_is_the_loops_evaluation(
    report_ws: Workspace, reports: dict[tuple[str, str], Report]
) -> None:
    from cxlens.loop.plans import evaluate_plan

    (f,) = reports[("service", "zh")].section("action_plans").findings
    ev = evaluate_plan(report_ws, "售后提速", end=parse_period(DIP).end)
    assert f.value == pytest.approx(ev.before_after["after"]) and f.n == ev.before_after["after_n"]
    assert f.previous == pytest.approx(ev.before_after["before"])
    assert f.extra["verdict"] == ev.verdict == "target_not_reached"  # −30 %, but not down to 20 h
    # docs/demo.md §7: 售后服务 median resolution −30 % after 2026-01-01
    assert f.value / f.previous == pytest.approx(0.7, abs=0.08)


def test_competitor_gaps_are_the_loops_benchmark(report_ws: Workspace, reports: dict[tuple[str, str], Report]) -> None:
    from cxlens.loop.benchmark import survey_benchmark

    expected = survey_benchmark(report_ws).set_index("item")
    found = {f.extra["item"]: f for f in reports[("industry", "zh")].section("competitors").findings}
    assert set(found) == set(expected.index)
    for item, f in found.items():
        assert f.value == pytest.approx(expected.at[item, "gap"])
        assert f.p_val == pytest.approx(expected.at[item, "p_holm"])
    # docs/demo.md §5: Stellar is behind on after-sales and service, ahead on price
    assert found["after_sales"].value < 0 and found["service_quality"].value < 0 < found["price"].value
