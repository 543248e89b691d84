"""SPSS ``.sav`` and Stata ``.dta`` files (read with pyreadstat): variables become questions with their
variable labels as texts; value labels become choices (a variable measured as *ordinal* whose labels are
consecutive numbers is a ``likert`` question on that scale, and keeps its labels); string variables are
text, other numbers are numbers. User-defined missing values (SPSS) and system-missing values are skipped
answers, never numbers. Neither format has a response id or a submission time: each case is keyed by its
case number (``case 1`` …), and the collection date is given as ``constants: {submitted_at: …}`` in a
mapping file (or a variable of the file named under ``columns:``).
"""

from __future__ import annotations

import math
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pyarrow as pa

from cxlens.exceptions import ReadError
from cxlens.ingest.adapters.base import Adapted, Head, slug
from cxlens.ingest.mapping import Mapping
from cxlens.ingest.readers import ROW, RawTable
from cxlens.ingest.surveys import ChoiceDef, QuestionDef, SurveyDef

__all__ = ["SPSS", "STATA"]

CASE = "case"


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _missing(value: Any, ranges: list[dict[str, Any]]) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    return any(r["lo"] <= value <= r["hi"] for r in ranges)


def _question(name: str, meta: Any, values: list[str], lang: str) -> QuestionDef:
    text = {lang: str(meta.column_names_to_labels.get(name) or name)}
    labels: dict[Any, str] = meta.variable_value_labels.get(name) or {}
    missing = meta.missing_ranges.get(name, []) if hasattr(meta, "missing_ranges") else []
    labels = {k: v for k, v in labels.items() if not _missing(k, missing)}
    if meta.readstat_variable_types.get(name) == "string":
        return QuestionDef(name, "text", text)
    if labels:
        choices = tuple(ChoiceDef(_text(float(k)), {lang: str(v)}) for k, v in sorted(labels.items()))
        keys = sorted(float(k) for k in labels)
        consecutive = keys == [keys[0] + i for i in range(len(keys))] and len(keys) >= 3
        if meta.variable_measure.get(name) == "ordinal" and consecutive:
            return QuestionDef(name, "likert", text, (keys[0], keys[-1]), choices=choices)
        return QuestionDef(name, "single", text, choices=choices)
    fmt = str(meta.original_variable_types.get(name, ""))
    if any(fmt.upper().startswith(p) for p in ("DATE", "EDATE", "SDATE", "ADATE", "TIME", "%T")):
        return QuestionDef(name, "text", text)
    return QuestionDef(name, "number", text)


class StatAdapter:
    def __init__(self, name: str, label: str, container: str) -> None:
        self.name, self.label, self.container = name, label, container

    def detect(self, head: Head) -> float:
        return 0.95 if head.container == self.container else 0.0

    def read(self, path: Path, head: Head, *, sheet: str | None, encoding: str | None) -> Adapted:
        import pyreadstat

        try:
            if self.container == "sav":
                df, meta = pyreadstat.read_sav(str(path), user_missing=True, encoding=encoding)
            else:
                df, meta = pyreadstat.read_dta(str(path), encoding=encoding)
        except Exception as err:  # pyreadstat raises its own error types
            raise ReadError(f"{path.name}: not a readable {self.label} file: {err}") from err
        missing = getattr(meta, "missing_ranges", {}) or {}
        data: dict[str, pa.Array] = {}
        for name in df.columns:
            ranges = missing.get(name, [])
            cells = ["" if _missing(v, ranges) else _text(v) for v in df[name].tolist()]
            data[name] = pa.array(cells, pa.string())
        case = CASE if CASE not in data else "__case"
        data[case] = pa.array([str(i) for i in range(1, len(df) + 1)], pa.string())
        data[ROW] = pa.array(range(2, len(df) + 2), pa.int64())
        raw = RawTable(path.name, self.name, pa.table(data), meta.file_encoding)
        lang = "und"
        questions = tuple(_question(n, meta, data[n].to_pylist(), lang) for n in df.columns)
        code = f"{self.name}_{slug(path.stem) or 'survey'}"
        mapping = Mapping("responses", columns={"response_id": case}, survey=code)
        mapping.questions = {q.code: q.code for q in questions}
        title = str(meta.file_label or path.stem)
        return Adapted("responses", raw, mapping, SurveyDef(code, {lang: title}, lang, questions=questions))


SPSS = StatAdapter("spss", "SPSS", "sav")
STATA = StatAdapter("stata", "Stata", "dta")
