"""Where metrics run: the workspace's own DuckDB (default), or Spark for workspaces that outgrow one machine.

Both are Ibis backends holding the canonical tables under their own names, so every metric definition runs
unchanged on either. Spark reads the tables from Parquet (PITFALLS.md: loading nullable integers from an
in-memory frame silently nulls them without Arrow).
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from cxlens.metrics.calendar import BusinessCalendar
from cxlens.model import tables as t
from cxlens.store import Workspace

__all__ = ["ENGINES", "Analytics", "spark_session"]

ENGINES = ("duckdb", "pyspark", "postgres")


class Analytics:
    """An Ibis backend holding a workspace's tables, and the workspace's business-hours calendar (the
    ``business_hours`` setting) that ``business_hours=True`` in a time metric means."""

    def __init__(
        self, backend: Any, engine: str, calendar: BusinessCalendar | None = None, identity: Any = None
    ) -> None:
        self.backend = backend
        self.engine = engine
        self.calendar = calendar or BusinessCalendar()
        #: what the result caches key on: the workspace's database (same database, same cache) or, for a
        #: bare backend, this object alone (``id()`` of a backend is reused once it is freed, so never that)
        self.identity = identity if identity is not None else ("instance", uuid.uuid4().hex)

    @classmethod
    def for_workspace(cls, ws: Workspace, engine: str = "duckdb", session: Any = None) -> Analytics:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; engines are {', '.join(ENGINES)}")
        calendar = BusinessCalendar.from_settings(ws.settings.get("business_hours"))
        if engine == "duckdb":
            if ws.dialect != "duckdb":
                raise ValueError("the duckdb engine reads DuckDB workspaces; use engine='pyspark' for PostgreSQL")
            raw = ws.engine.raw_connection().driver_connection
            cursor = raw._ConnectionWrapper__c.cursor()  # type: ignore[union-attr]
            return cls(ibis.duckdb.from_connection(cursor), engine, calendar, _identity(ws))
        if engine == "postgres":
            if ws.dialect != "postgresql":
                raise ValueError("the postgres engine reads PostgreSQL workspaces (CXLENS_DATABASE_URL=postgresql://…)")
            return cls(postgres_backend(ws.url), engine, calendar, _identity(ws))
        return cls(_spark_backend(ws, session or spark_session()), engine, calendar)

    def data_version(self) -> Any:
        """Changes whenever the data can have changed: every import adds an import run, and every response
        or feedback record stored outside an import (web forms, staff entry: ``cxlens.surveys``) adds a row
        to ``responses`` or ``feedback``, whose counts DuckDB answers from table statistics. A Spark copy is
        a snapshot, so its version never changes."""
        if self.engine == "pyspark":
            return "snapshot"
        if self.engine == "postgres":
            with self.backend.raw_sql(
                "SELECT coalesce(max(id), 0), count(*), (SELECT count(*) FROM surveys), "
                "(SELECT count(*) FROM responses), (SELECT count(*) FROM feedback), "
                "(SELECT max(updated_at) FROM cases) FROM import_runs"
            ) as cursor:
                return tuple(cursor.fetchone())
        row = self.backend.con.execute("SELECT coalesce(max(id), 0), count(*) FROM import_runs").fetchone()
        counts = self.backend.con.execute(
            "SELECT (SELECT count(*) FROM surveys), (SELECT count(*) FROM responses), (SELECT count(*) FROM feedback), "
            "(SELECT max(updated_at) FROM cases)"  # follow-up cases change in place (cxlens.loop.cases)
        ).fetchone()
        return (row, counts)

    def table(self, name: str) -> Any:
        return self.backend.table(name)

    def execute(self, expr: Any) -> Any:
        return self.backend.execute(expr)


def postgres_backend(url: str) -> Any:
    """An Ibis PostgreSQL backend on the workspace's database, its session in UTC (PITFALLS.md: month buckets
    follow the session time zone), with booleans cast to numbers through INTEGER (PostgreSQL has no direct
    boolean → bigint or → double cast, which metrics use to count)."""
    from ibis.backends.sql.compilers.postgres import PostgresCompiler

    class Compiler(PostgresCompiler):  # type: ignore[misc]
        def visit_Cast(self, op: Any, *, arg: Any, to: Any) -> Any:
            if op.arg.dtype.is_boolean() and to.is_numeric():
                return self.cast(self.cast(arg, ibis.dtype("int32")), to)
            return super().visit_Cast(op, arg=arg, to=to)

    u = sa.engine.make_url(url)
    backend = ibis.postgres.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, database=u.database, options="-c TimeZone=UTC"
    )
    backend.compiler = Compiler()
    return backend


def _identity(ws: Workspace) -> tuple[str, ...]:
    """The database a workspace's DuckDB connection reads: its URL and the file's inode (a workspace deleted
    and created again at the same path is usually another inode; the data version tells the rest)."""
    url = str(ws.url)
    path = url.split("///", 1)[1] if url.startswith("duckdb:///") else ""
    try:
        st = os.stat(path) if path else None
    except OSError:
        st = None
    return (url, str(st.st_ino) if st else uuid.uuid4().hex)


def spark_session(master: str = "local[2]") -> Any:
    """A local Spark session in UTC, offline-safe (no UI, loopback only)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName("cxlens")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )


def _spark_backend(ws: Workspace, session: Any) -> Any:
    """Copy the workspace's tables to Parquet (through DuckDB or pandas) and register them in Spark."""
    folder = Path(tempfile.mkdtemp(prefix="cxlens-spark-"))
    backend = ibis.pyspark.connect(session)
    for name in t.metadata.tables:
        path = folder / f"{name}.parquet"
        with ws.engine.connect() as conn:
            frame = conn.exec_driver_sql(f'SELECT * FROM "{name}"').fetchall()
            columns = list(t.metadata.tables[name].columns.keys())
        import pyarrow as pa

        decimals = {
            c.name
            for c in t.metadata.tables[name].columns
            if isinstance(c.type, sa.Numeric) and not isinstance(c.type, sa.Float)
        }
        rows = [
            {c: (float(v) if c in decimals and v is not None else v) for c, v in zip(columns, row, strict=True)}
            for row in frame
        ]
        table = pa.Table.from_pylist(rows, schema=_arrow_schema(name))
        pq.write_table(table, path)
        backend.read_parquet(str(path), table_name=name)
    return backend


def _arrow_schema(name: str) -> Any:
    fields = []
    for column in t.metadata.tables[name].columns:
        kind = column.type
        if isinstance(kind, sa.Integer):
            arrow = pa.int64()
        elif isinstance(kind, sa.Numeric):  # Float is a Numeric too
            arrow = pa.float64()
        elif isinstance(kind, sa.DateTime):
            arrow = pa.timestamp("us")
        elif isinstance(kind, sa.Date):
            arrow = pa.date32()
        elif isinstance(kind, sa.Boolean):
            arrow = pa.bool_()
        else:
            arrow = pa.string()
        fields.append(pa.field(column.name, arrow))
    return pa.schema(fields)
