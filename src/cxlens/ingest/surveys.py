"""Survey definitions: the cxlens survey YAML format, and storing a survey with its dimensions, questions,
choices and texts (one row per language).

::

    code: relationship_nps
    title: {zh: 客户关系NPS调查, en: Relationship NPS survey}
    default_language: zh
    status: in_progress                 # draft | in_progress | paused | completed
    template: generic
    competitor: null                    # or {code: stellar, name: {zh: 星辰家居, en: Stellar Home}}
    dimensions:
      - {code: service_quality, name: {zh: 服务质量, en: Service quality}, weight: 0.25}
    questions:
      - code: nps
        type: nps                       # nps csat ces rating likert single multi text number
        text: {zh: 您有多大可能推荐我们？, en: How likely are you to recommend us?}
        scale: [0, 10]                  # csat, ces, rating and likert need one; nps is always 0–10
        dimension: service_quality
        weight: 1.0
        choices: [{code: web, text: {zh: 官网, en: Website}}]     # single and multi

Importing the same definition twice changes nothing; importing a different definition under an existing
code is refused (responses already stored refer to the old questions).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from cxlens.config import read_yaml_mapping
from cxlens.exceptions import ConfigurationError
from cxlens.model import tables as t

__all__ = [
    "ChoiceDef",
    "DimensionDef",
    "QuestionDef",
    "SurveyDef",
    "install_survey",
    "load_survey",
    "parse_survey",
]

SCALED = ("csat", "ces", "rating", "likert")


@dataclass(frozen=True, slots=True)
class ChoiceDef:
    code: str
    text: dict[str, str]
    score: float | None = None


@dataclass(frozen=True, slots=True)
class DimensionDef:
    code: str
    name: dict[str, str]
    weight: float | None = None


@dataclass(frozen=True, slots=True)
class QuestionDef:
    code: str
    type: str
    text: dict[str, str]
    scale: tuple[float, float] | None = None
    dimension: str | None = None
    weight: float | None = None
    required: bool = False
    choices: tuple[ChoiceDef, ...] = ()


@dataclass(frozen=True, slots=True)
class SurveyDef:
    code: str
    title: dict[str, str]
    default_language: str
    status: str = "in_progress"
    template: str | None = None
    competitor: tuple[str, dict[str, str]] | None = None
    dimensions: tuple[DimensionDef, ...] = ()
    questions: tuple[QuestionDef, ...] = field(default_factory=tuple)

    def fingerprint(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)


def _texts(value: object, where: str) -> dict[str, str]:
    if isinstance(value, str):
        return {"und": value}
    if not isinstance(value, Mapping) or not value:
        raise ConfigurationError(f"{where} must be a text or a mapping of language to text, e.g. {{zh: …, en: …}}")
    return {str(k): str(v) for k, v in value.items()}


def _question(data: Mapping[str, Any], where: str, dims: set[str]) -> QuestionDef:
    code, qtype = str(data.get("code") or ""), str(data.get("type") or "")
    if not code:
        raise ConfigurationError(f"{where}: every question needs a `code`")
    where = f"{where} {code!r}"
    if qtype not in t.QUESTION_TYPES:
        raise ConfigurationError(f"{where}: type {qtype!r} is not one of {', '.join(t.QUESTION_TYPES)}")
    scale = data.get("scale")
    if qtype == "nps":
        if scale is not None and list(scale) != [0, 10]:
            raise ConfigurationError(f"{where}: an NPS question is always on 0–10, not {scale}")
        scale = [0, 10]
    if qtype in SCALED and scale is None:
        raise ConfigurationError(f"{where}: a {qtype} question needs `scale: [min, max]`")
    if scale is not None and (len(scale) != 2 or float(scale[1]) <= float(scale[0])):
        raise ConfigurationError(f"{where}: scale must be [min, max] with max > min, not {scale}")
    dim = data.get("dimension")
    if dim is not None and str(dim) not in dims:
        raise ConfigurationError(f"{where}: dimension {dim!r} is not declared under `dimensions`")
    choices = tuple(
        ChoiceDef(str(c["code"]), _texts(c.get("text", c["code"]), f"{where} choice"), c.get("score"))
        for c in data.get("choices") or []
    )
    if qtype in ("single", "multi") and not choices:
        raise ConfigurationError(f"{where}: a {qtype} question needs `choices`")
    if len({c.code for c in choices}) != len(choices):
        raise ConfigurationError(f"{where}: choice codes must be unique")
    return QuestionDef(
        code,
        qtype,
        _texts(data.get("text", code), where),
        (float(scale[0]), float(scale[1])) if scale is not None else None,
        str(dim) if dim is not None else None,
        float(data["weight"]) if data.get("weight") is not None else None,
        bool(data.get("required", False)),
        choices,
    )


def parse_survey(data: Mapping[str, Any], where: str = "survey") -> SurveyDef:
    """Validate a parsed survey definition."""
    code = str(data.get("code") or "")
    if not code:
        raise ConfigurationError(f"{where}: a survey needs a `code`")
    status = str(data.get("status") or "in_progress")
    if status not in t.SURVEY_STATUSES:
        raise ConfigurationError(f"{where}: status {status!r} is not one of {', '.join(t.SURVEY_STATUSES)}")
    dims = tuple(
        DimensionDef(
            str(d["code"]),
            _texts(d.get("name", d["code"]), f"{where} dimension"),
            float(d["weight"]) if d.get("weight") is not None else None,
        )
        for d in data.get("dimensions") or []
    )
    questions = tuple(_question(q, where, {d.code for d in dims}) for q in data.get("questions") or [])
    if not questions:
        raise ConfigurationError(f"{where}: a survey needs at least one question")
    codes = [q.code for q in questions]
    if len(set(codes)) != len(codes):
        raise ConfigurationError(f"{where}: question codes must be unique")
    comp = data.get("competitor")
    competitor = (str(comp["code"]), _texts(comp.get("name", comp["code"]), f"{where} competitor")) if comp else None
    return SurveyDef(
        code,
        _texts(data.get("title", code), f"{where} title"),
        str(data.get("default_language") or "zh"),
        status,
        str(data["template"]) if data.get("template") else None,
        competitor,
        dims,
        questions,
    )


def load_survey(path: str | Path) -> SurveyDef:
    p = Path(path)
    return parse_survey(read_yaml_mapping(p, "survey definition", ConfigurationError), str(p))


def _put_texts(conn: sa.Connection, entity: str, entity_id: int, texts: dict[str, str]) -> None:
    conn.execute(
        t.texts.insert(),
        [{"entity": entity, "entity_id": entity_id, "language": lang, "text": text} for lang, text in texts.items()],
    )


def _competitor_id(conn: sa.Connection, code: str, name: dict[str, str]) -> int:
    found = conn.execute(sa.select(t.competitors.c.id).where(t.competitors.c.code == code)).scalar()
    if found is not None:
        return int(found)
    new_id = int(conn.execute(t.competitors.insert().values(code=code).returning(t.competitors.c.id)).scalar_one())
    _put_texts(conn, "competitor", new_id, name)
    return new_id


def install_survey(conn: sa.Connection, survey: SurveyDef) -> tuple[int, bool]:
    """Store ``survey`` (in the caller's transaction). Returns ``(survey_id, created)``."""
    digest = hashlib.sha256(survey.fingerprint().encode()).hexdigest()
    existing = conn.execute(
        sa.select(t.surveys.c.id, t.surveys.c.definition_hash).where(t.surveys.c.code == survey.code)
    ).first()
    if existing is not None:
        if existing.definition_hash != digest:
            raise ConfigurationError(
                f"survey {survey.code!r} already exists with a different definition; give the new version "
                f"its own code (e.g. {survey.code}_v2) so stored responses keep their questions"
            )
        return int(existing.id), False
    comp = _competitor_id(conn, *survey.competitor) if survey.competitor else None
    survey_id = int(
        conn.execute(
            t.surveys.insert()
            .values(
                code=survey.code,
                status=survey.status,
                default_language=survey.default_language,
                template=survey.template,
                competitor_id=comp,
                definition_hash=digest,
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
            .returning(t.surveys.c.id)
        ).scalar_one()
    )
    _put_texts(conn, "survey", survey_id, survey.title)
    dim_ids: dict[str, int] = {}
    for pos, dim in enumerate(survey.dimensions):
        dim_ids[dim.code] = int(
            conn.execute(
                t.dimensions.insert()
                .values(survey_id=survey_id, code=dim.code, weight=dim.weight, position=pos)
                .returning(t.dimensions.c.id)
            ).scalar_one()
        )
        _put_texts(conn, "dimension", dim_ids[dim.code], dim.name)
    for pos, q in enumerate(survey.questions):
        qid = int(
            conn.execute(
                t.questions.insert()
                .values(
                    survey_id=survey_id,
                    code=q.code,
                    type=q.type,
                    dimension_id=dim_ids.get(q.dimension or ""),
                    scale_min=q.scale[0] if q.scale else None,
                    scale_max=q.scale[1] if q.scale else None,
                    weight=q.weight,
                    position=pos,
                    required=q.required,
                )
                .returning(t.questions.c.id)
            ).scalar_one()
        )
        _put_texts(conn, "question", qid, q.text)
        for cpos, ch in enumerate(q.choices):
            cid = int(
                conn.execute(
                    t.choices.insert()
                    .values(question_id=qid, code=ch.code, position=cpos, score=ch.score)
                    .returning(t.choices.c.id)
                ).scalar_one()
            )
            _put_texts(conn, "choice", cid, ch.text)
    return survey_id, True
