"""SPSS ``.sav`` export of a survey's responses: one row per response, one variable per question (a 0/1
variable per choice of a multiple-choice question), with variable labels (the question text) and value
labels (scale anchors, choice texts), written by :func:`pyreadstat.write_sav`.

The wide shape is LimeSurvey's export shape (STYLE.md §6), read from :func:`cxlens.stats.survey_frame`; the
labels come from the stored survey definition (:func:`cxlens.surveys.definition.definition_from_survey`).
Single-choice answers are stored as numbers 1…k (the choice's position) with the choice text as value label,
as SPSS users expect; the choice code is kept in the value label's text when no text exists.

Scale anchors: a question's own ``anchors`` (low/high, from its form definition) when it has them, else the
conventional anchors of its type (NPS 0 = not at all likely … 10 = extremely likely, Reichheld 2003; CSAT
1 = very dissatisfied … 5 = very satisfied; CES 1 = very difficult … 7 = very easy, Dixon et al. 2010;
Likert 1 = strongly disagree … 5 = strongly agree, Likert 1932).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from cxlens.store import Workspace

__all__ = ["export_spss", "spss_frame"]

_ANCHORS: dict[str, dict[str, tuple[str, str]]] = {
    "nps": {"zh": ("完全不可能", "极有可能"), "en": ("Not at all likely", "Extremely likely")},
    "csat": {"zh": ("非常不满意", "非常满意"), "en": ("Very dissatisfied", "Very satisfied")},
    "ces": {"zh": ("非常困难", "非常容易"), "en": ("Very difficult", "Very easy")},
    "likert": {"zh": ("非常不同意", "非常同意"), "en": ("Strongly disagree", "Strongly agree")},
    "rating": {"zh": ("最低", "最高"), "en": ("Lowest", "Highest")},
}


def _var(name: str, taken: set[str]) -> str:
    """An SPSS variable name: letters, digits, _ . @ # $, starting with a letter, ≤ 64 bytes, unique."""
    clean = re.sub(r"[^A-Za-z0-9_.@#$]", "_", name) or "v"
    if not clean[0].isalpha():
        clean = "v" + clean
    clean = clean[:64].rstrip(".")
    out, i = clean, 2
    while out.lower() in taken:
        out, i = f"{clean[:60]}_{i}", i + 1
    taken.add(out.lower())
    return out


def _text(texts: Any, lang: str, fallback: str) -> str:
    if isinstance(texts, dict):
        return str(texts.get(lang) or next(iter(texts.values()), fallback))
    return str(texts) if texts else fallback


def spss_frame(
    ws: Workspace, survey: str, *, lang: str = "zh"
) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[float, str]]]:
    """(data, variable labels, value labels) of ``survey`` ready for :func:`pyreadstat.write_sav`."""
    from cxlens.stats import survey_frame, survey_questions
    from cxlens.surveys.definition import definition_from_survey

    with ws.engine.connect() as conn:
        definition = definition_from_survey(conn, survey)
    spec = {q["code"]: q for q in definition["questions"]}
    questions = survey_questions(ws, survey)
    frame = survey_frame(ws, survey, by=["segment", "region"], text=True)
    out: dict[str, Any] = {}
    var_labels: dict[str, str] = {}
    value_labels: dict[str, dict[float, str]] = {}
    taken: set[str] = set()
    meta = {"response_id": ("响应编号", "Response id"), "customer_id": ("客户编号", "Customer id")}
    meta |= {"submitted_at": ("提交时间", "Submitted at"), "channel": ("渠道", "Channel")}
    meta |= {"language": ("语言", "Language"), "segment": ("客户类型", "Segment"), "region": ("地区", "Region")}
    for col, (zh, en) in meta.items():
        name = _var(col, taken)
        series = frame[col]
        out[name] = series.dt.tz_localize(None) if col == "submitted_at" and series.dt.tz is not None else series
        if col != "submitted_at":
            out[name] = out[name].astype(object).where(out[name].notna(), "").astype(str)
        var_labels[name] = zh if lang == "zh" else en
    for q in questions.itertuples(index=False):
        _question(q, spec.get(q.code, {}), frame, lang, taken, out, var_labels, value_labels)
    return pd.DataFrame(out), var_labels, value_labels


def _question(
    q: Any,
    spec: dict[str, Any],
    frame: pd.DataFrame,
    lang: str,
    taken: set[str],
    out: dict[str, Any],
    var_labels: dict[str, str],
    value_labels: dict[str, dict[float, str]],
) -> None:
    label = _text(spec.get("text"), lang, q.code)
    choices = {c["code"]: _text(c.get("text"), lang, c["code"]) for c in spec.get("choices") or []}
    if q.type == "multi":
        for col, code in zip(q.columns, q.choices, strict=True):
            name = _var(col, taken)
            out[name] = frame[col].astype("float64")
            var_labels[name] = f"{label}: {choices.get(code, code)}"
            value_labels[name] = {
                0.0: "未选" if lang == "zh" else "Not chosen",
                1.0: "已选" if lang == "zh" else "Chosen",
            }
        return
    col = q.columns[0]
    name = _var(q.code, taken)
    var_labels[name] = label
    if q.type == "single":
        position = {code: float(i) for i, code in enumerate(q.choices, 1)}
        out[name] = frame[col].astype(object).map(position).astype("float64")
        value_labels[name] = {position[c]: choices.get(c, c) for c in q.choices}
    elif q.type == "text":
        out[name] = frame[col].astype(object).where(frame[col].notna(), "").astype(str)
    else:
        out[name] = frame[col].astype("float64")
        labels = _anchors(q, spec, lang)
        if labels:
            value_labels[name] = labels


def _anchors(q: Any, spec: dict[str, Any], lang: str) -> dict[float, str]:
    lo, hi = q.scale_min, q.scale_max
    if pd.isna(lo) or pd.isna(hi):
        return {}
    given = spec.get("anchors")
    if isinstance(given, dict) and given.get("low") and given.get("high"):
        low, high = _text(given["low"], lang, ""), _text(given["high"], lang, "")
    elif q.type in _ANCHORS:
        low, high = _ANCHORS[q.type][lang if lang in ("zh", "en") else "en"]
    else:
        return {}
    return {float(lo): low, float(hi): high}


def export_spss(ws: Workspace, survey: str, out: str | Path, *, lang: str = "zh") -> Path:
    """Write ``survey``'s responses to the ``.sav`` file ``out`` (UTF-8 encoded); return its path."""
    import pyreadstat

    path = Path(out)
    if path.suffix.lower() != ".sav":
        raise ValueError(f"{path}: an SPSS export is a .sav file")
    data, var_labels, value_labels = spss_frame(ws, survey, lang=lang)
    pyreadstat.write_sav(
        data,
        str(path),
        column_labels=[var_labels.get(c, c) for c in data.columns],
        variable_value_labels=value_labels,
        file_label=f"cxlens survey {survey}",
    )
    return path
