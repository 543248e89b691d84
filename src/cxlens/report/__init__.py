"""Reports that managers read: HTML, PDF and Excel analysis reports with charts and recommendations, built
from the results the metric, statistics, text, value and quality layers compute; SPSS and Excel exports.

>>> from cxlens.report import parse_period
>>> parse_period("2026-Q3").previous().label
'2026-Q2'
"""

from __future__ import annotations

from cxlens.report.builder import KPIS, TEMPLATE_NAMES, build_report, main_survey
from cxlens.report.model import Chart, Finding, Recommendation, Report, ReportTable, Section, Text
from cxlens.report.period import Period, last_complete_period, parse_period
from cxlens.report.recommendations import recommend

__all__ = [
    "KPIS",
    "TEMPLATE_NAMES",
    "Chart",
    "Finding",
    "Period",
    "Recommendation",
    "Report",
    "ReportTable",
    "Section",
    "Text",
    "build_report",
    "last_complete_period",
    "main_survey",
    "parse_period",
    "recommend",
]
