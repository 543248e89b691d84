"""The authoring model: a survey definition as the survey builder and ``cxlens survey create`` write it.

It is the survey YAML format that ``cxlens import --kind survey`` reads (``cxlens.ingest.surveys``: code,
bilingual title, dimensions with weights, questions of every type with scales, choices, dimension, weight,
``required``), plus what a respondent's form needs and the stored survey does not:

::

    description: {zh: 感谢您抽出时间…, en: Thank you for taking the time…}   # shown above the questions
    questions:
      - code: visited_store
        type: single
        text: {zh: 您最近去过门店吗?, en: Have you visited a store recently?}
        choices: [{code: "yes", text: {zh: 是, en: "Yes"}}, {code: "no", text: {zh: 否, en: "No"}}]
      - code: store_csat
        type: csat
        scale: [1, 5]
        required: true
        help: {zh: 1 表示非常不满意, en: 1 means very dissatisfied}
        anchors: {low: {zh: 很差, en: Poor}, high: {zh: 很好, en: Great}}
        show_if: {question: visited_store, op: equals, value: "yes"}

``show_if`` is one condition or a list of conditions that must all hold; it may only refer to an earlier
question. A hidden question is never required and its answer is discarded, on the server as in the
browser. Operators:

=============  ========================================================  ===============================
op             holds when the earlier answer …                           value
=============  ========================================================  ===============================
answered       is given                                                  —
not_answered   is not given (or its question was hidden)                 —
equals         equals the value (a choice code or a number)              code or number
not_equals     is given and differs from the value                       code or number
in / not_in    is given and is (is not) one of the values                list of codes or numbers
gt gte lt lte  is a number greater than / at least / less than / at most  number
contains       (multiple choice) includes the choice                     code
=============  ========================================================  ===============================

A condition on an unanswered question is false, except ``not_answered``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from cxlens.exceptions import ConfigurationError
from cxlens.ingest.surveys import SurveyDef, parse_survey
from cxlens.model import tables as t

__all__ = [
    "OPERATORS",
    "Answer",
    "Condition",
    "FormDef",
    "definition_from_survey",
    "form_to_dict",
    "parse_form",
]

#: an answer after validation: a number, a choice code, a tuple of choice codes (multi), a text, or None
Answer = float | str | tuple[str, ...] | None

OPERATORS = ("answered", "not_answered", "equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte", "contains")
_NUMERIC_OPS = ("gt", "gte", "lt", "lte")
CHOICE_TYPES = ("single", "multi")


@dataclass(frozen=True, slots=True)
class Condition:
    """``show_if``: the question shows only when the answer to ``question`` satisfies ``op`` ``value``."""

    question: str
    op: str
    value: Any = None

    def holds(self, answers: Mapping[str, Answer]) -> bool:
        """Whether the condition holds for the answers given so far (see the module's table)."""
        given = answers.get(self.question)
        if self.op == "not_answered":
            return given is None
        if given is None:
            return False
        if self.op == "answered":
            return True
        if self.op == "contains":
            return isinstance(given, tuple) and self.value in given
        if isinstance(given, tuple):  # multiple choice: compare the set of choices
            values = set(self.value) if isinstance(self.value, tuple) else {self.value}
            hit = bool(values & set(given))
            return hit if self.op in ("equals", "in") else not hit
        return _compare(self.op, given, self.value)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"question": self.question, "op": self.op}
        if self.op not in ("answered", "not_answered"):
            out["value"] = list(self.value) if isinstance(self.value, tuple) else self.value
        return out


def _compare(op: str, given: float | str, value: Any) -> bool:
    if op == "equals":
        return bool(given == value)
    if op == "not_equals":
        return bool(given != value)
    if op == "in":
        return given in value
    if op == "not_in":
        return given not in value
    if not isinstance(given, float):
        return False
    limit = float(value)
    return {"gt": given > limit, "gte": given >= limit, "lt": given < limit, "lte": given <= limit}[op]


@dataclass(frozen=True, slots=True)
class FormDef:
    """A survey definition with what its public form needs: description, help, scale anchors, skip logic."""

    survey: SurveyDef
    description: dict[str, str] = field(default_factory=dict)
    help: dict[str, dict[str, str]] = field(default_factory=dict)
    anchors: dict[str, tuple[dict[str, str], dict[str, str]]] = field(default_factory=dict)
    show_if: dict[str, tuple[Condition, ...]] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.survey.code

    @property
    def languages(self) -> list[str]:
        """The languages the survey's texts are written in (``und`` for language-neutral text)."""
        seen = dict.fromkeys(self.survey.title)
        for q in self.survey.questions:
            seen.update(dict.fromkeys(q.text))
        return list(seen)

    def visible(self, answers: Mapping[str, Answer], code: str) -> bool:
        """Whether question ``code`` shows, given the answers to the questions before it."""
        return all(c.holds(answers) for c in self.show_if.get(code, ()))


def _texts(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"und": value}
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{where} must be a text or a mapping of language to text, e.g. {{zh: …, en: …}}")
    return {str(k): str(v) for k, v in value.items() if v is not None and str(v) != ""}


def _number(value: object, where: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigurationError(f"{where}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ConfigurationError(f"{where}: {value!r} is not a finite number")
    return number


def _condition(data: object, where: str, survey: SurveyDef, position: int) -> Condition:
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"{where}: a condition is a mapping {{question: CODE, op: OP, value: …}}")
    earlier = {q.code: q for q in survey.questions[:position]}
    ref, op = str(data.get("question") or ""), str(data.get("op") or "equals")
    if ref not in earlier:
        later = any(q.code == ref for q in survey.questions)
        raise ConfigurationError(
            f"{where}: show_if refers to {ref!r}, which is "
            + ("not an earlier question (skip logic may only look back)" if later else "not a question of this survey")
        )
    if op not in OPERATORS:
        raise ConfigurationError(f"{where}: operator {op!r} is not one of {', '.join(OPERATORS)}")
    target = earlier[ref]
    if op in ("answered", "not_answered"):
        return Condition(ref, op)
    if "value" not in data or data["value"] is None:
        raise ConfigurationError(f"{where}: operator {op!r} needs a `value`")
    raw = data["value"]
    many = op in ("in", "not_in")
    items = list(raw) if isinstance(raw, list | tuple) else [raw]
    if not many and len(items) != 1:
        raise ConfigurationError(f"{where}: operator {op!r} takes one value, not a list")
    if op == "contains" and target.type != "multi":
        raise ConfigurationError(f"{where}: `contains` applies to multiple-choice questions; {ref!r} is {target.type}")
    if target.type in CHOICE_TYPES:
        if op in _NUMERIC_OPS:
            raise ConfigurationError(f"{where}: {ref!r} is a choice question; compare it with equals/in, not {op}")
        codes = {c.code for c in target.choices}
        values: list[Any] = [str(v) for v in items]
        bad = [v for v in values if v not in codes]
        if bad:
            raise ConfigurationError(f"{where}: {', '.join(map(repr, bad))} is not a choice code of {ref!r}")
    elif target.type == "text":
        if op not in ("equals", "not_equals", "in", "not_in"):
            raise ConfigurationError(f"{where}: an open-text answer can be tested with answered/not_answered/equals")
        values = [str(v) for v in items]
    else:
        values = [_number(v, where) for v in items]
    return Condition(ref, op, tuple(values) if many else values[0])


def _question_extras(
    raw: Mapping[str, Any], survey: SurveyDef, pos: int, where: str
) -> tuple[dict[str, str], tuple[dict[str, str], dict[str, str]] | None, tuple[Condition, ...]]:
    help_text = _texts(raw.get("help"), f"{where} help")
    anchors = None
    if raw.get("anchors") is not None:
        a = raw["anchors"]
        if not isinstance(a, Mapping):
            raise ConfigurationError(f"{where}: anchors must be {{low: …, high: …}}")
        anchors = (_texts(a.get("low"), f"{where} anchors.low"), _texts(a.get("high"), f"{where} anchors.high"))
    spec = raw.get("show_if")
    conds: tuple[Condition, ...] = ()
    if spec is not None:
        specs = spec if isinstance(spec, list) else [spec]
        conds = tuple(_condition(s, f"{where} show_if", survey, pos) for s in specs)
    return help_text, anchors, conds


def _numbers(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A copy whose scales, weights and scores are floats; names the field that is not a number."""
    out = dict(data)
    dims = []
    for d in data.get("dimensions") or []:
        if not isinstance(d, Mapping) or not d.get("code"):
            raise ConfigurationError(f"{where}: each dimension needs a `code`")
        dim = dict(d)
        if d.get("weight") is not None:
            dim["weight"] = _number(d["weight"], f"{where} dimension {d.get('code')!r} weight")
        dims.append(dim)
    questions = []
    for q in data.get("questions") or []:
        if not isinstance(q, Mapping):
            raise ConfigurationError(f"{where}: each question must be a mapping with a `code` and a `type`")
        at, item = f"{where} question {q.get('code')!r}", dict(q)
        scale = q.get("scale")
        if scale is not None:
            if not isinstance(scale, list | tuple) or len(scale) != 2:
                raise ConfigurationError(f"{at}: scale must be [min, max]")
            item["scale"] = [_number(x, f"{at} scale") for x in scale]
        if q.get("weight") is not None:
            item["weight"] = _number(q["weight"], f"{at} weight")
        choices = []
        for c in q.get("choices") or []:
            if not isinstance(c, Mapping) or not c.get("code"):
                raise ConfigurationError(f"{at}: each choice needs a `code`")
            choice = dict(c)
            if c.get("score") is not None:
                choice["score"] = _number(c["score"], f"{at} choice {c['code']!r} score")
            choices.append(choice)
        if choices:
            item["choices"] = choices
        questions.append(item)
    out["dimensions"], out["questions"] = dims, questions
    return out


def parse_form(data: Mapping[str, Any], where: str = "survey") -> FormDef:
    """Validate a survey definition (a parsed YAML or JSON mapping) for the builder and the public form.

    Raises :class:`~cxlens.exceptions.ConfigurationError` saying which question and which key is wrong.

    >>> form = parse_form({"code": "s", "questions": [
    ...     {"code": "nps", "type": "nps", "text": {"zh": "推荐意愿", "en": "Recommend?"}, "required": True},
    ...     {"code": "why", "type": "text", "text": "Why?", "show_if": {"question": "nps", "op": "lte", "value": 6}}]})
    >>> form.visible({"nps": 9.0}, "why"), form.visible({"nps": 3.0}, "why")
    (False, True)
    """
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"{where}: a survey definition must be a mapping")
    data = _numbers(data, where)
    survey = parse_survey(data, where)
    raws = list(data.get("questions") or [])
    help_texts: dict[str, dict[str, str]] = {}
    anchors: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    show_if: dict[str, tuple[Condition, ...]] = {}
    for pos, (raw, q) in enumerate(zip(raws, survey.questions, strict=True)):
        h, a, c = _question_extras(raw, survey, pos, f"{where} question {q.code!r}")
        if h:
            help_texts[q.code] = h
        if a is not None:
            anchors[q.code] = a
        if c:
            show_if[q.code] = c
    if survey.default_language not in ("zh", "en"):
        raise ConfigurationError(f"{where}: default_language must be zh or en, not {survey.default_language!r}")
    return FormDef(survey, _texts(data.get("description"), f"{where} description"), help_texts, anchors, show_if)


def form_to_dict(form: FormDef) -> dict[str, Any]:
    """The definition as a plain mapping in the YAML format; ``parse_form(form_to_dict(f)) == f``."""
    s = form.survey
    out: dict[str, Any] = {"code": s.code, "title": dict(s.title), "default_language": s.default_language}
    out["status"] = s.status
    if s.template:
        out["template"] = s.template
    if s.competitor:
        out["competitor"] = {"code": s.competitor[0], "name": dict(s.competitor[1])}
    if form.description:
        out["description"] = dict(form.description)
    out["dimensions"] = [
        {"code": d.code, "name": dict(d.name), **({"weight": d.weight} if d.weight is not None else {})}
        for d in s.dimensions
    ]
    out["questions"] = [_question_dict(form, q) for q in s.questions]
    return out


def _question_dict(form: FormDef, q: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"code": q.code, "type": q.type, "text": dict(q.text), "required": q.required}
    if q.scale is not None:
        item["scale"] = [q.scale[0], q.scale[1]]
    if q.dimension is not None:
        item["dimension"] = q.dimension
    if q.weight is not None:
        item["weight"] = q.weight
    if q.choices:
        item["choices"] = [
            {"code": c.code, "text": dict(c.text), **({"score": c.score} if c.score is not None else {})}
            for c in q.choices
        ]
    if q.code in form.help:
        item["help"] = dict(form.help[q.code])
    if q.code in form.anchors:
        low, high = form.anchors[q.code]
        item["anchors"] = {"low": dict(low), "high": dict(high)}
    conds = form.show_if.get(q.code)
    if conds:
        item["show_if"] = conds[0].to_dict() if len(conds) == 1 else [c.to_dict() for c in conds]
    return item


def _stored_texts(conn: sa.Connection, entity: str) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for row in conn.execute(sa.select(t.texts).where(t.texts.c.entity == entity)):
        out.setdefault(int(row.entity_id), {})[row.language] = row.text
    return out


def definition_from_survey(conn: sa.Connection, code: str) -> dict[str, Any]:
    """The definition of an installed survey (imported from YAML or a vendor file), in the YAML format.

    A form created from it and published unchanged answers into that same survey."""
    s = conn.execute(sa.select(t.surveys).where(t.surveys.c.code == code)).first()
    if s is None:
        raise ConfigurationError(f"no survey {code!r} in this workspace")
    dims = conn.execute(sa.select(t.dimensions).where(t.dimensions.c.survey_id == s.id).order_by("position")).all()
    qs = conn.execute(sa.select(t.questions).where(t.questions.c.survey_id == s.id).order_by("position")).all()
    chs = conn.execute(
        sa.select(t.choices).where(t.choices.c.question_id.in_([q.id for q in qs] or [-1])).order_by("position")
    ).all()
    texts = {e: _stored_texts(conn, e) for e in ("survey", "dimension", "question", "choice", "competitor")}
    dim_code = {d.id: d.code for d in dims}
    data: dict[str, Any] = {
        "code": s.code,
        "title": texts["survey"].get(s.id, {"und": s.code}),
        "default_language": s.default_language,
        "status": s.status,
        "template": s.template,
        "dimensions": [
            {"code": d.code, "name": texts["dimension"].get(d.id, {"und": d.code}), "weight": d.weight} for d in dims
        ],
        "questions": [],
    }
    if s.competitor_id is not None:
        comp = conn.execute(sa.select(t.competitors.c.code).where(t.competitors.c.id == s.competitor_id)).scalar_one()
        data["competitor"] = {"code": comp, "name": texts["competitor"].get(s.competitor_id, {"und": comp})}
    for q in qs:
        item: dict[str, Any] = {
            "code": q.code,
            "type": q.type,
            "text": texts["question"].get(q.id, {"und": q.code}),
            "required": bool(q.required),
            "dimension": dim_code.get(q.dimension_id),
            "weight": q.weight,
        }
        if q.scale_min is not None:
            item["scale"] = [q.scale_min, q.scale_max]
        choices = [c for c in chs if c.question_id == q.id]
        if choices:
            item["choices"] = [
                {"code": c.code, "text": texts["choice"].get(c.id, {"und": c.code}), "score": c.score} for c in choices
            ]
        data["questions"].append(item)
    return data
