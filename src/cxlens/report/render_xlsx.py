"""A report as an Excel workbook (openpyxl): a summary sheet (period, key figures, recommendations), one sheet
per table with a native Excel chart (``openpyxl.chart``) next to it where the report draws one, a
pivot-ready ``data`` sheet (every finding, one row each, as an Excel table) and the period's raw responses.

Cells are written as values, never as formulas: every text goes through the shared
:func:`cxlens.export.neutralise` (a text starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or
their full-width forms gets a leading ``'``; OWASP "CSV injection", CWE-1236), so a customer comment such as
``=HYPERLINK(...)`` shows as text.
"""

from __future__ import annotations

import io
import math
from datetime import datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from cxlens.export import FORMULA_PREFIXES, neutralise
from cxlens.report.labels import SECTIONS
from cxlens.report.model import Chart, Report, ReportTable

__all__ = ["FORMULA_PREFIXES", "render_xlsx", "safe_cell", "sheet_name"]
_HEAD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="EEF2F9")


def safe_cell(value: Any) -> Any:
    """A value ready for a cell: numbers stay numbers, missing becomes empty, timestamps become naive
    datetimes, lists are joined, and text goes through :func:`cxlens.export.neutralise`."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else value
    if hasattr(value, "item") and not isinstance(value, str):
        return safe_cell(value.item())
    if isinstance(value, pd.Timestamp | datetime):
        ts = pd.Timestamp(value)
        return (ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo else ts).to_pydatetime()
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    if value is pd.NA or value is pd.NaT:
        return None
    return neutralise(str(value))


def sheet_name(wanted: str, taken: set[str]) -> str:
    """An Excel-legal, unique sheet name (≤ 31 characters, no ``[]:*?/\\``)."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in wanted)[:31]
    name, i = clean, 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f"~{i}"
        name, i = clean[: 31 - len(suffix)] + suffix, i + 1
    taken.add(name)
    return name


def _write(ws: Worksheet, frame: pd.DataFrame, headers: list[str], row: int = 1) -> None:
    for j, h in enumerate(headers, 1):
        c = ws.cell(row=row, column=j, value=safe_cell(h))
        c.font, c.fill = _HEAD, _FILL
    for i, rec in enumerate(frame.itertuples(index=False), row + 1):
        for j, v in enumerate(rec, 1):
            ws.cell(row=i, column=j, value=safe_cell(v))
    for j, h in enumerate(headers, 1):
        ws.column_dimensions[get_column_letter(j)].width = max(10, min(40, len(str(h)) * 2 + 2))


def _summary(wb: Workbook, report: Report, taken: set[str]) -> None:
    lang = report.lang
    ws = wb.active
    assert ws is not None
    ws.title = sheet_name("摘要" if lang == "zh" else "Summary", taken)
    ws["A1"] = report.title(lang)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"{report.period.label_in(lang)} · {'对比' if lang == 'zh' else 'vs'} {report.previous.label_in(lang)}"
    ws["A3"] = f"{report.workspace} · {report.generated_at:%Y-%m-%d %H:%M} UTC"
    ws["A5"] = SECTIONS["recommendations"](lang)
    ws["A5"].font = _HEAD
    for i, r in enumerate(report.recommendations, 6):
        ws.cell(row=i, column=1, value=r.priority)
        ws.cell(row=i, column=2, value=safe_cell(r.rule))
        ws.cell(row=i, column=3, value=safe_cell(r.text(lang)))
    ws.column_dimensions["C"].width = 120


def _chart(ws: Worksheet, chart: Chart, table: ReportTable, keys: list[str], n: int, lang: str) -> None:
    if n == 0 or chart.x not in keys or chart.y not in keys:
        return
    xcol, ycol = keys.index(chart.x) + 1, keys.index(chart.y) + 1
    if chart.kind == "quadrant":
        sc = ScatterChart()
        sc.style, sc.title = 13, chart.title(lang)
        sc.x_axis.title, sc.y_axis.title = table.columns[chart.x](lang), table.columns[chart.y](lang)
        series = Series(
            Reference(ws, min_col=ycol, min_row=2, max_row=n + 1),
            Reference(ws, min_col=xcol, min_row=2, max_row=n + 1),
            title=chart.title(lang),
        )
        series.marker.symbol, series.graphicalProperties.line.noFill = "circle", True
        sc.series.append(series)
        ws.add_chart(sc, f"{get_column_letter(len(keys) + 2)}2")
        return
    bar = BarChart()
    bar.type, bar.title = ("bar" if chart.kind == "pair" else "col"), chart.title(lang)
    cols = [ycol] + ([keys.index(chart.label) + 1] if chart.kind == "pair" and chart.label in keys else [])
    for col in cols:
        bar.add_data(Reference(ws, min_col=col, min_row=1, max_row=n + 1), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=xcol, min_row=2, max_row=n + 1))
    bar.width, bar.height = 18, 8
    ws.add_chart(bar, f"{get_column_letter(len(keys) + 2)}2")


def render_xlsx(report: Report) -> bytes:
    """The report as ``.xlsx`` bytes (see the module docstring for the sheets)."""
    lang = report.lang
    wb = Workbook()
    taken: set[str] = set()
    _summary(wb, report, taken)
    for s in report.sections:
        charts = {c.table: c for c in s.charts}
        for t in s.tables:
            keys = list(t.frame.columns)
            if charts.get(t.key) is not None and charts[t.key].x in t.columns:
                keys = [k for k in t.columns if k in t.frame.columns]
                keys += [
                    c for c in (charts[t.key].y, charts[t.key].label) if c and c in t.frame.columns and c not in keys
                ]
            else:
                keys = [k for k in t.columns if k in t.frame.columns]
            ws = wb.create_sheet(sheet_name(f"{s.key}.{t.key}", taken))
            headers = [t.columns[k](lang) if k in t.columns else k for k in keys]
            _write(ws, t.frame[keys], headers)
            if t.key in charts:
                _chart(ws, charts[t.key], t, keys, len(t.frame), lang)
    _data_sheet(wb, report, taken)
    for name, frame in report.raw.items():
        ws = wb.create_sheet(sheet_name(name, taken))
        _write(ws, frame, [str(c) for c in frame.columns])
        _as_table(ws, f"raw_{len(taken)}", len(frame.columns), len(frame))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_DATA_COLS = ["section", "key", "metric", "slice_dimension", "slice_value", "value", "unit", "n", "ci_low", "ci_high"]
_DATA_COLS += ["previous", "change", "p_val", "target", "attained", "source"]


def _data_sheet(wb: Workbook, report: Report, taken: set[str]) -> None:
    rows = []
    for s in report.sections:
        for f in s.findings:
            (dim, val) = next(iter(f.slice.items())) if f.slice else (None, None)
            rows.append(
                [s.key, f.key, f.label(report.lang), dim, val, f.value, f.unit, f.n, f.ci_low, f.ci_high]
                + [f.previous, f.change, f.p_val, f.target, f.attained, f.source]
            )
    ws = wb.create_sheet(sheet_name("data", taken))
    _write(ws, pd.DataFrame(rows, columns=_DATA_COLS), _DATA_COLS)
    _as_table(ws, "findings", len(_DATA_COLS), len(rows))


def _as_table(ws: Worksheet, name: str, ncols: int, nrows: int) -> None:
    """Mark the block as an Excel table: PivotTables and filters pick up its range and headers."""
    if nrows == 0 or ncols == 0:
        return
    ref = f"A1:{get_column_letter(ncols)}{nrows + 1}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
