"""Satisfaction metrics over survey answers: NPS, CSAT, CES, CSI and top/bottom box.

Each reads the answers of the questions of its type (or the one question named with ``question=``), on
the question's own scale, so a 1–5 and a 1–7 CSAT question are each read correctly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxlens.metrics.intervals import mean_interval, nps_interval, wilson_interval
from cxlens.metrics.registry import Metric, register

__all__ = ["finish_mean", "finish_share"]


def finish_share(col: str) -> Any:
    """``value`` = 100 × col / n (%), with the Wilson interval."""

    def finish(df: pd.DataFrame) -> pd.DataFrame:
        df["value"], df["ci_low"], df["ci_high"] = wilson_interval(df[col].fillna(0), df["n"])
        return df

    return finish


def finish_mean(df: pd.DataFrame) -> pd.DataFrame:
    """``value`` = mean, with the t interval, from n, total and total_sq."""
    df["value"], df["sd"], df["ci_low"], df["ci_high"] = mean_interval(df["n"], df["total"], df["total_sq"])
    return df.drop(columns=["total", "total_sq"])


def mean_sums(v: Any) -> dict[str, Any]:
    x = v.cast("float64")
    return {"n": x.count(), "total": x.sum(), "total_sq": (x * x).sum()}


def _nps(t: Any) -> dict[str, Any]:
    v = t.value_number
    return {"n": v.count(), "promoters": (v >= 9).cast("int64").sum(), "detractors": (v <= 6).cast("int64").sum()}


def _finish_nps(df: pd.DataFrame) -> pd.DataFrame:
    p, d = df["promoters"].fillna(0), df["detractors"].fillna(0)
    df["value"], df["se"], df["ci_low"], df["ci_high"] = nps_interval(p, d, df["n"])
    with np.errstate(invalid="ignore", divide="ignore"):
        df["promoters_pct"] = 100 * p / df["n"]
        df["detractors_pct"] = 100 * d / df["n"]
    return df


register(
    Metric(
        "nps",
        "satisfaction",
        "answers",
        "points",
        "higher",
        "Net Promoter Score: % promoters (9–10) − % detractors (0–6) among answers to 0–10 recommendation "
        "questions; interval from the multinomial variance [p_P + p_D − (p_P − p_D)²]/n.",
        _nps,
        _finish_nps,
        question_types=("nps",),
        reference="Reichheld (2003) HBR 81(12); Rocks (2016)",
    )
)

register(
    Metric(
        "csat",
        "satisfaction",
        "answers",
        "%",
        "higher",
        "CSAT: % of answers in the top two boxes of the question's own scale (4–5 on 1–5, 6–7 on 1–7), "
        "with the Wilson interval.",
        lambda t: {"n": t.value_number.count(), "satisfied": (t.value_number >= t.scale_max - 1).cast("int64").sum()},
        finish_share("satisfied"),
        question_types=("csat",),
    )
)

register(
    Metric(
        "csat_mean",
        "satisfaction",
        "answers",
        "scale points",
        "higher",
        "Mean CSAT answer on the question's scale, with Student's t interval.",
        lambda t: mean_sums(t.value_number),
        finish_mean,
        question_types=("csat",),
    )
)

register(
    Metric(
        "ces",
        "satisfaction",
        "answers",
        "scale points",
        "higher",
        "Customer Effort Score: mean answer to 'the company made it easy…' (higher = easier), t interval.",
        lambda t: mean_sums(t.value_number),
        finish_mean,
        question_types=("ces",),
        reference="Dixon et al. (2010) HBR",
    )
)

register(
    Metric(
        "ces_easy",
        "satisfaction",
        "answers",
        "%",
        "higher",
        "% of CES answers in the upper third of the scale (5–7 on 1–7, 4–5 on 1–5), Wilson interval.",
        lambda t: {
            "n": t.value_number.count(),
            "easy": (t.value_number >= t.scale_min + (t.scale_max - t.scale_min) * 2.0 / 3.0).cast("int64").sum(),
        },
        finish_share("easy"),
        question_types=("ces",),
    )
)

register(
    Metric(
        "top_box",
        "satisfaction",
        "answers",
        "%",
        "higher",
        "% of answers at the top of the question's scale (e.g. 5 on 1–5); needs question=.",
        lambda t: {"n": t.value_number.count(), "top": (t.value_number >= t.scale_max).cast("int64").sum()},
        finish_share("top"),
        needs_question=True,
    )
)

register(
    Metric(
        "bottom_box",
        "satisfaction",
        "answers",
        "%",
        "lower",
        "% of answers at the bottom of the question's scale (e.g. 1 on 1–5); needs question=.",
        lambda t: {"n": t.value_number.count(), "bottom": (t.value_number <= t.scale_min).cast("int64").sum()},
        finish_share("bottom"),
        needs_question=True,
    )
)

register(
    Metric(
        "rating_mean",
        "satisfaction",
        "answers",
        "scale points",
        "higher",
        "Mean answer of any rating/Likert question (question=) or of all rating/Likert questions, t interval.",
        lambda t: mean_sums(t.value_number),
        finish_mean,
        question_types=("rating", "likert"),
    )
)


def csi_per_response(t: Any, keys: list[str]) -> Any:
    """Each response's satisfaction index: its dimension means rescaled to 0–100, weighted by the survey's
    dimension weights over the dimensions it answered."""
    x = t.filter(t.dimension.notnull() & t.value_number.notnull() & (t.scale_max > t.scale_min))
    x = x.mutate(
        score=(x.value_number - x.scale_min) * 100.0 / (x.scale_max - x.scale_min), w=x.dimension_weight.fill_null(1.0)
    )
    per_dim = x.group_by(["response_id", "dimension", *keys]).aggregate(score=x.score.mean(), w=x.w.max())
    return per_dim.group_by(["response_id", *keys]).aggregate(csi=(per_dim.score * per_dim.w).sum() / per_dim.w.sum())


register(
    Metric(
        "csi",
        "satisfaction",
        "answers",
        "0–100",
        "higher",
        "Customer Satisfaction Index: per response, the weighted mean of its dimension scores rescaled to 0–100 "
        "(weights = the survey's dimension weights); CSI = mean over responses, t interval. Needs survey=.",
        lambda t: mean_sums(t.csi),
        finish_mean,
        needs_survey=True,
        options={"prepare": csi_per_response, "columns": ("dimension", "dimension_weight")},
    )
)


def _choice_sums(t: Any, choice: str = "") -> dict[str, Any]:
    return {"n": t.response_id.nunique(), "chose": t.response_id.nunique(where=t.choice == choice)}


def _check_choice(t: Any, keys: list[str], choice: str = "") -> Any:
    if not choice:
        raise ValueError("choice_share needs choice= (the option's code)")
    return t


register(
    Metric(
        "choice_share",
        "satisfaction",
        "answers",
        "%",
        "higher",
        "% of the respondents to question= who chose the option choice= (for multiple choice, among their "
        "options), Wilson interval. A referral rate is the choice_share of 'yes' on a referral question.",
        _choice_sums,
        finish_share("chose"),
        needs_question=True,
        options={"prepare": _check_choice, "columns": ("choice",), "choice": ""},
    )
)
