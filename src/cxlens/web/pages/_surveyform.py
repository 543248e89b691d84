"""What the survey pages share: a form's questions as template views in one language, the answers read back
from a posted form, the submission-token key and the public rate limiter.

The public form, the builder's preview and the staff interview entry render the same views with the
same template (``public/_questions.html``), so a question looks and validates the same everywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData

from cxlens.config import load_settings
from cxlens.surveys import FormDef
from cxlens.surveys.messages import ANCHORS, pick
from cxlens.surveys.ratelimit import parse_rate
from cxlens.surveys.validation import MAX_TEXT, RawAnswer
from cxlens.web.deps import get_state
from cxlens.web.i18n import add_messages
from cxlens.web.security import RateLimiter, load_secret

__all__ = ["field_name", "question_views", "raw_answers", "submit_limiter", "token_secret"]

#: at most this many points are drawn as a row of buttons; longer or fractional scales take a number box
MAX_POINTS = 11

add_messages(
    {
        "survey.required": ("必答", "required"),
        "survey.optional": ("选答", "optional"),
        "survey.submit": ("提交", "Submit"),
        "survey.errors_title": ("请修改以下问题后再提交", "Please check these answers"),
        "survey.thanks_title": ("感谢您的反馈", "Thank you"),
        "survey.preview": ("预览:此页面不会保存任何回答", "Preview: nothing is saved from this page"),
        "survey.select": ("请选择", "Choose"),
        "survey.multi_hint": ("可多选", "Choose any that apply"),
        "survey.scale_hint": (
            "{low} = {low_label},{high} = {high_label}",
            "{low} = {low_label}, {high} = {high_label}",
        ),
        "survey.number_hint": ("请输入 {low} 到 {high} 之间的数值", "Enter a value from {low} to {high}"),
        "survey.text_hint": ("最多 {limit} 字", "Up to {limit} characters"),
    }
)


def field_name(code: str) -> str:
    return f"q_{code}"


def _number(x: float) -> str:
    return f"{x:g}"


def _scale_view(form: FormDef, q: Any, lang: str, view: dict[str, Any]) -> None:
    low, high = q.scale if q.scale is not None else (None, None)
    view["low"], view["high"] = low, high
    view["low_text"] = _number(low) if low is not None else ""
    view["high_text"] = _number(high) if high is not None else ""
    default = ANCHORS.get(q.type)
    custom = form.anchors.get(q.code)
    if custom is not None:
        view["low_label"] = pick(custom[0], lang, form.survey.default_language)
        view["high_label"] = pick(custom[1], lang, form.survey.default_language)
    elif default is not None:
        view["low_label"] = default[0][0 if lang == "zh" else 1]
        view["high_label"] = default[1][0 if lang == "zh" else 1]
    view["kind"] = "number"
    if low is not None and high is not None and low == int(low) and high == int(high) and high - low < MAX_POINTS:
        view["kind"] = "points"
        view["points"] = [_number(v) for v in range(int(low), int(high) + 1)]


def question_views(
    form: FormDef, lang: str, values: dict[str, list[str]] | None = None, errors: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The questions of ``form`` as template views in ``lang``, with posted ``values`` and ``errors`` kept."""
    values, errors = values or {}, errors or {}
    default = form.survey.default_language
    views = []
    for q in form.survey.questions:
        view: dict[str, Any] = {
            "code": q.code,
            "type": q.type,
            "name": field_name(q.code),
            "text": pick(q.text, lang, default) or q.code,
            "help": pick(form.help[q.code], lang, default) if q.code in form.help else "",
            "required": q.required,
            "conditional": q.code in form.show_if,
            "show_if": json.dumps([c.to_dict() for c in form.show_if.get(q.code, ())], ensure_ascii=False),
            "given": [v for v in values.get(q.code, []) if v != ""],
            "error": errors.get(q.code),
            "max_text": MAX_TEXT,
        }
        if q.type in ("single", "multi"):
            view["kind"] = "choice" if q.type == "single" else "multi"
            view["choices"] = [(c.code, pick(c.text, lang, default) or c.code) for c in q.choices]
        elif q.type == "text":
            view["kind"] = "text"
        else:
            _scale_view(form, q, lang, view)
        views.append(view)
    return views


def raw_answers(form: FormDef, data: FormData) -> tuple[dict[str, RawAnswer], dict[str, list[str]]]:
    """The posted answers (code → value, a list for multiple choice) and the raw values to re-fill the form."""
    raw: dict[str, RawAnswer] = {}
    kept: dict[str, list[str]] = {}
    for q in form.survey.questions:
        posted = [v for v in data.getlist(field_name(q.code)) if isinstance(v, str)]
        kept[q.code] = posted
        raw[q.code] = posted if q.type == "multi" else (posted[0] if len(posted) == 1 else (posted or None))
    return raw, kept


def token_secret(request: Request) -> bytes:
    """The key that signs submission tokens: derived from the app's secret, for this purpose only."""
    extras = get_state(request).extras
    if "survey_secret" not in extras:
        base = load_secret(get_state(request).ws.path)
        extras["survey_secret"] = hmac.new(base, b"cxlens survey submission tokens", hashlib.sha256).digest()
    secret: bytes = extras["survey_secret"]
    return secret


def submit_limiter(request: Request) -> RateLimiter | None:
    """The per-IP limiter of public submissions (``CXLENS_SURVEY_RATE_LIMIT``; None when it is 0)."""
    extras = get_state(request).extras
    if "survey_limiter" not in extras:
        count, window = parse_rate(load_settings().survey_rate_limit)
        extras["survey_limiter"] = RateLimiter(count, window) if count > 0 else None
    limiter: RateLimiter | None = extras["survey_limiter"]
    return limiter


# -- the builder's form ------------------------------------------------------------------------------------
#: a new question of a scaled type gets this scale when the builder leaves it blank
DEFAULT_SCALES = {"csat": (1, 5), "ces": (1, 7), "likert": (1, 5), "rating": (1, 10)}
BUILDER_TYPES = ("nps", "csat", "ces", "rating", "likert", "single", "multi", "text", "number")
BUILDER_OPS = (
    "",
    "equals",
    "not_equals",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "answered",
    "not_answered",
)


def _texts(zh: str, en: str) -> dict[str, str]:
    return {k: v.strip() for k, v in (("zh", zh), ("en", en)) if v and v.strip()}


def _get(data: FormData | dict[str, str], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _choices(text: str) -> list[dict[str, Any]]:
    """``code | 中文 | English | score`` per line (texts and score optional)."""
    out = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        item: dict[str, Any] = {"code": parts[0], "text": _texts(*(parts[1:3] + ["", ""])[:2]) or parts[0]}
        if len(parts) > 3 and parts[3]:
            item["score"] = parts[3]
        out.append(item)
    return out


def _condition(data: FormData | dict[str, str], i: int) -> dict[str, Any] | None:
    ref, op, value = _get(data, f"q{i}_if_question"), _get(data, f"q{i}_if_op"), _get(data, f"q{i}_if_value")
    if not ref or not op:
        return None
    cond: dict[str, Any] = {"question": ref, "op": op}
    if op in ("in", "not_in"):
        cond["value"] = [v.strip() for v in value.split(",") if v.strip()]
    elif op not in ("answered", "not_answered"):
        cond["value"] = value
    return cond


def _builder_question(data: FormData | dict[str, str], i: int) -> dict[str, Any] | None:
    code = _get(data, f"q{i}_code")
    if not code or _get(data, f"q{i}_remove"):
        return None
    qtype = _get(data, f"q{i}_type") or "text"
    item: dict[str, Any] = {
        "code": code,
        "type": qtype,
        "text": _texts(_get(data, f"q{i}_text_zh"), _get(data, f"q{i}_text_en")) or code,
        "required": bool(_get(data, f"q{i}_required")),
    }
    low, high = _get(data, f"q{i}_scale_min"), _get(data, f"q{i}_scale_max")
    if qtype in DEFAULT_SCALES and not (low or high):
        low, high = (str(x) for x in DEFAULT_SCALES[qtype])
    if qtype != "nps" and (low or high):
        item["scale"] = [low, high]
    for key in ("dimension", "weight"):
        if _get(data, f"q{i}_{key}"):
            item[key] = _get(data, f"q{i}_{key}")
    help_text = _texts(_get(data, f"q{i}_help_zh"), _get(data, f"q{i}_help_en"))
    if help_text:
        item["help"] = help_text
    if qtype in ("single", "multi"):
        item["choices"] = _choices(_get(data, f"q{i}_choices"))
    condition = _condition(data, i)
    if condition is not None:
        item["show_if"] = condition
    return item


def _count(data: FormData | dict[str, str], key: str) -> int:
    try:
        return max(0, min(500, int(_get(data, key) or 0)))
    except ValueError:
        return 0


def definition_from_builder(data: FormData | dict[str, str]) -> dict[str, Any]:
    """The survey definition the builder's fields describe (rows without a code are blank, skipped).

    Numbers stay text here: :func:`cxlens.surveys.parse_form` checks them and names the field that is wrong."""
    dims = []
    for i in range(_count(data, "n_dims")):
        code = _get(data, f"d{i}_code")
        if code and not _get(data, f"d{i}_remove"):
            dim: dict[str, Any] = {
                "code": code,
                "name": _texts(_get(data, f"d{i}_name_zh"), _get(data, f"d{i}_name_en")) or code,
            }
            if _get(data, f"d{i}_weight"):
                dim["weight"] = _get(data, f"d{i}_weight")
            dims.append(dim)
    rows = [(i, _builder_question(data, i)) for i in range(_count(data, "n_questions"))]
    order = sorted((_position(data, i), i, q) for i, q in rows if q is not None)
    return {
        "code": _get(data, "code"),
        "title": _texts(_get(data, "title_zh"), _get(data, "title_en")) or _get(data, "code"),
        "description": _texts(_get(data, "description_zh"), _get(data, "description_en")),
        "default_language": _get(data, "default_language") or "zh",
        "dimensions": dims,
        "questions": [q for _, _, q in order],
    }


def _position(data: FormData | dict[str, str], i: int) -> float:
    try:
        return float(_get(data, f"q{i}_position") or i + 1)
    except ValueError:
        return float(i + 1)


def builder_fields(definition: dict[str, Any]) -> dict[str, Any]:
    """A stored definition as the builder's rows (the inverse of :func:`definition_from_builder`)."""

    def text(d: Any, lang: str) -> str:
        return str(d.get(lang) or d.get("und") or "") if isinstance(d, dict) else (str(d) if lang == "zh" else "")

    dims = [
        {
            "code": d["code"],
            "name_zh": text(d.get("name"), "zh"),
            "name_en": text(d.get("name"), "en"),
            "weight": _plain(d.get("weight")),
        }
        for d in definition.get("dimensions") or []
    ]
    questions = []
    for pos, q in enumerate(definition.get("questions") or []):
        cond = q.get("show_if") or {}
        if isinstance(cond, list):
            cond = cond[0] if cond else {}
        value = cond.get("value", "")
        scale = q.get("scale") or ["", ""]
        questions.append(
            {
                "code": q["code"],
                "type": q.get("type", "text"),
                "position": pos + 1,
                "text_zh": text(q.get("text"), "zh"),
                "text_en": text(q.get("text"), "en"),
                "help_zh": text(q.get("help"), "zh"),
                "help_en": text(q.get("help"), "en"),
                "required": bool(q.get("required")),
                "scale_min": _plain(scale[0]),
                "scale_max": _plain(scale[1]),
                "dimension": q.get("dimension") or "",
                "weight": _plain(q.get("weight")),
                "choices": "\n".join(
                    " | ".join(
                        [c["code"], text(c.get("text"), "zh"), text(c.get("text"), "en")]
                        + ([_plain(c["score"])] if c.get("score") is not None else [])
                    )
                    for c in q.get("choices") or []
                ),
                "if_question": cond.get("question", ""),
                "if_op": cond.get("op", ""),
                "if_value": ", ".join(map(_plain, value)) if isinstance(value, list) else _plain(value),
            }
        )
    title, description = definition.get("title") or {}, definition.get("description") or {}
    return {
        "code": definition.get("code", ""),
        "title_zh": text(title, "zh"),
        "title_en": text(title, "en"),
        "description_zh": text(description, "zh"),
        "description_en": text(description, "en"),
        "default_language": definition.get("default_language", "zh"),
        "dims": dims,
        "questions": questions,
    }


def _plain(value: Any) -> str:
    """A number as the builder shows it (``5`` not ``5.0``); anything else (a code, a mistyped number) as is."""
    if value is None or value == "":
        return ""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def builder_from_post(data: FormData) -> dict[str, Any]:
    """The builder's rows as posted (to re-render after an error, or with more blank rows)."""
    return builder_fields(definition_from_builder(data))
