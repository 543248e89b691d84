"""The metric registry: every metric is a record here, like datasette's SETTINGS, so the CLI, the API and
the docs all list from one place.

A metric is two functions. ``aggregate(t)`` maps an Ibis table (already filtered to the metric's rows) to
named Ibis aggregate expressions — exact counts, sums and quantiles that any engine computes the same.
``finish(df)`` turns those columns into ``value``, ``n``, ``ci_low`` and ``ci_high`` in closed form
(``metrics/intervals.py``). Nothing else in cxlens computes a KPI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

__all__ = ["METRICS", "Metric", "get_metric", "list_metrics", "register"]

Source = Literal["answers", "responses", "tickets", "orders", "feedback", "customers", "cases"]
Aggregate = Callable[[Any], dict[str, Any]]
Finish = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True, slots=True)
class Metric:
    """One KPI: where its rows come from, how they aggregate, and how the result is read."""

    name: str
    family: Literal["satisfaction", "loyalty", "service", "value"]
    source: Source
    unit: str
    direction: Literal["higher", "lower"]
    help: str
    aggregate: Aggregate
    finish: Finish
    question_types: tuple[str, ...] = ()
    needs_question: bool = False
    needs_survey: bool = False
    reference: str = ""
    row_filter: Callable[[Any], Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)


METRICS: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    if metric.name in METRICS:
        raise ValueError(f"metric {metric.name!r} is registered twice")
    METRICS[metric.name] = metric
    return metric


def get_metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; metrics are: {', '.join(sorted(METRICS))}") from None


def list_metrics() -> pd.DataFrame:
    """Every metric with its family, unit, direction and definition."""
    rows = [
        {
            "name": m.name,
            "family": m.family,
            "source": m.source,
            "unit": m.unit,
            "direction": m.direction,
            "definition": m.help,
            "reference": m.reference,
        }
        for m in METRICS.values()
    ]
    return pd.DataFrame(rows).sort_values(["family", "name"], ignore_index=True)
