"""A report as one self-contained HTML file: inline CSS, charts embedded as inline SVG (glyphs drawn as
outlines), no script, no CDN, no external file — it opens offline and can be e-mailed as is."""

from __future__ import annotations

from typing import Any

import jinja2
import pandas as pd

from cxlens.report.charts import render_chart
from cxlens.report.labels import SECTIONS
from cxlens.report.model import Report, ReportTable, fmt

__all__ = ["cell", "render_html", "table_rows"]

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("cxlens.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

_META = {
    "zh": {
        "period": "报告期",
        "previous": "对比期",
        "generated": "生成时间",
        "workspace": "工作区",
        "none": "本期没有规则触发的建议。",
        "absent": "本节省略",
    },
    "en": {
        "period": "Period",
        "previous": "Compared with",
        "generated": "Generated",
        "workspace": "Workspace",
        "none": "No rule produced a recommendation for this period.",
        "absent": "Section omitted",
    },
}
_DIGITS = {"p_val": 3, "mean": 2, "beta": 3, "alpha": 3, "ci_low": 2, "ci_high": 2, "value": 2, "previous": 2}


def cell(column: str, value: Any, lang: str) -> str:
    """One table cell as the report writes it (p-values to 3 decimals, booleans as ✓/✗, dates as days)."""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    if column == "p_val":
        return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"
    if column == "rate" and isinstance(value, float):
        return f"{100 * value:.1f} %"
    if isinstance(value, float):
        return fmt(value, _DIGITS.get(column, 1))
    return fmt(value) if isinstance(value, int) else str(value)


def table_rows(table: ReportTable, lang: str) -> tuple[list[str], list[list[str]]]:
    """(headers, rows of formatted cells) of ``table`` in ``lang``."""
    keys = [c for c in table.columns if c in table.frame.columns]
    headers = [table.columns[k](lang) for k in keys]
    rows = [[cell(k, row[k], lang) for k in keys] for row in table.frame.to_dict("records")]
    return headers, rows


def render_html(report: Report) -> str:
    """The report as a self-contained HTML page in ``report.lang``."""
    lang = report.lang
    sections = []
    for s in report.sections:
        tables = {t.key: t for t in s.tables}
        charts = [
            render_chart(report, c, tables[c.table], "svg").decode("utf-8") for c in s.charts if c.table in tables
        ]
        charts = [c[c.index("<svg") :] for c in charts]  # drop the XML prolog: inline in the page
        sections.append(
            {
                "key": s.key,
                "title": s.title(lang),
                "paragraphs": [p(lang) for p in s.paragraphs],
                "absent": s.absent(lang) if s.absent else None,
                "tables": [
                    {"title": t.title(lang), **dict(zip(("headers", "rows"), table_rows(t, lang), strict=True))}
                    for t in s.tables
                ],
                "charts": charts,
            }
        )
    recs_at = next((i for i, s in enumerate(sections) if s["key"] == "action_plans"), len(sections))
    return _ENV.get_template("report.html.j2").render(
        lang=lang,
        title=report.title(lang),
        meta=_META[lang],
        period=report.period.label_in(lang),
        previous=report.previous.label_in(lang),
        generated=f"{report.generated_at:%Y-%m-%d %H:%M} UTC",
        workspace=report.workspace,
        before=sections[:recs_at],
        after=sections[recs_at:],
        recommendations_title=SECTIONS["recommendations"](lang),
        recommendations=[
            {"priority": r.priority, "rule": r.rule, "text": r.text(lang)} for r in report.recommendations
        ],
    )
