"""What the dashboard pages share: the selection read from the filter form, asking the metric layer for a
KPI (``cxlens.metrics.compute``), and turning its tidy result into cards, chart specs and table rows.

Nothing here computes a statistic: values, n, intervals, changes and their tests all come from
``compute``; this module only chooses what to ask and lays the answer out.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Annotated, Any

import pandas as pd
from fastapi import Query

from cxlens.exceptions import UndefinedMetricWarning
from cxlens.metrics import PERIODS, compute, get_metric
from cxlens.metrics.sources import DIMENSIONS
from cxlens.store import Workspace

_log = logging.getLogger("cxlens.web")

__all__ = ["FILTER_DIMS", "Selection", "kpi", "period_label", "safe_kpi", "records", "selection", "sliced", "spec_line"]

#: the dimensions the filter form offers (each applies to the metrics whose source has it)
FILTER_DIMS = ("segment", "region", "channel")


@dataclass(frozen=True)
class Selection:
    """The reader's choice: period length, time range, filters and an optional slice dimension."""

    every: str = "month"
    start: date | None = None
    end: date | None = None
    filters: dict[str, str] = field(default_factory=dict)
    by: str | None = None

    @property
    def start_at(self) -> datetime | None:
        return datetime.combine(self.start, time()) if self.start else None

    @property
    def end_at(self) -> datetime | None:
        return datetime.combine(self.end, time()) if self.end else None

    def query(self, **extra: str) -> str:
        """This selection as a query string (for CSV links and forms)."""
        from urllib.parse import urlencode

        items: dict[str, str] = {"every": self.every}
        if self.start:
            items["start"] = self.start.isoformat()
        if self.end:
            items["end"] = self.end.isoformat()
        items.update(self.filters)
        if self.by:
            items["by"] = self.by
        items.update(extra)
        return urlencode(items)


def selection(
    every: Annotated[str, Query(pattern="^(day|week|month|quarter|year)$")] = "month",
    start: date | None = None,
    end: date | None = None,
    segment: Annotated[str | None, Query(max_length=200)] = None,
    region: Annotated[str | None, Query(max_length=200)] = None,
    channel: Annotated[str | None, Query(max_length=200)] = None,
    by: Annotated[str | None, Query(max_length=40)] = None,
) -> Selection:
    """The dependency reading a :class:`Selection` from the query string (invalid values → 422)."""
    if start and end and end <= start:
        raise ValueError("the end date must come after the start date")
    chosen = {k: v for k, v in {"segment": segment, "region": region, "channel": channel}.items() if v}
    return Selection(every, start, end, chosen, by or None)


def _applicable(metric: str, sel: Selection) -> tuple[dict[str, str], list[str]]:
    dims = DIMENSIONS[get_metric(metric).source]
    used = {k: v for k, v in sel.filters.items() if k in dims}
    return used, sorted(set(sel.filters) - set(used))


def ask(
    ws: Workspace,
    metric: str,
    sel: Selection,
    *,
    every: bool,
    by: list[str] | None = None,
    change: bool = False,
    **options: Any,
) -> tuple[pd.DataFrame, list[str]]:
    """``compute`` with the selection's filters that apply to ``metric``; returns the frame and the names of
    the filters that do not apply (and were left out). An empty selection gives NaN, not a warning."""
    filters, ignored = _applicable(metric, sel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        frame = compute(
            ws,
            metric,
            by=by or (),
            every=sel.every if every else None,
            start=sel.start_at,
            end=sel.end_at,
            filters=filters,
            change=change,
            **options,
        )
    return frame, ignored


def period_label(value: Any, every: str) -> str:
    stamp = pd.Timestamp(value)
    if every == "year":
        return f"{stamp.year}"
    if every == "quarter":
        return f"{stamp.year}Q{stamp.quarter}"
    if every == "month":
        return f"{stamp.year}-{stamp.month:02d}"
    return f"{stamp.year}-{stamp.month:02d}-{stamp.day:02d}"


def _num(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def records(frame: pd.DataFrame, every: str | None = None) -> list[dict[str, Any]]:
    """The frame's rows as plain dicts (NaN → None, periods as labels) for tables and JSON."""
    rows: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if key == "period" and every:
                clean[key] = period_label(value, every)
            elif isinstance(value, pd.Timestamp):
                clean[key] = value.to_pydatetime()
            elif value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                clean[key] = None
            elif hasattr(value, "item"):
                clean[key] = value.item()
            else:
                clean[key] = value
        rows.append(clean)
    return rows


def spec_line(frame: pd.DataFrame, every: str, name: str, unit: str) -> dict[str, Any]:
    """A line chart with its 95 % band from a per-period result."""
    return {
        "kind": "line",
        "unit": unit,
        "x": [period_label(p, every) for p in frame["period"]],
        "series": [
            {
                "name": name,
                "data": [_num(v) for v in frame["value"]],
                "low": [_num(v) for v in frame["ci_low"]],
                "high": [_num(v) for v in frame["ci_high"]],
            }
        ],
    }


def spec_bars(frame: pd.DataFrame, key: str, name: str, unit: str, horizontal: bool = True) -> dict[str, Any]:
    """Bars with 95 % error bars, one per slice."""
    return {
        "kind": "bar",
        "unit": unit,
        "horizontal": horizontal,
        "categories": [str(v) for v in frame[key]],
        "series": [
            {
                "name": name,
                "data": [_num(v) for v in frame["value"]],
                "low": [_num(v) for v in frame["ci_low"]],
                "high": [_num(v) for v in frame["ci_high"]],
            }
        ],
    }


@dataclass
class Kpi:
    """One KPI card and its trend: the latest period's value with n, interval, change and target."""

    metric: str
    unit: str
    direction: str
    period: str | None
    value: float | None
    n: int
    ci_low: float | None
    ci_high: float | None
    change: float | None
    p_val: float | None
    significant: bool | None
    target: float | None
    attained: bool | None
    ignored: list[str]
    trend: dict[str, Any]
    rows: list[dict[str, Any]]
    error: str | None = None


def safe_kpi(ws: Workspace, metric: str, sel: Selection) -> Kpi:
    """:func:`kpi`, or a card saying why it could not be computed (logged), so one failing KPI does not take
    the whole dashboard down."""
    try:
        return kpi(ws, metric, sel)
    except Exception as err:
        _log.exception("KPI %s failed for %s", metric, sel)
        m = get_metric(metric)
        return Kpi(
            metric,
            m.unit,
            m.direction,
            None,
            None,
            0,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            [],
            {},
            [],
            error=f"{type(err).__name__}: {err}",
        )


def kpi(ws: Workspace, metric: str, sel: Selection) -> Kpi:
    """Ask for ``metric`` per period with change tests; the card reads the latest period with data."""
    m = get_metric(metric)
    frame, ignored = ask(ws, metric, sel, every=True, change=True)
    frame = frame.sort_values("period", ignore_index=True) if "period" in frame else frame
    with_data = frame[frame["n"] > 0] if len(frame) else frame
    last = with_data.iloc[-1] if len(with_data) else None

    def get(key: str) -> Any:
        return None if last is None or key not in frame else last[key]

    significant = get("significant")
    attained = get("attained")
    return Kpi(
        metric=metric,
        unit=m.unit,
        direction=m.direction,
        period=period_label(last["period"], sel.every) if last is not None else None,
        value=_num(get("value")),
        n=int(get("n") or 0),
        ci_low=_num(get("ci_low")),
        ci_high=_num(get("ci_high")),
        change=_num(get("change")),
        p_val=_num(get("p_val")),
        significant=None if significant is None or significant is pd.NA else bool(significant),
        target=_num(get("target")),
        attained=None if attained is None or attained is pd.NA or _num(get("value")) is None else bool(attained),
        ignored=ignored,
        trend=spec_line(frame, sel.every, metric, m.unit) if "period" in frame else {},
        rows=records(frame, sel.every),
    )


def sliced(ws: Workspace, metric: str, sel: Selection, by: str) -> tuple[pd.DataFrame, list[str]] | None:
    """``metric`` over the whole selected range per value of ``by`` (None if the metric cannot be sliced so)."""
    m = get_metric(metric)
    if by not in DIMENSIONS[m.source]:
        return None
    every = "periodic" in m.options  # metrics defined per period are sliced per period too
    return ask(ws, metric, sel, every=every, by=[by])


PERIOD_CHOICES = tuple(PERIODS)
