"""Asking for a metric: filter, slice by any dimension, bucket by period, aggregate on the engine, then
finish (value, n, interval) in closed form. The result is a tidy DataFrame, one row per slice and period.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from cxlens.exceptions import UndefinedMetricWarning
from cxlens.metrics.calendar import BusinessCalendar
from cxlens.metrics.change import add_change
from cxlens.metrics.engines import Analytics
from cxlens.metrics.registry import Metric, get_metric
from cxlens.metrics.sources import DIMENSIONS, LABELS, source
from cxlens.store import Workspace

__all__ = ["PERIODS", "compute"]

#: period name → (Ibis truncate unit, pandas frequency)
PERIODS: dict[str, tuple[str, str]] = {
    "day": ("D", "D"),
    "week": ("W", "W-MON"),
    "month": ("M", "MS"),
    "quarter": ("Q", "QS"),
    "year": ("Y", "YS"),
}
_CORE = ["value", "n", "ci_low", "ci_high"]
_TICK = pd.Timedelta(microseconds=1)
#: Metric.options that shape the query rather than being the metric's own parameters
_INTERNAL = frozenset({"prepare", "periodic", "sample", "columns", "clip", "post"})


def _analytics(where: Workspace | Analytics) -> Analytics:
    return where if isinstance(where, Analytics) else Analytics.for_workspace(where)


def _period(t: Any, every: str) -> Any:
    """The period key: a stored day or month key where the source has one (answers), else truncation."""
    if "month" in t.columns and every in ("month", "quarter", "year"):
        return t.month if every == "month" else t.month.truncate(PERIODS[every][0])
    if "day" in t.columns and every in ("day", "week"):
        return t.day if every == "day" else t.day.truncate("W")
    return t.at.truncate(PERIODS[every][0])


def _check(metric: Metric, by: Sequence[str], every: str | None, survey: str | None, question: str | None) -> None:
    allowed = DIMENSIONS[metric.source]
    bad = [b for b in by if b not in allowed]
    if bad:
        raise ValueError(f"{metric.name} cannot be sliced by {', '.join(bad)}; it can by {', '.join(allowed)}")
    if every is not None and every not in PERIODS:
        raise ValueError(f"every must be one of {', '.join(PERIODS)}, not {every!r}")
    if metric.needs_survey and not survey:
        raise ValueError(f"{metric.name} needs survey= (the survey whose dimensions it weighs)")
    if metric.needs_question and not question:
        raise ValueError(f"{metric.name} needs question= (the question it reads)")
    if "periodic" in metric.options and every is None:
        raise ValueError(f"{metric.name} is defined per period: give every= (e.g. 'month')")


def _filtered(
    t: Any,
    metric: Metric,
    start: datetime | None,
    end: datetime | None,
    where: Mapping[str, Any],
    survey: str | None,
    question: str | None,
) -> Any:
    if survey is not None:
        t = t.filter(t.survey == survey)
    if question is not None:
        t = t.filter(t.question == question)
    elif metric.question_types:
        t = t.filter(t.question_type.isin(list(metric.question_types)))
    for column, value in where.items():
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        t = t.filter(t[column].isin(values))
    if start is not None:
        t = t.filter(t.at >= start)
    if end is not None:
        t = t.filter(t.at < end)
    return t


def _periods(
    an: Analytics, t: Any, every: str, start: datetime | None, end: datetime | None, clip: bool = True
) -> pd.DataFrame:
    low, high = an.execute(t.aggregate(low=t.at.min(), high=t.at.max())).iloc[0]
    low, high = start or low, end or high
    if pd.isna(low) or pd.isna(high):
        empty = pd.Series(dtype="datetime64[us]")
        return pd.DataFrame({"period": empty, "start": empty, "end": empty})  # no rows: every column, no periods
    freq = PERIODS[every][1]
    starts = pd.date_range(
        pd.Timestamp(low).to_period(freq[0] if every != "week" else "W-SUN").start_time, pd.Timestamp(high), freq=freq
    )
    ends = starts + pd.tseries.frequencies.to_offset(freq)
    if clip:
        ends = ends.map(lambda e: min(e, pd.Timestamp(high) + _TICK))
    frame = pd.DataFrame({"period": starts, "start": starts, "end": ends})  # a partial last period ends with the data
    return frame.astype({"period": "datetime64[us]", "start": "datetime64[us]", "end": "datetime64[us]"})


def compute(
    where: Workspace | Analytics,
    metric: str,
    *,
    by: Sequence[str] = (),
    every: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    filters: Mapping[str, Any] | None = None,
    survey: str | None = None,
    question: str | None = None,
    change: bool = False,
    alpha: float = 0.05,
    targets: Mapping[str, Mapping[str, float]] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Compute ``metric`` for each slice (``by``) and period (``every``), with n and its 95 % interval.

    ``filters`` keeps rows whose column equals a value (or is in a list); ``start``/``end`` bound the time
    column (UTC, end exclusive). ``options`` are the metric's own (e.g. ``target_hours`` for SLA).

    Returns columns: the ``by`` columns, ``period`` (when ``every``), ``value``, ``n``, ``ci_low``,
    ``ci_high``, then the metric's own extras (e.g. ``promoters_pct``, ``p90``). A slice with no data is
    absent; asked without slices, an empty selection gives one row of NaN and an ``UndefinedMetricWarning``.

    ``change=True`` (needs ``every``) adds each period's change from the previous one and its test
    (``metrics/change.py``). ``targets`` — ``{metric: {"target": …, "benchmark": …}}``, by default read from
    the workspace's ``targets.yaml`` — adds ``target``, ``benchmark`` and ``attained``.
    """
    m = get_metric(metric)
    keys = list(by)
    _check(m, keys, every, survey, question)
    an = _analytics(where)
    if "business_hours" in options:
        options = {**options, "business_hours": _calendar(an, m, options["business_hours"])}
    request = (
        metric,
        tuple(keys),
        every,
        start,
        end,
        _frozen(filters or {}),
        survey,
        question,
        change,
        alpha,
        _frozen(options),
    )
    version = an.data_version()
    cached = _RESULTS.get((an.identity, request))
    if cached is not None and cached[0] == version and version is not None:
        frame = cached[1].copy()
    else:
        frame = _compute(
            an, m, keys, every, start, end, filters or {}, survey, question, change, alpha, options, request
        )
        _remember(_RESULTS, (an.identity, request), (version, frame.copy()))
    return _with_targets(frame, m, targets if targets is not None else _targets_of(where))


def _calendar(an: Analytics, m: Metric, value: Any) -> BusinessCalendar | None:
    """``business_hours=`` as a calendar: True → the workspace's, a mapping → read like the setting."""
    if "business_hours" not in m.options:
        raise ValueError(f"{m.name} has no business-hours option (time metrics and sla_attainment have)")
    if value is None or value is False:
        return None
    if value is True:
        return an.calendar
    if isinstance(value, BusinessCalendar):
        return value
    if isinstance(value, Mapping):
        return BusinessCalendar.from_settings(value)
    raise ValueError(f"business_hours must be True, False, a BusinessCalendar or a mapping, not {value!r}")


def _frozen(mapping: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, tuple(v) if isinstance(v, list | tuple | set) else v) for k, v in mapping.items()))


def _remember(cache: dict[Any, Any], key: Any, value: Any, limit: int = 256) -> None:
    if len(cache) >= limit:
        cache.pop(next(iter(cache)))
    cache[key] = value


#: results by (backend, request), valid while the workspace's data version is unchanged (never stale:
#: every import changes the version); compiled SQL by (backend, request), for any version
_RESULTS: dict[Any, tuple[Any, pd.DataFrame]] = {}
_SQL: dict[Any, str] = {}


def _compute(
    an: Analytics,
    m: Metric,
    keys: list[str],
    every: str | None,
    start: datetime | None,
    end: datetime | None,
    filters: Mapping[str, Any],
    survey: str | None,
    question: str | None,
    change: bool,
    alpha: float,
    options: dict[str, Any],
    request: tuple[Any, ...],
) -> pd.DataFrame:
    if change and every is None:
        raise ValueError("change= compares consecutive periods: give every= too")
    late = _late_labels(m, keys, filters, change)
    group = [late[k][0] if k in late else k for k in keys]
    need = (
        {*group, *(filters or {}), *m.options.get("columns", ())}
        | ({"survey"} if survey else set())
        | ({"question"} if question else set())
    )
    t = _filtered(source(an.backend, m.source, need), m, start, end, filters or {}, survey, question)
    opts = {k: v for k, v in m.options.items() if k not in _INTERNAL} | options
    if "periodic" in m.options:
        periods = _periods(an, t, str(every), start, end, clip=m.options.get("clip", True))
        expr = m.options["periodic"](t, periods, keys, backend=an.backend, **opts)
        keys = [*keys, "period"]
    else:
        if every is not None:
            t = t.mutate(period=_period(t, every))
            keys, group = [*keys, "period"], [*group, "period"]
        if "prepare" in m.options:
            t = m.options["prepare"](t, group, **{k: v for k, v in opts.items() if k in m.options})
        aggregates = m.aggregate(t, **opts) if opts else m.aggregate(t)
        expr = t.group_by(group).aggregate(**aggregates) if group else t.aggregate(**aggregates)
        if "post" in m.options:
            expr = m.options["post"](expr)
        for label, (key, table) in late.items():
            names = table(an.backend)
            expr = expr.left_join(names, expr[key] == names[key]).select(
                *[expr[c] for c in expr.columns if c != key], names[label]
            )
    cacheable = "periodic" not in m.options and not opts.get("business_hours")  # a calendar is an in-memory table
    frame = _finish(m, _run(an, expr, request, cacheable=cacheable), keys)
    if change:
        samples = _samples(an, t, m, keys) if "sample" in m.options else None
        frame = add_change(frame, keys, alpha, samples)
    return frame


def _late_labels(m: Metric, keys: list[str], filters: Mapping[str, Any], change: bool) -> dict[str, Any]:
    """Slices whose label is looked up after aggregating (``sources.LABELS``): grouping millions of rows by an
    integer key and naming the few groups afterwards is cheaper than grouping by the joined name."""
    if change or "periodic" in m.options:
        return {}
    labels = LABELS.get(m.source, {})
    return {k: labels[k] for k in keys if k in labels and k not in filters}


def _run(an: Analytics, expr: Any, request: tuple[Any, ...], cacheable: bool) -> pd.DataFrame:
    """Execute, reusing the compiled SQL of an identical earlier request on DuckDB (compiling an Ibis
    expression costs ~10 ms, more than a small query)."""
    if an.engine != "duckdb" or not cacheable:
        return an.execute(expr)
    key = (an.identity, request)
    sql = _SQL.get(key)
    if sql is None:
        sql = str(an.backend.compile(expr))
        _remember(_SQL, key, sql)
    return an.backend.con.execute(sql).df()


def _samples(an: Analytics, t: Any, m: Metric, keys: list[str]) -> dict[tuple[Any, ...], np.ndarray]:
    """Raw values per slice and period, for the Mann–Whitney test of a time metric."""
    column = m.options["sample"]
    raw = an.execute(t.filter(t[column].notnull()).select(*keys, v=t[column].cast("float64")))
    raw["period"] = pd.to_datetime(raw["period"]).astype("datetime64[us]")
    return {(k if isinstance(k, tuple) else (k,)): g["v"].to_numpy() for k, g in raw.groupby(keys, dropna=False)}


def _targets_of(where: Workspace | Analytics) -> Mapping[str, Mapping[str, float]]:
    if isinstance(where, Workspace) and (where.path / "targets.yaml").is_file():
        from cxlens.config import read_yaml_mapping

        return read_yaml_mapping(where.path / "targets.yaml", "targets file", ValueError)
    return {}


def _with_targets(frame: pd.DataFrame, m: Metric, targets: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    goal = targets.get(m.name)
    if not goal:
        return frame
    for key in ("target", "benchmark"):
        frame[key] = float(goal[key]) if key in goal else np.nan
    if "target" in goal:
        higher = m.direction == "higher"
        frame["attained"] = frame["value"] >= frame["target"] if higher else frame["value"] <= frame["target"]
    return frame


def _finish(m: Metric, frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    for column in frame.columns:  # aggregates of an empty selection come back as None
        if column not in keys:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    if "n" in frame:
        frame["n"] = frame["n"].fillna(0).astype("int64")
    frame = m.finish(frame)
    frame["n"] = frame["n"].fillna(0).astype("int64")
    for column in ("ci_low", "ci_high"):  # a census total (revenue) has no sampling interval
        if column not in frame:
            frame[column] = np.nan
    if not keys and (frame.empty or int(frame["n"].iloc[0]) == 0):
        warnings.warn(
            f"{m.name}: no data in this selection (n = 0); the value is NaN", UndefinedMetricWarning, stacklevel=3
        )
    if "period" in frame:
        frame["period"] = pd.to_datetime(frame["period"]).astype("datetime64[us]")
    extras = [c for c in frame.columns if c not in keys and c not in _CORE]
    frame = frame[[*keys, *_CORE, *extras]]
    frame.insert(0, "metric", m.name)
    return frame.sort_values(keys, ignore_index=True) if keys else frame.reset_index(drop=True)
