"""Report sections beyond the metric tables: method (instruments, sample, response rate, reliability), teams
and agents, text themes with quotes, relationship-quality tiers, value segments, competitor gaps and action
plan status. Each copies the numbers a layer function returned (see :mod:`cxlens.report.builder`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

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
        found.sort(key=lambda f: f.value, reverse=f"{metric}" != "first_response_time")
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
    """Competitor gaps from :mod:`cxlens.loop`'s benchmarks when that layer provides them."""
    from cxlens.report.builder import _optional

    section = Section("competitors", SECTIONS["competitors"])
    bench = _optional("cxlens.loop.benchmarks")
    fn = getattr(bench, "competitor_gaps", None) if bench is not None else None
    if fn is None:
        section.absent = Text(
            "竞争对标模块(cxlens.loop 的竞争对手基准)尚未安装,本节省略。",
            "The competitor-benchmark layer (cxlens.loop benchmarks) is not installed, so this section is omitted.",
        )
        return section
    gaps = fn(ctx.ws)
    section.tables.append(ReportTable("competitor_gaps", section.title, gaps, {c: column(c) for c in gaps.columns}))
    return section


def action_plans(ctx: Context) -> Section:
    """Every action plan's goal metric, stored baseline (with n and CI), target, owner, due date and status,
    and the goal metric in the report period (:func:`cxlens.metrics.compute`)."""
    from cxlens.report.builder import finding_of, period_rows

    section = Section("action_plans", SECTIONS["action_plans"])
    try:
        with ctx.ws.engine.connect() as conn:
            plans = pd.read_sql(sa.text("SELECT * FROM action_plans ORDER BY id"), conn)
    except sa.exc.DBAPIError:
        plans = None
    if plans is None or plans.empty:
        section.absent = Text(
            "尚无行动计划(cxlens.loop 的行动计划未登记),本节省略。",
            "No action plans are recorded (cxlens.loop action plans), so this section is omitted.",
        )
        return section
    rows = []
    for p in plans.itertuples(index=False):
        spec = json.loads(p.spec_json or "{}")
        current = period_rows(ctx, str(p.metric), **{k: v for k, v in spec.items() if k in ("survey", "question")})
        now = finding_of(str(p.metric), current.iloc[0]) if current is not None else None
        rows.append(
            {
                "plan": p.name,
                "metric": metric_label(str(p.metric))(ctx.lang),
                "baseline": p.baseline_value,
                "baseline_n": p.baseline_n,
                "target": p.target,
                "value": now.value if now else None,
                "n": now.n if now else None,
                "owner": p.owner,
                "due": p.due_at,
                "status": p.status,
            }
        )
        if now is not None:
            now.key, now.source = f"plan[{p.name}]", "cxlens.metrics.compute (action plan goal metric)"
            now.extra.update({"baseline": p.baseline_value, "plan_target": p.target, "status": p.status})
            section.findings.append(now)
    frame = pd.DataFrame(rows)
    cols = {"plan": Text("计划", "Plan"), "metric": column("metric"), "baseline": Text("基线", "Baseline")}
    section.tables.append(
        ReportTable("plans", section.title, frame, cols | _cols("target", "value", "n", "owner", "due", "status"))
    )
    return section
