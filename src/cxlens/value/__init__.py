"""Customer value and segments: RFM, cohorts, segmentation, lifecycle stages, satisfaction × value, and the
models of future value — BG/NBD + Gamma-Gamma lifetime value, sBG retention, churn risk.

The heavy work — aggregating the order lines per customer, cohort and month — runs as Ibis expressions on a
workspace's :class:`~cxlens.metrics.engines.Analytics` connection (DuckDB locally, Spark at scale); numpy,
pandas and scikit-learn work only on the per-customer results (scores, clusters, the returned tables).

>>> from cxlens.value import DEFAULT_RULES
>>> sorted(DEFAULT_RULES)[:3]
['about_to_sleep', 'at_risk', 'cant_lose_them']
"""

from __future__ import annotations

from cxlens.value.churn import ChurnClassifier, churn_risk, cross_validated_auc
from cxlens.value.clv import BetaGeoFitter, GammaGammaFitter, customer_lifetime_value
from cxlens.value.cohorts import cohort_matrix, cohort_pivot, repeat_customers
from cxlens.value.lifecycle import LifecycleRules, high_value_customers, lifecycle, lifecycle_counts
from cxlens.value.matrix import ValueMatrix, satisfaction_value_matrix
from cxlens.value.retention import ShiftedBetaGeometricFitter
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
    "BetaGeoFitter",
    "ChurnClassifier",
    "CustomerSegmenter",
    "GammaGammaFitter",
    "LifecycleRules",
    "Segmentation",
    "ShiftedBetaGeometricFitter",
    "ValueMatrix",
    "check_rules",
    "churn_risk",
    "cohort_matrix",
    "cohort_pivot",
    "cross_validated_auc",
    "customer_features",
    "customer_lifetime_value",
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
