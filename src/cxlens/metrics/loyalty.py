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
import numpy as np
import pandas as pd

from cxlens.metrics.intervals import wilson_interval
from cxlens.metrics.registry import Metric, register

__all__ = ["CUSTOMER_KEYS", "customer_periods"]

CUSTOMER_KEYS = ("segment", "region", "industry")


def customer_periods(orders: Any, periods: pd.DataFrame, keys: list[str], active_days: int, **_: Any) -> Any:
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


def satisfaction_conversion(answers: Any, periods: pd.DataFrame, keys: list[str], backend: Any, **_: Any) -> Any:
    """Per period and slice: customers who answered, split satisfied (mean answer a promoter, 9–10 on NPS,
    or in the top two boxes of a CSAT scale) or not, and how many of each ordered in the next period of the
    same length."""
    bad = [k for k in keys if k not in CUSTOMER_KEYS]
    if bad:
        raise ValueError(f"conversion slices by the customer's {', '.join(CUSTOMER_KEYS)}, not {bad}")
    p = ibis.memtable(periods.assign(next_end=periods["end"] + (periods["end"] - periods["start"])))
    a = answers.filter(answers.customer_key.notnull())
    hits = a.join(p, (a.at >= p.start) & (a.at < p.end))
    threshold = ibis.ifelse(hits.question_type == "nps", 9.0, hits.scale_max - 1)
    per = hits.group_by(["period", "customer_key", "end", "next_end", *keys]).aggregate(
        satisfied=(hits.value_number >= threshold).cast("float64").mean() >= 0.5
    )
    o = backend.table("orders")
    per = per.filter(per.next_end <= o.ordered_at.max() + ibis.interval(seconds=1))  # the next period is observed
    bought = per.join(
        o, (per.customer_key == o.customer_id) & (o.ordered_at >= per.end) & (o.ordered_at < per.next_end)
    )
    again = bought.select("period", "customer_key").distinct().mutate(repurchased=ibis.literal(1))
    rows = per.left_join(again, [per.period == again.period, per.customer_key == again.customer_key]).select(
        *[per[c] for c in ("period", "satisfied", *keys)], repurchased=again.repurchased.fill_null(0)
    )
    return rows.group_by(["period", *keys]).aggregate(
        n=rows.count(),
        satisfied_n=rows.satisfied.cast("int64").sum(),
        satisfied_repurchased=(rows.satisfied.cast("int64") * rows.repurchased).sum(),
        unsatisfied_repurchased=((1 - rows.satisfied.cast("int64")) * rows.repurchased).sum(),
    )


def _finish_conversion(df: pd.DataFrame) -> pd.DataFrame:
    from scipy import stats

    unsat_n = df["n"] - df["satisfied_n"]
    df["value"], df["ci_low"], df["ci_high"] = wilson_interval(df["satisfied_repurchased"], df["satisfied_n"])
    df["unsatisfied_rate"] = wilson_interval(df["unsatisfied_repurchased"], unsat_n)[0]
    df["lift"] = df["value"] - df["unsatisfied_rate"]
    k1, n1 = df["satisfied_repurchased"].to_numpy(float), df["satisfied_n"].to_numpy(float)
    k2, n2 = df["unsatisfied_repurchased"].to_numpy(float), unsat_n.to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (k1 + k2) / (n1 + n2)
        z = (k1 / n1 - k2 / n2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    df["p_val_lift"] = 2 * stats.norm.sf(np.abs(z))
    return df


register(
    Metric(
        "satisfaction_conversion",
        "loyalty",
        "answers",
        "%",
        "higher",
        "Satisfaction→loyalty conversion: % of the customers satisfied in a period (mean NPS answer 9–10, or CSAT "
        "in the top two boxes) who order again in the next period of the same length, Wilson interval; with the "
        "rate of the unsatisfied, the lift and its two-proportion z test. Periods whose next period the orders do "
        "not yet cover are left out. Needs every=.",
        lambda t: {},
        _finish_conversion,
        question_types=("nps", "csat"),
        options={"periodic": satisfaction_conversion, "clip": False},
    )
)
