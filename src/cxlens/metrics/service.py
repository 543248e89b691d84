"""Service-efficiency metrics over tickets and orders: response and resolution times, resolution rate, SLA
attainment, ticket CSAT and order processing time. Times are in hours; the headline value of a time
metric is its median (robust to the long tail), with the mean and its interval and the 90th percentile
alongside."""

from __future__ import annotations

from typing import Any

import ibis
import numpy as np
import pandas as pd

from cxlens.metrics.intervals import Z95, mean_interval
from cxlens.metrics.registry import Metric, register
from cxlens.metrics.satisfaction import finish_mean, finish_share, mean_sums

__all__: list[str] = []


def _time(column: str) -> Any:
    """Aggregates of a time metric: n, Σx, Σx² and the slice's times as one sorted list (one sort per slice
    gives the median, the p90 and the median's interval, see :func:`_order_statistics`)."""

    def aggregate(t: Any) -> dict[str, Any]:
        v = t[column].cast("float64")
        return {"n": v.count(), "total": v.sum(), "total_sq": (v * v).sum(), "sorted": v.collect().sort()}

    return aggregate


def _quantile(values: Any, n: Any, q: float) -> Any:
    """Linear-interpolation quantile (as numpy's default, DuckDB's quantile_cont) of a sorted list."""
    m = n.cast("int32")  # Spark indexes arrays with INT
    position = (m - 1).cast("float64") * q
    low = position.floor().cast("int32")
    high = ibis.least(low + 1, m - 1)
    return values[low] + (position - low) * (values[high] - values[low])


def _order_statistics(expr: Any) -> Any:
    """Median, p90, and the distribution-free 95 % interval of the median: the order statistics of (0-based)
    ranks ⌊n/2 − 0.98√n⌋ and ⌈n/2 + 0.98√n⌉, clamped to the sample (normal approximation to the
    binomial; Conover, Practical Nonparametric Statistics, 3rd ed., §3.2)."""
    n, values = expr.n, expr.sorted
    m = n.cast("int32")
    half = n.cast("float64").sqrt() * (Z95 / 2)
    low = ibis.greatest((n / 2.0 - half).floor().cast("int32"), 0)
    high = ibis.least((n / 2.0 + half).ceil().cast("int32"), m - 1)
    return expr.mutate(
        median=_quantile(values, n, 0.5), p90=_quantile(values, n, 0.9), ci_low=values[low], ci_high=values[high]
    ).drop("sorted")


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
        _time("first_response_hours"),
        _finish_time,
        options={"post": _order_statistics, "sample": "first_response_hours"},
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
        _time("resolution_hours"),
        _finish_time,
        options={"post": _order_statistics, "sample": "resolution_hours"},
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
        _time("processing_hours"),
        _finish_time,
        options={"post": _order_statistics, "sample": "processing_hours"},
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
