"""Report periods: ``2026-W27`` (an ISO week, Monday to Sunday), ``2026-07`` (a month), ``2026-Q3`` (a
quarter) or ``2026`` (a year), and the period
before it, for the "vs last period" comparison of every finding.

A period is the half-open UTC interval ``[start, end)``; the previous period is the one of the same length
just before it (2026-Q3 → 2026-Q2, 2026-01 → 2025-12, 2026 → 2025).

>>> p = parse_period("2026-Q3")
>>> p.start.isoformat(), p.end.isoformat(), p.previous().label
('2026-07-01T00:00:00', '2026-10-01T00:00:00', '2026-Q2')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

__all__ = ["Period", "last_complete_period", "parse_period"]

_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})$")


@dataclass(frozen=True)
class Period:
    """One ISO week, calendar month, quarter or year: ``every`` is ``week``, ``month``, ``quarter`` or
    ``year`` (the bucket names
    of :func:`cxlens.metrics.compute`), ``start``/``end`` naive UTC datetimes, ``end`` exclusive."""

    every: str
    start: datetime

    @property
    def end(self) -> datetime:
        return self._shift(1)

    @property
    def label(self) -> str:
        if self.every == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.every == "year":
            return f"{self.start.year}"
        if self.every == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    def label_in(self, lang: str) -> str:
        """The label written for readers: ``2026年第3季度`` / ``2026 Q3``."""
        y, m = self.start.year, self.start.month
        if self.every == "week":
            end = self.end - timedelta(days=1)
            return f"{self.label}({self.start:%m-%d}–{end:%m-%d})" if lang == "zh" else f"week {self.label}"
        if self.every == "year":
            return f"{y}年" if lang == "zh" else f"{y}"
        if self.every == "quarter":
            q = (m - 1) // 3 + 1
            return f"{y}年第{q}季度" if lang == "zh" else f"{y} Q{q}"
        return f"{y}年{m}月" if lang == "zh" else f"{pd.Timestamp(self.start):%B %Y}"

    def previous(self) -> Period:
        return Period(self.every, self._shift(-1))

    def _shift(self, k: int) -> datetime:
        if self.every == "week":
            return self.start + timedelta(days=7 * k)
        months = {"month": 1, "quarter": 3, "year": 12}[self.every] * k
        total = self.start.year * 12 + self.start.month - 1 + months
        return datetime(total // 12, total % 12 + 1, 1)

    def __str__(self) -> str:
        return self.label


def parse_period(text: str) -> Period:
    """Parse ``YYYY-Www``, ``YYYY-MM``, ``YYYY-Qn`` (also ``YYYYQn``) or ``YYYY``; raise ``ValueError``
    otherwise."""
    value = str(text).strip()
    if m := _WEEK.match(value):
        try:
            return Period("week", datetime.fromisocalendar(int(m[1]), int(m[2]), 1))
        except ValueError as err:
            raise ValueError(f"period {text!r}: {err}") from err
    if m := _QUARTER.match(value):
        return Period("quarter", datetime(int(m[1]), 3 * int(m[2]) - 2, 1))
    if m := _MONTH.match(value):
        month = int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(f"period {text!r}: month {month} is not 1–12")
        return Period("month", datetime(int(m[1]), month, 1))
    if m := _YEAR.match(value):
        return Period("year", datetime(int(m[1]), 1, 1))
    raise ValueError(
        f"period {text!r} is not a week (2026-W27), a month (2026-07), a quarter (2026-Q3) or a year (2026)"
    )


def last_complete_period(latest: datetime, every: str = "quarter") -> Period:
    """The last whole ``every`` that ends at or before ``latest`` (the newest record's time), so a default
    report never describes a half-filled period."""
    if every not in ("week", "month", "quarter", "year"):
        raise ValueError(f"every must be week, month, quarter or year, not {every!r}")
    ts = pd.Timestamp(latest)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    if every == "week":
        monday = (ts.normalize() - pd.Timedelta(days=ts.weekday())).to_pydatetime()
        week = Period("week", monday)
        return week if week.end <= ts.to_pydatetime() + pd.Timedelta(seconds=1) else week.previous()
    month = {"month": ts.month, "quarter": 3 * ((ts.month - 1) // 3) + 1, "year": 1}[every]
    current = Period(every, datetime(ts.year, month, 1))
    return current if current.end <= ts.to_pydatetime() + pd.Timedelta(seconds=1) else current.previous()
