"""Survey responses as an analysis-ready table: one row per response, one column per question.

Storage is long (``answers`` / ``answer_facts``: one row per answer, STYLE.md §6); statistics want the wide
shape an analyst knows from SPSS. :func:`survey_frame` pivots one survey's answers **on the engine** (one
grouped aggregate over ``answer_facts``, so it runs unchanged on DuckDB and Spark through
:class:`~cxlens.metrics.Analytics`), joins each response's own columns and the requested customer
dimensions, and returns a pandas DataFrame. :func:`survey_questions` describes the columns (type, scale,
dimension, weights, label), and :func:`dimension_scores` adds one score per dimension (the mean of the
dimension's answered items), the usual input of a key-driver analysis.

Column conventions of :func:`survey_frame`
-------------------------------------------
``response_id``
    The response's id in the source file (``responses.external_id``), or the stored id when it had none.
``customer_id``
    The customer's external id (``C00001``), missing for anonymous responses.
``submitted_at``, ``channel``, ``language``
    The response's own columns (UTC timestamps).
``segment``, ``region``, ``industry`` or any customer attribute key (``age``, ``member_tier`` …)
    Only those asked for with ``by=``.
one column per question code
    * ``nps``, ``csat``, ``ces``, ``rating``, ``likert``, ``number``: the answer as ``float64`` (NaN when
      the question was not answered);
    * ``single``: the choice code, as a pandas ``Categorical`` whose categories are the question's choices
      in questionnaire order (NaN when unanswered);
    * ``multi``: one ``float64`` 0/1 indicator column per choice, named ``<code>__<choice>`` (NaN when the
      question was not answered at all, so "not chosen" and "not asked" stay apart);
    * ``text``: the answer text (``object``), only with ``text=True``.

A question whose code equals one of the response columns above is named ``q_<code>`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import ibis
import numpy as np
import pandas as pd

from cxlens.metrics.engines import Analytics
from cxlens.store import Workspace

__all__ = [
    "META_COLUMNS",
    "NUMERIC_TYPES",
    "check_columns",
    "dimension_scores",
    "numeric_column",
    "survey_frame",
    "survey_questions",
]

#: question types whose answers are numbers (one float column each)
NUMERIC_TYPES = ("nps", "csat", "ces", "rating", "likert", "number")
#: the response columns every :func:`survey_frame` starts with
META_COLUMNS = ("response_id", "customer_id", "submitted_at", "channel", "language")
_CUSTOMER = ("segment", "region", "industry")


def _analytics(source: Workspace | Analytics) -> Analytics:
    if isinstance(source, Analytics):
        return source
    if isinstance(source, Workspace):
        return Analytics.for_workspace(source)
    raise TypeError(f"expected a Workspace or an Analytics connection, not {type(source).__name__}")


def _survey_id(an: Analytics, survey: str) -> int:
    s = an.table("surveys")
    found = an.execute(s.select(s.id, s.code))
    match = found[found["code"] == survey]
    if match.empty:
        known = ", ".join(sorted(found["code"])) or "none"
        raise ValueError(f"no survey {survey!r} in this workspace; surveys are: {known}")
    return int(match["id"].iloc[0])


def survey_questions(source: Workspace | Analytics, survey: str, *, lang: str | None = None) -> pd.DataFrame:
    """The questions of ``survey``, one row each in questionnaire order.

    Parameters
    ----------
    source : Workspace or Analytics
        The workspace, or an open :class:`~cxlens.metrics.Analytics` connection to it.
    survey : str
        The survey code.
    lang : str, optional
        Language of ``label`` (``zh``, ``en`` …); default: the survey's default language, falling back to any
        stored text.

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``type``, ``scale_min``, ``scale_max`` (NaN for unscaled types; ``nps`` is 0–10),
        ``dimension`` (code, or None), ``dimension_weight`` (the declared weight of the dimension),
        ``weight`` (the question's own declared weight), ``position``, ``required``, ``parent`` (the code of
        the matrix parent, or None), ``choices`` (tuple of choice codes in order; empty for non-choice
        types), ``columns`` (tuple of the :func:`survey_frame` columns holding it), ``label`` and ``id``
        (the stored question id).
    """
    an = _analytics(source)
    sid = _survey_id(an, survey)
    q, d, ch, tx, s = (an.table(n) for n in ("questions", "dimensions", "choices", "texts", "surveys"))
    qs = an.execute(q.filter(q.survey_id == sid))
    dims = an.execute(
        d.filter(d.survey_id == sid).select(dimension_id=d.id, dimension=d.code, dimension_weight=d.weight)
    )
    ids = [int(i) for i in qs["id"]]
    choices = (
        an.execute(ch.filter(ch.question_id.isin(ids)).select(ch.question_id, ch.code, ch.position)) if ids else None
    )
    texts = an.execute(tx.filter((tx.entity == "question") & tx.entity_id.isin(ids))) if ids else None
    default = an.execute(s.filter(s.id == sid).select(s.default_language))["default_language"].iloc[0]
    qs = qs.merge(dims, on="dimension_id", how="left").sort_values("position", kind="stable")
    parents = dict(zip(qs["id"], qs["code"], strict=True))
    rows = []
    for row in qs.itertuples(index=False):
        codes: tuple[str, ...] = ()
        if choices is not None:
            mine = choices[choices["question_id"] == row.id].sort_values("position")
            codes = tuple(str(c) for c in mine["code"])
        rows.append(
            {
                "code": row.code,
                "type": row.type,
                "scale_min": 0.0 if row.type == "nps" else _num(row.scale_min),
                "scale_max": 10.0 if row.type == "nps" else _num(row.scale_max),
                "dimension": row.dimension if isinstance(row.dimension, str) else None,
                "dimension_weight": _num(row.dimension_weight),
                "weight": _num(row.weight),
                "position": int(row.position),
                "required": bool(row.required),
                "parent": parents.get(row.parent_id) if pd.notna(row.parent_id) else None,
                "choices": codes,
                "label": _label(texts, int(row.id), lang or str(default)),
                "id": int(row.id),
            }
        )
    frame = pd.DataFrame(rows, columns=[*_QUESTION_COLUMNS, "id"])
    frame["columns"] = [_columns_of(r.code, r.type, r.choices) for r in frame.itertuples(index=False)]
    return frame[[*_QUESTION_COLUMNS[:-1], "columns", "label", "id"]].reset_index(drop=True)


_QUESTION_COLUMNS = (
    "code",
    "type",
    "scale_min",
    "scale_max",
    "dimension",
    "dimension_weight",
    "weight",
    "position",
    "required",
    "parent",
    "choices",
    "label",
)


def _num(value: Any) -> float:
    """A stored REAL (single precision on DuckDB) as the decimal that was declared: 0.6, not 0.6000000238."""
    return float(f"{float(value):.7g}") if value is not None and pd.notna(value) else float("nan")


def _label(texts: pd.DataFrame | None, qid: int, lang: str) -> str | None:
    if texts is None:
        return None
    mine = texts[texts["entity_id"] == qid]
    if mine.empty:
        return None
    exact = mine[mine["language"] == lang]
    return str((exact if not exact.empty else mine)["text"].iloc[0])


def _column_name(code: str) -> str:
    return f"q_{code}" if code in META_COLUMNS or code in _CUSTOMER else code


def _columns_of(code: str, qtype: str, choices: tuple[str, ...]) -> tuple[str, ...]:
    name = _column_name(code)
    if qtype == "multi":
        return tuple(f"{name}__{c}" for c in choices)
    return (name,)


def survey_frame(
    source: Workspace | Analytics,
    survey: str,
    *,
    by: Sequence[str] | None = None,
    questions: Sequence[str] | None = None,
    text: bool = False,
    dimensions: bool = False,
    start: datetime | None = None,
    end: datetime | None = None,
) -> pd.DataFrame:
    """One row per response of ``survey``, one column per question (see the module docstring).

    Parameters
    ----------
    source : Workspace or Analytics
        The workspace, or an open :class:`~cxlens.metrics.Analytics` connection (DuckDB or Spark).
    survey : str
        The survey code.
    by : sequence of str, optional
        Customer dimensions to add: ``segment``, ``region``, ``industry`` or any customer attribute key
        (``age``, ``gender``, ``member_tier`` in the demo). Anonymous responses get NaN.
    questions : sequence of str, optional
        Only these question codes (default: every question).
    text : bool, default False
        Include ``text`` questions (their answers live in ``answers.value_text``; one extra scan).
    dimensions : bool, default False
        Add one column per dimension code: the mean of the dimension's answered numeric items
        (:func:`dimension_scores`).
    start, end : datetime, optional
        Only responses submitted in ``[start, end)`` (UTC).

    Returns
    -------
    pandas.DataFrame
        Sorted by ``submitted_at`` then ``response_id``, with a fresh RangeIndex.

    Raises
    ------
    ValueError
        Unknown survey, question code or customer dimension.

    Examples
    --------
    >>> frame = survey_frame(ws, "satisfaction_2025", by=["segment"], dimensions=True)  # doctest: +SKIP
    >>> frame[["overall", "service_quality", "after_sales"]].corr()  # doctest: +SKIP
    """
    an = _analytics(source)
    sid = _survey_id(an, survey)
    meta = survey_questions(an, survey)
    if questions is not None:
        unknown = sorted(set(questions) - set(meta["code"]))
        if unknown:
            raise ValueError(
                f"survey {survey!r} has no question(s) {', '.join(unknown)}; it has {', '.join(meta['code'])}"
            )
        meta = meta[meta["code"].isin(list(questions))]
    wanted = meta if text else meta[meta["type"] != "text"]
    responses = _responses(an, sid, list(by or ()), start, end)
    answers = _pivot(an, sid, wanted, start, end)
    frame = responses.merge(answers, on="_key", how="left") if answers is not None else responses
    if text:
        frame = _with_texts(an, frame, wanted)
    frame = _typed(frame, wanted)
    frame = frame.sort_values(["submitted_at", "response_id"], kind="stable").drop(columns="_key")
    frame = frame.reset_index(drop=True)
    if dimensions:
        frame = dimension_scores(frame, meta)
    return frame


def _responses(an: Analytics, sid: int, by: list[str], start: datetime | None, end: datetime | None) -> pd.DataFrame:
    r = an.table("responses")
    rs = r.filter(r.survey_id == sid)
    if start is not None:
        rs = rs.filter(rs.submitted_at >= start)
    if end is not None:
        rs = rs.filter(rs.submitted_at < end)
    c = an.table("customers")
    cols = ["segment", "region", "industry"]
    joined = rs.left_join(c, rs.customer_id == c.id).select(
        _key=rs.id,
        response_id=ibis.coalesce(rs.external_id, rs.id.cast("string")),
        customer_id=c.external_id,
        submitted_at=rs.submitted_at,
        channel=rs.channel,
        language=rs.language,
        _customer=rs.customer_id,
        **{k: c[k] for k in cols},
    )
    frame = an.execute(joined)
    extra = [b for b in by if b not in cols]
    if extra:
        frame = frame.merge(_attributes(an, extra), on="_customer", how="left")
    keep = ["_key", *META_COLUMNS, *[b for b in dict.fromkeys(by)]]
    return frame[keep]


def _attributes(an: Analytics, keys: list[str]) -> pd.DataFrame:
    k, a = an.table("customer_attribute_keys"), an.table("customer_attributes")
    known = an.execute(k)
    unknown = sorted(set(keys) - set(known["key"]))
    if unknown:
        raise ValueError(
            f"unknown customer dimension(s) {', '.join(unknown)}; use segment, region, industry"
            + (f" or an attribute: {', '.join(sorted(known['key']))}" if len(known) else "")
        )
    ids = known[known["key"].isin(keys)]
    values = an.execute(a.filter(a.key_id.isin([int(i) for i in ids["id"]])))
    values = values.merge(ids.rename(columns={"id": "key_id"}), on="key_id")
    out = pd.DataFrame({"_customer": pd.Series(dtype="float64")})
    for key in keys:
        kind = ids.loc[ids["key"] == key, "data_type"].iloc[0]
        col = {"number": "value_number", "date": "value_date"}.get(kind, "value_text")
        part = values[values["key"] == key][["customer_id", col]].rename(columns={"customer_id": "_customer", col: key})
        if kind == "number":
            part[key] = part[key].astype("float64")
        out = part if out.empty and len(out.columns) == 1 else out.merge(part, on="_customer", how="outer")
        if key not in out.columns:
            out[key] = np.nan
    return out


def _pivot(an: Analytics, sid: int, meta: pd.DataFrame, start: datetime | None, end: datetime | None) -> Any:
    """One grouped aggregate on the engine: per response, each question's value (or choice id)."""
    f = an.table("answer_facts")
    f = f.filter(f.survey_id == sid)
    if start is not None:
        f = f.filter(f.submitted_at >= start)
    if end is not None:
        f = f.filter(f.submitted_at < end)
    aggs: dict[str, Any] = {}
    for row in meta.itertuples(index=False):
        this = f.question_id == row.id
        if row.type in NUMERIC_TYPES:
            aggs[row.columns[0]] = f.value_number.max(where=this)
        elif row.type == "single":
            aggs[row.columns[0]] = f.choice_id.max(where=this)
        elif row.type == "multi":
            aggs.update(_multi(an, f, row))
    if not aggs:
        return None
    frame = an.execute(f.group_by(_key=f.response_id).aggregate(**aggs))
    single = meta[meta["type"] == "single"]
    if not single.empty:
        names = _choice_names(an, [int(i) for i in single["id"]])
        for row in single.itertuples(index=False):
            frame[row.columns[0]] = frame[row.columns[0]].map(names)
    return frame


def _multi(an: Analytics, f: Any, row: Any) -> dict[str, Any]:
    ch = an.table("choices")
    ids = an.execute(ch.filter(ch.question_id == row.id).select(ch.id, ch.code))
    by_code = dict(zip(ids["code"], ids["id"], strict=True))
    this = f.question_id == row.id
    return {
        column: (f.choice_id == int(by_code[code])).cast("float64").max(where=this)
        for column, code in zip(row.columns, row.choices, strict=True)
    }


def _choice_names(an: Analytics, qids: list[int]) -> dict[Any, str]:
    ch = an.table("choices")
    found = an.execute(ch.filter(ch.question_id.isin(qids)).select(ch.id, ch.code))
    return {int(i): str(c) for i, c in zip(found["id"], found["code"], strict=True)}


def _with_texts(an: Analytics, frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    texts = meta[meta["type"] == "text"]
    if texts.empty:
        return frame
    a = an.table("answers")
    rows = an.execute(
        a.filter(
            a.question_id.isin([int(i) for i in texts["id"]]) & a.response_id.isin(list(map(int, frame["_key"])))
        ).select(_key=a.response_id, question_id=a.question_id, value_text=a.value_text)
    )
    for row in texts.itertuples(index=False):
        mine = rows[rows["question_id"] == row.id].drop_duplicates("_key").set_index("_key")["value_text"]
        frame[row.columns[0]] = frame["_key"].map(mine)
    return frame


def _typed(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    for row in meta.itertuples(index=False):
        for column in row.columns:
            if column not in frame.columns:
                frame[column] = np.nan
        if row.type in NUMERIC_TYPES or row.type == "multi":
            for column in row.columns:
                frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        elif row.type == "single":
            frame[row.columns[0]] = pd.Categorical(frame[row.columns[0]], categories=list(row.choices))
        elif row.type == "text":
            frame[row.columns[0]] = frame[row.columns[0]].astype(object)
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"])
    frame["response_id"] = frame["response_id"].astype(str)
    return frame


def dimension_scores(frame: pd.DataFrame, questions: pd.DataFrame, *, min_items: int = 1) -> pd.DataFrame:
    """Add one column per dimension: the mean of the dimension's answered numeric items.

    Parameters
    ----------
    frame : pandas.DataFrame
        A :func:`survey_frame`.
    questions : pandas.DataFrame
        Its :func:`survey_questions`.
    min_items : int, default 1
        A respondent who answered fewer of the dimension's items gets NaN for it.

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` with the dimension columns appended, in the order the dimensions first appear.
        A dimension whose code clashes with an existing column is named ``dim_<code>``; ``attrs["dimensions"]``
        maps each dimension code to its column.

    Notes
    -----
    The mean of the answered items (not of all items) is the usual "available-item" scale score; it stays
    on the item scale (1–5 for Likert items), which keeps importance–performance charts readable.
    """
    out = frame.copy()
    columns: dict[str, str] = {}
    numeric = questions[questions["type"].isin(NUMERIC_TYPES) & questions["dimension"].notna()]
    for dim, items in numeric.groupby("dimension", sort=False):
        cols = [c for c in items["columns"].map(lambda cs: cs[0]) if c in out.columns]
        if not cols:
            continue
        block = out[cols]
        score = block.mean(axis=1, skipna=True)
        score[block.notna().sum(axis=1) < min_items] = np.nan
        name = f"dim_{dim}" if dim in out.columns else str(dim)
        out[name] = score.astype("float64")
        columns[str(dim)] = name
    out.attrs["dimensions"] = columns
    return out


def check_columns(data: pd.DataFrame, *columns: str | None, where: str = "data") -> None:
    """Raise a ``ValueError`` naming every column of ``columns`` that ``data`` lacks (``None`` is skipped)."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{where} must be a pandas DataFrame, not {type(data).__name__}")
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        shown = ", ".join(map(str, list(data.columns)[:30]))
        raise ValueError(f"{where} has no column(s) {', '.join(map(repr, missing))}; it has: {shown}")


def numeric_column(data: pd.DataFrame, column: str, *, where: str = "data") -> pd.Series:
    """``data[column]`` as float64, or a ``ValueError`` saying that it is not numeric."""
    check_columns(data, column, where=where)
    values = data[column]
    if isinstance(values.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    ):
        raise ValueError(f"column {column!r} of {where} is not numeric (dtype {values.dtype})")
    return values.astype("float64")
