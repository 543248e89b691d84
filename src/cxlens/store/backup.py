"""Backups of a workspace, and restoring one into an empty folder (or an empty PostgreSQL database).

A backup is one ZIP archive that any cxlens can read, whatever database the workspace used::

    manifest.json            format, cxlens version, schema revision, workspace name and settings,
                             and for every table its columns, row count and the SHA-256 of its file
    tables/<table>.parquet   every row of every table (ordered by ``id`` where the table has one)
    files/<path>             the other files of the workspace folder (targets.yaml, models, the web key …)

**Consistency.** All tables are read in one transaction, so the backup is one moment of the workspace:
on PostgreSQL a ``REPEATABLE READ, READ ONLY`` transaction (one snapshot for every table while other
sessions keep writing); on DuckDB the workspace is opened for writing, which a running ``cxlens serve``
refuses (:class:`~cxlens.exceptions.WorkspaceLockedError`), and its one transaction reads a snapshot. The
archive is written under a temporary name and renamed when complete, so a killed backup leaves no file
that looks like a backup.

**Restore** refuses a target that holds anything, checks every checksum before writing, creates the schema
at the *backup's* revision, loads the tables in foreign-key order, sets each ``<table>_id_seq`` past the
largest id, upgrades the schema to this cxlens's head (a backup from an older cxlens is migrated), and
compares every table's row count with the manifest, all in one transaction: if any step fails, nothing is
left behind. DuckDB → DuckDB, DuckDB → PostgreSQL and PostgreSQL → DuckDB all go through the same archive.
A backup holds every record of the workspace, personal data included, and its web signing key: keep it as
safe as the database itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from cxlens import exceptions as exc
from cxlens.config import load_settings
from cxlens.model import tables as t
from cxlens.store.workspace import (
    DUCKDB_FILE,
    MANIFEST,
    Workspace,
    _alembic_config,
    _create_engine,
    _Manifest,
)

__all__ = ["BACKUP_FORMAT", "BackupReport", "RestoreReport", "backup", "read_backup_manifest", "restore"]

#: ``format`` of ``manifest.json`` in a backup archive, and its version
BACKUP_FORMAT = "cxlens-backup"
BACKUP_VERSION = 1
_BATCH = 65_536
#: folder entries that are the database itself (backed up table by table) or rewritten on restore
_NOT_FILES = {MANIFEST, DUCKDB_FILE, f"{DUCKDB_FILE}.wal"}


@dataclass(slots=True)
class BackupReport:
    """What :func:`backup` wrote: ``tables`` maps each table to its row count."""

    archive: str
    workspace: str
    database: str
    schema_revision: str
    tables: dict[str, int]
    files: int
    bytes: int
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "archive": self.archive,
            "workspace": self.workspace,
            "database": self.database,
            "schema_revision": self.schema_revision,
            "tables": self.tables,
            "rows": sum(self.tables.values()),
            "files": self.files,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
        }


@dataclass(slots=True)
class RestoreReport:
    """What :func:`restore` did. ``tables`` holds the row counts verified after the restore."""

    archive: str
    path: str
    database: str
    backup_revision: str
    schema_revision: str
    tables: dict[str, int]
    files: int
    migrated: bool = False
    source_database: str = ""
    seconds: float = 0.0
    verified: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "archive": self.archive,
            "path": self.path,
            "database": self.database,
            "source_database": self.source_database,
            "backup_revision": self.backup_revision,
            "schema_revision": self.schema_revision,
            "migrated": self.migrated,
            "tables": self.tables,
            "rows": sum(self.tables.values()),
            "files": self.files,
            "verified": self.verified,
            "seconds": round(self.seconds, 3),
        }


# -- table structure, read from the database itself (so an older schema revision works too) -----------
def _arrow_type(table: str, column: str, data_type: str, precision: Any, scale: Any) -> pa.DataType:
    """The archive's type for a column, from ``information_schema.columns.data_type`` of either engine."""
    name = data_type.lower()
    if "int" in name and "interval" not in name:
        return pa.int64()
    if name.startswith(("double", "float", "real")):
        return pa.float64()
    if name.startswith(("decimal", "numeric")):
        if precision is None:
            return pa.string()  # unconstrained PostgreSQL numeric: kept exactly as text
        return pa.decimal128(int(precision), int(scale or 0))
    if name.startswith("bool"):
        return pa.bool_()
    if name == "date":
        return pa.date32()
    if name.startswith("timestamp"):
        return pa.timestamp("us", tz="UTC") if "with time zone" in name else pa.timestamp("us")
    if name.startswith(("varchar", "text", "character", "json", "uuid")):
        return pa.string()
    if name in ("blob", "bytea"):
        return pa.binary()
    raise exc.WorkspaceError(f"table {table}, column {column}: type {data_type} cannot be backed up")


def _structure(conn: sa.Connection) -> dict[str, pa.Schema]:
    """Every table of the workspace (``alembic_version`` aside) with its columns in order."""
    rows = conn.exec_driver_sql(
        "SELECT c.table_name, c.column_name, c.data_type, c.numeric_precision, c.numeric_scale "
        "FROM information_schema.columns c JOIN information_schema.tables s "
        "ON s.table_schema = c.table_schema AND s.table_name = c.table_name "
        "WHERE c.table_schema = current_schema() AND s.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name, c.ordinal_position"
    ).fetchall()
    fields: dict[str, list[pa.Field]] = {}
    for table, column, data_type, precision, scale in rows:
        if table == "alembic_version":
            continue
        fields.setdefault(table, []).append(pa.field(column, _arrow_type(table, column, data_type, precision, scale)))
    return {name: pa.schema(cols) for name, cols in fields.items()}


def _load_order(names: list[str] | set[str]) -> list[str]:
    """Parents before children: the schema's foreign-key order, then tables this cxlens does not know."""
    known = [tb.name for tb in t.metadata.sorted_tables if tb.name in names]
    return known + sorted(set(names) - set(known))


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# -- backup ---------------------------------------------------------------------------------------------
def _batches(conn: sa.Connection, name: str, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    order = " ORDER BY id" if "id" in schema.names else ""
    cols = ", ".join(_q(c) for c in schema.names)
    sql = f"SELECT {cols} FROM {_q(name)}{order}"
    if conn.dialect.name == "duckdb":
        raw: Any = conn.connection.driver_connection
        result = raw.execute(sql)
        reader = result.to_arrow_reader(_BATCH) if hasattr(result, "to_arrow_reader") else None
        reader = reader or result.fetch_record_batch(_BATCH)
        for batch in reader:
            yield from pa.Table.from_batches([batch]).cast(schema).to_batches()
        return
    cursor = conn.execution_options(stream_results=True, yield_per=_BATCH).exec_driver_sql(sql)
    while rows := cursor.fetchmany(_BATCH):
        columns = list(zip(*rows, strict=True))
        arrays = [_pg_array(values, f.type) for values, f in zip(columns, schema, strict=True)]
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def _pg_array(values: tuple[Any, ...], dtype: pa.DataType) -> pa.Array:
    if pa.types.is_string(dtype):
        return pa.array([None if v is None else str(v) for v in values], dtype)
    if pa.types.is_decimal(dtype):
        return pa.array([None if v is None else Decimal(v) for v in values], dtype)
    return pa.array(values, dtype)


def _dump_table(conn: sa.Connection, name: str, schema: pa.Schema, path: Path) -> int:
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in _batches(conn, name, schema):
            if batch.num_rows:
                writer.write_batch(batch)
                rows += batch.num_rows
    return rows


def _folder_files(folder: Path) -> list[Path]:
    """The workspace folder's own files (the database and ``workspace.json`` aside), relative paths."""
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not path.is_symlink() and rel.as_posix() not in _NOT_FILES:
            found.append(rel)
    return found


def _snapshot(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def backup(workspace: Workspace | str | Path, out: str | Path) -> BackupReport:
    """Write a consistent backup of ``workspace`` (an open :class:`Workspace` or its folder) to ``out``.

    ``out`` must not exist yet. Raises :class:`~cxlens.exceptions.WorkspaceLockedError` when another
    process holds a DuckDB workspace for writing (stop ``cxlens serve`` first, or back up PostgreSQL).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> tmp = Path(tempfile.mkdtemp())
    >>> with Workspace.init(tmp / "acme") as ws:
    ...     report = backup(ws, tmp / "acme.zip")
    >>> report.tables["customers"], restore(tmp / "acme.zip", tmp / "copy").tables["customers"]
    (0, 0)
    """
    started = time.perf_counter()
    target = Path(out)
    if target.exists():
        raise exc.WorkspaceExistsError(f"{target} already exists; choose another name for the backup")
    if isinstance(workspace, Workspace):
        ws, owned = workspace, False
    else:
        ws, owned = Workspace.open(workspace), True
    try:
        with tempfile.TemporaryDirectory(prefix="cxlens-backup-") as tmp:
            report = _write_archive(ws, Path(tmp), target)
    finally:
        if owned:
            ws.close()
    report.seconds = time.perf_counter() - started
    return report


def _write_archive(ws: Workspace, tmp: Path, target: Path) -> BackupReport:
    entries: list[dict[str, Any]] = []
    (tmp / "tables").mkdir()
    with ws.engine.connect() as conn, conn.begin():
        _snapshot(conn)
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        structure = _structure(conn)
        for name in _load_order(set(structure)):
            path = tmp / "tables" / f"{name}.parquet"
            rows = _dump_table(conn, name, structure[name], path)
            columns = [[f.name, str(f.type)] for f in structure[name]]
            entries.append({"name": name, "file": f"tables/{name}.parquet", "rows": rows, "columns": columns})
    if revision is None:
        raise exc.WorkspaceError(f"{ws.path}: the database has no schema revision; it is not a cxlens workspace")
    files = _folder_files(ws.path)
    file_entries: list[dict[str, str]] = []
    manifest = {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cxlens_version": _version(),
        "database": ws.dialect,
        "schema_revision": str(revision),
        "workspace": {"name": ws.name, "settings": _Manifest.load(ws.path / MANIFEST).settings},
        "tables": entries,
        "files": file_entries,
    }
    partial = target.with_name(f".{target.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for entry in entries:
                source = tmp / entry["file"]
                entry["sha256"] = _sha256(source)
                zf.write(source, entry["file"])
            for rel in files:
                name = f"files/{rel.as_posix()}"
                file_entries.append({"path": rel.as_posix(), "sha256": _sha256(ws.path / rel)})
                zf.write(ws.path / rel, name, compress_type=zipfile.ZIP_DEFLATED)
            zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        with partial.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    tables = {e["name"]: int(e["rows"]) for e in entries}
    return BackupReport(str(target), ws.name, ws.dialect, str(revision), tables, len(files), target.stat().st_size)


def _version() -> str:
    from cxlens import __version__

    return str(__version__)


# -- reading and checking an archive --------------------------------------------------------------------
def _damaged(archive: Path, reason: str) -> exc.WorkspaceError:
    return exc.WorkspaceError(f"{archive}: {reason}; the backup is damaged or not a cxlens backup")


def read_backup_manifest(archive: str | Path) -> dict[str, Any]:
    """The manifest of backup ``archive``, after checking its format (checksums are checked on restore)."""
    path = Path(archive)
    if not path.is_file():
        raise exc.WorkspaceNotFoundError(f"{path}: no such backup file")
    try:
        with zipfile.ZipFile(path) as zf:
            data = json.loads(zf.read("manifest.json").decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as err:
        raise _damaged(path, f"cannot read manifest.json ({err})") from err
    if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT:
        raise _damaged(path, "manifest.json is not a cxlens backup manifest")
    if data.get("version") != BACKUP_VERSION:
        raise exc.SchemaVersionError(
            f"{path}: backup format version {data.get('version')!r} is not supported by this cxlens "
            f"(it reads version {BACKUP_VERSION}); upgrade cxlens"
        )
    for key in ("schema_revision", "tables", "files", "workspace"):
        if key not in data:
            raise _damaged(path, f"manifest.json lacks {key!r}")
    return data


def _safe_member(archive: Path, name: str) -> PurePosixPath:
    member = PurePosixPath(name)
    if member.is_absolute() or ".." in member.parts or not member.parts:
        raise _damaged(archive, f"entry {name!r} points outside the workspace")
    return member


def _extract_checked(archive: Path, manifest: dict[str, Any], into: Path) -> None:
    """Extract every table and file named in the manifest into ``into``, checking each SHA-256."""
    wanted = [(e["file"], e["sha256"]) for e in manifest["tables"]]
    wanted += [(f"files/{f['path']}", f["sha256"]) for f in manifest["files"]]
    try:
        with zipfile.ZipFile(archive) as zf:
            for name, expected in wanted:
                member = _safe_member(archive, name)
                dest = into.joinpath(*member.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(name) as src, dest.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                got = _sha256(dest)
                if got != expected:
                    raise _damaged(
                        archive, f"{name}: SHA-256 {got[:12]}… does not match the manifest's {expected[:12]}…"
                    )
    except (zipfile.BadZipFile, KeyError, OSError) as err:
        raise _damaged(archive, str(err)) from err


# -- restore --------------------------------------------------------------------------------------------
def _check_revision(archive: Path, revision: str) -> bool:
    """Whether the backup's schema is older than this cxlens's head (so it is migrated up)."""
    with _scripts() as scripts:
        head = scripts.get_current_head()
        try:
            known = scripts.get_revision(revision)
        except CommandError:
            known = None
    if known is None:
        raise exc.SchemaVersionError(
            f"{archive}: the backup's schema revision {revision} is unknown to this cxlens (head {head}); "
            "it was written by a newer cxlens: upgrade cxlens to restore it"
        )
    return revision != head


@contextlib.contextmanager
def _scripts() -> Iterator[ScriptDirectory]:
    from alembic.config import Config

    from cxlens.store.workspace import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    yield ScriptDirectory.from_config(cfg)


def _refuse_nonempty(folder: Path, engine: sa.Engine | None) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise exc.WorkspaceExistsError(f"{folder} is not empty; restore only into a new or empty folder")
    if engine is None:
        return
    try:
        with engine.connect() as conn:
            count = conn.exec_driver_sql(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            ).scalar()
    except sa.exc.DBAPIError as err:
        where = engine.url.render_as_string(hide_password=True)
        raise exc.WorkspaceError(f"cannot connect to {where}: {str(err.orig).splitlines()[0]}") from err
    if count:
        raise exc.WorkspaceExistsError(
            f"the database {engine.url.render_as_string(hide_password=True)} already holds {count} tables; "
            "restore only into an empty database"
        )


def _load_table(conn: sa.Connection, name: str, path: Path, columns: list[str]) -> None:
    cols = ", ".join(_q(c) for c in columns)
    if conn.dialect.name == "duckdb":
        conn.exec_driver_sql(f"INSERT INTO {_q(name)} ({cols}) SELECT {cols} FROM read_parquet(?)", (str(path),))
        return
    cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {_q(name)} ({cols}) FROM STDIN") as copy:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=_BATCH):
            for row in zip(*(col.to_pylist() for col in batch.columns), strict=True):
                copy.write_row(row)


def _advance_sequences(conn: sa.Connection, tables: dict[str, pa.Schema]) -> None:
    """Set each ``<table>_id_seq`` so that the next id drawn is past every restored one."""
    if conn.dialect.name == "duckdb":
        sql = "SELECT sequence_name FROM duckdb_sequences() WHERE schema_name = current_schema()"
    else:
        sql = "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()"
    sequences = {str(r[0]) for r in conn.exec_driver_sql(sql)}
    for name, schema in tables.items():
        seq = f"{name}_id_seq"
        if seq not in sequences or "id" not in schema.names:
            continue
        top = conn.exec_driver_sql(f"SELECT max(id) FROM {_q(name)}").scalar()
        if top is None:
            continue
        if conn.dialect.name == "duckdb":
            conn.exec_driver_sql(f"CREATE OR REPLACE SEQUENCE {_q(seq)} START WITH {int(top) + 1}")
        else:
            conn.exec_driver_sql(f"SELECT setval('{seq}', {int(top)})")


def _database_errors() -> tuple[type[Exception], ...]:
    """What a failed load raises: SQLAlchemy's wrapper, or the driver's own error from a raw COPY."""
    import duckdb

    errors: list[type[Exception]] = [sa.exc.DBAPIError, duckdb.Error]
    with contextlib.suppress(ImportError):
        import psycopg

        errors.append(psycopg.Error)
    return tuple(errors)


def _count(conn: sa.Connection, name: str) -> int:
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM {_q(name)}").scalar() or 0)


def _restore_database(conn: sa.Connection, manifest: dict[str, Any], extracted: Path, archive: Path) -> dict[str, int]:
    """Schema at the backup's revision, every table loaded and checked, then the schema upgraded to head."""
    command.upgrade(_alembic_config(conn), manifest["schema_revision"])
    structure = _structure(conn)
    entries = {e["name"]: e for e in manifest["tables"]}
    missing = sorted(set(entries) - set(structure))
    if missing:
        raise _damaged(
            archive, f"tables {', '.join(missing)} do not exist at schema revision {manifest['schema_revision']}"
        )
    for name in _load_order(set(entries)):
        entry = entries[name]
        columns = [str(c[0]) for c in entry["columns"]]
        if columns != structure[name].names:
            raise _damaged(
                archive, f"{entry['file']}: columns {columns} differ from the schema's {structure[name].names}"
            )
        try:
            _load_table(conn, name, extracted / entry["file"], columns)
        except _database_errors() as err:
            first = str(getattr(err, "orig", None) or err).splitlines()[0]
            raise exc.WorkspaceError(f"{archive}: table {name} cannot be restored here: {first}") from err
    _advance_sequences(conn, {n: structure[n] for n in entries})
    command.upgrade(_alembic_config(conn), "head")
    counts = {name: _count(conn, name) for name in _load_order(set(entries))}
    wrong = {n: (counts[n], int(entries[n]["rows"])) for n in counts if counts[n] != int(entries[n]["rows"])}
    if wrong:
        shown = ", ".join(f"{n}: {got} rows, backup {want}" for n, (got, want) in wrong.items())
        raise exc.WorkspaceError(f"{archive}: row counts differ after the restore ({shown}); nothing was restored")
    return counts


def restore(archive: str | Path, path: str | Path, *, database_url: str | None = None) -> RestoreReport:
    """Restore backup ``archive`` as a new workspace in folder ``path`` (new or empty).

    The records go to ``database_url`` (or ``CXLENS_DATABASE_URL``), which must be an empty database;
    by default to the folder's own DuckDB file. Checksums and the schema revision are checked first; a
    backup of an older schema is migrated to this cxlens's head; every table's row count is compared with
    the manifest. On any error nothing is left behind (the folder is removed if this call created it).
    """
    started = time.perf_counter()
    source, folder = Path(archive), Path(path)
    manifest = read_backup_manifest(source)
    migrated = _check_revision(source, str(manifest["schema_revision"]))
    url = database_url or load_settings().database_url
    engine = _create_engine(url) if url else None
    try:
        _refuse_nonempty(folder, engine)
    finally:
        if engine is not None:
            engine.dispose()
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="cxlens-restore-", dir=folder) as tmp:
            _extract_checked(source, manifest, Path(tmp))
            counts = _restore_into(folder, url, manifest, Path(tmp), source)
            files = _place_files(folder, manifest, Path(tmp))
        workspace = manifest["workspace"]
        _Manifest(str(workspace.get("name") or folder.resolve().name), url, dict(workspace.get("settings") or {})).dump(
            folder / MANIFEST
        )
        with Workspace.open(folder) as ws:
            revision = str(ws.schema_revision())
            dialect = ws.dialect
    except BaseException:
        _clean(folder, created)
        raise
    return RestoreReport(
        str(source),
        str(folder),
        dialect,
        str(manifest["schema_revision"]),
        revision,
        counts,
        files,
        migrated=migrated,
        source_database=str(manifest.get("database", "")),
        seconds=time.perf_counter() - started,
        verified=["sha256", "schema_revision", "row_counts"],
    )


def _restore_into(
    folder: Path, url: str | None, manifest: dict[str, Any], extracted: Path, archive: Path
) -> dict[str, int]:
    engine = _create_engine(url or f"duckdb:///{(folder / DUCKDB_FILE).resolve()}")
    try:
        with engine.begin() as conn:
            return _restore_database(conn, manifest, extracted, archive)
    except sa.exc.DBAPIError as err:
        first = str(err.orig).splitlines()[0]
        raise exc.WorkspaceError(f"{archive}: the restore failed and was rolled back: {first}") from err
    finally:
        engine.dispose()


def _place_files(folder: Path, manifest: dict[str, Any], extracted: Path) -> int:
    for entry in manifest["files"]:
        rel = PurePosixPath(entry["path"])
        dest = folder.joinpath(*rel.parts)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(extracted.joinpath("files", *rel.parts)), dest)
    return len(manifest["files"])


def _clean(folder: Path, created: bool) -> None:
    """Undo a failed restore: remove the folder if it was created, else everything put into it."""
    if created:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for child in folder.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
