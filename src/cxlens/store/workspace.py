"""A workspace: one folder holding ``workspace.json`` and, by default, the DuckDB file ``cxlens.duckdb``.

With ``CXLENS_DATABASE_URL`` (or a URL saved at ``init``) the records live in PostgreSQL instead; the code
that reads and writes them is the same. Opening a workspace upgrades its schema with Alembic.

DuckDB lets one process write a database file at a time. When another process (usually ``cxlens serve``)
holds it, :meth:`Workspace.open` raises :class:`~cxlens.exceptions.WorkspaceLockedError` at once, naming
the process, instead of waiting or corrupting anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from cxlens import exceptions as exc
from cxlens.config import check_engine, load_settings
from cxlens.model import alembic_duckdb  # noqa: F401  (registers the duckdb dialect with Alembic)
from cxlens.model import tables as t

__all__ = ["COUNTED_TABLES", "WORKSPACE_SETTINGS", "Workspace"]

MANIFEST = "workspace.json"
DUCKDB_FILE = "cxlens.duckdb"
FORMAT_VERSION = 1
MIGRATIONS = Path(__file__).resolve().parent.parent / "model" / "migrations"

#: the tables ``cxlens status`` counts, in display order
COUNTED_TABLES = (
    "customers",
    "surveys",
    "questions",
    "responses",
    "answers",
    "feedback",
    "tickets",
    "agents",
    "orders",
    "competitors",
    "import_runs",
)


#: workspace settings kept in ``workspace.json`` under ``settings``, with their defaults
WORKSPACE_SETTINGS: dict[str, Any] = {
    # mask personal data (phones, 身份证, e-mails, bank cards, IPs) in every imported cell before it is stored
    "mask_pii": False,
    # columns (by name in the source file) whose whole value is replaced by a stable pseudonym when masking
    "pii_columns": [],
    # the working calendar of business-hours metrics: timezone, days, hours, holidays, workdays
    # (cxlens.metrics.calendar.BusinessCalendar.from_settings; empty = Mon–Fri 09:00–18:00 UTC)
    "business_hours": {},
    # where metrics, driver analysis and scoring run: {"engine": "duckdb" | "postgres" | "pyspark"}; the
    # environment's CXLENS_ENGINE wins (cxlens.metrics.engines.configured_engine; empty = the records' database)
    "analytics": {},
}


@dataclass(frozen=True, slots=True)
class _Manifest:
    name: str
    database_url: str | None
    settings: dict[str, Any] = field(default_factory=dict)

    def dump(self, path: Path) -> None:
        data = {"format": FORMAT_VERSION, "name": self.name, "database_url": self.database_url}
        if self.settings:
            data["settings"] = self.settings
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> _Manifest:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise exc.WorkspaceError(f"{path}: cannot read the workspace manifest: {err}") from err
        if data.get("format") != FORMAT_VERSION:
            raise exc.SchemaVersionError(f"{path}: workspace format {data.get('format')!r} is not supported")
        settings = data.get("settings") or {}
        unknown = sorted(set(settings) - set(WORKSPACE_SETTINGS))
        if unknown:
            raise exc.ConfigurationError(f"{path}: unknown workspace setting(s) {', '.join(unknown)}")
        return cls(str(data.get("name") or path.parent.name), data.get("database_url"), dict(settings))


def _alembic_config(connection: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


_PID = re.compile(r"PID (\d+)")


def _create_engine(url: str) -> sa.Engine:
    if url.startswith("duckdb"):
        return sa.create_engine(url, poolclass=sa.pool.StaticPool)
    if url.startswith("postgresql"):
        # month buckets follow the session time zone: force UTC (PITFALLS.md)
        return sa.create_engine(url, connect_args={"options": "-c timezone=UTC"}, pool_pre_ping=True)
    raise exc.ConfigurationError(f"unsupported database URL {url!r}: use duckdb:///FILE or postgresql+psycopg://…")


class Workspace:
    """An open workspace. Use :meth:`init` to create one and :meth:`open` to open it.

    >>> import tempfile
    >>> with Workspace.init(tempfile.mkdtemp() + "/acme") as ws:
    ...     ws.counts()["customers"]
    0
    """

    def __init__(self, path: Path, url: str, engine: sa.Engine, name: str) -> None:
        self.path = path
        self.url = url
        self.engine = engine
        self.name = name
        self.settings: dict[str, Any] = {
            k: (list(v) if isinstance(v, list) else v) for k, v in WORKSPACE_SETTINGS.items()
        }

    # -- creating and opening -------------------------------------------------------------------------
    @classmethod
    def init(cls, path: str | Path, *, database_url: str | None = None, name: str | None = None) -> Workspace:
        """Create a workspace in folder ``path`` (which must not hold one yet) and create its schema."""
        folder = Path(path)
        if (folder / MANIFEST).exists():
            raise exc.WorkspaceExistsError(f"{folder} already holds a cxlens workspace")
        if folder.exists() and not folder.is_dir():
            raise exc.WorkspaceError(f"{folder} exists and is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        url = database_url or load_settings().database_url
        ws = cls._connect(folder, url, name or folder.resolve().name)
        _Manifest(ws.name, url).dump(folder / MANIFEST)
        return ws

    @classmethod
    def open(cls, path: str | Path) -> Workspace:
        """Open the workspace in folder ``path``, upgrading its schema if this cxlens is newer."""
        folder = Path(path)
        manifest = folder / MANIFEST
        if not manifest.is_file():
            raise exc.WorkspaceNotFoundError(
                f"{folder} is not a cxlens workspace (no {MANIFEST}); create one with `cxlens init {folder}`"
            )
        meta = _Manifest.load(manifest)
        ws = cls._connect(folder, load_settings().database_url or meta.database_url, meta.name)
        ws.settings.update(meta.settings)
        return ws

    @classmethod
    def _connect(cls, folder: Path, url: str | None, name: str) -> Workspace:
        url = url or f"duckdb:///{(folder / DUCKDB_FILE).resolve()}"
        engine = _create_engine(url)
        ws = cls(folder, url, engine, name)
        try:
            ws._upgrade()
        except BaseException:
            engine.dispose()
            raise
        return ws

    def _upgrade(self) -> None:
        try:
            with self.engine.begin() as conn:
                head = ScriptDirectory.from_config(_alembic_config(conn)).get_current_head()
                current = MigrationContext.configure(conn).get_current_revision()
                if current is not None and current > str(head):
                    raise exc.SchemaVersionError(
                        f"{self.path}: schema revision {current} is newer than this cxlens ({head}); upgrade cxlens"
                    )
                if current != head:
                    command.upgrade(_alembic_config(conn), "head")
        except sa.exc.DBAPIError as err:
            raise self._translate(err) from err

    def _translate(self, err: sa.exc.DBAPIError) -> exc.CxlensError:
        message = str(err.orig)
        if "lock" in message.lower() and self.dialect == "duckdb":
            pid = _PID.search(message)
            holder = f"process {pid.group(1)}" if pid else "another process"
            return exc.WorkspaceLockedError(
                f"workspace {self.path} is open for writing in {holder} (for example `cxlens serve`); "
                "stop it, or import through that process, and try again"
            )
        return exc.WorkspaceError(f"{self.path}: cannot open the database: {message.splitlines()[0]}")

    # -- using ------------------------------------------------------------------------------------------
    @property
    def dialect(self) -> str:
        """``duckdb`` or ``postgresql``."""
        return str(self.engine.dialect.name)

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """One transaction: committed if the block finishes, rolled back (nothing stored) if it raises."""
        with self.engine.begin() as conn:
            yield conn

    def counts(self) -> dict[str, int]:
        """Number of rows in each record table (see ``COUNTED_TABLES``)."""
        with self.engine.connect() as conn:
            return {
                name: int(conn.execute(sa.select(sa.func.count()).select_from(t.metadata.tables[name])).scalar_one())
                for name in COUNTED_TABLES
            }

    def schema_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def set_setting(self, key: str, value: Any) -> None:
        """Change a workspace setting (see ``WORKSPACE_SETTINGS``) and save it in ``workspace.json``."""
        if key not in WORKSPACE_SETTINGS:
            raise exc.ConfigurationError(
                f"unknown workspace setting {key!r}; settings are {', '.join(WORKSPACE_SETTINGS)}"
            )
        if not isinstance(value, type(WORKSPACE_SETTINGS[key])):
            raise exc.ConfigurationError(
                f"workspace setting {key!r} must be a {type(WORKSPACE_SETTINGS[key]).__name__}"
            )
        if key == "analytics":  # {"engine": NAME}, NAME one of cxlens.config.ANALYTICS_ENGINES
            if set(value) - {"engine"}:
                raise exc.ConfigurationError(f'workspace setting "analytics" takes only "engine", not {value!r}')
            check_engine(value.get("engine"), "workspace setting analytics.engine")
        manifest = self.path / MANIFEST
        meta = _Manifest.load(manifest)
        _Manifest(meta.name, meta.database_url, {**meta.settings, key: value}).dump(manifest)
        self.settings[key] = value

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Workspace {self.name!r} {self.dialect} at {self.path}>"
