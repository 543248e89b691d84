"""Customer lifecycle stages from purchase behaviour, their counts over time, and (potential) high-value
customers with the reason each is listed.

At an evaluation instant *T* (exclusive, UTC), with the thresholds of :class:`LifecycleRules` (defaults in
brackets), a customer known at *T* (signed up before *T*, without a sign-up date, or with an order before
*T*) is, checking the stages in this order:

1. **potential** (潜在) — no order before *T*;
2. **churned** (已流失) — the last order is more than ``churn_days`` (365) days before *T*;
3. **declining** (衰退) — the last order is more than ``active_days`` (180) days before *T*, or the orders
   in the last ``active_days`` fell below ``decline_ratio`` (0.5) × the orders in the ``active_days``
   before those, given at least 2 there;
4. **new** (新客) — the first order is at most ``new_days`` (90) days before *T*;
5. **loyal** (忠诚) — at least ``loyal_orders`` (4) orders in the last ``loyal_days`` (365) days;
6. **active** (活跃) — every other customer who ordered.

Days are whole UTC days: an order on day *d* is ``T_day − d`` days before *T*. The stage per customer and
month is one Ibis expression (orders are first reduced to one row per customer and day).

**High value** customers are the top ``top_pct`` (20 %) of buyers by revenue in the last 365 days;
**potential high value** are new or active customers outside that group whose mean order value or
purchase rate (orders per 30 days since their first order) is in the top ``top_pct`` — the reason column
says which, with the figures (SPEC R4.2; Kumar & Reinartz 2018, *Customer Relationship Management*, ch. 5).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import ibis
import numpy as np
import pandas as pd

from cxlens.metrics.engines import Analytics
from cxlens.store import Workspace
from cxlens.value.rfm import analytics, default_as_of

__all__ = [
    "STAGES",
    "STAGE_LABELS",
    "LifecycleRules",
    "high_value_customers",
    "lifecycle",
    "lifecycle_counts",
    "stage_label",
]

STAGES = ("potential", "new", "active", "loyal", "declining", "churned")
STAGE_LABELS: dict[str, tuple[str, str]] = {
    "potential": ("潜在客户", "potential"),
    "new": ("新客户", "new"),
    "active": ("活跃客户", "active"),
    "loyal": ("忠诚客户", "loyal"),
    "declining": ("衰退客户", "declining"),
    "churned": ("已流失", "churned"),
}
_DAY = 86_400


def stage_label(stage: str, lang: str = "en") -> str:
    zh, en = STAGE_LABELS.get(stage, (stage, stage))
    return zh if lang == "zh" else en


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds of the lifecycle stages (see the module docstring); all day counts are whole days."""

    new_days: int = 90
    active_days: int = 180
    churn_days: int = 365
    loyal_orders: int = 4
    loyal_days: int = 365
    decline_ratio: float = 0.5

    def __post_init__(self) -> None:
        for name in ("new_days", "active_days", "churn_days", "loyal_orders", "loyal_days"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"lifecycle rule {name} must be a positive whole number, not {getattr(self, name)}")
        if self.active_days > self.churn_days:
            raise ValueError(f"active_days ({self.active_days}) must not exceed churn_days ({self.churn_days})")
        if not 0 < self.decline_ratio <= 1:
            raise ValueError(f"decline_ratio must lie in (0, 1], not {self.decline_ratio}")


def _day(ts: Any) -> Any:
    return (ts.epoch_seconds() // _DAY).cast("int64")


def _stage_expr(an: Analytics, ends: pd.DataFrame, rules: LifecycleRules) -> Any:
    """Per period (``ends``: columns period, t_day) and known customer: the stage and its inputs."""
    o = an.table("orders")
    od = o.select(ck=o.customer_id, d=_day(o.ordered_at), amount=o.amount)
    cd = od.group_by(["ck", "d"]).aggregate(n=od.count(), revenue=od.amount.sum().cast("float64"))
    p = ibis.memtable(ends)
    j = cd.join(p, cd.d < p.t_day)
    age = j.t_day - j.d
    a = rules.active_days

    def n_if(cond: Any) -> Any:
        return ibis.ifelse(cond, j.n, 0).sum()

    per = j.group_by(["period", "t_day", "ck"]).aggregate(
        orders=j.n.sum(),
        first_day=j.d.min(),
        last_day=j.d.max(),
        recent=n_if(age <= a),
        previous=n_if((age > a) & (age <= 2 * a)),
        year_orders=n_if(age <= rules.loyal_days),
        revenue_365=ibis.ifelse(age <= 365, j.revenue, 0.0).sum(),
        revenue=j.revenue.sum(),
    )
    c = an.table("customers")
    known = c.select(customer_key=c.id, customer_id=c.external_id, signup_day=_day(c.signed_up_at))
    kp = known.cross_join(p)
    x = kp.left_join(per, (kp.customer_key == per.ck) & (kp.period == per.period)).select(
        kp.period, kp.t_day, kp.customer_key, kp.customer_id, kp.signup_day, *[per[k] for k in per.columns[3:]]
    )
    x = x.filter(x.signup_day.isnull() | (x.signup_day < x.t_day) | x.orders.notnull())
    recency = x.t_day - x.last_day
    declining = (recency > a) | ((x.previous >= 2) & (x.recent.cast("float64") < rules.decline_ratio * x.previous))
    stage = ibis.cases(
        (x.orders.isnull(), "potential"),
        (recency > rules.churn_days, "churned"),
        (declining, "declining"),
        (x.t_day - x.first_day <= rules.new_days, "new"),
        (x.year_orders >= rules.loyal_orders, "loyal"),
        else_="active",
    )
    return x.mutate(
        stage=stage,
        recency_days=recency,
        tenure_days=x.t_day - x.first_day,
        orders=x.orders.fill_null(0),
        recent=x.recent.fill_null(0),
        previous=x.previous.fill_null(0),
        year_orders=x.year_orders.fill_null(0),
        revenue=x.revenue.fill_null(0.0),
        revenue_365=x.revenue_365.fill_null(0.0),
    )


def _ends(instants: list[datetime]) -> pd.DataFrame:
    days = [int(pd.Timestamp(t).timestamp()) // _DAY for t in instants]
    frame = pd.DataFrame({"period": pd.to_datetime(instants), "t_day": days})
    return frame.astype({"period": "datetime64[us]", "t_day": "int64"})


def lifecycle(
    where: Workspace | Analytics,
    *,
    as_of: datetime | None = None,
    rules: LifecycleRules | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """The lifecycle stage of every customer known at ``as_of`` (default: the midnight after the latest
    order; it should be a UTC midnight, as stages count whole days).

    Columns: customer_key, customer_id, stage, stage_label, orders, recent (orders in the last
    active_days), previous (the active_days before), year_orders (in the last loyal_days), recency_days,
    tenure_days (since the first order), revenue and revenue_365 (in the last 365 days)."""
    an = analytics(where)
    rules = rules or LifecycleRules()
    cutoff = as_of or default_as_of(an)
    frame = an.execute(_stage_expr(an, _ends([cutoff]), rules).order_by("customer_key"))
    frame["stage_label"] = frame["stage"].map({s: stage_label(s, lang) for s in STAGES})
    for column in ("orders", "recent", "previous", "year_orders"):
        frame[column] = frame[column].astype("int64")
    for column in ("recency_days", "tenure_days"):
        frame[column] = frame[column].astype("Float64").astype("float64")
    cols = ["customer_key", "customer_id", "stage", "stage_label", "orders", "recent", "previous", "year_orders"]
    return frame[[*cols, "recency_days", "tenure_days", "revenue", "revenue_365"]]


def lifecycle_counts(
    where: Workspace | Analytics,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    rules: LifecycleRules | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Customers per stage at the end of every calendar month (UTC) from ``start`` to ``end`` (default: the
    months of the orders; the last month ends at the default *as of*). Tidy columns: period (the month),
    at (the instant evaluated, the month's end), stage, stage_label, customers, share (% of the customers
    known then). Every stage appears in every month, with 0 where nobody is in it."""
    an = analytics(where)
    rules = rules or LifecycleRules()
    o = an.table("orders")
    first = an.execute(o.ordered_at.min())
    last = default_as_of(an)
    low = pd.Timestamp(start or first).to_period("M").start_time
    high = pd.Timestamp(end or last)
    months = pd.date_range(low, high, freq="MS")
    months = months[months < high]
    if months.empty:
        raise ValueError(f"no whole or partial month between {low:%Y-%m-%d} and {high:%Y-%m-%d}")
    instants = [min(m + pd.offsets.MonthBegin(1), high).to_pydatetime() for m in months]
    ends = _ends(instants).assign(month=months.astype("datetime64[us]"))
    x = _stage_expr(an, ends[["period", "t_day"]], rules)
    raw = an.execute(x.group_by(["period", "stage"]).aggregate(customers=x.count()))
    grid = pd.MultiIndex.from_product([ends["period"], STAGES], names=["period", "stage"]).to_frame(index=False)
    raw["period"] = pd.to_datetime(raw["period"]).astype("datetime64[us]")
    out = grid.merge(raw, on=["period", "stage"], how="left").fillna({"customers": 0})
    out["customers"] = out["customers"].astype("int64")
    total = out.groupby("period")["customers"].transform("sum")
    out["share"] = np.where(total > 0, 100 * out["customers"] / total.where(total > 0, 1), np.nan)
    out["stage_label"] = out["stage"].map({s: stage_label(s, lang) for s in STAGES})
    out = out.rename(columns={"period": "at"}).merge(ends[["period", "month"]].rename(columns={"period": "at"}))
    return out.rename(columns={"month": "period"})[["period", "at", "stage", "stage_label", "customers", "share"]]


def high_value_customers(
    where: Workspace | Analytics,
    *,
    as_of: datetime | None = None,
    top_pct: float = 20.0,
    rules: LifecycleRules | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """High-value and potential-high-value customers, each with the reason (see the module docstring).

    Columns: customer_key, customer_id, kind (``high_value`` or ``potential_high_value``), stage,
    revenue_365, aov, orders_per_30_days, reason; high value first, each by revenue_365 descending."""
    if not 0 < top_pct < 100:
        raise ValueError(f"top_pct must lie strictly between 0 and 100, not {top_pct}")
    table = lifecycle(where, as_of=as_of, rules=rules, lang=lang)
    buyers = table[table["orders"] > 0].copy()
    if buyers.empty:
        return pd.DataFrame(columns=["customer_key", "customer_id", "kind", "stage", "revenue_365", "aov", "reason"])
    buyers["aov"] = buyers["revenue"] / buyers["orders"]
    buyers["orders_per_30_days"] = 30 * buyers["orders"] / np.maximum(buyers["tenure_days"], 30)
    q = 1 - top_pct / 100
    cut_rev = float(buyers["revenue_365"].quantile(q))
    cut_aov, cut_rate = float(buyers["aov"].quantile(q)), float(buyers["orders_per_30_days"].quantile(q))
    high = (buyers["revenue_365"] >= cut_rev) & (buyers["revenue_365"] > 0)
    growing = buyers["stage"].isin(["new", "active"]) & ~high
    by_aov, by_rate = growing & (buyers["aov"] >= cut_aov), growing & (buyers["orders_per_30_days"] >= cut_rate)
    zh = lang == "zh"
    top = f"{top_pct:g}%"
    reasons = pd.Series("", index=buyers.index)
    reasons[high] = buyers.loc[high, "revenue_365"].map(
        lambda v: f"近365天消费 {v:,.2f},位列前 {top}" if zh else f"revenue {v:,.2f} in the last 365 days: top {top}"
    )
    for mask, column, zh_text, en_text in (
        (by_aov, "aov", "客单价 {v:,.2f} 位列前 {top}", "mean order value {v:,.2f} is in the top {top}"),
        (by_rate, "orders_per_30_days", "每30天 {v:.2f} 单,位列前 {top}", "{v:.2f} orders per 30 days: top {top}"),
    ):
        text = buyers.loc[mask, column].map(lambda v, t=(zh_text if zh else en_text): t.format(v=v, top=top))
        reasons[mask] = np.where(reasons[mask] == "", text, reasons[mask] + ("；" if zh else "; ") + text)
    buyers["reason"] = reasons
    buyers["kind"] = np.where(high, "high_value", "potential_high_value")
    keep = buyers[high | by_aov | by_rate]
    keep = keep.sort_values(["kind", "revenue_365", "customer_key"], ascending=[True, False, True])
    cols = ["customer_key", "customer_id", "kind", "stage", "revenue_365", "aov", "orders_per_30_days", "reason"]
    return keep[cols].reset_index(drop=True)


def rules_dict(rules: LifecycleRules | None = None) -> dict[str, Any]:
    """The thresholds as a plain mapping (for JSON output)."""
    return asdict(rules or LifecycleRules())
