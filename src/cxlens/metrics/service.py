"""Service-efficiency metrics over tickets and orders: response and resolution times, resolution rate, SLA
attainment, ticket CSAT and order processing time. Times are in hours; the headline value of a time
metric is its median (robust to the long tail), with the mean and its interval and the 90th percentile
alongside."""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd

from cxlens.metrics.intervals import Z95, mean_interval
from cxlens.metrics.registry import Metric, register
from cxlens.metrics.satisfaction import finish_mean, finish_share, mean_sums

__all__: list[str] = []


def _ranked(column: str) -> Any:
    """A ``prepare`` step for time metrics: the non-null times, ranked within their slice and period."""

    def prepare(t: Any, keys: list[str]) -> Any:
        t = t.filter(t[column].notnull()).mutate(v=t[column].cast("float64"))
        group = keys or None
        return t.mutate(
            rank=ibis.row_number().over(ibis.window(group_by=group, order_by=t.v)),
            cnt=t.v.count().over(ibis.window(group_by=group)),
        )

    return prepare


def _time(t: Any) -> dict[str, Any]:
    """Median and p90, and the distribution-free 95 % interval of the median: the order statistics of
    (0-based) ranks ⌊n/2 − 0.98√n⌋ and ⌈n/2 + 0.98√n⌉ (normal approximation to the binomial; Conover,
    Practical Nonparametric Statistics, 3rd ed., §3.2)."""
    half = t.cnt.cast("float64").sqrt() * (Z95 / 2)
    low_rank = (t.cnt / 2.0 - half).floor()
    high_rank = (t.cnt / 2.0 + half).ceil()
    return {
        "n": t.v.count(),
        "median": t.v.quantile(0.5),
        "p90": t.v.quantile(0.9),
        "total": t.v.sum(),
        "total_sq": (t.v * t.v).sum(),
        "ci_low": t.v.min(where=t.rank >= low_rank),
        "ci_high": t.v.max(where=t.rank <= high_rank),
    }


def _finish_time(df: pd.DataFrame) -> pd.DataFrame:
    df["value"] = df["median"]
    df["mean"], df["sd"], df["mean_ci_low"], df["mean_ci_high"] = mean_interval(df["n"], df["total"], df["total_sq"])
    return df.drop(columns=["median", "total", "total_sq"])


register(
    Metric(
        "first_response_time",
        "service",
        "tickets",
        "hours",
        "lower",
        "Hours from a ticket's creation to its first response: median (value) with its order-statistic "
        "interval, p90, mean with t interval; "
        "tickets without a response are not counted (see resolution_rate).",
        _time,
        _finish_time,
        options={"prepare": _ranked("first_response_hours"), "sample": "first_response_hours"},
    )
)

register(
    Metric(
        "resolution_time",
        "service",
        "tickets",
        "hours",
        "lower",
        "Hours from a ticket's creation to its resolution, resolved tickets only: median, p90, mean.",
        _time,
        _finish_time,
        options={"prepare": _ranked("resolution_hours"), "sample": "resolution_hours"},
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


def _sla(t: Any, target_hours: float = 4.0) -> dict[str, Any]:
    met = (t.first_response_hours <= target_hours).cast("int64")
    return {"n": t.count(), "met": met.fill_null(0).sum()}


register(
    Metric(
        "sla_attainment",
        "service",
        "tickets",
        "%",
        "higher",
        "% of tickets first answered within target_hours (default 4; an unanswered ticket misses), Wilson interval.",
        _sla,
        finish_share("met"),
        options={"target_hours": 4.0},
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
        "Hours from order to fulfilment, fulfilled orders only: median, p90, mean.",
        _time,
        _finish_time,
        options={"prepare": _ranked("processing_hours"), "sample": "processing_hours"},
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
