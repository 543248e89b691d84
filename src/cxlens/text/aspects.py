"""Aspects: which part of the experience a sentence talks about (服务态度, 物流, 价格, 医生/护士 …).

An aspect lexicon is a YAML file (``data/aspects/<template>.yaml``) naming each aspect's labels and terms;
an industry template (healthcare, technology, retail, education) ``extends`` the generic service one.
A workspace can keep its own edited copy in ``<workspace>/text/aspects.yaml``.

Chinese terms match as substrings of the text, English terms as whole words (``delivery`` matches
"deliveries" too: a trailing ``s`` / ``es`` is ignored). Each mention carries the clause it was found in,
so a sentence like 味道不错，送餐太慢 gives 口味 positive and 物流 negative.

>>> lex = AspectLexicon.template("retail")
>>> [m.aspect for m in lex.find("味道不错，就是送餐太慢了")]
['taste', 'logistics']
>>> [m.aspect for m in lex.find("The delivery was late and the staff were rude")]
['logistics', 'service_attitude']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

__all__ = ["TEMPLATES", "Aspect", "AspectLexicon", "Mention", "clauses"]

#: the industry templates shipped with cxlens
TEMPLATES = ("generic", "healthcare", "technology", "retail", "education")

_CLAUSE = re.compile(r"[^，,。.！!？?；;：:\n]+[，,。.！!？?；;：:\n]*")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def clauses(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses of ``text`` (split at commas, stops, semicolons, colons and line breaks)."""
    return [(m.start(), m.end()) for m in _CLAUSE.finditer(text)] or [(0, len(text))]


@dataclass(frozen=True, slots=True)
class Aspect:
    code: str
    label_zh: str
    label_en: str
    terms: tuple[str, ...]

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True, slots=True)
class Mention:
    """An aspect named in a text: ``term`` at ``start``, inside the clause ``text[clause_start:clause_end]``."""

    aspect: str
    term: str
    start: int
    clause_start: int
    clause_end: int


class AspectLexicon:
    """Aspects and their terms; :meth:`find` lists the aspects a text mentions (each once)."""

    def __init__(self, name: str, aspects: list[Aspect]) -> None:
        if not aspects:
            raise ValueError(f"aspect lexicon {name!r} names no aspects")
        self.name = name
        self.aspects = {a.code: a for a in aspects}
        term_aspect: dict[str, str] = {}
        for aspect in aspects:
            for term in aspect.terms:
                term_aspect.setdefault(term.lower(), aspect.code)
        self._term_aspect = term_aspect
        zh = sorted((t for t in term_aspect if _CJK.search(t)), key=len, reverse=True)
        en = sorted((t for t in term_aspect if not _CJK.search(t)), key=len, reverse=True)
        parts = []
        if zh:
            parts.append("|".join(map(re.escape, zh)))
        if en:
            parts.append(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, en)) + r")(?:e?s)?(?![a-z0-9])")
        self._pattern = re.compile("|".join(f"(?:{p})" for p in parts))

    @property
    def terms(self) -> list[str]:
        return list(self._term_aspect)

    def find(self, text: str) -> list[Mention]:
        """The aspects ``text`` mentions, in order of first mention, each with its first term's clause."""
        lowered = text.lower()
        spans = clauses(lowered)
        seen: set[str] = set()
        found: list[Mention] = []
        for match in self._pattern.finditer(lowered):
            term = match.group(0)
            code = self._term_aspect.get(term) or self._term_aspect.get(re.sub(r"e?s$", "", term), "")
            if not code or code in seen:
                continue
            seen.add(code)
            start, end = next(((s, e) for s, e in spans if s <= match.start() < e), (0, len(text)))
            found.append(Mention(code, term, match.start(), start, end))
        return found

    # -- loading ------------------------------------------------------------------------------------
    @classmethod
    def template(cls, name: str = "generic") -> AspectLexicon:
        """A shipped industry template (one of :data:`TEMPLATES`)."""
        if name not in TEMPLATES:
            raise ValueError(f"unknown aspect template {name!r}; templates are {', '.join(TEMPLATES)}")
        return cls.from_dict(_template_data(name))

    @classmethod
    def load(cls, path: str | Path) -> AspectLexicon:
        """An aspect lexicon from a YAML file (``extends: TEMPLATE`` adds a shipped template's aspects)."""
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: an aspect lexicon is a mapping with `aspects:`")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AspectLexicon:
        merged: dict[str, Any] = {}
        parent = data.get("extends")
        if parent:
            merged.update(_template_data(str(parent)).get("aspects") or {})
            if parent not in TEMPLATES:
                raise ValueError(f"unknown aspect template {parent!r}")
        merged.update(data.get("aspects") or {})
        return cls(str(data.get("name", "custom")), list(_aspects(merged)))

    def template_text(self) -> str:
        """This lexicon as editable YAML (everything spelled out, no ``extends``)."""
        data = {
            "name": self.name,
            "aspects": {
                a.code: {"label": {"zh": a.label_zh, "en": a.label_en}, "terms": list(a.terms)}
                for a in self.aspects.values()
            },
        }
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def _template_data(name: str) -> dict[str, Any]:
    text = resources.files("cxlens.text").joinpath("data", "aspects", f"{name}.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    if data.get("extends"):
        base = _template_data(str(data["extends"]))
        data = {**data, "aspects": {**(base.get("aspects") or {}), **(data.get("aspects") or {})}}
        del data["extends"]
    return data


def _aspects(spec: dict[str, Any]) -> Iterator[Aspect]:
    for code, entry in spec.items():
        if not isinstance(entry, dict) or not entry.get("terms"):
            raise ValueError(f"aspect {code!r} needs a list of `terms`")
        label = entry.get("label") or {}
        zh, en = (label.get("zh"), label.get("en")) if isinstance(label, dict) else (label, label)
        terms = tuple(str(t).strip() for t in entry["terms"] if str(t).strip())
        yield Aspect(str(code), str(zh or code), str(en or code), terms)
