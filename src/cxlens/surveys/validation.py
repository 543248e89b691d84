"""Checking a submission on the server: skip logic, required questions, types, scales and choices.

The browser's checks are a convenience; these are the rules. Every failed rule is reported per question
as a message id with its parameters (``messages.MESSAGES``), so a page can re-render the form with each
message next to its question in the respondent's language, and the API can return them as JSON.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cxlens.exceptions import SubmissionInvalidError
from cxlens.surveys.definition import Answer, FormDef
from cxlens.surveys.messages import message

__all__ = ["MAX_TEXT", "Submission", "validate_submission"]

#: the longest open-text answer accepted, in characters
MAX_TEXT = 5000

#: a raw answer as a form or a JSON body gives it
RawAnswer = str | int | float | Sequence[str] | None


@dataclass(frozen=True, slots=True)
class Submission:
    """Validated answers of the questions that were shown, in question order (``None``: left blank)."""

    answers: dict[str, Answer]
    hidden: tuple[str, ...] = field(default_factory=tuple)

    @property
    def given(self) -> dict[str, Answer]:
        return {k: v for k, v in self.answers.items() if v is not None}


def _blank(raw: RawAnswer) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    if isinstance(raw, list | tuple):
        return all(_blank(v) for v in raw)
    return False


def _one(raw: RawAnswer) -> tuple[str | int | float | None, bool]:
    """The single value of a raw answer, and whether more than one was given."""
    if raw is None or isinstance(raw, str | int | float):
        return raw, False
    values = [v for v in raw if not _blank(v)]
    return (values[0] if values else None), len(values) > 1


def _number(q: Any, raw: RawAnswer) -> tuple[Answer, tuple[str, dict[str, object]] | None]:
    value, many = _one(raw)
    if many:
        return None, ("one_choice", {})
    try:
        number = float(str(value).strip())
    except ValueError:
        return None, ("not_a_number", {})
    if not math.isfinite(number):
        return None, ("not_a_number", {})
    if q.scale is not None and not q.scale[0] <= number <= q.scale[1]:
        low, high = (f"{x:g}" for x in q.scale)
        return None, ("out_of_scale", {"low": low, "high": high})
    if q.type == "nps" and number != int(number):
        return None, ("whole_number", {})
    return number, None


def _choice(q: Any, raw: RawAnswer) -> tuple[Answer, tuple[str, dict[str, object]] | None]:
    codes = {c.code for c in q.choices}
    values = [str(v).strip() for v in (raw if isinstance(raw, list | tuple) else [raw]) if not _blank(v)]
    if any(v not in codes for v in values):
        return None, ("not_a_choice", {})
    if q.type == "single":
        if len(set(values)) > 1:
            return None, ("one_choice", {})
        return values[0], None
    order = [c.code for c in q.choices]
    return tuple(sorted(set(values), key=order.index)), None


def _text(raw: RawAnswer) -> tuple[Answer, tuple[str, dict[str, object]] | None]:
    value, many = _one(raw)
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        return None, ("too_long", {"limit": MAX_TEXT})
    return text, None


def validate_submission(
    form: FormDef, raw: Mapping[str, RawAnswer], *, strict: bool = False, lang: str = "en"
) -> Submission:
    """Check ``raw`` (question code → value; a list for multiple choice) against ``form``.

    Questions are read in order; a question whose ``show_if`` does not hold for the *valid* answers before
    it is hidden: its answer is discarded and it is not required. ``strict`` also refuses codes that are no
    question of the form (the API; a web form posts other fields too).

    Raises :class:`~cxlens.exceptions.SubmissionInvalidError` whose ``errors`` map each failing question
    code to ``(message id, parameters)`` and whose message is worded in ``lang``.

    >>> from cxlens.surveys.definition import parse_form
    >>> form = parse_form({"code": "s", "questions": [{"code": "nps", "type": "nps", "required": True}]})
    >>> validate_submission(form, {"nps": "9"}).answers
    {'nps': 9.0}
    >>> try:
    ...     validate_submission(form, {"nps": "11"}, lang="zh")
    ... except SubmissionInvalidError as e:
    ...     e.messages("zh")
    {'nps': '请选择 0 到 10 之间的分值。'}
    """
    answers: dict[str, Answer] = {}
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    hidden: list[str] = []
    if strict:
        known = {q.code for q in form.survey.questions}
        errors.update({code: ("unknown_question", {}) for code in raw if code not in known})
    for q in form.survey.questions:
        if not form.visible(answers, q.code):
            hidden.append(q.code)
            continue
        value = raw.get(q.code)
        if _blank(value):
            answers[q.code] = None
            if q.required:
                errors[q.code] = ("required", {})
            continue
        if q.type in ("single", "multi"):
            answer, problem = _choice(q, value)
        elif q.type == "text":
            answer, problem = _text(value)
        else:
            answer, problem = _number(q, value)
        if problem is not None:
            errors[q.code] = problem
            answers[q.code] = None
        else:
            answers[q.code] = answer
    if errors:
        raise SubmissionInvalidError(message("form_errors", lang, count=len(errors)), errors)
    return Submission(answers, tuple(hidden))
