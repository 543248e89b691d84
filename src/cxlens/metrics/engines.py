"""Where metrics run: the workspace's own database (DuckDB, or PostgreSQL through Ibis), or Spark for
workspaces that outgrow one machine.

Each is an Ibis backend holding the canonical tables under their own names, so every metric, driver analysis
and score runs unchanged on any of them. Which one a workspace uses is a setting, read in one place,
:func:`configured_engine`, from (first found wins):

1. the CLI's global ``cxlens --engine NAME`` (:func:`~cxlens.config.set_engine_override`);
2. the environment (or ``.env``): ``CXLENS_ENGINE``;
3. the workspace setting ``analytics.engine`` in ``workspace.json``;
4. the records' own database: ``duckdb`` for a DuckDB workspace, ``postgres`` for a PostgreSQL one.

Spark reads a *snapshot* of the tables: Parquet files for a classic session (PITFALLS.md: loading nullable
integers from an in-memory frame silently nulls them without Arrow), Arrow batches sent over gRPC for a
Spark Connect session (the server may not see this machine's files). One snapshot per workspace is kept per
process and taken again as soon as the records' version (:func:`record_version`) moves, so a long-lived web
process on Spark answers from data at most one request old.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import threading
import uuid
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from cxlens.config import ANALYTICS_ENGINES, check_engine, engine_override, load_settings, set_engine_override
from cxlens.exceptions import ConfigurationError
from cxlens.metrics.calendar import BusinessCalendar
from cxlens.model import tables as t
from cxlens.store import Workspace

__all__ = [
    "ENGINES",
    "Analytics",
    "configured_engine",
    "configured_session",
    "record_version",
    "set_engine_override",
    "spark_session",
]

ENGINES = ANALYTICS_ENGINES


def configured_engine(ws: Workspace) -> str:
    """The analytics engine of ``ws``: ``--engine``, else ``CXLENS_ENGINE``, else the workspace setting
    ``analytics.engine``, else the engine of the records' own database (see the module docstring).

    Raises :class:`~cxlens.exceptions.ConfigurationError` naming the setting and the allowed values when
    the name is not one of :data:`ENGINES`."""
    name = engine_override() or load_settings().engine
    if name:
        return name
    setting = ws.settings.get("analytics") or {}
    where = f"workspace setting analytics.engine ({ws.path / 'workspace.json'})"
    if not isinstance(setting, dict) or set(setting) - {"engine"}:
        raise ConfigurationError(f'{where}: "analytics" must be a mapping {{"engine": NAME}}, not {setting!r}')
    value = setting.get("engine")
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"{where} must be one of {', '.join(ENGINES)}, not {value!r}")
    return check_engine(value, where) or ("postgres" if ws.dialect == "postgresql" else "duckdb")


class Analytics:
    """An Ibis backend holding a workspace's tables, and the workspace's business-hours calendar (the
    ``business_hours`` setting) that ``business_hours=True`` in a time metric means."""

    def __init__(
        self,
        backend: Any,
        engine: str,
        calendar: BusinessCalendar | None = None,
        identity: Any = None,
        version: Any = "snapshot",
    ) -> None:
        self.backend = backend
        self.engine = engine
        self.calendar = calendar or BusinessCalendar()
        #: what the result caches key on: the workspace's database (same database, same cache) or, for a
        #: bare backend, this object alone (``id()`` of a backend is reused once it is freed, so never that)
        self.identity = identity if identity is not None else ("instance", uuid.uuid4().hex)
        #: the records' version a Spark snapshot was taken at (``"snapshot"`` for a bare Spark backend)
        self._version = version

    @classmethod
    def for_workspace(cls, ws: Workspace, engine: str | None = None, session: Any = None) -> Analytics:
        """The workspace's tables on ``engine`` (default: :func:`configured_engine`). ``session`` is the Spark
        session of the ``pyspark`` engine (default: :func:`configured_session`)."""
        if engine is None:
            engine = configured_engine(ws)
        elif engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; engines are {', '.join(ENGINES)}")
        calendar = BusinessCalendar.from_settings(ws.settings.get("business_hours"))
        if engine == "duckdb":
            if ws.dialect != "duckdb":
                raise ConfigurationError(
                    "the duckdb engine reads DuckDB workspaces; for records in PostgreSQL set CXLENS_ENGINE "
                    "(or the workspace setting analytics.engine) to postgres or pyspark"
                )
            raw = ws.engine.raw_connection().driver_connection
            cursor = raw._ConnectionWrapper__c.cursor()  # type: ignore[union-attr]
            return cls(ibis.duckdb.from_connection(cursor), engine, calendar, _identity(ws))
        if engine == "postgres":
            if ws.dialect != "postgresql":
                raise ConfigurationError(
                    "the postgres engine reads PostgreSQL workspaces (CXLENS_DATABASE_URL=postgresql://…); "
                    "set CXLENS_ENGINE (or the workspace setting analytics.engine) to duckdb or pyspark"
                )
            return cls(_shared_postgres(ws.url), engine, calendar, _identity(ws))
        snap = _snapshot(ws, session if session is not None else configured_session())
        return cls(snap.backend, engine, calendar, ("pyspark", *_identity(ws), snap.token), snap.version)

    def data_version(self) -> Any:
        """Changes whenever the data can have changed: every import adds an import run, and every response
        or feedback record stored outside an import (web forms, staff entry: ``cxlens.surveys``) adds a row
        to ``responses`` or ``feedback``, whose counts DuckDB answers from table statistics. A Spark copy is
        a snapshot: its version is :func:`record_version` at the moment it was taken."""
        if self.engine == "pyspark":
            return self._version
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


def record_version(source: Workspace | sa.Connection) -> tuple[Any, ...]:
    """The records' version, read through the record store (DuckDB or PostgreSQL alike): the newest import
    run and the number of runs, surveys, responses and feedback records, and the latest change to a case —
    the same quantities :meth:`Analytics.data_version` reads on DuckDB and PostgreSQL."""
    if isinstance(source, Workspace):
        with source.engine.connect() as conn:
            return record_version(conn)
    tables = t.metadata.tables

    def count(name: str) -> Any:
        return sa.select(sa.func.count()).select_from(tables[name]).scalar_subquery()

    runs = tables["import_runs"]
    query = sa.select(
        sa.func.coalesce(sa.func.max(runs.c.id), 0),
        sa.func.count(),
        count("surveys"),
        count("responses"),
        count("feedback"),
        sa.select(sa.func.max(tables["cases"].c.updated_at)).scalar_subquery(),
    ).select_from(runs)
    return tuple(source.execute(query).one())


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


_POSTGRES: dict[str, Any] = {}


def _shared_postgres(url: str) -> Any:
    """One PostgreSQL connection per database and process, opened on first use and again if it was closed
    (a web worker computes on every request: a connection each would exhaust the server's)."""
    with _LOCK:
        backend = _POSTGRES.get(url)
        if backend is None or backend.con.closed:
            backend = _POSTGRES[url] = postgres_backend(url)
        return backend


@atexit.register
def _close_postgres() -> None:
    for backend in _POSTGRES.values():
        backend.disconnect()


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


# -- Spark ----------------------------------------------------------------------------------------------------
def spark_session(master: str | None = None, remote: str | None = None) -> Any:
    """A Spark session in UTC, offline-safe (no UI, loopback only): a classic one on ``master`` (default
    ``CXLENS_SPARK_MASTER``, ``local[*]``), or a Spark Connect client of ``remote`` (``sc://host:port``)."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    if remote is not None:
        # a Spark Connect client can set runtime options only (the server owns the UI and the partitions)
        session = SparkSession.builder.remote(remote).config("spark.sql.session.timeZone", "UTC").getOrCreate()
        # close its gRPC channel before the interpreter shuts down: closed from __del__ at exit, it hangs
        atexit.register(session.stop)
        return session
    return (
        SparkSession.builder.master(master or load_settings().spark_master)
        .appName("cxlens")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )


_SESSION: list[Any] = []


def configured_session() -> Any:
    """The process's Spark session for the ``pyspark`` engine, from ``CXLENS_SPARK_REMOTE`` (Spark Connect) or
    else ``CXLENS_SPARK_MASTER``; started on first use and again if it was stopped."""
    with _LOCK:
        if not _SESSION or not _alive(_SESSION[0]):
            settings = load_settings()
            _SESSION[:] = [spark_session(settings.spark_master, settings.spark_remote)]
        return _SESSION[0]


def _alive(session: Any) -> bool:
    if _is_connect(session):
        return not session.is_stopped
    return getattr(session.sparkContext, "_jsc", None) is not None


def _is_connect(session: Any) -> bool:
    return type(session).__module__.startswith("pyspark.sql.connect")


@dataclass(frozen=True, slots=True)
class _Snapshot:
    root: Any  # the session it was taken in (a stopped and restarted session needs a new snapshot)
    backend: Any
    version: tuple[Any, ...]
    token: str


_LOCK = threading.RLock()
_SNAPSHOTS: OrderedDict[str, _Snapshot] = OrderedDict()
_KEEP = 8  # workspaces whose snapshot a process keeps


def _snapshot(ws: Workspace, session: Any) -> _Snapshot:
    """The workspace's snapshot in ``session``, taken again when the records' version has moved since."""
    key = str(ws.url)
    with _LOCK:
        snap = _SNAPSHOTS.get(key)
        if snap is None or snap.root is not session or snap.version != record_version(ws):
            backend, version = _spark_backend(ws, session)
            snap = _Snapshot(session, backend, version, uuid.uuid4().hex)
            _SNAPSHOTS[key] = snap
        _SNAPSHOTS.move_to_end(key)
        while len(_SNAPSHOTS) > _KEEP:
            _SNAPSHOTS.popitem(last=False)
        return snap


def _spark_backend(ws: Workspace, session: Any) -> tuple[Any, tuple[Any, ...]]:
    """Copy the workspace's tables, in one read transaction, into a new session of ``session`` (its own
    temporary views: workspaces never see each other's tables). Returns the Ibis backend and the records'
    version the copy shows. The Parquet folder is removed once the backend is no longer used."""
    child = session.newSession()
    backend = ibis.pyspark.connect(child)
    connect = _is_connect(session)
    folder = Path(tempfile.mkdtemp(prefix="cxlens-spark-"))
    weakref.finalize(backend, shutil.rmtree, str(folder), ignore_errors=True)
    if connect:  # release the server's session (and its views) once unused, and at the latest at exit
        weakref.finalize(backend, child.stop)
    with ws.engine.connect() as conn:
        if ws.dialect == "postgresql":  # one consistent view of every table
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        version = record_version(conn)
        for name in t.metadata.tables:
            table = _arrow_table(conn, name)
            if connect:  # the server may be another machine: send the rows, not a path
                _upload(child, table, name)
            else:
                path = folder / f"{name}.parquet"
                pq.write_table(table, path)
                backend.read_parquet(str(path), table_name=name)
    return backend, version


def _upload(session: Any, table: pa.Table, name: str) -> None:
    """Send ``table`` to a Spark Connect session as Arrow batches, with its schema spelled out (so an empty
    table loads too) and naive timestamps as TIMESTAMP_NTZ, as Spark reads them from the Parquet copy."""
    from pyspark.sql.pandas.types import from_arrow_schema

    schema = from_arrow_schema(table.schema, prefer_timestamp_ntz=True)
    session.createDataFrame(table, schema=schema).createOrReplaceTempView(name)


def _arrow_table(conn: sa.Connection, name: str) -> pa.Table:
    """One table as Arrow in the snapshot's schema (numbers as doubles). DuckDB hands its result over as
    Arrow directly (~40× faster than Python rows); PostgreSQL rows go through Python."""
    columns = t.metadata.tables[name].columns
    if conn.dialect.name == "duckdb":
        select = ", ".join(
            f'CAST("{c.name}" AS DOUBLE) AS "{c.name}"' if isinstance(c.type, sa.Numeric) else f'"{c.name}"'
            for c in columns
        )
        cursor = conn.exec_driver_sql(f'SELECT {select} FROM "{name}"').cursor
        fetch = getattr(cursor, "to_arrow_table", None) or cursor.fetch_arrow_table  # DuckDB ≥ 1.5 / 1.4
        return fetch().cast(_arrow_schema(name))
    decimals = {c.name for c in columns if isinstance(c.type, sa.Numeric) and not isinstance(c.type, sa.Float)}
    keys = [c.name for c in columns]
    rows = [
        {c: (float(v) if c in decimals and v is not None else v) for c, v in zip(keys, row, strict=True)}
        for row in conn.exec_driver_sql(f'SELECT * FROM "{name}"').fetchall()
    ]
    return pa.Table.from_pylist(rows, schema=_arrow_schema(name))


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
