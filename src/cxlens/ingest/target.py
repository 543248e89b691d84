"""Moving staged rows into the workspace's database inside the import's one transaction.

On DuckDB a staged Arrow table is registered on the connection (zero copy); on PostgreSQL it is copied
into a temporary table with ``COPY``. Either way the SQL that follows reads a relation called by the same
name, so each kind's insert statements are written once for both engines.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import sqlalchemy as sa

__all__ = ["Target"]

_PG_TYPES = {
    pa.string(): "TEXT",
    pa.large_string(): "TEXT",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.float64(): "DOUBLE PRECISION",
    pa.bool_(): "BOOLEAN",
    pa.timestamp("us"): "TIMESTAMP",
}


def _pg_type(dtype: pa.DataType) -> str:
    if pa.types.is_timestamp(dtype):
        return "TIMESTAMP"
    if pa.types.is_null(dtype):
        return "TEXT"
    return _PG_TYPES.get(dtype, "TEXT")


class Target:
    """The workspace connection, seen by an import."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self._registered: list[str] = []

    def load(self, name: str, table: pa.Table) -> None:
        """Make ``table`` readable in SQL as ``name`` until the transaction ends."""
        if self.dialect == "duckdb":
            raw: Any = self.conn.connection.driver_connection
            raw.register(name, table)
            self._registered.append(name)
            return
        cols = ", ".join(f'"{f.name}" {_pg_type(f.type)}' for f in table.schema)
        self.conn.exec_driver_sql(f'CREATE TEMP TABLE "{name}" ({cols}) ON COMMIT DROP')
        cursor: Any = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        names = ", ".join(f'"{c}"' for c in table.column_names)
        with cursor.copy(f'COPY "{name}" ({names}) FROM STDIN') as copy:
            for batch in table.to_batches(max_chunksize=65536):
                for row in zip(*(col.to_pylist() for col in batch.columns), strict=True):
                    copy.write_row(row)

    def execute(self, sql: str, **params: Any) -> None:
        self.conn.execute(sa.text(sql), params)

    def scalar(self, sql: str, **params: Any) -> int:
        value = self.conn.execute(sa.text(sql), params).scalar()
        return int(value or 0)

    def release(self) -> None:
        if self.dialect == "duckdb":
            raw: Any = self.conn.connection.driver_connection
            for name in self._registered:
                raw.unregister(name)
        self._registered.clear()
