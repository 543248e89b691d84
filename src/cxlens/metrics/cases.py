"""Closed-loop case metrics (``cxlens.loop.cases``): how fast follow-up cases are closed, and how many close
within their SLA. Cases are timed from ``opened_at``; the source is the ``cases`` table (``metrics/sources.py``).
"""

from __future__ import annotations

from typing import Any

from cxlens.metrics.registry import Metric, register
from cxlens.metrics.satisfaction import finish_share
from cxlens.metrics.service import _TIME_HELP, _finish_time, _order_statistics, _time

__all__: list[str] = []


register(
    Metric(
        "case_time_to_close",
        "service",
        "cases",
        "hours",
        "lower",
        "Hours from a follow-up case's opening to its closing (status closed), closed cases only, by the period "
        "the case was opened: " + _TIME_HELP + ".",
        _time("close_hours"),
        _finish_time,
        reference="Closed-loop feedback management: Markey & Reichheld, The Ultimate Question 2.0 (2011), ch. 7.",
        options={"post": _order_statistics, "median_ci": "grid", "sample": "close_hours"},
    )
)


def _in_sla(t: Any) -> dict[str, Any]:
    closed = t.closed_at.notnull()
    decided = closed | (t.due_at < t.as_of)
    met = (closed & (t.closed_at <= t.due_at)).cast("int64")
    return {"n": decided.cast("int64").sum(), "met": met.sum()}


register(
    Metric(
        "case_closed_in_sla",
        "service",
        "cases",
        "%",
        "higher",
        "% of follow-up cases closed by their due date (opened_at + the rule's SLA). A case counts once it is "
        "decided: closed, or still open past its due date as of the latest case activity in the workspace "
        "(the newest updated_at), which is a miss; cases open and not yet due are left out. Wilson interval.",
        _in_sla,
        finish_share("met"),
    )
)
