"""Typing and validating a file's rows, set-at-a-time, in an in-memory DuckDB.

Each canonical field becomes one SQL expression over the raw text column that feeds it; each check is
one ``SELECT … WHERE`` that yields located issues (row, column, value, reason). Nothing here touches the
workspace: the result is a clean Arrow table per target plus the issues, and the writer stores it.
The whole file is checked in a few vectorised passes, so a million rows take about a second.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from cxlens.exceptions import Issue
from cxlens.ingest.fields import FIELDS, Field, Kind
from cxlens.ingest.mapping import Mapping
from cxlens.ingest.readers import ROW, RawTable

__all__ = ["Staged", "Stage", "quote", "literal"]

#: formats tried, in order, after ISO 8601 (which may carry an offset); day-first vs month-first dates are
#: ambiguous and are read only with an explicit ``date_format`` in the mapping
DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H时%M分",
    "%Y年%m月%d日",
    "%Y%m%d",
)
MAX_ISSUES = 1000
_SQL_TYPES = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "enum": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "number": "DOUBLE",
    "integer": "BIGINT",
}


def quote(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """Quote an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _list(values: Iterable[str]) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


_OFFSET = "regexp_matches({v}, '(Z|[+-][0-9][0-9]:?[0-9][0-9])$')"


def timestamp_sql(v: str, timezone: str = "UTC") -> str:
    """Text → UTC timestamp. A value with an offset (``Z``, ``+08:00``) is converted by it; one without is
    a local time in ``timezone``. ISO 8601 is tried first, then the other common spreadsheet formats."""
    local = f"coalesce(try_cast({v} AS TIMESTAMP), try_strptime({v}, {_list(DATE_FORMATS)}))"
    if timezone != "UTC":
        local = f"timezone('UTC', timezone({literal(timezone)}, {local}))"
    return f"CASE WHEN {_OFFSET.format(v=v)} THEN timezone('UTC', try_cast({v} AS TIMESTAMPTZ)) ELSE {local} END"


def number_sql(v: str) -> str:
    """Text → number, allowing thousands separators and currency signs (¥1,299.50, 1 299 元)."""
    return (
        f"coalesce(try_cast({v} AS DOUBLE), try_cast(regexp_replace({v}, '[,\\s¥￥$€£元]|RMB|CNY', '', 'g') AS DOUBLE))"
    )


def _enum_sql(v: str, fld: Field, extra: dict[str, str]) -> str:
    whens = [f"WHEN {literal(k.lower())} THEN {literal(val)}" for k, val in extra.items()]
    for canonical, synonyms in fld.choices.items():
        for s in (canonical, *synonyms):
            whens.append(f"WHEN {literal(s.lower())} THEN {literal(canonical)}")
    return f"CASE lower({v}) {' '.join(dict.fromkeys(whens))} END"


@dataclass(frozen=True, slots=True)
class _Check:
    column: str | None
    value: str | None  # SQL for the offending text, or None
    condition: str
    reason: str


@dataclass(slots=True)
class Staged:
    """The outcome of staging one file: clean rows per target table, issues, and counts."""

    tables: dict[str, pa.Table]
    issues: list[Issue]
    rows_read: int
    rows_rejected: int
    rows_duplicate_in_file: int
    issue_count: int = 0
    notes: list[str] = field(default_factory=list)


class Stage:
    """A scratch DuckDB holding one file's raw rows while they are typed and checked."""

    def __init__(self, raw: RawTable, mapping: Mapping, timezone: str, date_format: str | None = None) -> None:
        self.raw = raw
        self.mapping = mapping
        self.con = duckdb.connect(config={"threads": 2})
        self.con.execute("SET TimeZone = 'UTC'")
        self.timezone = timezone
        self.con.register("raw_rows", raw.table)
        self.date_format = date_format
        self.checks: list[_Check] = []
        self._reasons: list[str] = []

    def close(self) -> None:
        self.con.close()

    # -- field expressions -------------------------------------------------------------------------------
    def raw_sql(self, column: str) -> str:
        return f"nullif(trim({quote(column)}), '')"

    def ts_sql(self, v: str) -> str:
        if self.date_format:
            local = f"try_strptime({v}, {literal(self.date_format)})"
            if self.timezone != "UTC":
                local = f"timezone('UTC', timezone({literal(self.timezone)}, {local}))"
            return f"coalesce({local}, {timestamp_sql(v, self.timezone)})"
        return timestamp_sql(v, self.timezone)

    def field_sql(self, fld: Field) -> tuple[str, str]:
        """SQL for the field's typed value and its raw text (NULL when unmapped)."""
        src = self.mapping.columns.get(fld.name)
        if src is None:
            return f"NULL::{_SQL_TYPES[fld.type]}", "NULL::VARCHAR"
        v = self.raw_sql(src)
        typed = {
            "id": v,
            "text": v,
            "timestamp": self.ts_sql(v),
            "number": number_sql(v),
            "integer": f"try_cast({number_sql(v)} AS BIGINT)",
            "enum": _enum_sql(v, fld, self.mapping.values.get(fld.name, {})),
        }[fld.type]
        return typed, v

    def parse(self, kind: Kind) -> None:
        """Create ``parsed``: ``__row``, each field typed, and ``raw_<field>`` holding its text."""
        cols = [quote(ROW)]
        for fld in FIELDS[kind]:
            typed, v = self.field_sql(fld)
            if fld.type == "integer":
                typed = f"CASE WHEN {number_sql(v)} = floor({number_sql(v)}) THEN {typed} END"
            cols.append(f"{typed} AS {quote(fld.name)}")
            if fld.type not in ("id", "text"):  # ids and texts are their own raw value
                cols.append(f"{v} AS {quote('raw_' + fld.name)}")
            self._field_checks(fld)
        self.con.execute(f"CREATE TEMP TABLE parsed AS SELECT {', '.join(cols)} FROM raw_rows")

    def _field_checks(self, fld: Field) -> None:
        src = self.mapping.columns.get(fld.name)
        typed = quote(fld.name)
        raw = typed if fld.type in ("id", "text") else quote("raw_" + fld.name)
        if fld.required:
            self.check(src or fld.name, None, f"{raw} IS NULL", f"{fld.name} is required but empty")
        if src is None:
            return
        reasons = {
            "timestamp": "not a date/time (use e.g. 2025-03-01 14:30 or 2025/3/1, or set date_format)",
            "number": "not a number",
            "integer": "not a whole number",
            "enum": f"not a known {fld.name}; expected one of {', '.join(fld.choices)} (or map it under values:)",
        }
        if fld.type in reasons:
            self.check(src, raw, f"{raw} IS NOT NULL AND {typed} IS NULL", reasons[fld.type])

    def check(self, column: str | None, value_sql: str | None, condition: str, reason: str) -> None:
        """Declare a check: rows of ``parsed`` where ``condition`` holds are rejected with ``reason``."""
        self.checks.append(_Check(column, value_sql, condition, reason))

    def check_src(self, value_column: str, condition: str, reason: str) -> None:
        """A check whose located column is the row's own ``src`` column (long answer tables)."""
        self.checks.append(_Check("\x00src", quote(value_column), condition, reason))

    def order_check(self, later: str, earlier: str, reason: str) -> None:
        if later in self.mapping.columns and earlier in self.mapping.columns:
            self.check(
                self.mapping.columns[later],
                quote("raw_" + later),
                f"{quote(later)} < {quote(earlier)}",
                reason,
            )

    def range_check(self, name: str, low: float, high: float) -> None:
        if name in self.mapping.columns:
            self.check(
                self.mapping.columns[name],
                quote("raw_" + name),
                f"{quote(name)} NOT BETWEEN {low} AND {high}",
                f"must be between {low:g} and {high:g}",
            )

    # -- issues and clean rows ---------------------------------------------------------------------------
    @staticmethod
    def _column_sql(column: str | None) -> str:
        if column is None:
            return "NULL"
        return "src" if column == "\x00src" else literal(column)

    def run_checks(self, source: str = "parsed") -> None:
        """Run the checks declared so far against ``source`` (which has ``__row``), recording issues."""
        base = len(self._reasons)
        parts = [
            f"SELECT {quote(ROW)} AS r, {base + i} AS k, {self._column_sql(c.column)} AS col, "
            f"({c.value or 'NULL'})::VARCHAR AS val FROM {source} WHERE {c.condition}"
            for i, c in enumerate(self.checks)
        ]
        self.con.execute("CREATE TEMP TABLE IF NOT EXISTS issues (r BIGINT, k INTEGER, col VARCHAR, val VARCHAR)")
        if parts:
            self.con.execute(f"INSERT INTO issues {' UNION ALL '.join(parts)}")
        self._reasons.extend(c.reason for c in self.checks)
        self.checks = []

    def collect_issues(self, source: str = "parsed") -> tuple[list[Issue], int]:
        """Run the remaining checks; create ``rejected(__row)``. Returns (first issues, total count)."""
        self.run_checks(source)
        self.con.execute("CREATE OR REPLACE TEMP TABLE rejected AS SELECT DISTINCT r AS __row FROM issues")
        total = int(self.con.execute("SELECT count(*) FROM issues").fetchone()[0]) + len(self.raw.issues)  # type: ignore[index]
        rows = self.con.execute(f"SELECT r, k, col, val FROM issues ORDER BY r, k LIMIT {MAX_ISSUES}").fetchall()
        found = [Issue(self.raw.file, r, col, val, self._reasons[k]) for r, k, col, val in rows]
        merged = sorted(found + self.raw.issues, key=lambda i: i.row or 0)
        return merged[:MAX_ISSUES], total

    def rejected_count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM rejected").fetchone()[0]) + len(self.raw.issues)  # type: ignore[index]

    def clean(self, columns: list[str], key: str, source: str = "parsed") -> tuple[pa.Table, int]:
        """Rows without issues, first occurrence per natural ``key`` (SQL), as Arrow.

        Returns the table and the number of later in-file duplicates dropped."""
        select = ", ".join(columns)
        any_rejected = self.con.execute("SELECT count(*) FROM rejected").fetchone() != (0,)
        valid = f"{source} WHERE {quote(ROW)} NOT IN (SELECT __row FROM rejected)" if any_rejected else source
        total, distinct = self.con.execute(
            f"SELECT count(*), count(DISTINCT __key) + count(*) FILTER (WHERE __key IS NULL) "
            f"FROM (SELECT {key} AS __key FROM {valid})"
        ).fetchone()  # type: ignore[misc]
        dedupe = (
            ""
            if total == distinct
            else (f"QUALIFY row_number() OVER (PARTITION BY __key ORDER BY {quote(ROW)}) = 1 OR __key IS NULL")
        )
        kind = "VIEW" if not dedupe else "TEMP TABLE"  # the common case: nothing to drop, no copy
        self.con.execute(f"""CREATE OR REPLACE {kind} clean AS SELECT {select}, {quote(ROW)} FROM (
            SELECT *, {key} AS __key FROM {valid}) {dedupe}""")
        table = self.con.execute("SELECT * FROM clean").to_arrow_table()
        return table, int(total) - int(distinct)
