"""LimeSurvey response exports (CSV/Excel with question codes as headings): ``id`` → response_id,
``submitdate`` → submitted_at, ``startdate`` → started_at, ``startlanguage`` → language, ``token`` →
customer_id; ``ipaddr`` and ``refurl`` are dropped; ``lastpage``, ``seed``, ``datestamp`` and timing columns
are left out. Sub-questions (``Q1[SQ001]``) and other-specify columns (``Q1[other]``) each become their own
question. A response with no ``submitdate`` was not completed: it is refused with its row, and
``--skip-invalid`` imports the completed ones.
"""

from __future__ import annotations

import re
from pathlib import Path

from cxlens.ingest.adapters.base import Adapted, Head, derived_question, survey_code_from_name
from cxlens.ingest.mapping import Mapping
from cxlens.ingest.readers import read_table
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
        mapping = Mapping("responses")
        dropped: list[str] = []
        questions: list[QuestionDef] = []
        for col in raw.columns:
            key = col.lower()
            if key in _META:
                mapping.columns[_META[key]] = col
            elif key in _DROPPED:
                dropped.append(col)
            elif key in _IGNORED or _TIMING.match(col):
                mapping.ignore.append(col)
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


ADAPTER = LimeSurveyAdapter()
