"""Retention and churn, exactly as the seed documents define retention:

    retention rate = (customers at period end − new customers in the period) / customers at period start × 100 %

A customer *is a customer* at time t when they ordered in the ``active_days`` (default 180) before t;
*new in the period* when their first order ever falls in it. Churn rate is the share of the customers at
period start who are no longer customers at period end. Both need a period (``every=``) and can be sliced
by the customer's own dimensions (segment, region, industry).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import ibis
import pandas as pd

from cxlens.metrics.intervals import wilson_interval
from cxlens.metrics.registry import Metric, register

__all__ = ["CUSTOMER_KEYS", "customer_periods"]

CUSTOMER_KEYS = ("segment", "region", "industry")


def customer_periods(orders: Any, periods: pd.DataFrame, keys: list[str], active_days: int) -> Any:
    """Per period and slice: customers at start, at end, at both, and new — as one Ibis expression.

    ``periods`` has columns period, start, end (timestamps); ``orders`` is the flat orders source."""
    bad = [k for k in keys if k not in CUSTOMER_KEYS]
    if bad:
        raise ValueError(f"retention and churn slice by the customer's {', '.join(CUSTOMER_KEYS)}, not {bad}")
    window = timedelta(days=active_days)
    p = ibis.memtable(periods.assign(lookback=periods["start"] - window, end_lookback=periods["end"] - window))
    o = orders.select("customer_key", "at", *keys)
    hits = o.join(p, (o.at >= p.lookback) & (o.at < p.end))
    hits = hits.mutate(
        at_start=(hits.at < hits.start).cast("int64"), at_end=(hits.at >= hits.end_lookback).cast("int64")
    )
    per = hits.group_by(["period", "customer_key", *keys]).aggregate(s=hits.at_start.max(), e=hits.at_end.max())
    active = per.group_by(["period", *keys]).aggregate(
        at_start=per.s.sum(), at_end=per.e.sum(), kept=(per.s * per.e).sum()
    )
    first = o.group_by(["customer_key", *keys]).aggregate(first=o.at.min())
    newp = first.join(p, (first.first >= p.start) & (first.first < p.end))
    new = newp.group_by(["period", *keys]).aggregate(new=newp.count())
    return active.left_join(new, [active[c] == new[c] for c in ["period", *keys]]).select(
        *[active[c] for c in active.columns], new=new.new.fill_null(0)
    )


def _finish_retention(df: pd.DataFrame) -> pd.DataFrame:
    returning = df["at_end"] - df["new"]
    ok = (returning >= 0) & (returning <= df["at_start"])
    df["n"] = df["at_start"]
    df["value"] = 100 * returning / df["at_start"].where(df["at_start"] > 0)
    _, lo, hi = wilson_interval(returning.where(ok), df["at_start"])
    df["ci_low"], df["ci_high"] = lo, hi
    return df


def _finish_churn(df: pd.DataFrame) -> pd.DataFrame:
    df["n"] = df["at_start"]
    df["value"], df["ci_low"], df["ci_high"] = wilson_interval(df["at_start"] - df["kept"], df["at_start"])
    return df


register(
    Metric(
        "retention_rate",
        "loyalty",
        "orders",
        "%",
        "higher",
        "(customers at period end − new customers in the period) / customers at period start × 100 %; a "
        "customer 'is a customer' when they ordered in the active_days (180) before; Wilson interval on "
        "the returning share. Needs every=.",
        lambda t: {},
        _finish_retention,
        options={"periodic": customer_periods, "active_days": 180},
        reference="seed 002 (客户关系质量评估): 客户保留率",
    )
)

register(
    Metric(
        "churn_rate",
        "loyalty",
        "orders",
        "%",
        "lower",
        "% of the customers at period start (ordered in the active_days before it) who did not order in the "
        "active_days before period end; Wilson interval. Needs every=.",
        lambda t: {},
        _finish_churn,
        options={"periodic": customer_periods, "active_days": 180},
    )
)
