"""Build a :class:`~cxlens.report.model.Report` from the layers that already computed everything: the metric
layer (values, n, CI, change and its test, targets), statistics (questionnaire quality, key drivers with
importance–performance quadrants), text (stored sentiment, themes, quotes), quality (relationship-quality
tiers), value (RFM segments) and, when installed, the loop (action plans, competitor benchmarks, team
scorecards). Nothing is recomputed here: each number is copied from the frame a layer function returned.

The structure follows the seeds' report (000/003/004: objective → method → findings → recommendations →
action plan status). Templates choose which findings appear:

``satisfaction``  KPIs (NPS, CSAT, CES, CSI), drivers, segments, text, quality
``service``       service KPIs (first response, resolution, SLA, FCR, ticket CSAT, complaints), teams, agents
``relationship``  NPS and loyalty KPIs, relationship-quality tiers, value segments, segments, text
``industry``      everything above in brief, plus competitor gaps
"""

from __future__ import annotations

import importlib
import math
import warnings
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from cxlens.metrics import compute, get_metric
from cxlens.metrics.engines import Analytics
from cxlens.report import sections_extra
from cxlens.report.labels import DIMENSIONS, QUADRANTS, SECTIONS, TEMPLATES, column, metric_label
from cxlens.report.model import Chart, Finding, Report, ReportTable, Section, Text, fmt
from cxlens.report.period import Period, last_complete_period, parse_period
from cxlens.store import Workspace

__all__ = ["KPIS", "TEMPLATE_NAMES", "build_report", "latest_record", "main_survey"]

#: the KPIs each template reports, in order
KPIS: dict[str, tuple[str, ...]] = {
    "satisfaction": ("nps", "csat", "ces", "csi"),
    "service": (
        "first_response_time",
        "resolution_time",
        "resolution_rate",
        "sla_attainment",
        "fcr",
        "ticket_csat",
        "complaint_rate",
    ),
    "relationship": ("nps", "retention_rate", "churn_rate", "repurchase_rate"),
    "industry": ("nps", "csat", "ces", "first_response_time", "resolution_rate", "complaint_rate"),
}
#: the sections of each template, in the seeds' order (recommendations are rendered before action plans)
LAYOUT: dict[str, tuple[str, ...]] = {
    "satisfaction": ("objective", "method", "kpis", "drivers", "segments", "text", "quality", "action_plans"),
    "service": ("objective", "method", "kpis", "segments", "teams", "text", "action_plans"),
    "relationship": ("objective", "method", "kpis", "quality", "value", "segments", "text", "action_plans"),
    "industry": (
        "objective",
        "method",
        "kpis",
        "drivers",
        "segments",
        "teams",
        "quality",
        "competitors",
        "text",
        "action_plans",
    ),
}
TEMPLATE_NAMES = tuple(LAYOUT)
#: the slices of the segment section: (metric, dimension)
SEGMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "satisfaction": (("nps", "region"), ("nps", "segment")),
    "service": (("ticket_csat", "channel"), ("first_response_time", "channel")),
    "relationship": (("nps", "region"), ("nps", "segment")),
    "industry": (("nps", "region"), ("nps", "segment"), ("nps", "industry")),
}
OBJECTIVES: dict[str, Text] = {
    "satisfaction": Text(
        "衡量{period}客户满意度与忠诚度(NPS、CSAT、CES、CSI),对比目标与上期,识别驱动满意度的关键因素和表现落后的客户群体,形成改进建议。",
        "Measure customer satisfaction and loyalty (NPS, CSAT, CES, CSI) in {period} against targets and the "
        "previous period, find the drivers of satisfaction and the segments falling behind, and recommend actions.",
    ),
    "service": Text(
        "评估{period}客户服务效率与质量(响应、解决、SLA、首次解决、工单满意度、投诉),定位团队与坐席的瓶颈。",
        "Assess service efficiency and quality in {period} (response, resolution, SLA, first-contact resolution, "
        "ticket CSAT, complaints) and locate bottlenecks in teams and agents.",
    ),
    "relationship": Text(
        "评估{period}客户关系质量:满意、响应、解决能力、定制化与忠诚的综合得分及分层,结合客户价值与流失风险。",
        "Assess relationship quality in {period}: the composite of satisfaction, response speed, problem solving, "
        "customisation and loyalty, its tiers, and customer value and loyalty.",
    ),
    "industry": Text(
        "以行业模板汇总{period}客户体验全貌:满意度、驱动因素、服务效率、关系质量与竞争对标。",
        "An industry overview of customer experience in {period}: satisfaction, drivers, service, relationship "
        "quality and competitor benchmarks.",
    ),
}


def build_report(
    ws: Workspace,
    template: str = "satisfaction",
    period: str | Period | None = None,
    *,
    lang: str = "zh",
    survey: str | None = None,
    text_every_themes: int = 8,
) -> Report:
    """Build the ``template`` report of ``period`` (``2026-Q3``, ``2026-07``, ``2026``; default: the last
    complete quarter of the data) in ``lang`` (``zh`` or ``en``), compared with the period before it.

    ``survey`` is the questionnaire for drivers and reliability (default: :func:`main_survey`).
    """
    from cxlens.report.recommendations import recommend

    if template not in LAYOUT:
        raise ValueError(f"unknown report template {template!r}; one of {', '.join(LAYOUT)}")
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be zh or en, not {lang!r}")
    an = Analytics.for_workspace(ws)
    if period is None:
        latest = latest_record(an)
        if latest is None:
            raise ValueError(f"workspace {ws.path} holds no responses, tickets or orders: nothing to report")
        p = last_complete_period(latest, "quarter")
    else:
        p = period if isinstance(period, Period) else parse_period(period)
    code = survey or main_survey(an)
    ctx = Context(ws, an, template, p, p.previous(), lang, code, text_every_themes)
    sections = [BUILDERS[key](ctx) for key in LAYOUT[template]]
    report = Report(
        template=template,
        title=TEMPLATES[template],
        workspace=ws.name if hasattr(ws, "name") else str(ws.path),
        period=p,
        previous=p.previous(),
        lang=lang,
        generated_at=datetime.now(UTC).replace(tzinfo=None),
        sections=sections,
        raw=ctx.raw,
    )
    report.recommendations = recommend(report)
    return report


class Context:
    """What every section builder needs: the workspace, its analytics connection, the periods, the main
    survey, and ``raw`` record-level frames collected for the export's pivot sheet."""

    def __init__(
        self,
        ws: Workspace,
        an: Analytics,
        template: str,
        period: Period,
        previous: Period,
        lang: str,
        survey: str | None,
        n_themes: int,
    ) -> None:
        self.ws, self.an, self.template, self.period, self.previous = ws, an, template, period, previous
        self.lang, self.survey, self.n_themes = lang, survey, n_themes
        self.raw: dict[str, pd.DataFrame] = {}


def latest_record(an: Analytics) -> datetime | None:
    """The newest response, ticket or order time in the workspace (None when there is none)."""
    stamps: list[pd.Timestamp] = []
    for table, column_name in (("responses", "submitted_at"), ("tickets", "created_at"), ("orders", "ordered_at")):
        value = an.execute(an.table(table)[column_name].max())
        if value is not None and not pd.isna(value):
            ts = pd.Timestamp(value)
            stamps.append(ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts)
    if not stamps:
        return None
    latest: datetime = max(stamps).to_pydatetime()
    return latest


def main_survey(an: Analytics) -> str | None:
    """The questionnaire whose drivers the report analyses: of the surveys not about a competitor, the one
    with the most questions grouped into dimensions (ties: the first created). None without such a survey."""
    from cxlens.stats import survey_questions

    surveys = an.execute(an.table("surveys").select("id", "code", "competitor_id")).sort_values("id")
    best, most = None, 0
    for row in surveys.itertuples(index=False):
        if row.competitor_id is not None and not pd.isna(row.competitor_id):
            continue
        q = survey_questions(an, str(row.code))
        dimensional = int(q["dimension"].notna().sum())
        if dimensional > most:
            best, most = str(row.code), dimensional
    return best


# -- metric findings ------------------------------------------------------------------------------------------


def _quiet(fn: Callable[[], pd.DataFrame]) -> pd.DataFrame | None:
    """Run a metric-layer call; no data (an empty result or its UndefinedMetricWarning) or a metric that
    cannot apply to this workspace (ValueError) gives None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            frame = fn()
        except ValueError:
            return None
    return frame if frame is not None and not frame.empty else None


def period_rows(ctx: Context, metric: str, by: Sequence[str] = (), **options: Any) -> pd.DataFrame | None:
    """:func:`cxlens.metrics.compute` over the previous and the report period with ``change=True``; the rows
    of the report period (each with its previous value, change and test)."""
    frame = _quiet(
        lambda: compute(
            ctx.ws,
            metric,
            by=list(by),
            every=ctx.period.every,
            start=ctx.previous.start,
            end=ctx.period.end,
            change=True,
            **options,
        )
    )
    if frame is None:
        return None
    current = frame[pd.to_datetime(frame["period"]) == pd.Timestamp(ctx.period.start)]
    current = current[current["n"] > 0]
    return current.reset_index(drop=True) if not current.empty else None


def _num(row: Any, key: str) -> float | None:
    value = row.get(key) if hasattr(row, "get") else None
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return float(value)


def finding_of(metric: str, row: pd.Series, slice_: dict[str, Any] | None = None) -> Finding:
    """A :class:`Finding` holding one row of :func:`cxlens.metrics.compute` (values copied, not recomputed)."""
    m = get_metric(metric)
    attained = row.get("attained")
    n = row.get("n")
    return Finding(
        key=metric if not slice_ else f"{metric}[{','.join(f'{k}={v}' for k, v in slice_.items())}]",
        label=metric_label(metric),
        value=float(row["value"]),
        unit=m.unit,
        n=int(n) if n is not None and not pd.isna(n) else None,
        ci_low=_num(row, "ci_low"),
        ci_high=_num(row, "ci_high"),
        previous=_num(row, "previous"),
        change=_num(row, "change"),
        p_val=_num(row, "p_val"),
        test=str(row["test"]) if "test" in row and row["test"] != "none" else None,
        target=_num(row, "target"),
        attained=None if attained is None or pd.isna(attained) else bool(attained),
        direction=m.direction,
        slice=dict(slice_ or {}),
        source="cxlens.metrics.compute",
    )


def kpi_table(findings: list[Finding], lang: str) -> pd.DataFrame:
    """The findings as a table (one row each): key, metric (its name in ``lang``), the numbers, unit."""
    return pd.DataFrame(
        [
            {
                "key": f.key,
                "metric": f.label(lang),
                **{k: getattr(f, k) for k in ("value", "n", "ci_low", "ci_high", "previous", "change", "p_val")},
                "target": f.target,
                "attained": f.attained,
                "unit": f.unit,
            }
            for f in findings
        ]
    )


_KPI_COLUMNS = ("metric", "value", "n", "ci_low", "ci_high", "previous", "change", "p_val", "target", "attained")


def _objective(ctx: Context) -> Section:
    text = OBJECTIVES[ctx.template]
    when = Text(ctx.period.label_in("zh"), ctx.period.label_in("en"))
    steps = Text(
        "分析步骤:确定目标 → 设计调查工具 → 数据收集 → 数据分析 → 报告撰写 → 行动改进(对比上期:{prev})。",
        "Steps: objective → instrument → collection → analysis → report → improvement (compared with {prev}).",
    )
    return Section(
        "objective",
        SECTIONS["objective"],
        paragraphs=[
            Text(text.zh.format(period=when.zh), text.en.format(period=when.en)),
            Text(
                steps.zh.format(prev=ctx.previous.label_in("zh")),
                steps.en.format(prev=ctx.previous.label_in("en")),
            ),
        ],
    )


def _kpis(ctx: Context) -> Section:
    section = Section("kpis", SECTIONS["kpis"] if ctx.template != "service" else SECTIONS["service_kpis"])
    for metric in KPIS[ctx.template]:
        options: dict[str, Any] = {"survey": ctx.survey} if metric == "csi" else {}
        if metric == "csi" and not ctx.survey:
            continue
        rows = period_rows(ctx, metric, **options)
        if rows is None:
            continue
        section.findings.append(finding_of(metric, rows.iloc[0]))
    if not section.findings:
        section.absent = Text(
            f"{ctx.period.label_in('zh')}没有可计算的指标数据。", f"No metric has data in {ctx.period.label_in('en')}."
        )
        return section
    table = kpi_table(section.findings, ctx.lang)
    section.tables.append(ReportTable("kpis", section.title, table, {c: column(c) for c in _KPI_COLUMNS}))
    section.charts.append(
        Chart(
            "kpis", Text("本期与上期", "This period and the last"), "pair", "kpis", "metric", "value", label="previous"
        )
    )
    return section


def _segments(ctx: Context) -> Section:
    section = Section("segments", SECTIONS["segments"])
    for metric, dim in SEGMENTS[ctx.template]:
        rows = period_rows(ctx, metric, by=[dim])
        if rows is None:
            continue
        found = [finding_of(metric, r, {dim: r[dim]}) for _, r in rows.iterrows() if not pd.isna(r[dim])]
        section.findings.extend(found)
        frame = kpi_table(found, ctx.lang)
        frame.insert(1, "slice", [str(f.slice[dim]) for f in found])
        key = f"{metric}_by_{dim}"
        title = Text(
            f"{metric_label(metric).zh} · 按{DIMENSIONS[dim].zh}", f"{metric_label(metric).en} by {DIMENSIONS[dim].en}"
        )
        section.tables.append(ReportTable(key, title, frame, {"slice": DIMENSIONS[dim]} | _kpi_cols()))
        section.charts.append(Chart(key, title, "bar", key, "slice", "value", y_label=metric_label(metric)))
    if not section.findings:
        section.absent = Text("本期没有可细分的数据。", "No data to break down in this period.")
    return section


def _kpi_cols() -> dict[str, Text]:
    return {c: column(c) for c in _KPI_COLUMNS if c != "metric"}


def _drivers(ctx: Context) -> Section:
    from cxlens.stats import drivers

    section = Section("drivers", SECTIONS["drivers"])
    if not ctx.survey:
        section.absent = Text(
            "没有按维度分组的问卷,无法做驱动因素分析。", "No survey groups its questions into dimensions."
        )
        return section
    try:
        result = drivers(ctx.an, "overall", survey=ctx.survey, start=ctx.period.start, end=ctx.period.end)
    except ValueError as err:
        section.absent = Text(f"驱动因素分析无法进行:{err}", f"Key-driver analysis could not run: {err}")
        return section
    table = result.table.copy()
    names = _dimension_names(ctx)
    table["driver_label"] = [names.get(d, Text(d, d))(ctx.lang) for d in table["driver"]]
    fit, cuts = result.fit, result.fit["thresholds"]
    table["quadrant_label"] = table["quadrant"].map(lambda q: QUADRANTS[q](ctx.lang))
    section.paragraphs.append(
        Text(
            f"问卷 {ctx.survey},结果变量 overall,n = {fit['n']},R² = {fmt(fit['r2'], 3)},F 检验 p = "
            f"{fit['f_p_val']:.2g};重要性 = LMG 对 R² 的贡献占比(Lindeman, Merenda & Gold 1980),"
            f"分界:重要性 {fmt(cuts['importance'])} %,表现 {fmt(cuts['performance'], 2)}。",
            f"Survey {ctx.survey}, outcome overall, n = {fit['n']}, R² = {fmt(fit['r2'], 3)}, F test p = "
            f"{fit['f_p_val']:.2g}; importance = LMG share of R² (Lindeman, Merenda & Gold 1980); thresholds: "
            f"importance {fmt(cuts['importance'])} %, performance {fmt(cuts['performance'], 2)}.",
        )
    )
    for row in table.to_dict("records"):
        section.findings.append(
            Finding(
                key=f"driver[{row['driver']}]",
                label=names.get(str(row["driver"]), Text(str(row["driver"]), str(row["driver"]))),
                value=float(row["importance"]),
                unit="%",
                n=int(fit["n"]),
                p_val=float(row["r_p_val"]),
                source="cxlens.stats.drivers",
                extra={
                    "rank": int(row["rank"]),
                    "mean": float(row["mean"]),
                    "beta": float(row["beta"]),
                    "quadrant": str(row["quadrant"]),
                    "importance_threshold": float(cuts["importance"]),
                    "performance_threshold": float(cuts["performance"]),
                    "scale_max": _scale_max(ctx, str(row["driver"])),
                },
            )
        )
    cols = {"driver_label": column("driver")} | {c: column(c) for c in ("importance", "rank", "mean", "beta")}
    section.tables.append(ReportTable("drivers", section.title, table, cols | {"quadrant_label": column("quadrant")}))
    section.charts.append(
        Chart(
            "drivers",
            Text("重要性–表现矩阵", "Importance–performance matrix"),
            "quadrant",
            "drivers",
            "importance",
            "mean",
            label="driver_label",
            thresholds=(float(cuts["importance"]), float(cuts["performance"])),
        )
    )
    return section


def _dimension_names(ctx: Context) -> dict[str, Text]:
    """The survey's dimension names in both languages, from its stored definition."""
    from cxlens.surveys.definition import definition_from_survey

    if not ctx.survey:
        return {}
    with ctx.ws.engine.connect() as conn:
        dims = definition_from_survey(conn, ctx.survey).get("dimensions") or []
    out = {}
    for d in dims:
        name = d.get("name") if isinstance(d.get("name"), dict) else {}
        out[str(d["code"])] = Text(str(name.get("zh") or d["code"]), str(name.get("en") or d["code"]))
    return out


def _scale_max(ctx: Context, dimension: str) -> float | None:
    from cxlens.stats import survey_questions

    if not ctx.survey:
        return None
    q = survey_questions(ctx.an, ctx.survey)
    scale = q.loc[q["dimension"] == dimension, "scale_max"]
    return float(scale.max()) if not scale.empty and not pd.isna(scale.max()) else None


def _optional(module: str) -> Any:
    """Import an optional layer (``cxlens.loop`` is built separately): the module, or None if absent."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


BUILDERS: dict[str, Callable[[Context], Section]] = {
    "objective": _objective,
    "method": sections_extra.method,
    "kpis": _kpis,
    "drivers": _drivers,
    "segments": _segments,
    "teams": sections_extra.teams,
    "text": sections_extra.text,
    "quality": sections_extra.quality,
    "value": sections_extra.value,
    "competitors": sections_extra.competitors,
    "action_plans": sections_extra.action_plans,
}
