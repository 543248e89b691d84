"""Recommendations from explicit rules over a report's findings; each cites the numbers behind it.

Rules (all thresholds are the named constants below):

``driver_concentrate``   a driver in the importance–performance quadrant "concentrate here" (importance ≥ the
                         mean importance, performance < the mean performance; Martilla & James 1977)
``kpi_decline``          a KPI worse than last period with p < ``ALPHA`` (the metric layer's test)
``kpi_below_target``     a KPI that misses its target (workspace ``targets.yaml``)
``segment_decline``      a segment / team worse than last period with p < ``ALPHA``
``segment_below_target`` a segment that misses the target
``theme_rise``           a negative-text theme up ≥ ``THEME_RISE_PCT`` % on ≥ ``THEME_MIN_BASE`` texts last period
``agent_low``            an agent whose ticket-CSAT interval lies wholly below the agents' n-weighted mean
``quality_at_risk``      ≥ ``AT_RISK_PCT`` % of scored customers in the "at risk" relationship tier
``reliability_low``      a dimension with Cronbach's α < ``ALPHA_MIN`` (Nunnally 1978)
``response_rate_low``    a response rate under ``RESPONSE_RATE_MIN`` %
``competitor_ahead``     a competitor significantly ahead on a dimension (Welch's t, Holm-adjusted p < ``ALPHA``)
``plan_off_track``       an action plan whose verdict is ``target_not_reached`` or ``worsened``

No rule fires on a number that is missing; nothing is written without a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from cxlens.report.labels import DIMENSIONS, QUADRANTS
from cxlens.report.model import Finding, Recommendation, Report, Text, fmt

__all__ = [
    "ALPHA",
    "ALPHA_MIN",
    "AT_RISK_PCT",
    "RESPONSE_RATE_MIN",
    "RULES",
    "THEME_MIN_BASE",
    "THEME_RISE_PCT",
    "recommend",
]

ALPHA = 0.05
THEME_RISE_PCT = 50.0
THEME_MIN_BASE = 10
AT_RISK_PCT = 5.0
ALPHA_MIN = 0.70
RESPONSE_RATE_MIN = 10.0

_LAST = {
    "month": Text("上月", "last month"),
    "quarter": Text("上季度", "last quarter"),
    "year": Text("上年", "last year"),
}


def _units(f: Finding) -> Text:
    """How a difference of ``f`` is written: percentage points for shares, the metric's own unit otherwise."""
    return {
        "%": Text("个百分点", " points"),
        "points": Text("分", " points"),
        "hours": Text("小时", " h"),
        "per 1,000 customers": Text("‰", " per 1,000"),
        "texts": Text("条", " texts"),
    }.get(f.unit, Text("", ""))


def _v(f: Finding, x: float | None) -> str:
    digits = 2 if f.unit in ("hours", "scale points", "") else 1
    return fmt(x, digits)


def _slice(f: Finding) -> Text:
    (dim, val), *_ = f.slice.items()
    name = DIMENSIONS.get(dim, Text(dim, dim))
    return Text(f"{name.zh}「{val}」", f"{name.en} {val}")


def _p(p: float | None) -> str:
    return "—" if p is None else ("<0.001" if p < 0.001 else f"{p:.3f}")


def _decline(report: Report, f: Finding, rule: str, section: str, priority: int) -> Recommendation:
    last, u = _LAST[report.period.every], _units(f)
    who = _slice(f) if f.slice else Text("", "")
    moved = Text("下降" if f.direction == "higher" else "上升", "fell" if f.direction == "higher" else "rose")
    size = _v(f, abs(f.change or 0.0))
    zh = (
        f"{who.zh}{f.label.zh}较{last.zh}{moved.zh} {size}{u.zh}(本期 {_v(f, f.value)},n = {f.n},95% 区间 "
        f"[{_v(f, f.ci_low)}, {_v(f, f.ci_high)}];上期 {_v(f, f.previous)}),p = {_p(f.p_val)} → 优先排查原因并跟进。"
    )
    en_who = f" in {who.en}" if f.slice else ""
    en = (
        f"{f.label.en}{en_who} {moved.en} {size}{u.en} vs {last.en}, p = {_p(f.p_val)} (now {_v(f, f.value)}, "
        f"n = {f.n}, 95% CI [{_v(f, f.ci_low)}, {_v(f, f.ci_high)}]; before {_v(f, f.previous)}) → investigate "
        "the cause and follow up."
    )
    return Recommendation(
        rule, priority, section, Text(zh, en), _evidence(f, "value", "n", "previous", "change", "p_val")
    )


def _below_target(f: Finding, rule: str, section: str) -> Recommendation:
    gap, u = abs(f.value - (f.target or 0.0)), _units(f)
    who = _slice(f) if f.slice else Text("", "")
    side = Text("低于" if f.direction == "higher" else "高于", "below" if f.direction == "higher" else "above")
    zh = (
        f"{who.zh}{f.label.zh} {_v(f, f.value)}(n = {f.n}){side.zh}目标 {_v(f, f.target)},差 {_v(f, gap)}{u.zh}"
        " → 设定改进措施与负责人。"
    )
    en_who = f" in {who.en}" if f.slice else ""
    en = (
        f"{f.label.en}{en_who} {_v(f, f.value)} (n = {f.n}) is {side.en} the target {_v(f, f.target)} by "
        f"{_v(f, gap)}{u.en} → set measures and an owner."
    )
    return Recommendation(rule, 2, section, Text(zh, en), _evidence(f, "value", "n", "target") | {"gap": gap})


def _evidence(f: Finding, *keys: str) -> dict[str, object]:
    return {"finding": f.key, **{k: getattr(f, k) for k in keys}, **({"slice": f.slice} if f.slice else {})}


def _changes(
    report: Report, section: str, rule: str, below: str, priority: int, skip: str | None = None
) -> list[Recommendation]:
    try:
        found = [f for f in report.section(section).findings if skip is None or skip not in f.slice]
    except KeyError:
        return []
    out = []
    for f in found:
        if f.worse and f.p_val is not None and not math.isnan(f.p_val) and f.p_val < ALPHA:
            out.append(_decline(report, f, rule, section, priority))
        if f.attained is False and f.target is not None:
            out.append(_below_target(f, below, section))
    return out


def _kpis(report: Report) -> list[Recommendation]:
    return _changes(report, "kpis", "kpi_decline", "kpi_below_target", 1)


def _segments(report: Report) -> list[Recommendation]:
    return [
        *_changes(report, "segments", "segment_decline", "segment_below_target", 1),
        *_changes(report, "teams", "segment_decline", "segment_below_target", 2, skip="agent"),
    ]


def _drivers(report: Report) -> list[Recommendation]:
    try:
        found = report.section("drivers").findings
    except KeyError:
        return []
    out = []
    for f in found:
        x = f.extra
        if x.get("quadrant") != "concentrate_here":
            continue
        top = f"/{fmt(x['scale_max'], 0)}" if x.get("scale_max") else ""
        q = QUADRANTS["concentrate_here"]
        zh = (
            f"驱动因素「{f.label.zh}」:重要性 {fmt(f.value)} %(排名第 {x['rank']}),表现 {fmt(x['mean'], 2)}{top} "
            f"低于均值 {fmt(x['performance_threshold'], 2)}(n = {f.n})→ {q.zh}:集中资源提升此项。"
        )
        en = (
            f"Driver {f.label.en}: importance {fmt(f.value)} % (rank {x['rank']}), performance "
            f"{fmt(x['mean'], 2)}{top} below the mean {fmt(x['performance_threshold'], 2)} (n = {f.n}) → "
            f"{q.en.lower()}: put resources into this driver."
        )
        evidence = {"finding": f.key, "importance": f.value, "rank": x["rank"], "mean": x["mean"]}
        evidence["performance_threshold"] = x["performance_threshold"]
        out.append(Recommendation("driver_concentrate", 1 if x["rank"] == 1 else 2, "drivers", Text(zh, en), evidence))
    return out


def _themes(report: Report) -> list[Recommendation]:
    try:
        found = report.section("text").findings
    except KeyError:
        return []
    out = []
    for f in found:
        pct = f.extra.get("change_pct")
        if pct is None or f.previous is None or f.previous < THEME_MIN_BASE or pct < THEME_RISE_PCT:
            continue
        quote = (f.extra.get("quotes") or [""])[0]
        zh = (
            f"{f.label.zh}投诉上升 {fmt(pct, 0)} %({fmt(f.previous, 0)} → {fmt(f.value, 0)} 条),"
            f"例:「{quote}」→ 责成相关部门处理并回访。"
        )
        en = (
            f"{f.label.en} complaints up {fmt(pct, 0)} % ({fmt(f.previous, 0)} → {fmt(f.value, 0)} texts), e.g. "
            f"“{quote}” → assign the owning team and follow up with the customers."
        )
        evidence = {"finding": f.key, "count": f.value, "previous": f.previous, "change_pct": pct}
        out.append(Recommendation("theme_rise", 2, "text", Text(zh, en), evidence))
    return out


def _agents(report: Report) -> list[Recommendation]:
    try:
        found = [f for f in report.section("teams").findings if "agent" in f.slice and f.key.startswith("ticket_csat")]
    except KeyError:
        return []
    total = sum(f.n or 0 for f in found)
    if not total:
        return []
    mean = sum(f.value * (f.n or 0) for f in found) / total
    out = []
    for f in found:
        if f.ci_high is None or f.ci_high >= mean:
            continue
        agent = f.slice["agent"]
        zh = (
            f"坐席 {agent} 工单满意度 {fmt(f.value, 2)}(n = {f.n},95% 区间 {fmt(f.ci_low, 2)}–{fmt(f.ci_high, 2)})"
            f"整体低于全体坐席均值 {fmt(mean, 2)} → 安排辅导与质检。"
        )
        en = (
            f"Agent {agent}: ticket CSAT {fmt(f.value, 2)} (n = {f.n}, 95% CI {fmt(f.ci_low, 2)}–{fmt(f.ci_high, 2)}) "
            f"lies wholly below the agents' mean {fmt(mean, 2)} → coach and review their tickets."
        )
        out.append(
            Recommendation(
                "agent_low", 2, "teams", Text(zh, en), _evidence(f, "value", "n", "ci_high") | {"mean": mean}
            )
        )
    return out


def _quality(report: Report) -> list[Recommendation]:
    try:
        found = {f.key: f for f in report.section("quality").findings}
    except KeyError:
        return []
    f = found.get("tier[at_risk]")
    if f is None or math.isnan(f.value) or f.value < AT_RISK_PCT:
        return []
    customers = f.extra["customers"]
    zh = f"关系质量「风险」层客户占 {fmt(f.value)} %({customers:,} / {f.n:,} 位已评分客户)→ 建立一对一挽留与回访计划。"
    en = (
        f"{fmt(f.value)} % of scored customers ({customers:,} of {f.n:,}) are in the at-risk relationship tier → "
        "start one-to-one retention calls."
    )
    return [
        Recommendation(
            "quality_at_risk", 2, "quality", Text(zh, en), _evidence(f, "value", "n") | {"customers": customers}
        )
    ]


def _method(report: Report) -> list[Recommendation]:
    try:
        found = report.section("method").findings
    except KeyError:
        return []
    out = []
    for f in found:
        if f.key.startswith("alpha[") and f.value < ALPHA_MIN:
            dim = f.key[6:-1]
            zh = f"维度「{dim}」信度 α = {fmt(f.value, 2)}(n = {f.n})低于 {ALPHA_MIN} → 修订或增补该维度题目。"
            en = f"Dimension {dim}: α = {fmt(f.value, 2)} (n = {f.n}) is below {ALPHA_MIN} → revise its items."
            out.append(Recommendation("reliability_low", 3, "method", Text(zh, en), _evidence(f, "value", "n")))
        if f.key == "response_rate" and f.value < RESPONSE_RATE_MIN:
            zh = f"回收率 {fmt(f.value)} %(n = {f.n})低于 {RESPONSE_RATE_MIN:.0f} % → 检查样本代表性并加强回访。"
            en = (
                f"Response rate {fmt(f.value)} % (n = {f.n}) is under {RESPONSE_RATE_MIN:.0f} % → check "
                "representativeness."
            )
            out.append(Recommendation("response_rate_low", 3, "method", Text(zh, en), _evidence(f, "value", "n")))
    return out


def _competitors(report: Report) -> list[Recommendation]:
    try:
        found = report.section("competitors").findings
    except KeyError:
        return []
    out = []
    for f in found:
        x = f.extra
        if f.p_val is None or f.p_val >= ALPHA or f.value <= 0:
            continue
        zh = (
            f"竞品 {x['competitor']} 在「{f.label.zh}」上领先 {fmt(f.value, 2)} 分(竞品 {fmt(x['theirs'], 2)},"
            f"n = {f.n};本品牌 {fmt(x['ours'], 2)},n = {x['ours_n']};95% 区间 [{fmt(f.ci_low, 2)}, "
            f"{fmt(f.ci_high, 2)}],Holm 校正 p = {_p(f.p_val)})→ 研究竞品做法,缩小差距。"
        )
        en = (
            f"Competitor {x['competitor']} is ahead on {f.label.en} by {fmt(f.value, 2)} "
            f"(theirs {fmt(x['theirs'], 2)}, n = {f.n}; ours {fmt(x['ours'], 2)}, n = {x['ours_n']}; "
            f"95% CI [{fmt(f.ci_low, 2)}, {fmt(f.ci_high, 2)}], Holm p = {_p(f.p_val)}) "
            "→ study what they do and close the gap."
        )
        evidence = _evidence(f, "value", "n", "p_val") | {"ours": x["ours"], "theirs": x["theirs"]}
        out.append(Recommendation("competitor_ahead", 2, "competitors", Text(zh, en), evidence))
    return out


def _plans(report: Report) -> list[Recommendation]:
    try:
        found = report.section("action_plans").findings
    except KeyError:
        return []
    out = []
    for f in found:
        verdict = f.extra.get("verdict")
        if verdict not in ("target_not_reached", "worsened"):
            continue
        target = f" / 目标 {_v(f, f.target)}" if f.target is not None else ""
        target_en = f", target {_v(f, f.target)}" if f.target is not None else ""
        zh = (
            f"{f.label.zh}:实施前 {_v(f, f.previous)} → 实施后 {_v(f, f.value)}(n = {f.n}{target}),p = {_p(f.p_val)},"
            f"结论 {verdict} → 复盘措施并调整。"
        )
        en = (
            f"{f.label.en}: {_v(f, f.previous)} before → {_v(f, f.value)} after (n = {f.n}{target_en}), "
            f"p = {_p(f.p_val)}, verdict {verdict} → review the measures."
        )
        out.append(
            Recommendation(
                "plan_off_track", 1, "action_plans", Text(zh, en), _evidence(f, "value", "n", "previous", "p_val")
            )
        )
    return out


RULES: dict[str, Callable[[Report], list[Recommendation]]] = {
    "kpis": _kpis,
    "drivers": _drivers,
    "segments": _segments,
    "themes": _themes,
    "agents": _agents,
    "quality": _quality,
    "method": _method,
    "competitors": _competitors,
    "plans": _plans,
}


def recommend(report: Report) -> list[Recommendation]:
    """Every rule over ``report``'s findings, most urgent first (priority, then the order of the rules)."""
    out = [r for rule in RULES.values() for r in rule(report)]
    return sorted(out, key=lambda r: r.priority)
