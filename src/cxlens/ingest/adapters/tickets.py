"""Helpers shared by the help-desk adapters (Zendesk, Freshdesk)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from cxlens.ingest.adapters.base import replace_values, with_column
from cxlens.ingest.mapping import Mapping
from cxlens.ingest.readers import RawTable

__all__ = ["offset_minutes", "recode", "ticket_mapping"]


def ticket_mapping(
    raw: RawTable, columns: dict[str, tuple[str, ...]], dropped_names: tuple[str, ...]
) -> tuple[Mapping, list[str]]:
    """Map the first present column name of each field; drop the named contact columns; ignore the rest."""
    present = {c.strip().lower(): c for c in raw.columns}
    mapping = Mapping("tickets")
    for fld, names in columns.items():
        for name in names:
            if name.lower() in present and present[name.lower()] not in mapping.columns.values():
                mapping.columns[fld] = present[name.lower()]
                break
    dropped = [present[n.lower()] for n in dropped_names if n.lower() in present]
    used = set(mapping.columns.values()) | set(dropped)
    mapping.ignore = [c for c in raw.columns if c not in used] + dropped
    return mapping, dropped


def offset_minutes(raw: RawTable, mapping: Mapping, minutes_column: str, field: str) -> None:
    """A timestamp field computed as ``created_at`` + the minutes in ``minutes_column`` (if present)."""
    src = next((c for c in raw.columns if c.lower() == minutes_column.lower()), None)
    created = mapping.columns.get("created_at")
    if src is None or created is None or field in mapping.columns:
        return
    import duckdb

    con = duckdb.connect()
    try:
        con.register("t", raw.table)
        result = con.execute(
            f"""SELECT coalesce(strftime(try_cast(nullif(trim("{created}"), '') AS TIMESTAMP)
                + to_microseconds(CAST(try_cast(nullif(trim("{src}"), '') AS DOUBLE) * 60e6 AS BIGINT)),
                '%Y-%m-%d %H:%M:%S'), '') FROM t ORDER BY __row"""
        ).to_arrow_table()
    finally:
        con.close()
    name = f"{field} (from {src})"
    with_column(raw, name, result.column(0))
    mapping.columns[field] = name
    if src in mapping.ignore:
        mapping.ignore.remove(src)


def recode(raw: RawTable, column: str, codes: dict[str, str]) -> None:
    """Replace a column's values (case-insensitive) by ``codes``; other values stay."""
    values = raw.table[column]
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(values))
    out = values
    for key, new in codes.items():
        out = pc.if_else(pc.equal(lowered, key), pa.scalar(new, pa.string()), out)
    with_column(raw, column, out)
    replace_values(raw, [column], set())
