"""A report as PDF, laid out with reportlab's platypus, the CJK font embedded (subset), charts as PNG.

Why reportlab: it installs from PyPI alone (pure Python plus a small C accelerator), runs offline, needs no
browser and no system library, and embeds a TrueType CJK font so the PDF shows Chinese on any reader. The
alternatives were weighed: headless Chromium's print-to-PDF renders the HTML faithfully but needs Debian's
``chromium`` (~300 MB) and a subprocess per report; WeasyPrint needs Pango/Cairo system libraries. The one
constraint of reportlab — it embeds TrueType outlines only — is met by WenQuanYi Micro Hei (Debian
``fonts-wqy-microhei``, 5 MB); Noto Sans CJK's CFF outlines are not accepted, and the error says so.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from cxlens.report.charts import MissingFontError, cjk_font, render_chart
from cxlens.report.labels import SECTIONS
from cxlens.report.model import Report, Section
from cxlens.report.render_html import table_rows

__all__ = ["render_pdf"]

_FONT = "CXLensCJK"


@lru_cache(maxsize=1)
def _register_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    family, path = cjk_font()
    try:
        pdfmetrics.registerFont(TTFont(_FONT, str(path), subfontIndex=0))
    except TTFError as err:
        raise MissingFontError(
            f"the CJK font {family} ({path}) cannot be embedded in a PDF ({err}); install the Debian package "
            "fonts-wqy-microhei, whose TrueType outlines reportlab embeds"
        ) from err
    return _FONT


def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    font = _register_font()
    out = {}
    for name, size, lead in (
        ("title", 18, 24),
        ("h2", 13, 18),
        ("h3", 10.5, 14),
        ("body", 9.5, 14),
        ("cell", 7.5, 9.5),
    ):
        out[name] = ParagraphStyle(
            name, parent=base["Normal"], fontName=font, fontSize=size, leading=lead, wordWrap="CJK", spaceAfter=4
        )
    out["h2"].textColor = out["title"].textColor = "#2f6db5"
    out["h2"].keepWithNext = out["h3"].keepWithNext = True  # no heading alone at the foot of a page
    return out


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(report: Report, s: Section, st: dict[str, Any]) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, Paragraph, Spacer, Table, TableStyle

    lang = report.lang
    flow: list[Any] = [Paragraph(_esc(s.title(lang)), st["h2"])]
    if s.absent:
        flow.append(Paragraph(_esc(s.absent(lang)), st["body"]))
    flow += [Paragraph(_esc(p(lang)), st["body"]) for p in s.paragraphs]
    tables = {t.key: t for t in s.tables}
    for c in s.charts:
        if c.table in tables:
            png = render_chart(report, c, tables[c.table], "png", dpi=120)
            flow.append(Image(io.BytesIO(png), width=16 * cm, height=8 * cm))
    for t in s.tables:
        headers, rows = table_rows(t, lang)
        data = [[Paragraph(_esc(h), st["cell"]) for h in headers]]
        data += [[Paragraph(_esc(v[:160]), st["cell"]) for v in row] for row in rows[:40]]
        table = Table(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#ccccdd")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f9")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        flow += [Paragraph(_esc(t.title(lang)), st["h3"]), table, Spacer(1, 6)]
    return flow


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes (A4) in ``report.lang``, with the CJK font embedded."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate

    st = _styles()
    lang = report.lang
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=1.8 * cm,
        rightMargin=1.8 * cm,
        topMargin=1.6 * cm,
        bottomMargin=1.6 * cm,
        title=f"{report.title(lang)} {report.period.label}",
        author="cxlens",
    )
    period = f"{report.period.label_in(lang)} · {'对比' if lang == 'zh' else 'vs'} {report.previous.label_in(lang)}"
    flow: list[Any] = [Paragraph(_esc(report.title(lang)), st["title"]), Paragraph(_esc(period), st["body"])]
    recs_done = False
    for s in report.sections:
        if s.key == "action_plans":
            flow += _recommendations(report, st, ListFlowable, ListItem, Paragraph)
            recs_done = True
        flow += _section(report, s, st)
    if not recs_done:
        flow += _recommendations(report, st, ListFlowable, ListItem, Paragraph)
    doc.build(flow)
    return buf.getvalue()


def _recommendations(report: Report, st: dict[str, Any], lf: Any, li: Any, para: Any) -> list[Any]:
    lang = report.lang
    head = para(_esc(SECTIONS["recommendations"](lang)), st["h2"])
    if not report.recommendations:
        none = "本期没有规则触发的建议。" if lang == "zh" else "No rule produced a recommendation for this period."
        return [head, para(none, st["body"])]
    items = [li(para(_esc(r.text(lang)), st["body"])) for r in report.recommendations]
    return [head, lf(items, bulletType="1", bulletFontName=_FONT, bulletFontSize=9)]
