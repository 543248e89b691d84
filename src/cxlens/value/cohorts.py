"""Acquisition cohorts and repeat customers.

Definitions:

* A customer's **cohort** is the calendar month of their first order (months in UTC by default, or in a
  fixed-offset ``timezone`` such as Asia/Shanghai, since timestamps are stored in UTC).
* **months since first purchase** (``month``) = (year·12 + month of the order) − (year·12 + month of the
  cohort): 0 is the acquisition month itself.
* **retention** at month k = customers of the cohort with at least one order in month k / cohort size
  (so month 0 is 100 % by definition) — the "classic" N-month retention of cohort tables (Fader & Hardie
  2007, "How to project customer retention", J. Interactive Marketing 21(1), model such survivor counts).
  Each retention cell carries its Wilson 95 % interval.
* **revenue** at month k = total order amount of the cohort in month k; ``revenue_per_customer`` divides
  by the cohort size and ``cumulative_revenue_per_customer`` accumulates it over k.
* Cells that the data cannot have observed yet (month k after the last month with data) are absent; cells
  that could have been observed but had no orders carry 0.

The heavy part (order lines → one row per cohort and month) runs on the engine through Ibis with integer
month keys (see :func:`cohort_counts` for the two query plans); only the small matrix is finished in pandas.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import ibis
import numpy as np
import pandas as pd

from cxlens.config import check_timezone, load_settings
from cxlens.metrics.engines import Analytics
from cxlens.metrics.intervals import wilson_interval
from cxlens.store import Workspace
from cxlens.value.rfm import analytics

__all__ = ["cohort_counts", "cohort_matrix", "cohort_pivot", "repeat_customers", "utc_offset_seconds"]

_MEASURES = ("retention", "active", "revenue", "revenue_per_customer", "cumulative_revenue_per_customer", "orders")


def utc_offset_seconds(timezone: str) -> int:
    """The fixed UTC offset (seconds) of an IANA zone without daylight saving time (Asia/Shanghai → 28800).

    Month buckets shift every timestamp by this offset; a zone whose offset changes over the year (DST)
    would need per-row conversion and raises ``ValueError``."""
    zone = ZoneInfo(check_timezone(timezone))
    offsets = {
        datetime(year, month, 1, tzinfo=UTC).astimezone(zone).utcoffset() for year in (2000, 2024) for month in (1, 7)
    }
    if len(offsets) != 1:
        raise ValueError(
            f"time zone {timezone!r} changes its UTC offset over the year (daylight saving time); cohorts bucket "
            "months in UTC or in a fixed-offset zone such as Asia/Shanghai"
        )
    offset = offsets.pop()
    return int(offset.total_seconds()) if offset is not None else 0


def _month_key(ts: Any, offset: int) -> Any:
    local = ts + ibis.interval(seconds=offset) if offset else ts
    return local.year().cast("int32") * 12 + local.month().cast("int32") - 1


def _key_to_month(keys: pd.Series) -> pd.Series:
    k = keys.astype("int64")
    return pd.to_datetime(pd.DataFrame({"year": k // 12, "month": k % 12 + 1, "day": 1})).astype("datetime64[us]")


def cohort_counts(an: Analytics, *, as_of: datetime | None = None, timezone: str = "UTC") -> pd.DataFrame:
    """Per cohort and month since first purchase: ``active`` customers, ``orders`` and ``revenue``
    (integer month keys ``cohort_key`` and ``month``), computed on the engine.

    On DuckDB each customer's active months are one 62-bit mask per 62 months (``bit_or`` of
    ``1 << month``), so the costly customer × month grouping of millions of rows is never built: one pass
    groups orders by customer (first month and masks), a second joins orders to their customer's cohort
    and sums revenue per cohort and month, and active customers are counted from the masks. Other engines
    (Spark has no ``bit_or`` in Ibis) group by customer and month; both give the same table."""
    offset = utc_offset_seconds(timezone)

    def orders(*extra: str) -> Any:
        o = an.table("orders")
        if as_of is not None:
            o = o.filter(o.ordered_at < as_of)
        return o.select(ck=o.customer_id, m=_month_key(o.ordered_at, offset), **{c: o[c] for c in extra})

    if an.engine != "duckdb":
        return an.execute(_cohorts_grouped(orders("amount")))
    o = an.table("orders")
    if as_of is not None:
        o = o.filter(o.ordered_at < as_of)
    low, high = an.execute(o.aggregate(low=o.ordered_at.min(), high=o.ordered_at.max())).iloc[0]
    if pd.isna(low):
        return an.execute(_cohorts_grouped(orders("amount")))
    keys = [_python_month_key(pd.Timestamp(t), offset) for t in (low, high)]
    return _cohorts_masked(an, orders(), orders("amount"), keys[0], keys[1])


def _python_month_key(ts: pd.Timestamp, offset: int) -> int:
    local = ts + pd.Timedelta(seconds=offset)
    return int(local.year) * 12 + int(local.month) - 1


def _cohorts_grouped(o: Any) -> Any:
    cm = o.group_by(["ck", "m"]).aggregate(revenue=o.amount.sum(), orders=o.count())
    first = cm.group_by("ck").aggregate(cohort_key=cm.m.min())
    j = cm.join(first, "ck")
    j = j.mutate(month=j.m - j.cohort_key)
    return j.group_by(["cohort_key", "month"]).aggregate(
        active=j.count(), orders=j.orders.sum(), revenue=j.revenue.sum().cast("float64")
    )


_BITS = 62


def _cohorts_masked(an: Analytics, o: Any, ro: Any, low: int, high: int) -> pd.DataFrame:
    """The bit-mask plan: ``o`` (ck, m) and ``ro`` (ck, m, amount) are separate scans of the orders, so
    that each aggregate reads the table directly (DuckDB then uses its perfect-hash aggregation on the
    integer customer key) and no 20-million-row intermediate is shared. The per-customer masks are
    materialised once (``cache``, released at the end so that no later call reads stale masks): the
    active customers are per-cohort sums of each bit, the revenue is a join of the orders to their
    customer's cohort."""
    rel = o.m - low
    one = ibis.literal(1).cast("int64")
    chunks = (high - low) // _BITS + 1
    masks = {
        f"mask{j}": (ibis.ifelse(rel // _BITS == j, one << (rel % _BITS), 0) if chunks > 1 else one << rel).bit_or()
        for j in range(chunks)
    }
    f = o.group_by("ck").aggregate(cohort_key=o.m.min(), **masks).cache()
    try:
        return an.execute(_from_masks(f, ro, low, high))
    finally:
        f.release()


def _from_masks(f: Any, ro: Any, low: int, high: int) -> Any:
    one = ibis.literal(1).cast("int64")
    bits = {f"b{pos}": ((f[f"mask{pos // _BITS}"] >> (pos % _BITS)) & one).sum() for pos in range(high - low + 1)}
    wide = f.group_by("cohort_key").aggregate(**bits)
    long = wide.pivot_longer(ibis.selectors.startswith("b"), names_to="bit", values_to="active")
    long = long.mutate(month=long.bit.substr(1).cast("int64") + low - long.cohort_key)
    act = long.filter(long.month >= 0).select("cohort_key", "month", active=long.active.cast("int64"))
    fo = f.select("ck", "cohort_key")
    j = ro.join(fo, "ck")
    j = j.mutate(month=j.m - j.cohort_key)
    rev = j.group_by(["cohort_key", "month"]).aggregate(orders=j.count(), revenue=j.amount.sum().cast("float64"))
    return act.join(rev, ["cohort_key", "month"]).select("cohort_key", "month", "active", "orders", "revenue")


def cohort_matrix(
    where: Workspace | Analytics, *, as_of: datetime | None = None, timezone: str | None = None
) -> pd.DataFrame:
    """Monthly acquisition cohorts × months since first purchase, in long (tidy) form.

    Returns one row per cohort and observable month with columns cohort (first day of the month), month
    (0, 1, …), customers (cohort size), active, retention (%, with the Wilson 95 % interval ci_low /
    ci_high), orders, revenue, revenue_per_customer and cumulative_revenue_per_customer. ``timezone``
    (default: the ``CXLENS_TIMEZONE`` setting, UTC) must have a fixed UTC offset.

    Examples
    --------
    C1 orders in January and March, C2 in January only, C3 first in March: the January cohort has 2
    customers, retention 100 % at month 0, 0 % at month 1 (observable, nobody ordered) and 50 % at month 2.
    """
    an = analytics(where)
    zone = timezone or load_settings().timezone
    raw = cohort_counts(an, as_of=as_of, timezone=zone)
    columns = ["cohort", "month", "customers", "active", "retention", "ci_low", "ci_high", "orders", "revenue"]
    if raw.empty:
        extra = ["revenue_per_customer", "cumulative_revenue_per_customer"]
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in [*columns, *extra]})
    raw = raw.astype({"cohort_key": "int64", "month": "int64", "active": "int64", "orders": "int64"})
    last = int((raw["cohort_key"] + raw["month"]).max())
    size = raw[raw["month"] == 0].set_index("cohort_key")["active"]
    grid = pd.DataFrame(
        [(c, k) for c in size.index for k in range(last - c + 1)], columns=["cohort_key", "month"]
    ).merge(raw, on=["cohort_key", "month"], how="left")
    grid[["active", "orders"]] = grid[["active", "orders"]].fillna(0).astype("int64")
    grid["revenue"] = grid["revenue"].fillna(0.0)
    grid["customers"] = grid["cohort_key"].map(size).astype("int64")
    grid["retention"], grid["ci_low"], grid["ci_high"] = wilson_interval(grid["active"], grid["customers"])
    grid["revenue_per_customer"] = grid["revenue"] / grid["customers"]
    grid = grid.sort_values(["cohort_key", "month"], ignore_index=True)
    grid["cumulative_revenue_per_customer"] = grid.groupby("cohort_key")["revenue_per_customer"].cumsum()
    grid["cohort"] = _key_to_month(grid["cohort_key"])
    return grid[[*columns, "revenue_per_customer", "cumulative_revenue_per_customer"]]


def cohort_pivot(matrix: pd.DataFrame, measure: str = "retention") -> pd.DataFrame:
    """The wide cohort table of one measure: one row per cohort (index), one column per month since first
    purchase; cells the data could not observe are NaN. Measures: retention, active, orders, revenue,
    revenue_per_customer, cumulative_revenue_per_customer."""
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {', '.join(_MEASURES)}, not {measure!r}")
    wide = matrix.pivot(index="cohort", columns="month", values=measure)
    wide.insert(0, "customers", matrix.groupby("cohort")["customers"].first())
    return wide


def repeat_customers(
    where: Workspace | Analytics, *, as_of: datetime | None = None, timezone: str | None = None
) -> pd.DataFrame:
    """Repeat-customer analysis per acquisition cohort and overall (``cohort`` NaT on the last row).

    A **repeat customer** has two or more orders. **Days to second purchase** is the time from the first
    to the second order (orders ranked by time, then id; two orders at the same instant give 0), in days.
    Columns: cohort, customers, repeat_customers, repeat_pct with its Wilson ci_low / ci_high, and the
    days to second purchase among repeaters: days_mean, days_median, days_p25, days_p75.
    """
    an = analytics(where)
    offset = utc_offset_seconds(timezone or load_settings().timezone)
    o = an.table("orders")
    if as_of is not None:
        o = o.filter(o.ordered_at < as_of)
    ranked = o.mutate(seq=ibis.row_number().over(group_by=o.customer_id, order_by=[o.ordered_at, o.id]))
    early = ranked.filter(ranked.seq <= 1)
    g = early.group_by(ck=early.customer_id).aggregate(
        first=early.ordered_at.min(),
        second=early.ordered_at.max(),
    )
    counts = o.group_by(ck=o.customer_id).aggregate(orders=o.count())
    g = g.join(counts, "ck")
    per = g.select(
        cohort_key=_month_key(g.first, offset),
        orders=g.orders,
        days=ibis.ifelse(
            g.orders >= 2, (g.second.epoch_seconds() - g.first.epoch_seconds()).cast("float64") / 86400.0, None
        ),
    )
    frame = an.execute(per)
    return _repeat_summary(frame)


def _repeat_summary(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    groups = [*sorted(frame.groupby("cohort_key")), (None, frame)] if not frame.empty else [(None, frame)]
    for key, part in groups:
        days = part["days"].dropna().to_numpy(dtype=float)
        rows.append(
            {
                "cohort": _key_to_month(pd.Series([key])).iloc[0] if key is not None else pd.NaT,
                "customers": len(part),
                "repeat_customers": int((part["orders"] >= 2).sum()),
                "days_mean": float(days.mean()) if days.size else np.nan,
                "days_median": float(np.median(days)) if days.size else np.nan,
                "days_p25": float(np.percentile(days, 25)) if days.size else np.nan,
                "days_p75": float(np.percentile(days, 75)) if days.size else np.nan,
            }
        )
    out = pd.DataFrame(rows)
    out["repeat_pct"], out["ci_low"], out["ci_high"] = wilson_interval(out["repeat_customers"], out["customers"])
    out["cohort"] = pd.to_datetime(out["cohort"]).astype("datetime64[us]")
    cols = ["cohort", "customers", "repeat_customers", "repeat_pct", "ci_low", "ci_high"]
    return out[[*cols, "days_mean", "days_median", "days_p25", "days_p75"]]
