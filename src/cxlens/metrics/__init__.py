"""The metric layer: every satisfaction, loyalty, service and value KPI, defined once as Ibis expressions,
sliced any way, with n and a 95 % interval — on DuckDB or Spark.

>>> from cxlens.metrics import list_metrics
>>> "nps" in set(list_metrics()["name"])
True
"""

from __future__ import annotations

from cxlens.metrics import cases, loyalty, satisfaction, service, value  # noqa: F401  (register the metrics)
from cxlens.metrics.distributions import distribution
from cxlens.metrics.engines import Analytics
from cxlens.metrics.registry import METRICS, Metric, get_metric, list_metrics
from cxlens.metrics.slicing import PERIODS, compute

__all__ = ["METRICS", "PERIODS", "Analytics", "Metric", "compute", "distribution", "get_metric", "list_metrics"]
