"""Report sections beyond the metric tables: method (instruments, sample, response rate, reliability), teams
and agents, text themes with quotes, relationship-quality tiers, value segments, competitor gaps and action
plan status. Each copies the numbers a layer function returned (see :mod:`cxlens.report.builder`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from cxlens.metrics import get_metric
from cxlens.report.labels import DIMENSIONS, SECTIONS, column, metric_label
from cxlens.report.model import Chart, Finding, ReportTable, Section, Text

if TYPE_CHECKING:
    from cxlens.report.builder import Context

__all__ = ["action_plans", "competitors", "method", "quality", "teams", "text", "value"]

#: text periods as :mod:`cxlens.text.report` labels them (pandas period codes)
_TEXT_PERIOD = {"week": "W", "month": "M", "quarter": "Q", "year": "Y"}
#: quality tiers in display order (cxlens.quality.model.TIERS plus the customers without enough data)
_TIER_TEXT = {
    "strategic": Text("战略型", "Strategic"),
    "healthy": Text("健康", "Healthy"),
    "watch": Text("关注", "Watch"),
    "at_risk": Text("风险", "At risk"),
    "insufficient_data": Text("数据不足", "Insufficient data"),
}


def method(ctx: Context) -> Section:
    """Instruments (surveys, responses in the period), sample sizes, the response rate with its Wilson
    interval and Cronbach's α per dimension (:func:`cxlens.stats.questionnaire_quality`)."""
    from cxlens.stats import questionnaire_quality, survey_frame

    section = Section("method", SECTIONS["method"])
    surveys = ctx.an.execute(ctx.an.table("surveys").select("code", "status", "competitor_id"))
    rows = []
    for s in surveys.sort_values("code").itertuples(index=False):
        frame = survey_frame(ctx.an, str(s.code), start=ctx.period.start, end=ctx.period.end)
        rows.append({"survey": s.code, "status": s.status, "responses": len(frame)})
        if s.code == ctx.survey and len(frame):
            ctx.raw[f"responses_{s.code}"] = survey_frame(
                ctx.an, str(s.code), by=["region", "segment"], start=ctx.period.start, end=ctx.period.end
            )
    instruments = pd.DataFrame(rows, columns=["survey", "status", "responses"])
    section.tables.append(
        ReportTable(
            "instruments",
            Text("调查工具与样本", "Instruments and sample"),
            instruments,
            _cols("survey", "status", "responses"),
        )
    )
    counts = _record_counts(ctx)
    section.paragraphs.append(
        Text(
            "本期数据:问卷回收 {responses:,} 份,工单 {tickets:,} 张,订单 {orders:,} 笔,"
            "文本反馈 {feedback:,} 条。".format(**counts),
            "Data in the period: {responses:,} survey responses, {tickets:,} tickets, {orders:,} orders, "
            "{feedback:,} feedback texts.".format(**counts),
        )
    )
    if ctx.survey:
        q = questionnaire_quality(ctx.an, ctx.survey)
        rate = q.get("response_rate")
        if rate is not None:
            r = rate.iloc[0]
            section.findings.append(
                Finding(
                    key="response_rate",
                    label=Text(f"回收率({ctx.survey})", f"Response rate ({ctx.survey})"),
                    value=100 * float(r["rate"]),
                    unit="%",
                    n=int(r["invited"]),
                    ci_low=100 * float(r["ci_low"]),
                    ci_high=100 * float(r["ci_high"]),
                    source="cxlens.stats.response_rate",
                    extra={"basis": str(r["basis"]), "responded": int(r["responded"]), "warnings": str(r["warnings"])},
                )
            )
            section.tables.append(
                ReportTable(
                    "response_rate",
                    Text("回收率", "Response rate"),
                    rate,
                    _cols("basis", "responded", "invited", "rate", "ci_low", "ci_high"),
                )
            )
        if q.get("alpha") is not None:
            alpha = q["alpha"]
            for a in alpha.itertuples(index=False):
                section.findings.append(
                    Finding(
                        key=f"alpha[{a.dimension}]",
                        label=Text(f"信度 α · {a.dimension}", f"Reliability α · {a.dimension}"),
                        value=float(a.alpha),
                        n=int(a.n),
                        ci_low=float(a.ci_low),
                        ci_high=float(a.ci_high),
                        source="cxlens.stats.cronbach_alpha",
                        extra={"items": int(a.k)},
                    )
                )
            section.tables.append(
                ReportTable(
                    "reliability",
                    Text("信度(Cronbach's α,Feldt 区间)", "Reliability (Cronbach's α, Feldt interval)"),
                    alpha,
                    _cols("dimension", "alpha", "n", "ci_low", "ci_high"),
                )
            )
    return section


def _record_counts(ctx: Context) -> dict[str, int]:
    out = {}
    for name, table, col in (
        ("responses", "responses", "submitted_at"),
        ("tickets", "tickets", "created_at"),
        ("orders", "orders", "ordered_at"),
        ("feedback", "feedback", "collected_at"),
    ):
        t = ctx.an.table(table)
        out[name] = int(ctx.an.execute(t.filter((t[col] >= ctx.period.start) & (t[col] < ctx.period.end)).count()))
    return out


def _cols(*keys: str) -> dict[str, Text]:
    return {k: column(k) for k in keys}


# -- teams and agents --------------------------------------------------------------------------------------------


def teams(ctx: Context) -> Section:
    """Team and agent scorecards from the metric layer: ticket CSAT, first response and resolution time and
    SLA attainment per team, and ticket CSAT per agent (each with n, CI, change and its test)."""
    from cxlens.report.builder import finding_of, kpi_table, period_rows

    section = Section("teams", SECTIONS["teams"])
    for metric, dim in (
        ("ticket_csat", "team"),
        ("first_response_time", "team"),
        ("resolution_time", "team"),
        ("sla_attainment", "team"),
        ("ticket_csat", "agent"),
    ):
        rows = period_rows(ctx, metric, by=[dim])
        if rows is None:
            continue
        found = [finding_of(metric, r, {dim: r[dim]}) for _, r in rows.iterrows() if not pd.isna(r[dim])]
        found.sort(key=lambda f: f.value, reverse=get_metric(metric).direction == "higher")  # best first
        section.findings.extend(found)
        frame = kpi_table(found, ctx.lang)
        frame.insert(1, "slice", [str(f.slice[dim]) for f in found])
        key = f"{metric}_by_{dim}"
        title = Text(
            f"{metric_label(metric).zh} · 按{DIMENSIONS[dim].zh}", f"{metric_label(metric).en} by {DIMENSIONS[dim].en}"
        )
        cols = {"slice": DIMENSIONS[dim]} | _cols("value", "n", "ci_low", "ci_high", "previous", "change", "p_val")
        section.tables.append(ReportTable(key, title, frame, cols))
        if dim == "team":
            section.charts.append(Chart(key, title, "bar", key, "slice", "value", y_label=metric_label(metric)))
    if not section.findings:
        section.absent = Text("本期没有工单数据。", "No tickets in this period.")
        return section
    _scorecards(ctx, section)
    return section


def _scorecards(ctx: Context, section: Section) -> None:
    """The loop's agent scorecards with the fair comparison (same channel × priority mix), when installed."""
    from cxlens.report.builder import _optional

    team = _optional("cxlens.loop.team")
    if team is None or not hasattr(team, "scorecards"):
        section.paragraphs.append(
            Text(
                "坐席公平对比(cxlens.loop.team)不可用。",
                "The fair agent comparison (cxlens.loop.team) is not available.",
            )
        )
        return
    try:
        cards = team.scorecards(ctx.ws, start=ctx.period.start, end=ctx.period.end)
    except ValueError as err:
        section.paragraphs.append(Text(f"坐席公平对比无法计算:{err}", f"No fair agent comparison: {err}"))
        return
    cards = cards.sort_values(["team", "agent"], ignore_index=True)
    cols = {"team": DIMENSIONS["team"], "agent": DIMENSIONS["agent"], "tickets": Text("工单数", "Tickets")}
    cols |= {"first_response_time": metric_label("first_response_time"), "ticket_csat": metric_label("ticket_csat")}
    cols |= {"frt_ratio": Text("首响倍数(同结构)", "First-response ratio (same mix)")}
    cols |= {"csat_diff": Text("满意度差(同结构)", "CSAT difference (same mix)")}
    cols |= {"concerns": Text("需关注", "Concerns")}
    section.tables.append(
        ReportTable("scorecards", Text("坐席计分卡(公平对比)", "Agent scorecards (fair comparison)"), cards, cols)
    )
    section.paragraphs.append(
        Text(
            "公平对比:在团队内按渠道×优先级结构调整后与中位坐席比较(OLS、HC1 标准误、Holm 校正)。",
            "Fair comparison: each agent against the team's median agent on the same channel × priority mix "
            "(OLS with HC1 standard errors, Holm-adjusted).",
        )
    )


# -- text --------------------------------------------------------------------------------------------------------


def text(ctx: Context) -> Section:
    """Themes of negative texts with masked quotes and their counts this period vs last, and aspect counts
    with mean sentiment, from what ``cxlens text analyze`` stored (:func:`cxlens.text.report.text_overview`)."""
    from cxlens.text.report import text_overview

    section = Section("text", SECTIONS["text"])
    overview = text_overview(ctx.ws, every=ctx.period.every, n_themes=ctx.n_themes)
    if not overview["texts"]:
        section.absent = Text(
            "工作区尚未做文本分析(情感、方面、主题):请先运行 cxlens text analyze。",
            "The workspace's texts have not been analysed (sentiment, aspects, themes): run `cxlens text analyze` "
            "first.",
        )
        return section
    code = _TEXT_PERIOD[ctx.period.every]
    cur = str(pd.Timestamp(ctx.period.start).to_period(code))
    prev = str(pd.Timestamp(ctx.previous.start).to_period(code))
    rows = []
    for theme in overview["themes"]:
        by = {p["period"]: p for p in theme["by_period"]}
        now, before = by.get(cur, {}).get("count", 0), by.get(prev, {}).get("count", 0)
        change = 100.0 * (now - before) / before if before else None
        quote = theme["quotes"][0] if theme["quotes"] else ""
        rows.append(
            {
                "theme": theme["label"],
                "count": now,
                "previous_count": before,
                "change_pct": change,
                "mean_score": by.get(cur, {}).get("mean_score"),
                "quote": quote,
                "quotes": theme["quotes"],
            }
        )
        section.findings.append(
            Finding(
                key=f"theme[{theme['label']}]",
                label=Text(f"负面主题「{theme['label']}」", f"Negative theme “{theme['label']}”"),
                value=float(now),
                unit="texts",
                n=now,
                previous=float(before),
                change=float(now - before),
                direction="lower",
                source="cxlens.text.report.text_overview",
                extra={"change_pct": change, "quotes": theme["quotes"]},
            )
        )
    themes = pd.DataFrame(rows, columns=["theme", "count", "previous_count", "change_pct", "mean_score", "quote"])
    section.tables.append(
        ReportTable(
            "themes",
            Text("负面反馈主题(引用已脱敏)", "Themes of negative feedback (quotes masked)"),
            themes,
            _cols("theme", "count", "previous_count", "change_pct", "mean_score", "quote"),
        )
    )
    section.charts.append(
        Chart("themes", Text("负面主题条数", "Negative texts per theme"), "bar", "themes", "theme", "count")
    )
    aspects = _aspects(overview["aspects"], cur, prev)
    if not aspects.empty:
        section.tables.append(
            ReportTable(
                "aspects",
                Text("方面提及与情感", "Aspects mentioned and their sentiment"),
                aspects,
                _cols("aspect", "count", "previous_count", "change_pct", "mean_score"),
            )
        )
    section.paragraphs.append(
        Text(
            f"共分析文本 {overview['texts']:,} 条;主题为负面文本的聚类(TF-IDF + k-means),"
            f"按{ctx.period.label_in('zh')}与上期计数。",
            f"{overview['texts']:,} texts analysed; themes cluster the negative texts (TF-IDF + k-means), counted "
            f"in {ctx.period.label_in('en')} and the period before.",
        )
    )
    return section


def _aspects(records: list[dict[str, Any]], cur: str, prev: str) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=["aspect", "period", "count", "mean_score"])
    now = frame[frame["period"] == cur].set_index("aspect")
    before = frame[frame["period"] == prev].set_index("aspect")["count"]
    if now.empty:
        return pd.DataFrame(columns=["aspect", "count", "previous_count", "change_pct", "mean_score"])
    out = now[["count", "mean_score"]].copy()
    out["previous_count"] = before.reindex(out.index).fillna(0).astype(int)
    out["change_pct"] = [
        100.0 * (c - b) / b if b else None for c, b in zip(out["count"], out["previous_count"], strict=True)
    ]
    out = out.reset_index().sort_values("count", ascending=False, ignore_index=True)
    return out[["aspect", "count", "previous_count", "change_pct", "mean_score"]]


# -- relationship quality, value, competitors, action plans -------------------------------------------------------


def quality(ctx: Context) -> Section:
    """Relationship-quality tiers and segment scores (:func:`cxlens.quality.score_customers`,
    :func:`cxlens.quality.segment_scores`) over the report period."""
    section = Section("quality", SECTIONS["quality"])
    try:
        from cxlens.quality import score_customers, segment_scores
    except ImportError as err:
        section.absent = Text(
            f"关系质量评分模块不可用:{err}", f"The relationship-quality layer is not available: {err}"
        )
        return section
    try:
        scores = score_customers(ctx.ws, start=ctx.period.start, end=ctx.period.end)
    except ValueError as err:
        section.absent = Text(f"关系质量评分无法计算:{err}", f"Relationship quality could not be scored: {err}")
        return section
    tiers = scores.tier_counts()
    tiers["share"] = 100 * tiers["share"]
    tiers["tier_label"] = tiers["tier"].map(lambda t: _TIER_TEXT.get(t, Text(t, t))(ctx.lang))
    scored = tiers[tiers["tier"] != "insufficient_data"]
    n_scored = int(scored["customers"].sum())
    for t in scored.itertuples(index=False):
        section.findings.append(
            Finding(
                key=f"tier[{t.tier}]",
                label=Text(f"关系质量 · {_TIER_TEXT[t.tier].zh}", f"Relationship quality · {_TIER_TEXT[t.tier].en}"),
                value=100.0 * t.customers / n_scored if n_scored else float("nan"),
                unit="%",
                n=n_scored,
                source="cxlens.quality.Scores.tier_counts",
                extra={"customers": int(t.customers)},
            )
        )
    section.tables.append(
        ReportTable(
            "tiers",
            Text("关系质量分层", "Quality tiers"),
            tiers,
            {"tier_label": column("tier")} | _cols("customers", "share"),
        )
    )
    section.charts.append(
        Chart("tiers", Text("各层级客户数", "Customers per tier"), "bar", "tiers", "tier_label", "customers")
    )
    segs = segment_scores(scores, "segment")
    section.tables.append(
        ReportTable(
            "quality_by_segment",
            Text("各客户类型的关系质量得分", "Quality score by segment"),
            segs,
            {"segment": DIMENSIONS["segment"]} | _cols("n", "score", "ci_low", "ci_high"),
        )
    )
    weights = ", ".join(f"{k} {v:.0%}" for k, v in scores.weights.items())
    section.paragraphs.append(
        Text(
            f"评分模型权重({scores.method}):{weights};已评分客户 {n_scored:,} 位。",
            f"Scoring weights ({scores.method}): {weights}; {n_scored:,} customers scored.",
        )
    )
    return section


def value(ctx: Context) -> Section:
    """RFM segments at the end of the period (:func:`cxlens.value.rfm`, :func:`cxlens.value.rfm_profiles`)."""
    from cxlens.value import rfm, rfm_profiles

    section = Section("value", SECTIONS["value"])
    try:
        scores = rfm(ctx.an, as_of=ctx.period.end, lang=ctx.lang)
        profiles = rfm_profiles(scores, lang=ctx.lang)
    except ValueError as err:
        section.absent = Text(f"客户价值分析无法进行:{err}", f"Customer value could not be analysed: {err}")
        return section
    for p in profiles.itertuples(index=False):
        section.findings.append(
            Finding(
                key=f"rfm[{p.segment}]",
                label=Text(f"RFM 分群 {p.segment}", f"RFM segment {p.segment}"),
                value=float(p.revenue_share),
                unit="%",
                n=int(p.n),
                source="cxlens.value.rfm_profiles",
                extra={"share": float(p.share), "monetary": float(p.monetary)},
            )
        )
    section.tables.append(
        ReportTable(
            "rfm",
            Text("RFM 客户分群", "RFM segments"),
            profiles,
            _cols("label", "n", "share", "recency_days", "frequency", "monetary", "revenue_share"),
        )
    )
    section.charts.append(
        Chart("rfm", Text("各分群收入占比", "Revenue share by segment"), "bar", "rfm", "label", "revenue_share")
    )
    return section


def competitors(ctx: Context) -> Section:
    """Competitor gaps per dimension with Welch's test and Holm-adjusted p-values
    (:func:`cxlens.loop.benchmark.survey_benchmark`), over the competitor survey's fielding window."""
    from cxlens.report.builder import _dimension_names, _optional

    section = Section("competitors", SECTIONS["competitors"])
    bench = _optional("cxlens.loop.benchmark")
    if bench is None or not hasattr(bench, "survey_benchmark"):
        section.absent = Text(
            "竞争对标模块(cxlens.loop.benchmark)不可用,本节省略。",
            "The competitor-benchmark layer (cxlens.loop.benchmark) is not available, so this section is omitted.",
        )
        return section
    try:
        gaps = bench.survey_benchmark(ctx.ws)
    except ValueError as err:
        section.absent = Text(f"无法对标:{err}", f"No benchmark: {err}")
        return section
    names = _dimension_names(ctx)
    gaps["item_label"] = [names.get(i, Text(i, i))(ctx.lang) for i in gaps["item"]]
    for g in gaps.to_dict("records"):
        section.findings.append(
            Finding(
                key=f"gap[{g['competitor']}:{g['item']}]",
                label=names.get(g["item"], Text(g["item"], g["item"])),
                value=float(g["gap"]),
                n=int(g["theirs_n"]),
                ci_low=float(g["ci_low"]),
                ci_high=float(g["ci_high"]),
                p_val=float(g["p_holm"]),
                test="welch_t (Holm)",
                source="cxlens.loop.benchmark.survey_benchmark",
                extra={k: g[k] for k in ("competitor", "item", "ours", "ours_n", "theirs", "better")},
            )
        )
    start, end = gaps["window_start"].iloc[0], gaps["window_end"].iloc[0]
    section.paragraphs.append(
        Text(
            f"对标问卷 {gaps['survey'].iloc[0]} 与本品牌问卷 {gaps['ours_survey'].iloc[0]} 同期比较"
            f"({pd.Timestamp(start):%Y-%m-%d} 至 {pd.Timestamp(end):%Y-%m-%d});差距 = 竞品 − 本品牌,Welch t 检验,"
            "Holm 校正。",
            f"Benchmark survey {gaps['survey'].iloc[0]} against our {gaps['ours_survey'].iloc[0]} over the same window "
            f"({pd.Timestamp(start):%Y-%m-%d} to {pd.Timestamp(end):%Y-%m-%d}); gap = theirs − ours, Welch's t, Holm "
            "adjustment.",
        )
    )
    cols = {"competitor": column("competitor"), "item_label": column("dimension")}
    cols |= {"ours": Text("本品牌", "Ours"), "theirs": Text("竞品", "Theirs"), "gap": column("gap")}
    cols |= _cols("ci_low", "ci_high") | {"p_holm": Text("p(Holm)", "p (Holm)")}
    section.tables.append(ReportTable("competitor_gaps", section.title, gaps, cols))
    section.charts.append(
        Chart("competitor_gaps", Text("竞品 − 本品牌", "Theirs − ours"), "bar", "competitor_gaps", "item_label", "gap")
    )
    return section


def action_plans(ctx: Context) -> Section:
    """Each action plan's goal, baseline, follow-up up to the report period's end, before/after test (or
    difference-in-differences) and verdict (:func:`cxlens.loop.plans.evaluate_plan`)."""
    from cxlens.report.builder import _optional

    section = Section("action_plans", SECTIONS["action_plans"])
    plans_mod = _optional("cxlens.loop.plans")
    if plans_mod is None or not hasattr(plans_mod, "evaluate_plan"):
        section.absent = Text(
            "行动计划模块(cxlens.loop.plans)不可用,本节省略。",
            "The action-plan layer (cxlens.loop.plans) is not available, so this section is omitted.",
        )
        return section
    plans = plans_mod.list_plans(ctx.ws)
    if plans.empty:
        section.absent = Text(
            "尚未登记行动计划(cxlens plan create),本节省略。",
            "No action plan is recorded (cxlens plan create), so this section is omitted.",
        )
        return section
    rows = []
    for p in plans.itertuples(index=False):
        row = {"plan": p.name, "metric": metric_label(str(p.metric))(ctx.lang), "owner": p.owner, "status": p.status}
        row |= {"target": p.target, "due": p.due_at, "baseline": p.baseline_value, "baseline_n": p.baseline_n}
        try:
            ev = plans_mod.evaluate_plan(ctx.ws, p.name, end=min(ctx.period.end, _due(p.due_at, ctx.period.end)))
        except ValueError as err:
            rows.append(row | {"verdict": str(err)})
            continue
        ba = ev.before_after
        row |= {"value": ba["after"], "n": ba["after_n"], "change": ba["change"], "p_val": ba["p_val"]}
        rows.append(row | {"verdict": ev.verdict})
        section.findings.append(
            Finding(
                key=f"plan[{p.name}]",
                label=Text(f"行动计划「{p.name}」", f"Action plan “{p.name}”"),
                value=float(ba["after"]),
                unit=get_metric(str(p.metric)).unit,
                n=int(ba["after_n"]),
                ci_low=ba["after_ci_low"],
                ci_high=ba["after_ci_high"],
                previous=ba["before"],
                change=ba["change"],
                p_val=ba["p_val"],
                test=str(ba["test"]),
                target=p.target if p.target is not None and not pd.isna(p.target) else None,
                direction=get_metric(str(p.metric)).direction,
                source="cxlens.loop.plans.evaluate_plan",
                extra={"verdict": ev.verdict, "summary": ev.summary, "did": ev.did},
            )
        )
    frame = pd.DataFrame(rows)
    cols = {"plan": Text("计划", "Plan"), "metric": column("metric"), "baseline": Text("基线", "Baseline")}
    cols |= _cols("value", "n", "change", "p_val", "target", "owner", "due", "status")
    cols |= {"verdict": Text("结论", "Verdict")}
    section.tables.append(ReportTable("plans", section.title, frame, cols))
    return section


def _due(due: Any, fallback: Any) -> Any:
    return fallback if due is None or pd.isna(due) else pd.Timestamp(due).to_pydatetime()
