"""Statistics an analyst would otherwise run in SPSS, on survey data: descriptives, cross tables, group
comparisons with the test chosen from the data, correlations, regression and key-driver analysis; questionnaire
quality (reliability, factor structure, response rate, representativeness), PLS path models of the ACSI / ECSI /
China CSI, and anomalies in metric series.

Every function takes a tidy pandas DataFrame (``survey_frame`` builds one from a workspace survey) and
returns a tidy DataFrame with ``n`` and, where one exists, a confidence interval and a p-value.
"""

from __future__ import annotations

# one import line per module; each module's names are listed in __all__ below, grouped the same way
from cxlens.stats.compare import CompareResult, compare
from cxlens.stats.correlation import correlation, correlation_matrix
from cxlens.stats.crosstab import CrosstabResult, crosstab
from cxlens.stats.csi import TEMPLATES as CSI_TEMPLATES
from cxlens.stats.csi import CSIResult, csi, csi_model
from cxlens.stats.data import dimension_scores, survey_frame, survey_questions
from cxlens.stats.descriptives import descriptives, frequencies
from cxlens.stats.drivers import KeyDriverResult, drivers, importance_performance, key_drivers
from cxlens.stats.factor import FactorAnalysisFitter, check_dimensions, efa, parallel_analysis
from cxlens.stats.regression import RegressionResult, logit, ols
from cxlens.stats.reliability import (
    bartlett_sphericity,
    cronbach_alpha,
    item_analysis,
    kmo,
    questionnaire_quality,
    representativeness,
    response_rate,
)
from cxlens.stats.structural import PLSPMFitter, plspm
from cxlens.stats.trend import anomalies, change_points, detect_anomalies

__all__ = [
    # data
    "dimension_scores",
    "survey_frame",
    "survey_questions",
    # descriptives, cross tables, comparisons, correlation, regression
    "CompareResult",
    "CrosstabResult",
    "RegressionResult",
    "compare",
    "correlation",
    "correlation_matrix",
    "crosstab",
    "descriptives",
    "frequencies",
    "logit",
    "ols",
    # key drivers
    "KeyDriverResult",
    "drivers",
    "importance_performance",
    "key_drivers",
    # questionnaire quality
    "bartlett_sphericity",
    "cronbach_alpha",
    "item_analysis",
    "kmo",
    "questionnaire_quality",
    "representativeness",
    "response_rate",
    # factor analysis
    "FactorAnalysisFitter",
    "check_dimensions",
    "efa",
    "parallel_analysis",
    # PLS path models and satisfaction indices
    "CSI_TEMPLATES",
    "CSIResult",
    "PLSPMFitter",
    "csi",
    "csi_model",
    "plspm",
    # trends
    "anomalies",
    "change_points",
    "detect_anomalies",
]
