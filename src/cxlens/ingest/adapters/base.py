"""What every vendor adapter shares: the protocol, the file's first rows (:class:`Head`), the result
(:class:`Adapted`) and small table helpers.

An adapter never writes anything. It turns a vendor's export into what the one import path already
understands: a :class:`~cxlens.ingest.readers.RawTable` of strings (header rows removed, row numbers kept as
the spreadsheet shows them), a :class:`~cxlens.ingest.mapping.Mapping`, and for survey tools a
:class:`~cxlens.ingest.surveys.SurveyDef` derived from the file itself.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc

from cxlens.exceptions import ReadError
from cxlens.ingest.fields import Kind
from cxlens.ingest.mapping import Mapping
from cxlens.ingest.readers import ROW, RawTable, detect_encoding, detect_format
from cxlens.ingest.surveys import ChoiceDef, QuestionDef, SurveyDef

__all__ = [
    "Adapted",
    "Adapter",
    "Head",
    "SurveyReader",
    "choice_question",
    "container",
    "drop_rows",
    "join_flags",
    "read_head",
    "replace_values",
    "slug",
    "survey_code_from_name",
    "with_column",
]

HEAD_ROWS = 6


@dataclass(slots=True)
class Head:
    """The first rows of a file, read as text, for detection. ``container`` is csv, xlsx, xls, sav, dta or
    json; ``rows`` is empty for binary statistics files."""

    path: Path
    container: str
    rows: list[list[str]] = field(default_factory=list)
    text: str = ""

    def cell(self, row: int, col: int) -> str:
        """The cell at 0-based ``row``/``col``, or ``""``."""
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col].strip()
        return ""

    @property
    def header(self) -> list[str]:
        return [c.strip().lstrip("\ufeff") for c in self.rows[0]] if self.rows else []


@dataclass(slots=True)
class Adapted:
    """A vendor file made ready for the import path."""

    kind: Kind
    raw: RawTable
    mapping: Mapping
    survey: SurveyDef | None = None
    #: vendor metadata left out on purpose (IP addresses, coordinates, recipient names)
    dropped: list[str] = field(default_factory=list)


class Adapter(Protocol):
    """One vendor export format."""

    name: str
    label: str

    def detect(self, head: Head) -> float:
        """Confidence (0–1) that the file is this vendor's export."""
        ...

    def read(self, path: Path, head: Head, *, sheet: str | None, encoding: str | None) -> Adapted:
        """Read the file into a raw table, a mapping and (for survey tools) a survey definition."""
        ...


class SurveyReader(Protocol):
    """A survey-structure file (Qualtrics .qsf, LimeSurvey structure) read with ``--kind survey``."""

    name: str

    def detect(self, head: Head) -> float: ...

    def read_survey(self, path: Path) -> SurveyDef: ...


def container(path: Path) -> str:
    """The file's container from its first bytes: xlsx, xls, sav, dta, json or csv (any text)."""
    with path.open("rb") as fh:
        first = fh.read(16)
    if first[:4] in (b"$FL2", b"$FL3"):
        return "sav"
    if first.startswith(b"<stata_dta>") or (path.suffix.lower() == ".dta" and first[:1] in (b"\x71", b"\x72", b"\x73")):
        return "dta"
    fmt = detect_format(path)
    if fmt != "csv":
        return fmt
    if first.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{"):
        return "json"
    return "csv"


def read_head(path: Path, *, sheet: str | None = None, encoding: str | None = None) -> Head:
    """Read the first :data:`HEAD_ROWS` rows of ``path`` as text."""
    kind = container(path)
    if kind in ("sav", "dta"):
        return Head(path, kind)
    if kind in ("xlsx", "xls"):
        return Head(path, kind, _excel_head(path, sheet))
    enc = encoding or detect_encoding(path)
    with path.open("r", encoding="utf-8-sig" if enc == "utf-8" else enc, errors="replace", newline="") as fh:
        text = fh.read(1 << 16)
    if kind == "json":
        return Head(path, kind, [], text)
    first = text.split("\n", 1)[0]
    delim = max((",", "\t", ";"), key=first.count)
    rows: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text), delimiter=delim):
            rows.append(record)
            if len(rows) >= HEAD_ROWS:
                break
    except csv.Error:
        pass
    return Head(path, kind, rows, text)


def _excel_head(path: Path, sheet: str | None) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        ws = book.get_sheet_by_name(sheet or book.sheet_names[0])
        cells = ws.to_python(skip_empty_area=False, nrows=HEAD_ROWS)
    except Exception as err:  # calamine raises its own error types
        raise ReadError(f"{path.name}: not a readable Excel workbook: {err}") from err
    return [["" if c is None else str(c).replace("\x00", "") for c in row] for row in cells]


# -- table helpers -------------------------------------------------------------------------------------
def drop_rows(raw: RawTable, up_to_row: int) -> RawTable:
    """Leave out the spreadsheet rows up to ``up_to_row`` (extra header rows); row numbers stay as shown."""
    raw.table = raw.table.filter(pc.greater(raw.table[ROW], up_to_row))
    raw.issues = [i for i in raw.issues if (i.row or 0) > up_to_row]
    return raw


def with_column(raw: RawTable, name: str, values: pa.Array | pa.ChunkedArray) -> None:
    """Add (or replace) the string column ``name``."""
    if name in raw.table.column_names:
        raw.table = raw.table.set_column(raw.table.column_names.index(name), name, values)
    else:
        raw.table = raw.table.append_column(name, values)


def replace_values(raw: RawTable, columns: list[str], blanks: set[str]) -> None:
    """Empty the cells of ``columns`` whose trimmed text is one of ``blanks`` (a vendor's "not answered")."""
    if not blanks:
        return
    needles = pa.array(sorted(blanks), pa.string())
    for col in columns:
        values = raw.table[col]
        hit = pc.is_in(pc.utf8_trim_whitespace(values), value_set=needles)
        with_column(raw, col, pc.if_else(hit, "", values))


def join_flags(raw: RawTable, name: str, flags: dict[str, str], *, selected: set[str] | None = None) -> None:
    """One ``;``-joined column ``name`` from one-column-per-option flags (``{column: choice code}``).

    A cell counts as chosen when it is non-empty and not ``0`` (or, with ``selected``, one of those values)."""
    cols = {c: raw.table[c].to_pylist() for c in flags}
    out: list[str] = []
    for i in range(raw.num_rows):
        chosen = []
        for col, code in flags.items():
            v = (cols[col][i] or "").strip()
            if (v in selected) if selected is not None else (v not in ("", "0")):
                chosen.append(code)
        out.append(";".join(chosen))
    with_column(raw, name, pa.array(out, pa.string()))


def _sort_key(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def choice_question(
    code: str, text: str, values: list[str], labels: dict[str, str] | None = None, lang: str = "und"
) -> QuestionDef:
    """A single-choice question whose choices are the given codes (with ``labels`` where known)."""
    labels = labels or {}
    codes = sorted({v.strip() for v in values if v and v.strip()} | set(labels), key=_sort_key)
    return QuestionDef(
        code, "single", {lang: text or code}, choices=tuple(ChoiceDef(c, {lang: labels.get(c, c)}) for c in codes)
    )


def distinct(raw: RawTable, column: str) -> list[str]:
    """The distinct non-empty trimmed values of ``column``."""
    values = pc.utf8_trim_whitespace(raw.table[column])
    return sorted({v for v in pc.unique(values).to_pylist() if v}, key=_sort_key)


def is_numeric(values: list[str]) -> bool:
    try:
        [float(v) for v in values]
    except ValueError:
        return False
    return True


def derived_question(raw: RawTable, column: str, code: str, text: str, lang: str = "und") -> QuestionDef:
    """A question known only from its answers: numbers with few distinct values are coded choices (their
    codes are kept; labels are unknown), a few repeated texts are choices, anything else is text or a
    number. The rule is stated in docs/formats.md; a survey file (.qsf, .lss) gives the real types."""
    values = distinct(raw, column)
    answered = int(pc.sum(pc.not_equal(pc.utf8_trim_whitespace(raw.table[column]), "")).as_py() or 0)
    if values and is_numeric(values):
        if len(values) <= 20:
            return choice_question(code, text, values, lang=lang)
        return QuestionDef(code, "number", {lang: text or code})
    if values and len(values) <= 30 and answered >= 3 * len(values):
        return choice_question(code, text, values, lang=lang)
    return QuestionDef(code, "text", {lang: text or code})


_SLUG = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")
_EXPORT_SUFFIX = re.compile(
    r"([_ +-]*(datatable|data_table|responses?|results?|sheet_?\d*|all|numeric|choice_?text|export)?"
    r"[_ +-]*(\d{4}[-_.]\d{1,2}[-_.]\d{1,2}|[a-z]+\+?\d{1,2},\+?\d{4})([_ +-]\d{1,2}[._]\d{2})?)+$",
    re.IGNORECASE,
)


def slug(text: str) -> str:
    """A lower-case code made of letters, digits (and CJK) joined by ``_``."""
    return _SLUG.sub("_", unicodedata.normalize("NFKC", text).lower()).strip("_")


def survey_code_from_name(stem: str, prefix: str) -> str:
    """A stable survey code from an export's file name: export dates and words such as DataTable are
    removed so that a later re-export of the same survey gets the same code."""
    base = _EXPORT_SUFFIX.sub("", stem)
    base = re.sub(r"[_ +-]*(datatable|data_table)$", "", base, flags=re.IGNORECASE)
    return f"{prefix}_{slug(base) or 'survey'}"
