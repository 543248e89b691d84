"""LimeSurvey's "R (syntax file)" export: the ``.R`` script that reads its "R (data file)" CSV.

For each column N it says the question code (``names(data)[N] <- "gender"``), its text
(``attributes(data)$variable.labels[N] <- "How do you identify?"``), the LimeSurvey field type (``# LimeSurvey
Field type: F`` numeric, ``A`` text, ``DATETIME…``) and, for choice questions, the answer codes and their labels
(``factor(data[, N], levels=c("man","woman"), labels=c("Man", "Woman"))``).

Read on its own with ``--kind survey`` it gives the survey definition; beside the data file (same name with
``R_syntax_file.R`` for ``R_data_file.csv``, or the one ``.R`` file in the folder whose ``read.csv`` names the
data file) it gives the data file's questions their codes, texts and option labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cxlens.exceptions import ReadError
from cxlens.ingest.adapters.base import Head, survey_code_from_name
from cxlens.ingest.surveys import ChoiceDef, QuestionDef, SurveyDef

__all__ = ["RSYNTAX", "RVariable", "find_syntax", "parse_syntax", "variable_question"]

_STRING = r'"((?:[^"\\]|\\.)*)"'
_TYPE = re.compile(r"^# LimeSurvey Field type: (\S+)")
_LABEL = re.compile(r"^attributes\(data\)\$variable\.labels\[(\d+)\] <- " + _STRING + r"\s*$")
_NAME = re.compile(r"^names\(data\)\[(\d+)\] <- " + _STRING + r"\s*$")
_FACTOR = re.compile(r"^data\[, (\d+)\] <- factor\(data\[, \d+\], levels=c\((.*)\),\s*labels=c\((.*)\)\)\s*$")
_ITEM = re.compile(_STRING + r"|([^,\s]+)")
#: response metadata columns (the LimeSurvey adapter maps or leaves them out)
META = {"id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "token", "ipaddr", "refurl"}
#: an answer code LimeSurvey writes for "Other" without listing it among the levels
OTHER = {"-oth-": "Other"}


@dataclass
class RVariable:
    """One column of the R data file as the syntax file describes it."""

    index: int
    field_type: str = ""
    name: str = ""
    label: str = ""
    levels: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str:
        """The question code: LimeSurvey's name, ``#`` (dual-scale) written as ``_``."""
        return self.name.replace("#", "_")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _items(text: str) -> list[str]:
    return [_unescape(m.group(1)) if m.group(1) is not None else m.group(2) for m in _ITEM.finditer(text)]


def parse_syntax(path: Path) -> list[RVariable]:
    """The variables of a LimeSurvey R syntax file, in column order; errors name the line."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as err:
        raise ReadError(f"{path.name}: byte {err.start}: not UTF-8 text") from err
    found: dict[int, RVariable] = {}
    pending_type = ""
    for number, line in enumerate(lines, start=1):
        if m := _TYPE.match(line):
            pending_type = m.group(1)
        elif m := _LABEL.match(line):
            found.setdefault(int(m.group(1)), RVariable(int(m.group(1)), pending_type)).label = _unescape(m.group(2))
        elif m := _NAME.match(line):
            found.setdefault(int(m.group(1)), RVariable(int(m.group(1)), pending_type)).name = _unescape(m.group(2))
        elif m := _FACTOR.match(line):
            levels, labels = _items(m.group(2)), _items(m.group(3))
            if len(levels) != len(labels):
                raise ReadError(f"{path.name}: line {number}: {len(levels)} factor levels but {len(labels)} labels")
            found.setdefault(int(m.group(1)), RVariable(int(m.group(1)), pending_type)).levels = dict(
                zip(levels, labels, strict=True)
            )
    variables = [found[i] for i in sorted(found)]
    if not variables or [v.index for v in variables] != list(range(1, len(variables) + 1)):
        raise ReadError(f"{path.name}: not a LimeSurvey R syntax file (no numbered variables 1…n)")
    missing = next((v for v in variables if not v.name), None)
    if missing is not None:
        raise ReadError(f"{path.name}: variable {missing.index} has no name (names(data)[{missing.index}])")
    return variables


def variable_question(var: RVariable, values: list[str] | None = None) -> QuestionDef:
    """The question a variable becomes: factor → single (levels → labels, plus any other code seen in
    ``values``, ``-oth-`` as Other), numeric (F) → number, anything else → text."""
    text = {"und": var.label or var.name}
    if var.levels:
        labels = dict(var.levels)
        for v in values or []:
            labels.setdefault(v, OTHER.get(v, v))
        choices = tuple(ChoiceDef(code, {"und": label}) for code, label in labels.items())
        return QuestionDef(var.code, "single", text, choices=choices)
    if var.field_type == "F":
        return QuestionDef(var.code, "number", text)
    return QuestionDef(var.code, "text", text)


def find_syntax(data: Path) -> Path | None:
    """The syntax file beside an R data file, or None."""
    if "R_data_file" in data.name:
        twin = data.with_name(data.name.replace("R_data_file", "R_syntax_file")).with_suffix(".R")
        if twin.is_file():
            return twin
    beside = []
    for candidate in sorted(data.parent.glob("*.R")):
        with candidate.open("r", encoding="utf-8", errors="replace") as fh:
            first = fh.readline()
        m = re.search(r'read\.csv\("([^"]+)"', first)
        if m and data.name.endswith(Path(m.group(1)).name):
            beside.append(candidate)
    return beside[0] if len(beside) == 1 else None


class RSyntaxReader:
    name = "limesurvey_r"

    def detect(self, head: Head) -> float:
        text = head.text[:4000]
        return 0.9 if "read.csv(" in text and "# LimeSurvey Field type:" in text else 0.0

    def read_survey(self, path: Path) -> SurveyDef:
        variables = [v for v in parse_syntax(path) if v.name.lower() not in META]
        # the code the data file beside it gets, so that both land in one survey
        code = survey_code_from_name(path.stem.replace("R_syntax_file", "R_data_file"), "limesurvey")
        questions = tuple(variable_question(v) for v in variables)
        return SurveyDef(code, {"und": path.stem}, "und", questions=questions)


RSYNTAX = RSyntaxReader()
