"""The report model: an ordered list of sections, each holding findings (numbers with n / CI / p where the
layer that computed them gives one), tables and chart specifications; plus the recommendations derived
from the findings. Every renderer (HTML, PDF, XLSX) draws the same :class:`Report`.

Texts that readers see are bilingual: a :class:`Text` holds the Chinese and the English wording, and the
renderer picks ``report.lang``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from cxlens.report.period import Period

__all__ = ["Chart", "Finding", "Recommendation", "Report", "ReportTable", "Section", "Text", "fmt"]


@dataclass(frozen=True)
class Text:
    """One wording in Chinese and in English."""

    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass
class Finding:
    """One number the report states: ``value`` of ``metric`` for ``slice`` (e.g. ``{"region": "华南"}``)
    in the report period, with ``n``, its interval, the previous period's value, the change and the test's
    ``p_val`` (None where the computing layer gives none), the target and ``attained``; ``direction`` is
    ``higher`` or ``lower`` (which way is better); ``source`` names the library function that computed it."""

    key: str
    label: Text
    value: float
    unit: str = ""
    n: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    previous: float | None = None
    change: float | None = None
    p_val: float | None = None
    test: str | None = None
    target: float | None = None
    attained: bool | None = None
    direction: str = "higher"
    slice: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def significant(self) -> bool:
        return self.p_val is not None and not math.isnan(self.p_val) and self.p_val < 0.05

    @property
    def worse(self) -> bool:
        """The change goes the wrong way (down for higher-is-better metrics)."""
        if self.change is None or math.isnan(self.change):
            return False
        return self.change < 0 if self.direction == "higher" else self.change > 0

    def to_dict(self) -> dict[str, Any]:
        out = {k: _plain(v) for k, v in vars(self).items() if k != "label"}
        out["label_zh"], out["label_en"] = self.label.zh, self.label.en
        return out


@dataclass
class ReportTable:
    """A table of the report: ``frame`` holds the layer's result (tidy, raw numbers); ``columns`` maps the
    columns to show to their bilingual headers (in that order)."""

    key: str
    title: Text
    frame: pd.DataFrame
    columns: dict[str, Text]

    def shown(self, lang: str) -> pd.DataFrame:
        frame = self.frame[[c for c in self.columns if c in self.frame.columns]].copy()
        return frame.rename(columns={c: t(lang) for c, t in self.columns.items()})


@dataclass
class Chart:
    """What to draw: ``kind`` is ``bar`` (one value per category), ``line`` (a series over periods),
    ``quadrant`` (importance × performance scatter with the two thresholds) or ``stacked`` (shares);
    ``table`` names the :class:`ReportTable` whose columns ``x`` / ``y`` hold the data."""

    key: str
    title: Text
    kind: str
    table: str
    x: str
    y: str
    label: str | None = None
    thresholds: tuple[float, float] | None = None
    y_label: Text | None = None


@dataclass
class Section:
    """One part of the report, in the seeds' order: objective, method, findings …, action plans.
    ``absent`` says why a section has no content (a layer not installed, no data in the period)."""

    key: str
    title: Text
    paragraphs: list[Text] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    absent: Text | None = None

    def table(self, key: str) -> ReportTable:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(f"section {self.key!r} has no table {key!r}")


@dataclass(frozen=True)
class Recommendation:
    """A recommendation produced by one explicit ``rule`` from findings; ``evidence`` holds the numbers it
    cites (the same numbers as in ``text``); ``priority`` 1 is the most urgent."""

    rule: str
    priority: int
    section: str
    text: Text
    evidence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "priority": self.priority,
            "section": self.section,
            "text_zh": self.text.zh,
            "text_en": self.text.en,
            "evidence": {k: _plain(v) for k, v in self.evidence.items()},
        }


@dataclass
class Report:
    """A built report: ``template``, the ``period`` and the ``previous`` one, ``lang``, the sections and
    the recommendations; ``raw`` holds record-level frames for pivot-ready export sheets."""

    template: str
    title: Text
    workspace: str
    period: Period
    previous: Period
    lang: str
    generated_at: datetime
    sections: list[Section]
    recommendations: list[Recommendation] = field(default_factory=list)
    raw: dict[str, pd.DataFrame] = field(default_factory=dict)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(f"the report has no section {key!r}; it has {', '.join(s.key for s in self.sections)}")

    def findings(self) -> list[Finding]:
        return [f for s in self.sections for f in s.findings]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every finding, table (records) and recommendation."""
        return {
            "template": self.template,
            "workspace": self.workspace,
            "period": self.period.label,
            "previous": self.previous.label,
            "lang": self.lang,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "sections": [
                {
                    "key": s.key,
                    "title": s.title(self.lang),
                    "absent": s.absent(self.lang) if s.absent else None,
                    "findings": [f.to_dict() for f in s.findings],
                    "tables": {t.key: _records(t.frame) for t in s.tables},
                }
                for s in self.sections
            ],
            "recommendations": [r.to_dict() for r in self.recommendations],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def fmt(value: Any, digits: int = 1) -> str:
    """A number as the report writes it: thousands separators, ``digits`` decimals, "—" for missing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "—"
    return f"{x:,.{digits}f}"
