"""LimeSurvey response exports (CSV/Excel with question codes as headings): ``id`` → response_id,
``submitdate`` → submitted_at, ``startdate`` → started_at, ``startlanguage`` → language, ``token`` →
customer_id; ``ipaddr`` and ``refurl`` are dropped; ``lastpage``, ``seed``, ``datestamp`` and timing columns
are left out. Sub-questions (``Q1[SQ001]``) and other-specify columns (``Q1[other]``) each become their own
question. A response with no ``submitdate`` was not completed: it is refused with its row, and
``--skip-invalid`` imports the completed ones.

The "R (data file)" export heads its columns with question texts; when its "R (syntax file)" sits beside it
(:func:`~cxlens.ingest.adapters.limesurvey_r.find_syntax`), the syntax gives each column its question code,
text, and for choice questions the option labels. A syntax file that does not describe the data file (more
variables than columns, or a first column that is not the response id) is refused, never half-applied.
"""

from __future__ import annotations

import re
from pathlib import Path

from cxlens.exceptions import ReadError
from cxlens.ingest.adapters.base import Adapted, Head, derived_question, distinct, survey_code_from_name
from cxlens.ingest.adapters.limesurvey_r import RVariable, find_syntax, parse_syntax, variable_question
from cxlens.ingest.mapping import Mapping
from cxlens.ingest.readers import RawTable, read_table
from cxlens.ingest.surveys import QuestionDef, SurveyDef

__all__ = ["ADAPTER"]

_META = {
    "id": "response_id",
    "submitdate": "submitted_at",
    "startdate": "started_at",
    "startlanguage": "language",
    "token": "customer_id",
    # the "R (data file)" export heads these columns with their labels
    "response id": "response_id",
    "date submitted": "submitted_at",
    "date started": "started_at",
    "start language": "language",
}
_DROPPED = {"ipaddr", "refurl"}
_IGNORED = {"lastpage", "seed", "datestamp", "interviewtime", "last page", "date last action", "total time"}
_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_TIMING = re.compile(r"^(\d+X\d+(X\d+(SQ\d+)?)?time|Group time: .*|Question time: .*)$", re.I)


class LimeSurveyAdapter:
    name = "limesurvey"
    label = "LimeSurvey"

    def detect(self, head: Head) -> float:
        norm = [c.lower() for c in head.header]
        if norm[:2] == ["id", "submitdate"] or {"submitdate", "lastpage", "startlanguage"} <= set(norm):
            return 0.9
        if norm[:3] == ["response id", "date submitted", "last page"]:
            return 0.8
        return 0.0

    def read(self, path: Path, head: Head, *, sheet: str | None, encoding: str | None) -> Adapted:
        raw = read_table(path, sheet=sheet, encoding=encoding)
        syntax = _syntax_for(path, raw) if head.header[:1] and head.header[0].lower() == "response id" else []
        mapping = Mapping("responses")
        dropped: list[str] = []
        questions: list[QuestionDef] = []
        for n, col in enumerate(raw.columns):
            var = syntax[n] if n < len(syntax) else None
            key = var.name.lower() if var is not None else col.lower()
            if key in _META or col.lower() in _META:
                mapping.columns[_META.get(key) or _META[col.lower()]] = col
            elif key in _DROPPED:
                dropped.append(col)
            elif key in _IGNORED or _TIMING.match(col):
                mapping.ignore.append(col)
            elif var is not None:
                mapping.questions[var.code] = col
                questions.append(variable_question(var, distinct(raw, col)))
            else:
                code = re.sub(r"\[(.*?)\]", r"_\1", col)
                if not _CODE.match(code):  # the R data export heads columns with question texts
                    code = f"q{len(questions) + 1}"
                mapping.questions[code] = col
                is_other = col.lower().endswith("[other]") or col.lower().endswith("[comment]")
                q = QuestionDef(code, "text", {"und": col}) if is_other else derived_question(raw, col, code, col)
                questions.append(q)
        code = survey_code_from_name(path.stem, "limesurvey")
        mapping.survey = code
        mapping.ignore.extend(dropped)
        survey = SurveyDef(code, {"und": path.stem}, "und", questions=tuple(questions))
        return Adapted("responses", raw, mapping, survey, dropped)


def _syntax_for(path: Path, raw: RawTable) -> list[RVariable]:
    """The R syntax file's variables for an R data file (none when there is no syntax file beside it)."""
    found = find_syntax(path)
    if found is None:
        return []
    variables = parse_syntax(found)
    if len(variables) > len(raw.columns):
        raise ReadError(
            f"{found.name} describes {len(variables)} columns but {path.name} has {len(raw.columns)}: "
            "they are not one export; move the syntax file away to import the data alone"
        )
    if variables[0].name.lower() != "id":
        raise ReadError(f"{found.name}: variable 1 is {variables[0].name!r}, not the response id")
    extra = [c for c in raw.columns[len(variables) :] if not _TIMING.match(c) and c.lower() not in _IGNORED]
    if extra:
        raise ReadError(f"{found.name} does not describe the column {extra[0]!r} of {path.name}")
    return variables


ADAPTER = LimeSurveyAdapter()
