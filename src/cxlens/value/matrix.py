"""Satisfaction × value: who to protect, who to grow, who to fix.

Per customer with a satisfaction answer:

* **satisfaction** — the latest answer read through the metric layer's ``answers`` source
  (:func:`cxlens.value.segments.latest_answers`): the 0–10 recommendation answer (``measure="nps"``) or
  the CSAT answer rescaled to 0–100 on its own scale (``measure="csat"``). It is **high** at or above
  ``satisfied_at``: by default 7 for NPS (not a detractor, Reichheld 2003) and 75 for CSAT (4 or 5 on a
  1–5 scale, the top two boxes).
* **value** — revenue in the ``value_days`` (365) days before *as of*, or any per-customer value the caller
  gives (e.g. CLV from :mod:`cxlens.value.clv`) as a frame with ``customer_id`` and ``value`` columns. It
  is **high** at or above the ``value_pct`` (80th) percentile of the customers in the matrix, i.e. the top
  20 % by default.

Quadrants (the importance–performance logic of Martilla & James 1977, J. Marketing 41(1), applied to
customers): high value & high satisfaction → **protect** (keep them: recognition, priority service);
high value & low satisfaction → **fix** (valuable and at risk: follow up first); low value & high
satisfaction → **grow** (cross-sell, referral); low value & low satisfaction → **deprioritise** (address
through the common issues, not one by one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from cxlens.metrics.engines import Analytics
from cxlens.store import Workspace
from cxlens.value.rfm import analytics, default_as_of
from cxlens.value.segments import latest_answers

__all__ = ["QUADRANTS", "ValueMatrix", "quadrant_label", "satisfaction_value_matrix"]

#: quadrant → (中文, English, action 中文, action English)
QUADRANTS: dict[str, tuple[str, str, str, str]] = {
    "protect": (
        "重点保持",
        "protect",
        "高价值且满意:重点维护(认可、优先服务)",
        "valuable and satisfied: keep them (recognition, priority service)",
    ),
    "fix": (
        "优先修复",
        "fix",
        "高价值但不满意:优先回访,解决其问题",
        "valuable but dissatisfied: follow up first, fix their issues",
    ),
    "grow": (
        "培育增长",
        "grow",
        "满意但价值低:培育增长(交叉销售、推荐)",
        "satisfied but of low value: grow them (cross-sell, referral)",
    ),
    "deprioritise": (
        "低优先级",
        "deprioritise",
        "价值低且不满意:通过共性问题改进,不逐一跟进",
        "low value and dissatisfied: address through common issues",
    ),
}
_DEFAULT_SATISFIED = {"nps": 7.0, "csat": 75.0}


def quadrant_label(quadrant: str, lang: str = "en") -> str:
    zh, en, _, _ = QUADRANTS[quadrant]
    return zh if lang == "zh" else en


@dataclass
class ValueMatrix:
    """``customers``: one row per customer with an answer (customer_key, customer_id, satisfaction,
    answered_at, value, high_satisfaction, high_value, quadrant, quadrant_label); ``summary``: one row per
    quadrant (n, share, value, value_share, mean satisfaction, action); ``thresholds``: the cut-offs used;
    ``without_answer``: customers left out for want of a satisfaction answer."""

    customers: pd.DataFrame
    summary: pd.DataFrame
    thresholds: dict[str, Any]
    without_answer: int


def _revenue(an: Analytics, as_of: datetime, days: int) -> Any:
    o = an.table("orders")
    o = o.filter((o.ordered_at < as_of) & (o.ordered_at >= as_of - timedelta(days=days)))
    return o.group_by(ck=o.customer_id).aggregate(value=o.amount.sum().cast("float64"))


def _given_value(an: Analytics, value: pd.DataFrame) -> pd.DataFrame:
    if "value" not in value.columns or not ({"customer_id", "customer_key"} & set(value.columns)):
        raise ValueError("value= must be a frame with a 'value' column and 'customer_id' or 'customer_key'")
    if not pd.api.types.is_numeric_dtype(value["value"]):
        raise ValueError("value=: the 'value' column must be numeric")
    if "customer_key" in value.columns:
        return value[["customer_key", "value"]]
    c = an.table("customers")
    keys = an.execute(c.select(customer_key=c.id, customer_id=c.external_id))
    merged = value[["customer_id", "value"]].astype({"customer_id": str}).merge(keys, on="customer_id", how="left")
    unknown = merged.loc[merged["customer_key"].isna(), "customer_id"].tolist()
    if unknown:
        raise ValueError(f"value=: unknown customer id(s) {', '.join(map(str, unknown[:5]))}")
    return merged[["customer_key", "value"]]


def satisfaction_value_matrix(
    where: Workspace | Analytics,
    *,
    measure: str = "nps",
    value: pd.DataFrame | None = None,
    value_days: int = 365,
    value_pct: float = 80.0,
    satisfied_at: float | None = None,
    as_of: datetime | None = None,
    lang: str = "en",
) -> ValueMatrix:
    """Place every customer with a satisfaction answer in one of the four quadrants (module docstring).

    Customers without a value (no order in the window) count as value 0."""
    if not 0 < value_pct < 100:
        raise ValueError(f"value_pct must lie strictly between 0 and 100, not {value_pct}")
    if value_days < 1:
        raise ValueError(f"value_days must be at least 1, not {value_days}")
    an = analytics(where)
    sat = latest_answers(an, measure, as_of=as_of)
    c = an.table("customers")
    people = c.select(customer_key=c.id, customer_id=c.external_id)
    rows = people.left_join(sat, people.customer_key == sat.customer_key).select(
        people.customer_key, people.customer_id, satisfaction=sat.value, answered_at=sat.answered_at
    )
    if value is None:
        cutoff = as_of or default_as_of(an)
        rev = _revenue(an, cutoff, value_days)
        rows = rows.left_join(rev, rows.customer_key == rev.ck).drop("ck")
        frame = an.execute(rows.order_by("customer_key"))
    else:
        frame = an.execute(rows.order_by("customer_key")).merge(_given_value(an, value), how="left")
    frame["value"] = frame["value"].astype("float64").fillna(0.0)
    answered = frame[frame["satisfaction"].notna()].reset_index(drop=True)
    cut_sat = float(satisfied_at if satisfied_at is not None else _DEFAULT_SATISFIED[measure])
    cut_value = float(np.percentile(answered["value"], value_pct)) if len(answered) else np.nan
    answered["high_satisfaction"] = answered["satisfaction"] >= cut_sat
    answered["high_value"] = (answered["value"] >= cut_value) & (answered["value"] > 0)
    answered["quadrant"] = np.select(
        [
            answered["high_value"] & answered["high_satisfaction"],
            answered["high_value"],
            answered["high_satisfaction"],
        ],
        ["protect", "fix", "grow"],
        default="deprioritise",
    )
    answered["quadrant_label"] = answered["quadrant"].map({q: quadrant_label(q, lang) for q in QUADRANTS})
    answered["answered_at"] = pd.to_datetime(answered["answered_at"]).astype("datetime64[us]")
    thresholds = {
        "measure": measure,
        "satisfied_at": cut_sat,
        "value": "given" if value is not None else f"revenue in the last {value_days} days",
        "value_pct": value_pct,
        "high_value_at": cut_value,
    }
    return ValueMatrix(answered, _summary(answered, lang), thresholds, int(len(frame) - len(answered)))


def _summary(customers: pd.DataFrame, lang: str) -> pd.DataFrame:
    total_n, total_value = len(customers), float(customers["value"].sum())
    rows = []
    for q, (zh, en, action_zh, action_en) in QUADRANTS.items():
        part = customers[customers["quadrant"] == q]
        rows.append(
            {
                "quadrant": q,
                "label": zh if lang == "zh" else en,
                "n": len(part),
                "share": 100 * len(part) / total_n if total_n else np.nan,
                "value": float(part["value"].sum()),
                "value_share": 100 * float(part["value"].sum()) / total_value if total_value else np.nan,
                "satisfaction_mean": float(part["satisfaction"].mean()) if len(part) else np.nan,
                "action": action_zh if lang == "zh" else action_en,
            }
        )
    return pd.DataFrame(rows)
