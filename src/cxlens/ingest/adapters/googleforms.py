"""Google Forms: the responses CSV (or the linked Sheet as XLSX): ``Timestamp`` first (US ``M/D/YYYY
H:MM:SS``, or the form owner's locale), then one column per question headed by its full text; checkbox
answers are joined with ``, `` and kept as text (an option's own text may hold a comma). ``Email Address``
(collected e-mails) is dropped.
"""

from __future__ import annotations

from pathlib import Path

from cxlens.ingest.adapters.base import Adapted, Head, derived_question, survey_code_from_name
from cxlens.ingest.mapping import Mapping
from cxlens.ingest.readers import read_table
from cxlens.ingest.surveys import QuestionDef, SurveyDef

__all__ = ["ADAPTER"]

_DROPPED = {"Email Address", "Email address", "电子邮件地址"}
_TIMESTAMP = ("Timestamp", "时间戳记", "时间戳")


class GoogleFormsAdapter:
    name = "googleforms"
    label = "Google Forms"

    def detect(self, head: Head) -> float:
        header = head.header
        if header[:1] and header[0] in _TIMESTAMP and len(header) > 1:
            return 0.7
        return 0.0

    def read(self, path: Path, head: Head, *, sheet: str | None, encoding: str | None) -> Adapted:
        raw = read_table(path, sheet=sheet, encoding=encoding)
        first = raw.columns[0]
        mapping = Mapping("responses", columns={"submitted_at": first})
        dropped = [c for c in raw.columns if c in _DROPPED]
        questions: list[QuestionDef] = []
        for n, col in enumerate((c for c in raw.columns[1:] if c not in _DROPPED), start=1):
            code = f"q{n}"
            mapping.questions[code] = col
            questions.append(derived_question(raw, col, code, col))
        code = survey_code_from_name(path.stem, "googleforms")
        mapping.survey = code
        mapping.ignore.extend(dropped)
        survey = SurveyDef(code, {"und": path.stem}, "und", questions=tuple(questions))
        return Adapted("responses", raw, mapping, survey, dropped)


ADAPTER = GoogleFormsAdapter()
