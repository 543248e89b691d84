"""CSV and Excel exports that cannot run a formula: every export of cxlens writes through this module.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, so a customer who
writes ``=cmd|' /C calc'!A0`` in a complaint could run a command on the computer of the analyst who opens
the export (CSV / formula injection, CWE-1236). Following OWASP's *CSV Injection* guidance, a text cell that
starts with one of those characters, a tab or a carriage return — or their full-width forms ``＝ ＋ － ＠``,
which Chinese input methods type and some spreadsheets normalise — is written with a single quote in front
(``'=cmd…``): the spreadsheet shows it as text. Numbers stay numbers (``-5`` as an ``int`` is not touched;
only text is). The quote is what a reader sees in the file; nothing is removed from the value.

References: OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection ; MITRE CWE-1236.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "SafeDictWriter",
    "frame_to_csv",
    "neutralise",
    "safe_frame",
    "safe_row",
    "write_xlsx",
]

#: first characters that make a spreadsheet read a cell as a formula (OWASP), with their full-width forms
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: Any) -> Any:
    """``value`` with a single quote in front if it is text starting with a formula character.

    >>> neutralise("=cmd|' /C calc'!A0"), neutralise("－1"), neutralise(-1), neutralise("好评")
    ("'=cmd|' /C calc'!A0", "'－1", -1, '好评')
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A record with every text value neutralised (keys are left alone: use :class:`SafeDictWriter`)."""
    return {key: neutralise(value) for key, value in row.items()}


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are neutralised; other columns unchanged."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """:class:`csv.DictWriter` whose header and rows are neutralised."""

    def writeheader(self) -> Any:
        return self.writer.writerow([neutralise(name) for name in self.fieldnames])

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow(safe_row(rowdict))

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)


def frame_to_csv(frame: pd.DataFrame, target: str | Path | IO[str] | None = None, *, bom: bool = False) -> str | None:
    """Write ``frame`` as CSV (no index), neutralised; return the text when ``target`` is None.

    Lines end in CRLF (RFC 4180), so that a value holding a lone CR or LF is quoted: with ``\\n`` line ends
    Python's csv writer leaves a CR unquoted, and Excel then splits the row there.

    ``bom`` puts a UTF-8 byte-order mark first, which Excel needs to read Chinese labels from a CSV.
    """
    buffer = io.StringIO()
    safe_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n")
    text = ("\ufeff" if bom else "") + buffer.getvalue()
    if target is None:
        return text
    if isinstance(target, (str, Path)):
        Path(target).write_text(text, encoding="utf-8", newline="")
    else:
        target.write(text)
    return None


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write each frame to its own sheet of an Excel workbook at ``path``, neutralised.

    Text cells are stored as text (never as formulas, which openpyxl would otherwise make of ``=…``).
    """
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, frame in sheets.items():
        sheet = book.create_sheet(title=str(name)[:31])
        sheet.append([str(neutralise(str(c))) for c in frame.columns])
        for row in safe_frame(frame).itertuples(index=False):
            sheet.append([_excel_value(v) for v in row])
        for cells in sheet.iter_rows(min_row=1):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    out = Path(path)
    book.save(out)
    return out


def _excel_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()  # numpy scalars
    return value
