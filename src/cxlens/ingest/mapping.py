"""Column mappings: which column of a source file feeds which canonical field.

A mapping is a small YAML file a user can write or edit::

    kind: tickets
    timezone: Asia/Shanghai        # naive timestamps in this file are local times there
    columns:                       # canonical field: column in the file
      ticket_id: 工单编号
      created_at: 创建时间
      agent_name: 处理人
    values:                        # optional: extra spellings of enumerated values
      status: {处理完毕: resolved}

For ``responses`` it also names the survey and, where the file's column names differ from the question
codes, which column holds which question (``questions: {nps: Q1}``). For ``customers``, columns that feed
no field are kept as customer attributes unless listed under ``ignore``.

:func:`infer_mapping` guesses a mapping from the header, in Chinese or English, and says what it could not
place; ``cxlens import --dry-run`` shows that guess before anything is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cxlens.config import check_timezone, read_yaml_mapping
from cxlens.exceptions import MappingError
from cxlens.ingest.fields import FIELDS, KINDS, Kind, normalise_header

__all__ = ["Mapping", "infer_mapping", "load_mapping"]


@dataclass(slots=True)
class Mapping:
    """How one file maps onto one kind of record."""

    kind: Kind
    columns: dict[str, str] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)
    attributes: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    survey: str | None = None
    timezone: str | None = None
    #: a fixed value for a field the file has no column for (e.g. ``submitted_at`` of an export without dates)
    constants: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        for key in ("survey", "timezone"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        for key in ("columns", "constants", "questions", "attributes", "ignore", "values"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)

    def fingerprint(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    def check(self, header: Iterable[str], file: str) -> None:
        """Raise :class:`MappingError` if a mapped column is missing or a required field is unmapped."""
        present = set(header)
        used = {**self.columns, **self.questions}
        missing = sorted({src for src in used.values() if src not in present})
        if missing:
            raise MappingError(
                f"{file}: the mapping names columns that are not in the file: "
                f"{', '.join(missing)}; the file has: {', '.join(sorted(present))}"
            )
        given = set(self.columns) | set(self.constants)
        required = [f.name for f in FIELDS[self.kind] if f.required and f.name not in given]
        if required:
            raise MappingError(
                f"{file}: no column for the required field(s) {', '.join(required)} of {self.kind}; "
                f"name them under `columns:` in a mapping file (--mapping), e.g. `{required[0]}: <column>`, "
                f"or give one value for every row under `constants:`"
            )


def _as_str_dict(value: object, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, AbcMapping):
        raise MappingError(f"{where} must be a mapping of names to names")
    return {str(k): str(v) for k, v in value.items()}


def mapping_from_dict(data: AbcMapping[str, Any], where: str = "mapping") -> Mapping:
    """Build and validate a :class:`Mapping` from parsed YAML/JSON."""
    kind = data.get("kind")
    if kind not in KINDS:
        raise MappingError(f"{where}: `kind` must be one of {', '.join(KINDS)}, not {kind!r}")
    known = {f.name for f in FIELDS[kind]}
    columns = _as_str_dict(data.get("columns"), f"{where}: columns")
    unknown = sorted(set(columns) - known)
    if unknown:
        raise MappingError(
            f"{where}: {kind} has no field(s) {', '.join(unknown)}; fields are {', '.join(sorted(known))}"
        )
    values = {str(k): _as_str_dict(v, f"{where}: values.{k}") for k, v in (data.get("values") or {}).items()}
    constants = _as_str_dict(data.get("constants"), f"{where}: constants")
    unknown = sorted(set(constants) - known)
    if unknown:
        raise MappingError(f"{where}: constants name no field(s) of {kind}: {', '.join(unknown)}")
    tz = data.get("timezone")
    return Mapping(
        kind=kind,
        columns=columns,
        questions=_as_str_dict(data.get("questions"), f"{where}: questions"),
        attributes=[str(a) for a in data.get("attributes") or []],
        ignore=[str(a) for a in data.get("ignore") or []],
        values=values,
        survey=str(data["survey"]) if data.get("survey") else None,
        timezone=check_timezone(str(tz)) if tz else None,
        constants=constants,
    )


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping YAML file."""
    p = Path(path)
    return mapping_from_dict(read_yaml_mapping(p, "column mapping", MappingError), str(p))


def infer_mapping(
    header: Iterable[str], kind: Kind, *, question_codes: Iterable[str] = (), survey: str | None = None
) -> Mapping:
    """Guess a mapping from a file's column names (Chinese or English synonyms, case and punctuation
    ignored). Each column feeds at most one field. A column named exactly like a survey question is that
    question's; fields are then matched in declaration order, so a required field wins a contested column."""
    header = list(header)
    by_norm: dict[str, str] = {}
    for col in header:
        by_norm.setdefault(normalise_header(col), col)
    questions: dict[str, str] = {}
    for code in question_codes:  # a column named exactly like a question is that question's
        found = by_norm.get(normalise_header(code))
        if found is not None:
            questions[code] = found
    taken: set[str] = set(questions.values())
    columns: dict[str, str] = {}
    for fld in FIELDS[kind]:
        for synonym in (fld.name, *fld.synonyms):
            match = by_norm.get(normalise_header(synonym))
            if match is not None and match not in taken:
                columns[fld.name] = match
                taken.add(match)
                break
    rest = [c for c in header if c not in taken]
    attributes = rest if kind == "customers" else []
    ignore = [] if kind == "customers" else rest
    return Mapping(kind, columns, questions, attributes, ignore, survey=survey)
