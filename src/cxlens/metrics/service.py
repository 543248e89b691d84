"""Service-efficiency metrics over tickets and orders: response and resolution times, resolution rate, SLA
attainment, first-contact resolution, reopen rate, ticket CSAT, backlog, complaint rate and order processing
time. Times are in hours (clock hours, or with ``business_hours`` the working hours of a calendar,
``metrics/calendar.py``); the headline value of a time metric is its median (robust to the long tail), with
the median's distribution-free interval, the mean and its interval and the 90th percentile alongside.

The median's interval (Conover, Practical Nonparametric Statistics, 3rd ed., §3.2) is the pair of order
statistics of ranks ⌊n/2 − 0.98√n⌋ and ⌈n/2 + 0.98√n⌉. ``median_ci="exact"`` reads them from one sorted list
per slice; the default ``"grid"`` reads the quantiles at :data:`GRID` in the same single aggregate that gives
the median and p90, and takes each bound as the linear-interpolation quantile at its rank's level r / (n − 1)
— exact when that level is on the grid, otherwise interpolated between the two grid quantiles that bracket it,
so never outside them. On lognormal times with n = 400 the interpolated bounds are within 5 % of the exact ones
(tests/metrics/test_service_business_hours.py). The grid's levels are 0.45 … 0.55 because for n ≥ 96 both
rank levels fall in [0.45, 0.55]; below that a bound is interpolated between the minimum and the 0.45
quantile (or the 0.55 quantile and the maximum), a coarser approximation — ``median_ci="exact"`` is the choice
for small slices. Each level costs DuckDB a selection per slice: on 5 M tickets by agent
and week (the generated SQL alone, quiet machine), the earlier eight levels took 1.25× the time of these six."""

from __future__ import annotations

from typing import Any

import ibis
import numpy as np
import pandas as pd

from cxlens.metrics.calendar import BusinessCalendar, business_seconds, calendar_table
from cxlens.metrics.intervals import Z95, mean_interval
from cxlens.metrics.registry import Metric, register
from cxlens.metrics.satisfaction import finish_mean, finish_share, mean_sums
from cxlens.metrics.sources import MICROS_PER_HOUR

__all__: list[str] = []


#: quantile levels read from each slice in one pass: the minimum (0) and maximum (1), the median and p90, and
#: the grid around the median that its interval is read from
GRID = (0.0, 0.45, 0.5, 0.55, 0.9, 1.0)
MEDIAN_CI = ("grid", "exact")


def _time(column: str) -> Any:
    """Aggregates of a time metric: n, Σx, Σx², and either (``median_ci="grid"``, default) the linear-
    interpolation quantiles at the levels :data:`GRID`, all in one aggregate, or
    (``median_ci="exact"``) the slice's times as one sorted list (see :func:`_order_statistics`)."""

    def aggregate(t: Any, median_ci: str = "grid", **_: Any) -> dict[str, Any]:
        if median_ci not in MEDIAN_CI:
            raise ValueError(f"median_ci must be one of {', '.join(MEDIAN_CI)}, not {median_ci!r}")
        v = t[column].cast("float64")
        sums = {"n": v.count(), "total": v.sum(), "total_sq": (v * v).sum()}
        if median_ci == "exact":
            return sums | {"sorted": v.collect().sort()}
        # the grid is taken of the times in whole microseconds (64-bit integers), turned back into hours by
        # _order_statistics: DuckDB selects order statistics of integers much faster than of doubles (the
        # generated ticket KPI SQL on bench/metrics.py's 5 M tickets by agent and week, quiet machine: 0.36 s
        # instead of 0.55 s; the hand-written median + p90 query 0.42 s), and times are whole microseconds anyway
        return sums | {"grid": (v * MICROS_PER_HOUR).round().cast("int64").quantile(list(GRID))}

    return aggregate


def _quantile(values: Any, n: Any, q: float) -> Any:
    """Linear-interpolation quantile (as numpy's default, DuckDB's quantile_cont) of a sorted list."""
    m = n.cast("int32")  # Spark indexes arrays with INT
    position = (m - 1).cast("float64") * q
    low = position.floor().cast("int32")
    high = ibis.least(low + 1, m - 1)
    return values[low] + (position - low) * (values[high] - values[low])


def _order_statistics(expr: Any) -> Any:
    """Median, p90, and the distribution-free 95 % interval of the median from the slice's values: with
    ``sorted`` (median_ci="exact"), the order statistics themselves; with ``grid``, the grid quantiles as
    columns for :func:`_grid_interval`."""
    if "grid" in expr.columns:
        return expr.mutate(**{f"g{i}": expr.grid[i] / MICROS_PER_HOUR for i in range(len(GRID))}).drop("grid")
    n, values = expr.n, expr.sorted
    m = n.cast("int32")
    low, high = _ranks(n)
    some = n > 0  # a slice whose times are all empty has no order statistics (Spark refuses index 0)
    return expr.mutate(
        median=ibis.ifelse(some, _quantile(values, n, 0.5), ibis.null("float64")),
        p90=ibis.ifelse(some, _quantile(values, n, 0.9), ibis.null("float64")),
        ci_low=ibis.ifelse(some, values[ibis.greatest(low, 0)], ibis.null("float64")),
        ci_high=ibis.ifelse(some, values[ibis.least(high, m - 1)], ibis.null("float64")),
    ).drop("sorted")


def _ranks(n: Any) -> tuple[Any, Any]:
    """0-based ranks ⌊n/2 − 0.98√n⌋ and ⌈n/2 + 0.98√n⌉ of the median's interval (normal approximation to
    the binomial; Conover, Practical Nonparametric Statistics, 3rd ed., §3.2), unclamped."""
    half = n.cast("float64").sqrt() * (Z95 / 2)
    return (n / 2.0 - half).floor().cast("int32"), (n / 2.0 + half).ceil().cast("int32")


def _grid_interval(df: pd.DataFrame) -> None:
    """The median's interval from the grid: the order statistic of rank r (0-based) is the linear-
    interpolation quantile at level r / (n − 1); it is read off the slice's quantile function known at
    the levels :data:`GRID` (0 is the minimum, 1 the maximum), exactly where r / (n − 1) is one of them and by
    linear interpolation in the level between the two that bracket it otherwise — always between those two
    quantiles, since the quantile function is monotone."""
    n = df["n"].to_numpy(float)
    levels = np.array(GRID)
    values = np.column_stack([df[f"g{i}"] for i in range(len(GRID))]).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = np.sqrt(n) * (Z95 / 2)
        low = np.clip(np.floor(n / 2 - half), 0, np.maximum(n - 1, 0))
        high = np.clip(np.ceil(n / 2 + half), 0, np.maximum(n - 1, 0))
        rows = np.arange(len(df))
        for name, rank in (("ci_low", low), ("ci_high", high)):
            level = np.where(n > 1, rank / np.maximum(n - 1, 1), 0.5)
            i = np.clip(np.searchsorted(levels, level, side="right") - 1, 0, len(levels) - 2)
            weight = (level - levels[i]) / (levels[i + 1] - levels[i])
            df[name] = values[rows, i] + weight * (values[rows, i + 1] - values[rows, i])
    df["median"] = df[f"g{GRID.index(0.5)}"]
    df["p90"] = df[f"g{GRID.index(0.9)}"]


def _finish_time(df: pd.DataFrame) -> pd.DataFrame:
    if "g0" in df:
        _grid_interval(df)
        df = df.drop(columns=[f"g{i}" for i in range(len(GRID))])
    df["value"] = df["median"]
    df["mean"], df["sd"], df["mean_ci_low"], df["mean_ci_high"] = mean_interval(df["n"], df["total"], df["total_sq"])
    return df.drop(columns=["median", "total", "total_sq"])


def _prepare(column: str | None) -> Any:
    """The rows of a time metric: with ``business_hours``, business instead of clock hours; then, for a time
    metric (``column``), only the rows that have the time (a slice with none is absent, like any slice
    without data)."""

    def prepare(t: Any, keys: list[str], business_hours: Any = None, **_: Any) -> Any:
        clock = business_hours is None or business_hours is False
        t = _business(t, business_hours)
        if column is None:
            return t
        if clock and column in _SPANS:  # clock hours exist exactly when both stamps do: test the stored columns
            return t.filter(*(t[stamp].notnull() for stamp in _SPANS[column]))
        return t.filter(t[column].notnull())

    return prepare


def _business(t: Any, business_hours: Any) -> Any:
    """With ``business_hours`` (a :class:`~cxlens.metrics.calendar.BusinessCalendar`), the time columns are
    business hours (exact, see ``metrics/calendar.py``) instead of clock hours."""
    if business_hours is None or business_hours is False:
        return t
    if not isinstance(business_hours, BusinessCalendar):
        raise ValueError("business_hours must be True (the workspace calendar) or a BusinessCalendar")
    pairs = {c: spec for c, spec in _SPANS.items() if c in t.columns and spec[1] in t.columns}
    stamps = [t[c] for c in {x for spec in pairs.values() for x in spec}]
    bounds = t.aggregate(lo=ibis.least(*stamps).min(), hi=ibis.greatest(*stamps).max()).execute().iloc[0]
    if pd.isna(bounds["lo"]):
        return t.mutate(**{c: ibis.null("float64") for c in pairs})
    frame = calendar_table(business_hours, pd.Timestamp(bounds["lo"]).date(), pd.Timestamp(bounds["hi"]).date())
    seconds = business_seconds(t.drop(*pairs), {f"__{c}": spec for c, spec in pairs.items()}, frame)
    return seconds.rename({c: f"__{c}" for c in pairs}).mutate(**{c: ibis._[c] / 3600.0 for c in pairs})


#: time columns of a source and the timestamps they span, for business hours
_SPANS = {
    "first_response_hours": ("at", "first_response_at"),
    "resolution_hours": ("at", "resolved_at"),
    "processing_hours": ("at", "fulfilled_at"),
}
_TIME_HELP = (
    "value = median, with the distribution-free 95 % interval of the median (order statistics of ranks "
    "⌊n/2 − 0.98√n⌋ and ⌈n/2 + 0.98√n⌉, Conover §3.2), read by default from the quantiles at levels "
    f"{', '.join(f'{level:g}' for level in GRID)} computed in one aggregate of the times in whole microseconds: "
    "exact where a rank falls on that grid, "
    "else interpolated between the two bracketing quantiles (median_ci='exact' reads the order statistics "
    "themselves, for small slices the better choice); "
    "p90; mean with t interval"
)


_TIME_OPTIONS = {"post": _order_statistics, "median_ci": "grid", "business_hours": None}

register(
    Metric(
        "first_response_time",
        "service",
        "tickets",
        "hours",
        "lower",
        "Hours from a ticket's creation to its first response (business_hours=True: working hours of the "
        "workspace calendar only, exact), tickets with a response only (see sla_attainment): " + _TIME_HELP + ".",
        _time("first_response_hours"),
        _finish_time,
        options={**_TIME_OPTIONS, "prepare": _prepare("first_response_hours"), "sample": "first_response_hours"},
    )
)

register(
    Metric(
        "resolution_time",
        "service",
        "tickets",
        "hours",
        "lower",
        "Hours from a ticket's creation to its (last) resolution (business_hours=True: working hours only), "
        "resolved tickets only: " + _TIME_HELP + ".",
        _time("resolution_hours"),
        _finish_time,
        options={**_TIME_OPTIONS, "prepare": _prepare("resolution_hours"), "sample": "resolution_hours"},
    )
)

register(
    Metric(
        "resolution_rate",
        "service",
        "tickets",
        "%",
        "higher",
        "% of the tickets created in the period and slice that are resolved (so far), Wilson interval.",
        lambda t: {"n": t.count(), "resolved": t.resolved_at.notnull().cast("int64").sum()},
        finish_share("resolved"),
    )
)


def _sla(t: Any, target_hours: float = 4.0, **_: Any) -> dict[str, Any]:
    met = (t.first_response_hours <= target_hours).cast("int64")
    return {"n": t.count(), "met": met.fill_null(0).sum()}


register(
    Metric(
        "sla_attainment",
        "service",
        "tickets",
        "%",
        "higher",
        "% of tickets first answered within target_hours (default 4; business_hours=True counts working hours "
        "only; an unanswered ticket misses), Wilson interval.",
        _sla,
        finish_share("met"),
        options={"target_hours": 4.0, "prepare": _prepare(None), "business_hours": None},
    )
)


def _fcr(t: Any) -> dict[str, Any]:
    known = t.resolved_at.notnull() & t.agent_replies.notnull() & t.reopen_count.notnull()
    first = known & (t.agent_replies <= 1) & (t.reopen_count == 0)
    return {"n": known.cast("int64").sum(), "first_contact": first.cast("int64").sum()}


register(
    Metric(
        "fcr",
        "service",
        "tickets",
        "%",
        "higher",
        "First-contact resolution: % of the resolved tickets (resolved_at set) that were resolved with at most "
        "one agent reply (agent_replies ≤ 1) and never reopened (reopen_count = 0), Wilson interval; tickets "
        "whose reply or reopen count is unknown (neither exported by the help desk nor derived from imported "
        "ticket events) are left out of n.",
        _fcr,
        finish_share("first_contact"),
        reference="Zendesk one-touch resolution; SQM Group, FCR definition",
    )
)


def _reopen(t: Any) -> dict[str, Any]:
    ever = t.reopen_count.notnull() & (t.resolved_at.notnull() | (t.reopen_count > 0))
    return {"n": ever.cast("int64").sum(), "reopened": (ever & (t.reopen_count > 0)).cast("int64").sum()}


register(
    Metric(
        "reopen_rate",
        "service",
        "tickets",
        "%",
        "lower",
        "% of the tickets resolved at least once (resolved_at set, or reopened) that were reopened at least once "
        "(reopen_count > 0), Wilson interval; tickets whose reopen count is unknown are left out of n.",
        _reopen,
        finish_share("reopened"),
    )
)

register(
    Metric(
        "ticket_csat",
        "service",
        "tickets",
        "scale points",
        "higher",
        "Mean satisfaction score recorded on tickets (the helpdesk's own CSAT field), t interval.",
        lambda t: mean_sums(t.csat),
        finish_mean,
    )
)

register(
    Metric(
        "order_processing_time",
        "service",
        "orders",
        "hours",
        "lower",
        "Hours from order to fulfilment, fulfilled orders only: " + _TIME_HELP + ".",
        _time("processing_hours"),
        _finish_time,
        options={
            "post": _order_statistics,
            "prepare": _prepare("processing_hours"),
            "median_ci": "grid",
            "sample": "processing_hours",
        },
    )
)


def ticket_backlog(tickets: Any, periods: Any, keys: list[str], **_: Any) -> Any:
    """Per period and slice: tickets open at period end (created before it, not resolved by it), and how
    many of them had been open for more than 7 days then."""
    p = ibis.memtable(periods)
    t = tickets.select("at", "resolved_at", *keys)
    hits = t.join(p, (t.at < p.end) & (t.resolved_at.isnull() | (t.resolved_at >= p.end)))
    old = (hits.end.epoch_seconds() - hits.at.epoch_seconds()) > 7 * 86400
    return hits.group_by(["period", *keys]).aggregate(n=hits.count(), older_than_7_days=old.cast("int64").sum())


def _finish_backlog(df: pd.DataFrame) -> pd.DataFrame:
    df["value"] = df["n"].astype(float)
    return df


register(
    Metric(
        "backlog",
        "service",
        "tickets",
        "tickets",
        "lower",
        "Tickets open at the end of each period (created before its end, not resolved by then), with how many "
        "were older than 7 days; a count of the whole backlog, so no interval. Needs every=.",
        lambda t: {},
        _finish_backlog,
        options={"periodic": ticket_backlog},
    )
)


def complaints_per_customers(feedback: Any, periods: Any, keys: list[str], backend: Any, **_: Any) -> Any:
    """Per period and slice: complaints received, and the customers who ordered in the period."""
    customer_keys = ("segment", "region", "industry")
    bad = [k for k in keys if k not in customer_keys]
    if bad:
        raise ValueError(f"complaint_rate slices by the customer's {', '.join(customer_keys)}, not {bad}")
    p = ibis.memtable(periods)
    f = feedback.filter(feedback.source_type == "complaint")
    fj = f.join(p, (f.at >= p.start) & (f.at < p.end))
    complaints = fj.group_by(["period", *keys]).aggregate(complaints=fj.count())
    from cxlens.metrics.sources import source

    o = source(backend, "orders", set(keys))
    oj = o.join(p, (o.at >= p.start) & (o.at < p.end))
    buyers = oj.group_by(["period", *keys]).aggregate(n=oj.customer_key.nunique())
    on = [buyers[c] == complaints[c] for c in ["period", *keys]]
    return buyers.left_join(complaints, on).select(
        *[buyers[c] for c in buyers.columns], complaints=complaints.complaints.fill_null(0)
    )


def _finish_complaints(df: pd.DataFrame) -> pd.DataFrame:
    """Per 1,000 customers, with the exact Poisson (Garwood) interval for the complaint count."""
    from scipy import stats

    k, n = df["complaints"].to_numpy(float), df["n"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        df["value"] = 1000 * k / n
        low = np.where(k > 0, stats.chi2.ppf(0.025, 2 * k) / 2, 0.0)
        high = stats.chi2.ppf(0.975, 2 * (k + 1)) / 2
        df["ci_low"], df["ci_high"] = 1000 * low / n, 1000 * high / n
    return df


register(
    Metric(
        "complaint_rate",
        "service",
        "feedback",
        "per 1,000 customers",
        "lower",
        "Complaints (feedback of source type complaint) per 1,000 customers who ordered in the period, with the "
        "exact Poisson interval of the count; slices by the customer's segment, region, industry. Needs every=.",
        lambda t: {},
        _finish_complaints,
        options={"periodic": complaints_per_customers},
    )
)
