"""Every template renders to HTML, PDF and XLSX; the PDF carries Chinese text as text and as glyphs."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from openpyxl import load_workbook

from cxlens.report import Report
from cxlens.report.builder import LAYOUT
from cxlens.report.charts import cjk_font
from cxlens.report.render_html import render_html
from cxlens.report.render_pdf import render_pdf
from cxlens.report.render_xlsx import render_xlsx, safe_cell, sheet_name

TEMPLATES = list(LAYOUT)


@pytest.mark.parametrize("template", TEMPLATES)
def test_html_is_self_contained(reports: dict[tuple[str, str], Report], template: str) -> None:
    report = reports[(template, "zh")]
    html = render_html(report)
    assert "<svg" in html  # charts inline
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "no CDN or remote file"
    assert "<script" not in html
    for s in report.sections:
        assert s.title("zh") in html
    assert "改进建议" in html
    nps = {f.key: f for f in report.section("kpis").findings}.get("nps")
    if nps is not None:
        assert f"{nps.value:,.2f}" in html  # the KPI table shows the metric layer's value


@pytest.mark.parametrize("template", TEMPLATES)
def test_pdf_text_has_chinese_headings_and_numbers(reports: dict[tuple[str, str], Report], template: str) -> None:
    from pypdf import PdfReader

    report = reports[(template, "zh")]
    pdf = render_pdf(report)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert report.title("zh") in text
    assert "一、分析目标" in text and "改进建议" in text
    compact = re.sub(r"\s+", "", text)
    for f in report.section("kpis").findings[:3]:
        assert f"{f.value:,.2f}" in compact, f.key
    for r in report.recommendations[:3]:
        assert re.sub(r"\s+", "", r.text("zh"))[:12] in compact


def test_pdf_page_shows_cjk_glyphs(reports: dict[tuple[str, str], Report]) -> None:
    """Render page 1 with PDFium and look at the pixels where the title's characters are.

    Extracted text alone would pass with a font that lacks the glyphs (the text layer still maps to the
    right code points while the page shows empty or "tofu" boxes). So: (1) the page is not blank; (2) each
    character box of the title 客户满意度分析报告 has ink; (3) distinct characters draw distinct pixels —
    a missing-glyph box would look the same for every character; (4) the embedded font is the CJK font."""
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    report = reports[("satisfaction", "zh")]
    data = render_pdf(report)
    fonts = {
        str(f.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(data)).pages
        for f in page["/Resources"]["/Font"].values()
    }
    family = cjk_font()[0].replace(" ", "")  # e.g. WenQuanYiMicroHei, embedded as a subset (ABCDEF+…)
    assert any(family in f for f in fonts), fonts
    doc = pdfium.PdfDocument(data)
    page, scale = doc[0], 3.0
    image = np.asarray(page.render(scale=scale).to_pil().convert("L"), dtype=float)
    assert (image < 128).mean() > 0.005, "page 1 is blank"
    text = page.get_textpage()
    title = report.title("zh")
    found = text.search(title).get_next()
    assert found is not None, "the title is not on page 1"
    height = page.get_size()[1]
    crops = []
    for i in range(found[0], found[0] + len(title)):
        left, bottom, right, top = text.get_charbox(i)
        crop = image[
            int((height - top) * scale) : int((height - bottom) * scale), int(left * scale) : int(right * scale)
        ]
        assert crop.size and (crop < 128).mean() > 0.05, f"no ink where {title[i - found[0]]} should be"
        crops.append(crop)
    shapes = {c.shape for c in crops}
    same = [c for c in crops if c.shape == crops[0].shape]
    distinct = {c.tobytes() for c in same}
    assert len(distinct) == len(same) or len(shapes) > 1, "every character draws the same box: glyphs missing"


@pytest.mark.parametrize("template", TEMPLATES)
def test_xlsx_has_sheets_native_charts_and_data(reports: dict[tuple[str, str], Report], template: str) -> None:
    report = reports[(template, "zh")]
    wb = load_workbook(io.BytesIO(render_xlsx(report)))
    names = wb.sheetnames
    assert names[0] == "摘要" and "data" in names
    for s in report.sections:
        for t in s.tables:
            assert any(n.startswith(f"{s.key}.{t.key}"[:31]) for n in names), (s.key, t.key)
    assert any(ws._charts for ws in wb.worksheets), "a native Excel chart"
    data = wb["data"]
    assert "findings" in data.tables  # an Excel table: PivotTables take its range and headers
    header = [c.value for c in data[1]]
    assert header[:6] == ["section", "key", "metric", "slice_dimension", "slice_value", "value"]
    assert data.max_row == 1 + len(report.findings())
    kpis = wb["kpis.kpis"]
    values = [row[1] for row in kpis.iter_rows(min_row=2, values_only=True)]
    assert values == pytest.approx([f.value for f in report.section("kpis").findings])


def test_xlsx_raw_responses_are_pivot_ready(reports: dict[tuple[str, str], Report]) -> None:
    report = reports[("satisfaction", "zh")]
    wb = load_workbook(io.BytesIO(render_xlsx(report)))
    raw = wb["responses_satisfaction_2025"]
    assert [c.value for c in raw[1]][:3] == ["response_id", "customer_id", "submitted_at"]
    assert raw.max_row - 1 == len(report.raw["responses_satisfaction_2025"])
    assert raw.tables


def test_formula_injection_is_neutralised() -> None:
    for bad in ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "＝1+1"):
        assert safe_cell(bad) == "'" + bad
    assert safe_cell("好评") == "好评" and safe_cell(-2.5) == -2.5 and safe_cell(float("nan")) is None


def test_sheet_names_are_legal_and_unique() -> None:
    taken: set[str] = set()
    a = sheet_name("segments.first_response_time_by_channel", taken)
    b = sheet_name("segments.first_response_time_by_channel", taken)
    assert len(a) <= 31 and len(b) <= 31 and a != b
    assert "/" not in sheet_name("a/b", taken)


def test_english_report_renders(reports: dict[tuple[str, str], Report]) -> None:
    html = render_html(reports[("satisfaction", "en")])
    assert "Recommendations" in html and "1. Objective" in html
