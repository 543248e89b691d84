"""Read a tabular file (CSV/TSV in any of the encodings Chinese and Western spreadsheets write, XLSX, XLS)
into an Arrow table of strings, keeping each row's number as a spreadsheet shows it.

Every value is read as text: typing and validation happen later, in one place, where an error can name the
field it was meant for. The encoding is detected from the bytes (BOM, then strict UTF-8, then GB18030 —
the superset of GBK that Chinese Excel writes — then Windows-1252), never guessed from the file name.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from cxlens.exceptions import Issue, ReadError

__all__ = ["FORMATS", "ROW", "RawTable", "detect_encoding", "detect_format", "read_table"]

#: name of the column holding each record's row number (header = row 1)
ROW = "__row"
_CHUNK = 1 << 22


@dataclass(slots=True)
class RawTable:
    """A file read as text: ``table`` has one string column per header cell plus ``__row``."""

    file: str
    format: str
    table: pa.Table
    encoding: str | None = None
    delimiter: str | None = None
    issues: list[Issue] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [c for c in self.table.column_names if c != ROW]

    @property
    def num_rows(self) -> int:
        return int(self.table.num_rows)


def detect_format(path: Path) -> str:
    """``xlsx``, ``xls`` or ``csv``, from the file's first bytes."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "csv"


def _decodes(path: Path, encoding: str, start: int = 0) -> tuple[bool, int]:
    """Whether the whole file decodes strictly; else the byte offset of the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = start
    with path.open("rb") as fh:
        fh.seek(start)
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                return False, offset + err.start
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, offset
    return True, -1


def _mostly_cjk(path: Path, encoding: str) -> bool:
    with path.open("rb") as fh:
        sample = fh.read(1 << 20).decode(encoding, errors="ignore")
    wide = [ch for ch in sample if ord(ch) > 127]
    if not wide:
        return True
    cjk = sum(
        1 for ch in wide if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u3000" <= ch <= "\u303f"
    )
    return cjk / len(wide) >= 0.8


def detect_encoding(path: Path) -> str:
    """Detect a text file's encoding from its bytes: ``utf-8-sig``, ``utf-16``, ``utf-8``, ``gb18030`` or
    ``cp1252``. Raises :class:`ReadError` (with the offending line) when none fits."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        ok, bad = _decodes(path, "utf-8", 3)
        if ok:
            return "utf-8-sig"
        raise _undecodable(path, "utf-8", bad)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        ok, bad = _decodes(path, "utf-16")
        if ok:
            return "utf-16"
        raise _undecodable(path, "utf-16", bad)
    ok, bad_utf8 = _decodes(path, "utf-8")
    if ok:
        return "utf-8"
    if _decodes(path, "gb18030")[0] and _mostly_cjk(path, "gb18030"):
        return "gb18030"
    if _decodes(path, "cp1252")[0]:
        return "cp1252"
    raise _undecodable(path, "utf-8", bad_utf8)


def _undecodable(path: Path, encoding: str, offset: int) -> ReadError:
    with path.open("rb") as fh:
        line = fh.read(offset).count(b"\n") + 1
    tried = "UTF-16" if encoding == "utf-16" else f"{encoding}, GB18030 or cp1252"
    issue = Issue(path.name, line, None, None, f"byte at offset {offset} is not valid {tried}")
    return ReadError(f"{issue}; save the file as UTF-8 (or GBK) and try again", issue)


def _transcode(path: Path, encoding: str) -> Path:
    """Copy a non-UTF-8 file into a temporary UTF-8 file (streamed, constant memory)."""
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="cxlens-")
    with (
        path.open("r", encoding=encoding, newline="") as src,
        os.fdopen(fd, "w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(_CHUNK):
            dst.write(chunk)
    return Path(name)


def _sniff_delimiter(sample: str) -> str:
    first = sample.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _header_names(cells: list[str], file: str) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells, start=1):
        name = cell.strip().lstrip("\ufeff") or f"column_{i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 1
        names.append(name)
    if not names or all(n.startswith("column_") for n in names):
        raise ReadError(
            f"{file}: the first row is empty; it must hold the column names",
            Issue(file, 1, None, None, "no header row"),
        )
    return names


class _BadRow(Exception):
    pass


def _read_csv_fast(utf8: Path, names: list[str], delimiter: str) -> pa.Table:
    ragged: list[bool] = []

    def on_invalid(row: object) -> str:
        ragged.append(True)
        return "skip"

    table = pacsv.read_csv(
        utf8,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if ragged:
        raise _BadRow
    rows = pa.array(range(2, table.num_rows + 2), pa.int64())
    return table.append_column(ROW, rows)


def _read_csv_exact(utf8: Path, names: list[str], delimiter: str, file: str) -> tuple[pa.Table, list[Issue]]:
    """Slow path for files with ragged rows: Python's csv module, bad rows reported.

    Rows are counted by record, as a spreadsheet shows them (a quoted value spanning lines is one row)."""
    columns: list[list[str]] = [[] for _ in names]
    rows: list[int] = []
    issues: list[Issue] = []
    with utf8.open("r", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        next(reader, None)
        for number, record in enumerate(reader, start=2):
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) != len(names):
                issues.append(
                    Issue(file, number, None, None, f"has {len(record)} fields but the header has {len(names)}")
                )
                continue
            for col, value in zip(columns, record, strict=True):
                col.append(value)
            rows.append(number)
    data = {n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)}
    data[ROW] = pa.array(rows, pa.int64())
    return pa.table(data), issues


def _read_csv(path: Path, encoding: str | None, delimiter: str | None) -> RawTable:
    enc = encoding or detect_encoding(path)
    utf8 = path if enc in ("utf-8", "utf-8-sig") else _transcode(path, enc)
    try:
        with utf8.open("r", encoding="utf-8-sig", newline="") as fh:
            sample = fh.read(1 << 16)
        if not sample.strip():
            raise ReadError(f"{path.name}: the file is empty", Issue(path.name, None, None, None, "empty file"))
        delim = delimiter or _sniff_delimiter(sample)
        try:
            # newline="": a lone CR ends a line here as it does for the readers below
            header = next(csv.reader(io.StringIO(sample, newline=""), delimiter=delim))
            names = _header_names(header, path.name)
            issues: list[Issue] = []
            try:
                table = _read_csv_fast(utf8, names, delim)
            except (_BadRow, pa.ArrowInvalid):
                table, issues = _read_csv_exact(utf8, names, delim, path.name)
        except csv.Error as err:
            issue = Issue(path.name, None, None, None, f"not a readable CSV file: {err}")
            raise ReadError(str(issue), issue) from err
        return RawTable(path.name, "csv", table, enc, delim, issues)
    finally:
        if utf8 != path:
            utf8.unlink(missing_ok=True)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value.total_seconds())
    return str(value)


def _sheet_rows(path: Path, sheet: str | None) -> tuple[Iterator[list[object]], int]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as err:  # calamine raises its own error types
        raise ReadError(f"{path.name}: not a readable Excel workbook: {err}") from err
    names = list(book.sheet_names)
    if sheet is not None and sheet not in names:
        raise ReadError(f"{path.name}: no sheet named {sheet!r}; sheets are {', '.join(names)}")
    ws = book.get_sheet_by_name(sheet or names[0])
    # without skipping the empty area, rows start at A1, so list index + 1 is the sheet's row number
    rows: list[Any] = ws.to_python(skip_empty_area=False)
    return iter(rows), 0


def _read_excel(path: Path, fmt: str, sheet: str | None) -> RawTable:
    rows, offset = _sheet_rows(path, sheet)
    header_at = offset
    for header_cells in rows:
        header_at += 1
        if any(_cell(c).strip() for c in header_cells):
            break
    else:
        raise ReadError(f"{path.name}: the sheet is empty", Issue(path.name, None, None, None, "empty sheet"))
    names = _header_names([_cell(c) for c in header_cells], path.name)
    columns: list[list[str]] = [[] for _ in names]
    numbers: list[int] = []
    for number, cells in enumerate(rows, start=header_at + 1):
        values = [_cell(c) for c in cells]
        if not any(v.strip() for v in values):
            continue
        values = (values + [""] * len(names))[: len(names)]
        for col, value in zip(columns, values, strict=True):
            col.append(value)
        numbers.append(number)
    data = {n: pa.array(c, pa.string()) for n, c in zip(names, columns, strict=True)}
    data[ROW] = pa.array(numbers, pa.int64())
    return RawTable(path.name, fmt, pa.table(data))


FORMATS = ("csv", "xlsx", "xls")


def read_table(
    path: str | Path,
    *,
    format: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> RawTable:
    """Read ``path`` (CSV, TSV, XLSX or XLS, detected from its bytes unless ``format`` says) as strings.

    Rows whose number of fields differs from the header's are left out and reported in ``issues``.
    """
    p = Path(path)
    if not p.is_file():
        raise ReadError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise ReadError(f"{p.name}: the file is empty", Issue(p.name, None, None, None, "empty file"))
    if format is not None and format not in FORMATS:
        raise ReadError(f"unknown format {format!r}: this version reads {', '.join(FORMATS)}")
    fmt = format or detect_format(p)
    if fmt == "csv":
        return _read_csv(p, encoding, delimiter)
    return _read_excel(p, fmt, sheet)
