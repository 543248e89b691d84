"""SurveyMonkey: "all responses" exports (CSV, XLSX, legacy XLS) with two header rows — the question above
its first column, then the answer option (or ``Response`` / ``Open-Ended Response``) under each column.

Leading columns map onto response fields (Respondent ID → response_id, End Date → submitted_at, Start Date →
started_at, Collector ID → channel, Custom Data → customer_id); IP Address, Email Address, First Name and
Last Name are dropped. A question spread over several columns is a matrix (each row its own question,
coded ``qN_M``) when its cells hold ratings, or a multi-select (one ``multi`` question) when each cell holds
its option's own text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from cxlens.ingest.adapters.base import (
    Adapted,
    Head,
    derived_question,
    distinct,
    drop_rows,
    join_flags,
    survey_code_from_name,
)
from cxlens.ingest.fields import normalise_header
from cxlens.ingest.mapping import Mapping
from cxlens.ingest.readers import read_table
from cxlens.ingest.surveys import ChoiceDef, QuestionDef, SurveyDef

__all__ = ["ADAPTER"]

_META = {
    "respondentid": "response_id",
    "enddate": "submitted_at",
    "startdate": "started_at",
    "collectorid": "channel",
    "customdata": "customer_id",
    "customdata1": "customer_id",
}
_DROPPED = {"ipaddress", "emailaddress", "firstname", "lastname"}
_RESPONSE = {"response", "open-ended response", "open ended response", ""}


def _text(cell: str) -> str:
    return html.unescape(re.sub(r"<br\s*/?>", " ", cell.replace("\xa0", " "))).strip()


class SurveyMonkeyAdapter:
    name = "surveymonkey"
    label = "SurveyMonkey"

    def detect(self, head: Head) -> float:
        norm = [normalise_header(c) for c in head.header]
        if norm[:1] == ["respondentid"] and len(head.rows) > 1:
            second = {c.strip().lower() for c in head.rows[1][: len(norm)]}
            return 0.9 if "collectorid" in norm or second & {"response", "open-ended response"} else 0.6
        return 0.0

    def read(self, path: Path, head: Head, *, sheet: str | None, encoding: str | None) -> Adapted:
        raw = drop_rows(read_table(path, sheet=sheet, encoding=encoding), 2)
        sub = [_text(c) for c in head.rows[1]] + [""] * len(raw.columns)
        mapping = Mapping("responses")
        dropped: list[str] = []
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        for i, col in enumerate(raw.columns):
            key = normalise_header(col)
            if key in _META and not groups:
                mapping.columns.setdefault(_META[key], col)
            elif key in _DROPPED and not groups:
                dropped.append(col)
            elif col.startswith("column_") and groups:
                groups[-1][1].append((col, sub[i]))  # a blank header cell continues the question to its left
            else:
                groups.append((_text(col), [(col, sub[i])]))
        questions: list[QuestionDef] = []
        for n, (text, members) in enumerate(groups, start=1):
            questions.extend(_questions(raw, f"q{n}", text, members, mapping))
        code = survey_code_from_name(path.stem, "surveymonkey")
        mapping.survey = code
        mapping.ignore.extend(dropped)
        survey = SurveyDef(code, {"und": path.stem}, "und", questions=tuple(questions))
        return Adapted("responses", raw, mapping, survey, dropped)


def _questions(
    raw: object, code: str, text: str, members: list[tuple[str, str]], mapping: Mapping
) -> list[QuestionDef]:
    from cxlens.ingest.readers import RawTable

    assert isinstance(raw, RawTable)
    if len(members) == 1 and members[0][1].lower() in _RESPONSE:
        mapping.questions[code] = members[0][0]
        return [derived_question(raw, members[0][0], code, text)]
    own_label = all(set(distinct(raw, c)) <= {label} for c, label in members)
    if own_label:  # multi-select: each column holds its own option's text when chosen
        join_flags(raw, code, {c: str(i) for i, (c, _) in enumerate(members, start=1)})
        mapping.questions[code] = code
        choices = tuple(ChoiceDef(str(i), {"und": label}) for i, (_, label) in enumerate(members, start=1))
        return [QuestionDef(code, "multi", {"und": text}, choices=choices)]
    out = []
    for i, (col, label) in enumerate(members, start=1):
        mapping.questions[f"{code}_{i}"] = col
        out.append(derived_question(raw, col, f"{code}_{i}", f"{text} - {label}"))
    return out


ADAPTER = SurveyMonkeyAdapter()
