"""Relationship quality and support degree (客户关系质量评估 / 客户支持度分析): criteria measured per customer,
weights set by experts (direct, AHP), from history (entropy, regression) or by peers (benchmark), and a
composite 0–100 score per customer, segment and period with tiers, evidence, trend and sensitivity.

>>> from cxlens.quality import default_model
>>> m = default_model()
>>> m.estimator("direct").fit().weights_.to_dict()
{'satisfaction': 0.4, 'response_speed': 0.2, 'customisation': 0.2, 'problem_solving': 0.1, 'loyalty': 0.1}
"""

from __future__ import annotations

from cxlens.quality.criteria import Criterion, Normalisation
from cxlens.quality.indicators import INDICATORS, list_indicators
from cxlens.quality.model import ModelError, ScoringModel, default_model, load_model, parse_model
from cxlens.quality.score import (
    PeriodScores,
    Scores,
    compare_weights,
    fit_weights,
    score_customers,
    score_periods,
    segment_scores,
    sensitivity,
)
from cxlens.quality.weights import (
    AHPWeights,
    BenchmarkWeights,
    DirectWeights,
    EntropyWeights,
    InconsistentJudgementsError,
    RegressionWeights,
)

__all__ = [
    "INDICATORS",
    "AHPWeights",
    "BenchmarkWeights",
    "Criterion",
    "DirectWeights",
    "EntropyWeights",
    "InconsistentJudgementsError",
    "ModelError",
    "Normalisation",
    "PeriodScores",
    "RegressionWeights",
    "Scores",
    "ScoringModel",
    "compare_weights",
    "default_model",
    "fit_weights",
    "list_indicators",
    "load_model",
    "parse_model",
    "score_customers",
    "score_periods",
    "segment_scores",
    "sensitivity",
]
