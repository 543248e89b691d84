"""Customer value and segments: RFM, cohorts, segmentation, lifecycle stages, satisfaction × value.

The heavy work — aggregating the order lines per customer, cohort and month — runs as Ibis expressions on a
workspace's :class:`~cxlens.metrics.engines.Analytics` connection (DuckDB locally, Spark at scale); numpy,
pandas and scikit-learn work only on the per-customer results (scores, clusters, the returned tables).

>>> from cxlens.value import DEFAULT_RULES
>>> sorted(DEFAULT_RULES)[:3]
['about_to_sleep', 'at_risk', 'cant_lose_them']
"""

from __future__ import annotations

from cxlens.value.cohorts import cohort_matrix, cohort_pivot, repeat_customers
from cxlens.value.lifecycle import LifecycleRules, high_value_customers, lifecycle, lifecycle_counts
from cxlens.value.matrix import ValueMatrix, satisfaction_value_matrix
from cxlens.value.rfm import DEFAULT_RULES, check_rules, load_rules, rfm, rfm_profiles
from cxlens.value.segments import (
    CustomerSegmenter,
    Segmentation,
    customer_features,
    demographic_profile,
    segment_customers,
)

__all__ = [
    "DEFAULT_RULES",
    "CustomerSegmenter",
    "LifecycleRules",
    "Segmentation",
    "ValueMatrix",
    "check_rules",
    "cohort_matrix",
    "cohort_pivot",
    "customer_features",
    "demographic_profile",
    "high_value_customers",
    "lifecycle",
    "lifecycle_counts",
    "load_rules",
    "repeat_customers",
    "rfm",
    "rfm_profiles",
    "satisfaction_value_matrix",
    "segment_customers",
]
