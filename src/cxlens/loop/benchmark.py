"""Competitor benchmarking: our satisfaction and theirs side by side, by dimension, with the significance of
every gap; and the sentiment of competitor reviews by aspect against ours.

**Survey benchmark** (:func:`survey_benchmark`). A competitor survey is a survey whose ``competitor`` is set
(e.g. a market panel asked about 星辰家居). Ours is the non-competitor survey sharing most question codes with
it (or ``ours=``), read over the competitor survey's fielding window, so both describe the same months. For
each dimension, both sides are the metric layer's ``rating_mean`` of that dimension's answers; with
``same_items=True`` (default) our side keeps only the items the competitor survey asked (like for like, one
answer per respondent). Items outside a dimension that both surveys ask (``overall``) are compared too.
``gap = theirs − ours``; its test is Welch's t from the two sides' n, mean and sd, with the
Welch–Satterthwaite degrees of freedom for its 95 % interval (Welch 1947, Biometrika 34:28–35); ``p_holm``
adjusts the p-values of all gaps together (Holm 1979).

**Review sentiment** (:func:`review_benchmark`). From ``cxlens text analyze``'s aspects of feedback texts:
per aspect, the competitor's reviews (feedback whose ``competitor`` is set) against our own reviews, as the
share of positive and negative mentions and the net sentiment ``100 × mean(polarity)`` (polarity +1 / 0 / −1,
so net = % positive − % negative), whose gap is tested by Welch's t on the polarities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy import stats

from cxlens.loop._common import adjust, records
from cxlens.metrics import Analytics, compute
from cxlens.metrics.sources import source
from cxlens.store import Workspace

__all__ = ["BenchmarkResult", "benchmark", "review_benchmark", "survey_benchmark", "welch_gap"]


def welch_gap(
    mean_a: float, sd_a: float, n_a: float, mean_b: float, sd_b: float, n_b: float, alpha: float = 0.05
) -> dict[str, float]:
    """Welch's test of ``mean_b − mean_a`` from summary statistics, with its (1 − alpha) interval.

    Examples
    --------
    >>> r = welch_gap(3.9, 0.8, 400, 3.4, 0.9, 300)
    >>> round(r["gap"], 2), round(r["ci_low"], 3), round(r["ci_high"], 3), r["p_val"] < 1e-10
    (-0.5, -0.629, -0.371, True)
    """
    va, vb = sd_a**2 / n_a, sd_b**2 / n_b
    se = float(np.sqrt(va + vb))
    with np.errstate(invalid="ignore", divide="ignore"):
        df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
        tval = (mean_b - mean_a) / se
    crit = float(stats.t.ppf(1 - alpha / 2, df)) if np.isfinite(df) else float("nan")
    gap = float(mean_b - mean_a)
    return {
        "gap": gap,
        "se": se,
        "t": float(tval),
        "dof": float(df),
        "p_val": float(2 * stats.t.sf(abs(tval), df)) if np.isfinite(tval) else float("nan"),
        "ci_low": gap - crit * se,
        "ci_high": gap + crit * se,
    }


def _survey_meta(ws: Workspace) -> pd.DataFrame:
    sql = """
        SELECT s.code AS survey, k.code AS competitor, q.code AS question, q.type, d.code AS dimension
        FROM surveys s JOIN questions q ON q.survey_id = s.id
        LEFT JOIN competitors k ON k.id = s.competitor_id LEFT JOIN dimensions d ON d.id = q.dimension_id
        WHERE q.type IN ('rating', 'likert', 'csat')"""
    with ws.engine.connect() as conn:
        return pd.read_sql(sa.text(sql), conn)


def _pick(meta: pd.DataFrame, competitor: str | None, survey: str | None, ours: str | None) -> tuple[str, str]:
    theirs_all = meta[meta["competitor"].notna()]
    if survey is not None:
        theirs_all = theirs_all[theirs_all["survey"] == survey]
    if competitor is not None:
        theirs_all = theirs_all[theirs_all["competitor"] == competitor]
    if theirs_all.empty:
        raise ValueError("no competitor survey found (a survey with competitor: set, holding rating/Likert questions)")
    theirs = str(theirs_all["survey"].iloc[0])
    codes = set(theirs_all[theirs_all["survey"] == theirs]["question"])
    own = meta[meta["competitor"].isna()]
    if ours is not None:
        if ours not in set(own["survey"]):
            raise ValueError(f"survey {ours!r} is not one of our (non-competitor) surveys with scale questions")
        return theirs, ours
    shared = own[own["question"].isin(codes)].groupby("survey").size().sort_values(ascending=False)
    if shared.empty:
        raise ValueError(f"none of our surveys shares a question code with {theirs!r}; name ours=")
    return theirs, str(shared.index[0])


def _window(an: Analytics, survey: str) -> tuple[datetime, datetime]:
    rel = source(an.backend, "answers", {"survey"})
    rel = rel.filter(rel.survey == survey)
    lo, hi = an.execute(rel.aggregate(lo=rel.at.min(), hi=rel.at.max())).iloc[0]
    return pd.Timestamp(lo).to_pydatetime(), (pd.Timestamp(hi) + pd.Timedelta(microseconds=1)).to_pydatetime()


def _means(
    an: Analytics, survey: str, by: str, questions: Sequence[str], window: tuple[datetime, datetime]
) -> pd.DataFrame:
    frame = compute(
        an, "rating_mean", by=[by], survey=survey, filters={"question": list(questions)}, start=window[0], end=window[1]
    )
    return frame.set_index(by)[["value", "sd", "n"]]


def survey_benchmark(
    where: Workspace,
    *,
    competitor: str | None = None,
    survey: str | None = None,
    ours: str | None = None,
    same_items: bool = True,
    start: datetime | None = None,
    end: datetime | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Our mean and the competitor's per dimension (and shared undimensioned items), with the Welch gap test.

    Returns columns ``competitor, survey, ours_survey, item`` (dimension code or question code), ``kind``
    (dimension/question), ``ours, ours_n, theirs, theirs_n, gap, ci_low, ci_high, t, dof, p_val, p_holm,
    significant`` (Holm-adjusted p < alpha), ``better`` (who is ahead, when significant)."""
    an = Analytics.for_workspace(where)
    meta = _survey_meta(where)
    theirs, ours_code = _pick(meta, competitor, survey, ours)
    comp = str(meta.loc[meta["survey"] == theirs, "competitor"].iloc[0])
    window = _window(an, theirs)
    window = (start or window[0], end or window[1])
    t_meta = meta[meta["survey"] == theirs]
    o_meta = meta[meta["survey"] == ours_code]
    rows: list[dict[str, Any]] = []
    dims = sorted(set(t_meta["dimension"].dropna()) & set(o_meta["dimension"].dropna()))
    if dims:
        t_q = t_meta[t_meta["dimension"].isin(dims)]["question"].tolist()
        o_q = o_meta[o_meta["dimension"].isin(dims)]["question"]
        o_q = [q for q in o_q if q in set(t_q)] if same_items and set(o_q) & set(t_q) else o_q.tolist()
        rows += _rows(
            _means(an, ours_code, "dimension", o_q, window),
            _means(an, theirs, "dimension", t_q, window),
            "dimension",
            alpha,
        )
    loose = sorted(
        set(t_meta[t_meta["dimension"].isna()]["question"]) & set(o_meta[o_meta["dimension"].isna()]["question"])
    )
    if loose:
        rows += _rows(
            _means(an, ours_code, "question", loose, window),
            _means(an, theirs, "question", loose, window),
            "question",
            alpha,
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise ValueError(f"{theirs!r} and {ours_code!r} share no dimension or question to compare")
    frame["p_holm"] = adjust(frame["p_val"].to_numpy(float), "holm")
    frame["significant"] = frame["p_holm"] < alpha
    frame["better"] = np.where(~frame["significant"], "", np.where(frame["gap"] > 0, comp, "ours"))
    frame.insert(0, "ours_survey", ours_code)
    frame.insert(0, "survey", theirs)
    frame.insert(0, "competitor", comp)
    frame["window_start"], frame["window_end"] = window
    return frame


def _rows(ours: pd.DataFrame, theirs: pd.DataFrame, kind: str, alpha: float) -> list[dict[str, Any]]:
    out = []
    for item in sorted(set(ours.index) & set(theirs.index)):
        o, th = ours.loc[item], theirs.loc[item]
        test = welch_gap(o["value"], o["sd"], o["n"], th["value"], th["sd"], th["n"], alpha)
        out.append(
            {
                "item": item,
                "kind": kind,
                "ours": float(o["value"]),
                "ours_n": int(o["n"]),
                "theirs": float(th["value"]),
                "theirs_n": int(th["n"]),
                **{k: test[k] for k in ("gap", "ci_low", "ci_high", "t", "dof", "p_val")},
            }
        )
    return out


_POLARITY = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}


def review_benchmark(
    where: Workspace, *, competitor: str | None = None, source_types: Sequence[str] = ("review",), alpha: float = 0.05
) -> pd.DataFrame:
    """Per aspect: our reviews' and the competitor's sentiment (text aspects), with the Welch test of the gap in
    net sentiment. Empty when the texts have not been analysed (``cxlens text analyze``)."""
    sql = """
        SELECT k.code AS competitor, ta.aspect, ta.label
        FROM text_aspects ta JOIN feedback f ON ta.source = 'feedback' AND f.id = ta.source_id
        LEFT JOIN competitors k ON k.id = f.competitor_id
        WHERE f.source_type IN :types"""
    with where.engine.connect() as conn:
        rows = pd.read_sql(
            sa.text(sql).bindparams(sa.bindparam("types", expanding=True)), conn, params={"types": list(source_types)}
        )
    columns = [
        "competitor",
        "aspect",
        "ours_n",
        "ours_positive_pct",
        "ours_negative_pct",
        "ours_net",
        "theirs_n",
        "theirs_positive_pct",
        "theirs_negative_pct",
        "theirs_net",
        "gap",
        "ci_low",
        "ci_high",
        "p_val",
        "p_holm",
        "significant",
    ]
    theirs = rows[rows["competitor"].notna()]
    if competitor is not None:
        theirs = theirs[theirs["competitor"] == competitor]
    if rows.empty or theirs.empty:
        return pd.DataFrame(columns=columns)
    comp = str(theirs["competitor"].iloc[0])
    theirs = theirs[theirs["competitor"] == comp]
    ours = rows[rows["competitor"].isna()]
    out = []
    for aspect in sorted(set(ours["aspect"]) & set(theirs["aspect"])):
        o = ours.loc[ours["aspect"] == aspect, "label"].map(_POLARITY).dropna().to_numpy()
        th = theirs.loc[theirs["aspect"] == aspect, "label"].map(_POLARITY).dropna().to_numpy()
        if len(o) < 2 or len(th) < 2:
            continue
        test = welch_gap(o.mean(), o.std(ddof=1), len(o), th.mean(), th.std(ddof=1), len(th), alpha)
        out.append(
            {
                "competitor": comp,
                "aspect": aspect,
                "ours_n": len(o),
                "ours_positive_pct": 100 * float((o > 0).mean()),
                "ours_negative_pct": 100 * float((o < 0).mean()),
                "ours_net": 100 * float(o.mean()),
                "theirs_n": len(th),
                "theirs_positive_pct": 100 * float((th > 0).mean()),
                "theirs_negative_pct": 100 * float((th < 0).mean()),
                "theirs_net": 100 * float(th.mean()),
                "gap": 100 * test["gap"],
                "ci_low": 100 * test["ci_low"],
                "ci_high": 100 * test["ci_high"],
                "p_val": test["p_val"],
            }
        )
    frame = pd.DataFrame(out, columns=[c for c in columns if c not in ("p_holm", "significant")])
    frame["p_holm"] = adjust(frame["p_val"].to_numpy(float), "holm")
    frame["significant"] = frame["p_holm"] < alpha
    return frame[columns]


@dataclass
class BenchmarkResult:
    surveys: pd.DataFrame
    reviews: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {"surveys": records(self.surveys), "reviews": records(self.reviews)}


def benchmark(
    where: Workspace, *, competitor: str | None = None, alpha: float = 0.05, **survey_options: Any
) -> BenchmarkResult:
    """:func:`survey_benchmark` and :func:`review_benchmark` together (a workspace may have only one of them)."""
    try:
        surveys = survey_benchmark(where, competitor=competitor, alpha=alpha, **survey_options)
    except ValueError as err:
        if "no competitor survey" not in str(err):
            raise
        surveys = pd.DataFrame()
    reviews = review_benchmark(where, competitor=competitor, alpha=alpha)
    if surveys.empty and reviews.empty:
        raise ValueError(
            "nothing to benchmark: import a competitor survey (competitor: in its YAML) or competitor reviews "
            "(feedback with a competitor) and run `cxlens text analyze`"
        )
    return BenchmarkResult(surveys, reviews)
