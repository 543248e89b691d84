"""LimeSurvey response exports (CSV/Excel with question codes as headings): ``id`` → response_id,
``submitdate`` → submitted_at, ``startdate`` → started_at, ``startlanguage`` → language, ``token`` →
customer_id; ``ipaddr`` and ``refurl`` are dropped; ``lastpage``, ``seed``, ``datestamp`` and timing columns
are left out. Sub-questions (``Q1[SQ001]``) and other-specify columns (``Q1[other]``) each become their own
question. A response with no ``submitdate`` was not completed: it is refused with its row, and
``--skip-invalid`` imports the completed ones.

Multiple choice (M, P): LimeSurvey heads one column per option (``Q1[SQ001]``, or ``Q1SQ001`` / ``Q1_SQ001``
for the default ``SQnnn`` codes) and marks it ``Y`` / ``1`` (or writes the option's text) when chosen, empty /
``N`` / ``0`` when not. :func:`combine_options` adds one column ``Q1[]`` per such group holding the chosen
options ``;``-joined, which lands on the survey's ``multi`` question ``Q1`` (a group that is no multiple
choice question, an array, matches no question and is left out). A cell that is neither chosen nor not chosen
becomes a value the question's options refuse, located by its row and naming its column. ``Q1[other]`` and
``Q1[SQ001comment]`` land on ``Q1_other`` and ``Q1_SQ001comment`` by their codes.

The "R (data file)" export heads its columns with question texts; when its "R (syntax file)" sits beside it
(:func:`~cxlens.ingest.adapters.limesurvey_r.find_syntax`), the syntax gives each column its question code,
text, and for choice questions the option labels. A syntax file that does not describe the data file (more
variables than columns, or a first column that is not the response id) is refused, never half-applied.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from cxlens.exceptions import ReadError
from cxlens.ingest.adapters.base import (
    Adapted,
    Head,
    derived_question,
    distinct,
    survey_code_from_name,
    with_column,
)
from cxlens.ingest.adapters.limesurvey_r import RVariable, find_syntax, parse_syntax, variable_question
from cxlens.ingest.fields import normalise_header
from cxlens.ingest.mapping import Mapping
from cxlens.ingest.readers import RawTable, read_table
from cxlens.ingest.surveys import ChoiceDef, QuestionDef, SurveyDef

__all__ = ["ADAPTER", "combine_options"]

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
_OPTION = (
    re.compile(r"^(?P<q>[A-Za-z][A-Za-z0-9_]*)\[(?P<s>[A-Za-z0-9_]+)\]$"),
    re.compile(r"^(?P<q>[A-Za-z][A-Za-z0-9_]*?)_?(?P<s>SQ[0-9]+)$"),
)
_CHOSEN = {"y", "yes", "1", "1.0"}
_NOT_CHOSEN = {"", "n", "no", "0", "0.0"}
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
        groups = {} if syntax else _option_groups(raw.columns)
        multi = {code: flags for code, flags in groups.items() if _looks_multi(raw, flags)}
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
            elif owner := next((c for c, flags in multi.items() if col in flags), None):
                mapping.ignore.append(col)
                if owner not in mapping.questions:  # the multi question takes the place of its first option
                    mapping.questions[owner] = f"{owner}[]"
                    options = tuple(ChoiceDef(sub, {"und": sub}) for sub in multi[owner].values())
                    questions.append(QuestionDef(owner, "multi", {"und": owner}, choices=options))
            else:
                questions.append(_derived(raw, col, len(questions), groups, mapping))
        for code, flags in groups.items():
            combine_options(raw, code, flags)
        code = survey_code_from_name(path.stem, "limesurvey")
        mapping.survey = code
        mapping.ignore.extend(dropped)
        survey = SurveyDef(code, {"und": path.stem}, "und", questions=tuple(questions))
        return Adapted("responses", raw, mapping, survey, dropped)


def _option_groups(columns: list[str]) -> dict[str, dict[str, str]]:
    """Question code → {option column: option code} for the columns that look like a multiple choice's."""
    groups: dict[str, dict[str, str]] = {}
    for col in columns:
        for pattern in _OPTION:
            m = pattern.match(col)
            if m is None:
                continue
            sub = m.group("s")
            if sub.lower() != "other" and not sub.lower().endswith("comment"):
                groups.setdefault(m.group("q"), {})[col] = sub
            break
    taken = {normalise_header(c) for c in columns}
    return {q: cols for q, cols in groups.items() if normalise_header(q) not in taken}


def _option_token(col: str, sub: str, value: str, marked: bool) -> str | None:
    """What one option cell says: the option's code (chosen), None (not chosen), the option's text (a
    "full answers" export, matched against the options' texts), or a value no option matches."""
    v = (value or "").strip()
    if v.lower() in _NOT_CHOSEN:
        return None
    if v.lower() in _CHOSEN:
        return sub
    v = re.sub(r"\s*[;┋|]\s*", ", ", v)
    return f"{col}={v}: neither chosen nor not chosen" if marked else v


def _looks_multi(raw: RawTable, flags: dict[str, str]) -> bool:
    """Whether a group of option columns reads as a multiple choice without its survey: every cell says
    chosen or not chosen (``Y`` / ``N`` / empty, ``1`` / ``0``) and one at least is chosen."""
    seen = {(v or "").strip().lower() for col in flags for v in raw.table[col].to_pylist()}
    return seen <= _CHOSEN | _NOT_CHOSEN and bool(seen & _CHOSEN)


def _derived(raw: RawTable, col: str, n: int, groups: dict[str, dict[str, str]], mapping: Mapping) -> QuestionDef:
    """The question a column of a plain LimeSurvey export is, known from its heading and answers."""
    code = re.sub(r"\[(.*?)\]", r"_\1", col)
    for prefix in sorted(groups, key=len, reverse=True):  # ``Q1SQ001`` / ``Q1other`` → ``Q1_SQ001`` …
        rest = col[len(prefix) :].removeprefix("_")
        if col.startswith(prefix) and re.fullmatch(r"SQ[0-9]+(comment)?|other(comment)?", rest, re.I):
            code = f"{prefix}_{rest}"
            break
    if not _CODE.match(code):  # the R data export heads columns with question texts
        code = f"q{n + 1}"
    mapping.questions[code] = col
    if (code != col and re.search(r"(_other|comment)$", code, re.I)) or col.lower().endswith("[comment]"):
        return QuestionDef(code, "text", {"und": col})
    return derived_question(raw, col, code, col)


def combine_options(raw: RawTable, code: str, flags: dict[str, str]) -> None:
    """Add the column ``code[]``: the chosen options of the option columns ``flags`` ({column: option
    code}), ``;``-joined, for the ``multi`` question ``code`` (see the module text)."""
    cells = {col: [v or "" for v in raw.table[col].to_pylist()] for col in flags}
    marked = any(v.strip().lower() in _CHOSEN for values in cells.values() for v in values)
    out: list[str] = []
    for i in range(raw.num_rows):
        tokens = (_option_token(col, sub, cells[col][i], marked) for col, sub in flags.items())
        out.append(";".join(t for t in tokens if t))
    with_column(raw, f"{code}[]", pa.array(out, pa.string()))


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
