"""Customer-value metrics over orders: revenue, average order value, revenue per customer, purchase
frequency and cross-sell rate; and repurchase rate, a loyalty metric read from the same orders."""

from __future__ import annotations

from typing import Any

import pandas as pd

from cxlens.metrics.registry import Metric, register
from cxlens.metrics.satisfaction import finish_mean, finish_share, mean_sums

__all__: list[str] = []


def _per_customer(**columns: Any) -> Any:
    """A ``prepare`` step: one row per customer and slice, with the given per-customer aggregates."""

    def prepare(t: Any, keys: list[str]) -> Any:
        return t.group_by(["customer_key", *keys]).aggregate(**{k: f(t) for k, f in columns.items()})

    return prepare


def _finish_total(df: pd.DataFrame) -> pd.DataFrame:
    df["value"] = df["revenue"]
    return df.drop(columns=["revenue"])


register(
    Metric(
        "revenue",
        "value",
        "orders",
        "currency",
        "higher",
        "Sum of the order amounts in the slice and period (a census total, so no interval); n = orders.",
        lambda t: {"n": t.count(), "revenue": t.amount.sum()},
        _finish_total,
    )
)

register(
    Metric(
        "aov",
        "value",
        "orders",
        "currency",
        "higher",
        "Average order value: mean order amount, t interval.",
        lambda t: mean_sums(t.amount),
        finish_mean,
    )
)

register(
    Metric(
        "revenue_per_customer",
        "value",
        "orders",
        "currency",
        "higher",
        "Mean revenue per ordering customer in the slice and period, t interval; n = customers.",
        lambda t: mean_sums(t.revenue),
        finish_mean,
        options={"prepare": _per_customer(revenue=lambda t: t.amount.sum())},
    )
)

register(
    Metric(
        "purchase_frequency",
        "value",
        "orders",
        "orders",
        "higher",
        "Mean number of orders per ordering customer in the slice and period, t interval; n = customers.",
        lambda t: mean_sums(t.orders),
        finish_mean,
        options={"prepare": _per_customer(orders=lambda t: t.count())},
    )
)

register(
    Metric(
        "cross_sell_rate",
        "value",
        "orders",
        "%",
        "higher",
        "% of ordering customers who bought in two or more categories in the slice and period, Wilson interval.",
        lambda t: {"n": t.count(), "cross": (t.categories >= 2).cast("int64").sum()},
        finish_share("cross"),
        options={"prepare": _per_customer(categories=lambda t: t.category.nunique())},
    )
)

register(
    Metric(
        "repurchase_rate",
        "loyalty",
        "orders",
        "%",
        "higher",
        "% of the customers who ordered in the slice and period who ordered at least twice in it, Wilson interval.",
        lambda t: {"n": t.count(), "repeat": (t.orders >= 2).cast("int64").sum()},
        finish_share("repeat"),
        options={"prepare": _per_customer(orders=lambda t: t.count())},
    )
)


def _uptake(t: Any, keys: list[str], category: str = "") -> Any:
    if not category:
        raise ValueError("category_uptake needs category= (the value-added service's order category)")
    return t.group_by(["customer_key", *keys]).aggregate(took=(t.category == category).cast("int64").max())


def _uptake_sums(t: Any, category: str = "") -> dict[str, Any]:
    return {"n": t.count(), "took": t.took.sum()}


register(
    Metric(
        "category_uptake",
        "value",
        "orders",
        "%",
        "higher",
        "Uptake of a value-added service or cross-sold category: % of the customers who ordered in the slice and "
        "period who ordered in category= (e.g. 服务套餐), Wilson interval.",
        _uptake_sums,
        finish_share("took"),
        options={"prepare": _uptake, "category": ""},
    )
)
