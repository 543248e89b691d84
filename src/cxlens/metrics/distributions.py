"""Score distributions: how many answered each point of a rating question's scale (0, 1, …, 10 on an NPS
question; 1 … 5 or 1 … 7 on CSAT and CES questions), with each point's share and its 95 % Wilson interval,
sliced by any answer dimension and period like every metric (``cxlens.metrics.compute``).

Definition. For a question with scale ``scale_min … scale_max`` (from the question's definition; an NPS
question is always 0–10), the scale points are ``k = scale_min, scale_min + 1, …, scale_max``. In each
slice (the ``by`` columns and, with ``every``, the period) let ``n`` be the number of non-missing answers and
``count_k`` the number equal to ``k``. Then

    share_k = 100 · count_k / n   (%),

and ``[ci_low, ci_high]`` is the Wilson score interval of ``count_k / n`` (Wilson 1927), which stays inside
0–100 % and keeps its coverage for small n and shares near 0 or 100 % (Agresti & Coull 1998; Brown, Cai &
DasGupta 2001), where the normal (Wald) interval does not. Each interval is for one point on its own (a
marginal 95 % interval), not a simultaneous band over the whole distribution (for that see Goodman 1965).

Every scale point is present in every slice, with ``count = 0`` where nobody chose it. An answer between
two points (3.5 on a 1–5 scale, which an import may hold for a CSAT question) counts in ``n`` but at no
point, and is reported in ``off_scale``: the shares of a slice then sum to ``100 · (1 − off_scale / n)``.

The counts are one Ibis aggregate (one conditional count per scale point, grouped by slice and period), so
the same definition runs on DuckDB, PostgreSQL and Spark; shares and intervals are closed form
(``metrics/intervals.py``). cxlens stores no survey (sampling) weights on responses, so the metric layer —
this function included — counts every answer once; weighted frequencies of a survey variable are
``cxlens.stats.descriptives.frequencies(..., weights=…)``.

For NPS questions the ``band`` column names each point's group — ``detractor`` (0–6), ``passive`` (7–8),
``promoter`` (9–10) (Reichheld 2003) — so that the distribution and ``nps`` tell the same story; it is
null for other question types.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. *JASA* 22(158),
209–212. · Agresti, A. & Coull, B. A. (1998). Approximate is better than "exact" for interval estimation of
binomial proportions. *The American Statistician* 52(2), 119–126. · Brown, L. D., Cai, T. T. & DasGupta, A.
(2001). Interval estimation for a binomial proportion. *Statistical Science* 16(2), 101–133. · Goodman, L. A.
(1965). On simultaneous confidence intervals for multinomial proportions. *Technometrics* 7(2), 247–254. ·
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review* 81(12), 46–54.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from cxlens.exceptions import UndefinedMetricWarning
from cxlens.metrics.engines import Analytics
from cxlens.metrics.intervals import wilson_interval
from cxlens.metrics.slicing import PERIODS, _analytics, _frozen, _period, _remember
from cxlens.metrics.sources import DIMENSIONS, source
from cxlens.model.tables import ANSWER_QUESTION_TYPES
from cxlens.store import Workspace

__all__ = ["MAX_POINTS", "NPS_BANDS", "Scale", "distribution", "question_scale", "scored_questions"]

#: the most scale points a distribution has (a 0–100 slider); wider numeric questions are summarised by
#: ``cxlens stats describe`` (quantiles) instead
MAX_POINTS = 101
#: NPS groups by score (Reichheld 2003)
NPS_BANDS: tuple[tuple[str, float, float], ...] = (("detractor", 0, 6), ("passive", 7, 8), ("promoter", 9, 10))
_COLUMNS = ("score", "band", "count", "n", "share", "ci_low", "ci_high", "off_scale")
#: results by (backend, request), valid while the workspace's data version is unchanged (as ``compute``'s)
_RESULTS: dict[Any, tuple[Any, pd.DataFrame]] = {}


@dataclass(frozen=True, slots=True)
class Scale:
    """A question's type and scale, as the distribution reads it."""

    question: str
    type: str
    low: float
    high: float
    surveys: tuple[str, ...]

    @property
    def points(self) -> list[float]:
        """The scale points low, low + 1, …, ≤ high."""
        return [self.low + i for i in range(int(math.floor(self.high - self.low + 1e-9)) + 1)]


def scored_questions(where: Workspace | Analytics, survey: str | None = None) -> pd.DataFrame:
    """Every question a score distribution can be drawn for: numeric types (nps, csat, ces, rating, likert,
    number) with a scale. Columns ``survey``, ``question``, ``type``, ``scale_min``, ``scale_max`` (an NPS
    question is 0–10 whatever is stored), ordered by survey and position."""
    an = _analytics(where)
    q, s = an.table("questions"), an.table("surveys")
    rows = q.join(s, q.survey_id == s.id).select(
        survey=s.code, question=q.code, type=q.type, scale_min=q.scale_min, scale_max=q.scale_max, position=q.position
    )
    rows = rows.filter(rows.type.isin(list(ANSWER_QUESTION_TYPES)))
    if survey is not None:
        rows = rows.filter(rows.survey == survey)
    frame = an.execute(rows).sort_values(["survey", "position"], ignore_index=True)
    nps = frame["type"] == "nps"
    frame.loc[nps, "scale_min"], frame.loc[nps, "scale_max"] = 0.0, 10.0
    frame = frame[frame["scale_min"].notna() & frame["scale_max"].notna()]
    return (
        frame.drop(columns="position").astype({"scale_min": "float64", "scale_max": "float64"}).reset_index(drop=True)
    )


def question_scale(where: Workspace | Analytics, question: str, survey: str | None = None) -> Scale:
    """The type and scale of question code ``question`` (in ``survey``, or in every survey that has it).

    Raises ``ValueError`` when no survey has the question, when it is not a numeric question with a scale,
    or when surveys define it differently (then ``survey=`` chooses one)."""
    an = _analytics(where)
    q, s = an.table("questions"), an.table("surveys")
    rows = q.join(s, q.survey_id == s.id).filter(q.code == question)
    if survey is not None:
        rows = rows.filter(s.code == survey)
    found = an.execute(rows.select(survey=s.code, type=q.type, scale_min=q.scale_min, scale_max=q.scale_max))
    where_ = f" in survey {survey!r}" if survey is not None else ""
    if found.empty:
        known = scored_questions(an, survey)["question"].drop_duplicates().tolist()
        hint = f"; questions with a scale{where_}: {', '.join(known[:30])}" if known else ""
        raise ValueError(f"unknown question {question!r}{where_}{hint}")
    bad = found[~found["type"].isin(ANSWER_QUESTION_TYPES)]
    if len(bad):
        raise ValueError(
            f"question {question!r} is a {bad['type'].iloc[0]!r} question{where_}; a score distribution needs a "
            f"numeric question ({', '.join(ANSWER_QUESTION_TYPES)})"
        )
    nps = found["type"] == "nps"
    found.loc[nps, "scale_min"], found.loc[nps, "scale_max"] = 0.0, 10.0
    if found["scale_min"].isna().any() or found["scale_max"].isna().any():
        raise ValueError(f"question {question!r}{where_} has no scale (scale_min … scale_max); nothing to count")
    kinds = found[["type", "scale_min", "scale_max"]].drop_duplicates()
    if len(kinds) > 1:
        defs = "; ".join(f"{r.survey}: {r.type} {r.scale_min:g}–{r.scale_max:g}" for r in found.itertuples())
        raise ValueError(f"question {question!r} is defined differently in several surveys ({defs}); give survey=")
    row = kinds.iloc[0]
    scale = Scale(question, str(row["type"]), float(row["scale_min"]), float(row["scale_max"]), tuple(found["survey"]))
    if len(scale.points) > MAX_POINTS:
        raise ValueError(
            f"question {question!r} has {len(scale.points)} scale points ({scale.low:g}–{scale.high:g}); a score "
            f"distribution shows at most {MAX_POINTS} (use `cxlens stats describe` for its quantiles)"
        )
    return scale


def _check(by: Sequence[str], every: str | None, filters: Mapping[str, Any]) -> None:
    allowed = DIMENSIONS["answers"]
    bad = [b for b in by if b not in allowed]
    if bad:
        raise ValueError(f"a score distribution cannot be sliced by {', '.join(bad)}; it can by {', '.join(allowed)}")
    bad = [f for f in filters if f not in allowed]
    if bad:
        raise ValueError(f"a score distribution cannot be filtered by {', '.join(bad)}; it can by {', '.join(allowed)}")
    if "question" in by:
        raise ValueError("a score distribution is of one question: slice it by another dimension than question")
    if every is not None and every not in PERIODS:
        raise ValueError(f"every must be one of {', '.join(PERIODS)}, not {every!r}")


def counts_expr(
    an: Analytics,
    scale: Scale,
    keys: list[str],
    every: str | None,
    start: datetime | None,
    end: datetime | None,
    filters: Mapping[str, Any],
    survey: str | None,
) -> Any:
    """The Ibis expression: per slice (and period) ``n`` and one count per scale point (``c0``, ``c1`` …)."""
    need = {"question", *keys, *filters} | ({"survey"} if survey is not None else set())
    t = source(an.backend, "answers", need)
    t = t.filter((t.question == scale.question) & t.value_number.notnull())
    if survey is not None:
        t = t.filter(t.survey == survey)
    for column, value in filters.items():
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        t = t.filter(t[column].isin(values))
    if start is not None:
        t = t.filter(t.at >= start)
    if end is not None:
        t = t.filter(t.at < end)
    group = list(keys)
    if every is not None:
        t = t.mutate(period=_period(t, every))
        group.append("period")
    v = t.value_number
    aggregates = {"n": v.count()} | {f"c{i}": (v == k).cast("int64").sum() for i, k in enumerate(scale.points)}
    return t.group_by(group).aggregate(**aggregates) if group else t.aggregate(**aggregates)


def _band(scale: Scale, score: float) -> str | None:
    if scale.type != "nps":
        return None
    return next(name for name, low, high in NPS_BANDS if low <= score <= high)


def _finish(wide: pd.DataFrame, scale: Scale, keys: list[str]) -> pd.DataFrame:
    """Wide counts → one row per slice and scale point, with share, Wilson interval and off-scale count."""
    points = scale.points
    wide = wide.copy()
    count_cols = [f"c{i}" for i in range(len(points))]
    for column in ["n", *count_cols]:  # aggregates of an empty selection come back as None
        wide[column] = pd.to_numeric(wide[column], errors="coerce").fillna(0).astype("int64")
    wide["off_scale"] = wide["n"] - wide[count_cols].sum(axis=1)
    if "period" in wide:
        wide["period"] = pd.to_datetime(wide["period"]).astype("datetime64[us]")
    long = wide.melt(id_vars=[*keys, "n", "off_scale"], value_vars=count_cols, var_name="point", value_name="count")
    index = long["point"].str[1:].astype("int64")
    whole = all(float(p).is_integer() for p in points)
    long["score"] = index.map(lambda i: int(points[i]) if whole else float(points[i]))
    long["band"] = long["score"].map(lambda k: _band(scale, float(k)))
    long["share"], long["ci_low"], long["ci_high"] = wilson_interval(long["count"], long["n"])
    # the Wilson bounds at a share of 0 or 100 % are exactly 0 and 100 % (not 1e-15 off by rounding)
    answered = long["n"] > 0
    long.loc[answered & (long["count"] == 0), "ci_low"] = 0.0
    long.loc[answered & (long["count"] == long["n"]), "ci_high"] = 100.0
    long = long.drop(columns="point").sort_values([*keys, "score"], ignore_index=True)
    frame = long[[*keys, *_COLUMNS]].astype({"count": "int64", "n": "int64", "off_scale": "int64"})
    frame.insert(0, "question", scale.question)
    return frame


def distribution(
    where: Workspace | Analytics,
    question: str,
    *,
    by: Sequence[str] = (),
    every: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    filters: Mapping[str, Any] | None = None,
    survey: str | None = None,
) -> pd.DataFrame:
    """The score distribution of ``question``: per slice (``by``) and period (``every``), how many answered
    each point of its scale, with the share and its 95 % Wilson interval (definition in the module docstring).

    Parameters
    ----------
    where : Workspace or Analytics
        The workspace, or an open :class:`~cxlens.metrics.Analytics` connection (DuckDB, PostgreSQL, Spark).
    question : str
        The question's code; a numeric question with a scale (nps, csat, ces, rating, likert, number).
    by : sequence of str
        Answer dimensions to slice by (``survey``, ``channel``, ``segment`` …, as for satisfaction metrics).
    every : {"day", "week", "month", "quarter", "year"}, optional
        Bucket by the response's submission period (UTC).
    start, end : datetime, optional
        Keep answers submitted from ``start`` (inclusive) up to ``end`` (exclusive), UTC.
    filters : mapping, optional
        ``{dimension: value or list of values}`` to keep.
    survey : str, optional
        Only this survey's question (needed when surveys define the code with different scales).

    Returns
    -------
    pandas.DataFrame
        ``question``, the ``by`` columns, ``period`` (with ``every``), ``score`` (int when the scale points
        are whole numbers), ``band`` (NPS group or null), ``count``, ``n`` (answers in the slice), ``share``
        (%), ``ci_low``, ``ci_high`` (%) and ``off_scale`` (answers of the slice between scale points); one
        row per slice, period and scale point, sorted. A slice with no answers is absent; asked without
        slices or periods, an empty selection gives every point with n = 0, NaN shares and an
        :class:`~cxlens.exceptions.UndefinedMetricWarning`.

    Raises
    ------
    ValueError
        Unknown question, a question without a numeric scale, a code defined differently by several surveys
        (without ``survey=``), or a dimension the answers cannot be sliced or filtered by.

    Examples
    --------
    Four answers 10, 6, 8, 9 to an NPS question: one each at 6, 8, 9 and 10 (25 % each, Wilson 95 %
    interval 4.6–69.9 %), zero elsewhere; ``band`` groups them as ``nps`` does.

    >>> frame = distribution(ws, "nps")  # doctest: +SKIP
    >>> frame.loc[frame["score"] == 9, ["count", "n", "share", "band"]]  # doctest: +SKIP
       count  n  share      band
    9      1  4   25.0  promoter
    """
    keys = list(by)
    filters = dict(filters or {})
    _check(keys, every, filters)
    an = _analytics(where)
    scale = question_scale(an, question, survey)
    request = ("distribution", question, tuple(keys), every, start, end, _frozen(filters), survey)
    version = an.data_version()
    cached = _RESULTS.get((an.identity, request))
    if cached is not None and version is not None and cached[0] == version:
        frame = cached[1].copy()
    else:
        wide = an.execute(counts_expr(an, scale, keys, every, start, end, filters, survey))
        frame = _finish(wide, scale, [*keys, "period"] if every is not None else keys)
        _remember(_RESULTS, (an.identity, request), (version, frame.copy()))
    if not keys and every is None and int(frame["n"].max() if len(frame) else 0) == 0:
        warnings.warn(
            f"distribution of {question!r}: no answers in this selection (n = 0); the shares are NaN",
            UndefinedMetricWarning,
            stacklevel=2,
        )
    return frame
