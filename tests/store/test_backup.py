"""Backups and restores: a verified round trip on DuckDB and PostgreSQL, and every refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pyarrow as pa
import pytest
import sqlalchemy as sa
from alembic import command
from typer.testing import CliRunner

from cxlens import exceptions as exc
from cxlens.cli import app
from cxlens.ingest import import_file, import_survey
from cxlens.store import Workspace
from cxlens.store import backup as bk
from cxlens.store.workspace import _alembic_config, _create_engine, _Manifest

PG_URL = os.environ.get("CXLENS_TEST_POSTGRES_URL")


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


SURVEY = """\
code: s
title: 满意度
questions:
  - {code: nps, type: nps, text: 推荐}
  - {code: csat, type: csat, scale: [1, 5], text: 满意}
"""
FILES = {
    "customers.csv": "customer_id,segment,city\nC1,A,上海\nC2,B,北京\nC3,A,\n",
    "responses.csv": "response_id,customer_id,submitted_at,nps,csat\n"
    "R1,C1,2025-01-10 10:00,10,5\nR2,C2,2025-01-20 10:00,6,3\nR3,,2025-02-05 10:00,8,\n",
    "orders.csv": "order_id,customer_id,ordered_at,amount,category\n"
    "O1,C1,2025-01-05,100.25,X\nO2,C3,2025-01-25,0.1,Y\n",
    "feedback.csv": "feedback_id,customer_id,created_at,source_type,text,rating\n"
    'F1,C1,2025-01-02,complaint,"太慢了, 等了三天\n还没到",2\n',
}


def fill(ws: Workspace, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "s.yaml").write_text(SURVEY, encoding="utf-8")
    import_survey(ws, folder / "s.yaml")
    import_file(ws, folder / "customers.csv", "customers")
    import_file(ws, folder / "responses.csv", "responses", survey="s")
    import_file(ws, folder / "orders.csv", "orders")
    import_file(ws, folder / "feedback.csv", "feedback")


def contents(ws: Workspace) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, ordered, as Python values (floats rounded to float32 precision)."""
    out: dict[str, list[tuple[object, ...]]] = {}
    with ws.engine.connect() as conn:
        structure = bk._structure(conn)
        for name, schema in structure.items():
            cols = ", ".join(f'"{c}"' for c in schema.names)
            rows = conn.exec_driver_sql(f'SELECT {cols} FROM "{name}" ORDER BY {cols}').fetchall()
            out[name] = [tuple(round(v, 5) if isinstance(v, float) else v for v in r) for r in rows]
    return out


def _postgres_target() -> str:
    if not PG_URL:
        pytest.skip("CXLENS_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server)")
    reset_postgres(PG_URL)
    return PG_URL


def test_round_trip_keeps_every_row_settings_and_files(workspace: Workspace, tmp_path: Path) -> None:
    fill(workspace, tmp_path / "src")
    workspace.set_setting("mask_pii", True)
    (workspace.path / "targets.yaml").write_text("nps: 40\n", encoding="utf-8")
    before = contents(workspace)
    report = bk.backup(workspace, tmp_path / "b.zip")
    assert report.tables["customers"] == 3 and report.tables["answers"] == 5 and report.files == 1
    assert report.schema_revision == workspace.schema_revision()
    workspace.close()  # PostgreSQL: restore into DuckDB, the source database stays as it is

    restored = bk.restore(tmp_path / "b.zip", tmp_path / "copy")
    assert restored.tables == report.tables and restored.migrated is False
    assert restored.source_database == workspace.dialect and restored.database == "duckdb"
    with Workspace.open(tmp_path / "copy") as copy:
        assert contents(copy) == before
        assert copy.settings["mask_pii"] is True and copy.name == workspace.name
        assert (copy.path / "targets.yaml").read_text(encoding="utf-8") == "nps: 40\n"
        # the id sequences continue after the restored ids: a new import does not collide
        (tmp_path / "more.csv").write_text("customer_id,segment\nC9,B\n", encoding="utf-8")
        import_file(copy, tmp_path / "more.csv", "customers")
        with copy.engine.connect() as conn:
            ids = conn.exec_driver_sql("SELECT id FROM customers ORDER BY id").scalars().all()
        assert len(ids) == len(set(ids)) == 4 and ids[-1] > ids[-2]


@pytest.mark.postgres
def test_duckdb_to_postgresql_and_back(tmp_path: Path) -> None:
    url = _postgres_target()
    with Workspace.init(tmp_path / "w") as ws:
        fill(ws, tmp_path / "src")
        before = contents(ws)
        bk.backup(ws, tmp_path / "duck.zip")
    to_pg = bk.restore(tmp_path / "duck.zip", tmp_path / "pg", database_url=url)
    assert to_pg.database == "postgresql" and to_pg.source_database == "duckdb"
    with Workspace.open(tmp_path / "pg") as pg:
        assert pg.dialect == "postgresql" and contents(pg) == before
        bk.backup(pg, tmp_path / "pg.zip")
    bk.restore(tmp_path / "pg.zip", tmp_path / "back")
    with Workspace.open(tmp_path / "back") as back:
        assert contents(back) == before
    # the archives of the same records are the same table for table, whichever database wrote them
    with zipfile.ZipFile(tmp_path / "duck.zip") as a, zipfile.ZipFile(tmp_path / "pg.zip") as b:
        for entry in json.loads(a.read("manifest.json"))["tables"]:
            assert _table(a, entry["file"]).equals(_table(b, entry["file"])), entry["name"]


def _table(zf: zipfile.ZipFile, name: str) -> pa.Table:
    import io

    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(zf.read(name)))


@pytest.mark.postgres
def test_restore_refuses_a_database_that_holds_tables_and_rolls_back_a_failure(tmp_path: Path) -> None:
    url = _postgres_target()
    with Workspace.init(tmp_path / "w") as ws:
        fill(ws, tmp_path / "src")
        # DuckDB does not enforce the natural-key uniqueness PostgreSQL does: two orders with one id
        with ws.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO orders (id, external_id, customer_id, ordered_at, amount, quantity) "
                "VALUES (nextval('orders_id_seq'), 'O1', 1, TIMESTAMP '2025-03-01', 1, 1)"
            )
        bk.backup(ws, tmp_path / "dup.zip")
    with pytest.raises(exc.WorkspaceError, match="orders"):
        bk.restore(tmp_path / "dup.zip", tmp_path / "pg", database_url=url)
    assert not (tmp_path / "pg").exists()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert (
            conn.exec_driver_sql(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).scalar()
            == 0
        )
    engine.dispose()
    Workspace.init(tmp_path / "other", database_url=url).close()
    with pytest.raises(exc.WorkspaceExistsError, match="already holds"):
        bk.restore(tmp_path / "dup.zip", tmp_path / "pg2", database_url=url)


def test_restore_refuses_a_folder_that_holds_anything(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "w") as ws:
        bk.backup(ws, tmp_path / "b.zip")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(exc.WorkspaceExistsError, match="not empty"):
        bk.restore(tmp_path / "b.zip", tmp_path / "full")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    assert bk.restore(tmp_path / "b.zip", tmp_path / "empty").tables["customers"] == 0


def test_backup_refuses_to_overwrite(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "w") as ws:
        (tmp_path / "b.zip").write_text("precious")
        with pytest.raises(exc.WorkspaceExistsError):
            bk.backup(ws, tmp_path / "b.zip")
    assert (tmp_path / "b.zip").read_text() == "precious"


def _rewrite(archive: Path, out: Path, change: dict[str, bytes]) -> None:
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item.filename, change.get(item.filename, src.read(item.filename)))


def test_a_damaged_table_file_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "w") as ws:
        fill(ws, tmp_path / "src")
        bk.backup(ws, tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        data = bytearray(zf.read("tables/customers.parquet"))
    data[len(data) // 2] ^= 0xFF
    _rewrite(tmp_path / "b.zip", tmp_path / "bad.zip", {"tables/customers.parquet": bytes(data)})
    with pytest.raises(exc.WorkspaceError, match=r"customers.parquet: SHA-256"):
        bk.restore(tmp_path / "bad.zip", tmp_path / "copy")
    assert not (tmp_path / "copy").exists()
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    with pytest.raises(exc.WorkspaceError, match="not a cxlens backup"):
        bk.restore(tmp_path / "junk.zip", tmp_path / "copy")


def test_a_backup_from_a_newer_cxlens_is_refused(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "w") as ws:
        bk.backup(ws, tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["schema_revision"] = "9999"
    _rewrite(tmp_path / "b.zip", tmp_path / "new.zip", {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(exc.SchemaVersionError, match="9999.*upgrade cxlens"):
        bk.restore(tmp_path / "new.zip", tmp_path / "copy")
    assert not (tmp_path / "copy").exists()


def test_a_backup_of_an_older_schema_is_migrated_up(tmp_path: Path) -> None:
    with bk._scripts() as scripts:
        head = scripts.get_current_head()
        older = scripts.get_revision(head).down_revision
    assert isinstance(older, str)
    folder = tmp_path / "old"
    folder.mkdir()
    url = f"duckdb:///{folder / 'cxlens.duckdb'}"
    engine = _create_engine(url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), older)
        conn.exec_driver_sql(
            "INSERT INTO agents (id, external_id, name) VALUES (nextval('agents_id_seq'), 'a1', '李雷')"
        )
    _Manifest("old", None).dump(folder / "workspace.json")
    old = Workspace(folder, url, engine, "old")  # opened as it is: Workspace.open would upgrade it
    report = bk.backup(old, tmp_path / "old.zip")
    old.close()
    assert report.schema_revision == older
    restored = bk.restore(tmp_path / "old.zip", tmp_path / "new")
    assert restored.migrated and (restored.backup_revision, restored.schema_revision) == (older, head)
    with Workspace.open(tmp_path / "new") as ws:
        assert ws.schema_revision() == head and ws.counts()["agents"] == 1


def test_a_failing_backup_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def failing(*args: object) -> int:
        calls.append(args)
        if len(calls) == 5:
            raise OSError("disk full")
        return original(*args)  # type: ignore[arg-type]

    original = bk._dump_table
    monkeypatch.setattr(bk, "_dump_table", failing)
    with Workspace.init(tmp_path / "w") as ws, pytest.raises(OSError, match="disk full"):
        bk.backup(ws, tmp_path / "b.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w"]


def test_backup_of_a_duckdb_workspace_held_by_another_process_is_refused(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "w").close()
    holder = textwrap.dedent(
        f"""
        import sys, time
        from cxlens.store import Workspace
        ws = Workspace.open({str(tmp_path / "w")!r})
        print("open", flush=True)
        sys.stdin.readline()
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
        with pytest.raises(exc.WorkspaceLockedError, match="process"):
            bk.backup(tmp_path / "w", tmp_path / "b.zip")
    finally:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.close()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    assert not (tmp_path / "b.zip").exists()


def test_cli_backup_and_restore(tmp_path: Path) -> None:
    runner = CliRunner()
    with Workspace.init(tmp_path / "w") as ws:
        fill(ws, tmp_path / "src")
    made = runner.invoke(app, ["backup", str(tmp_path / "w"), "--out", str(tmp_path / "b.zip"), "--json"])
    assert made.exit_code == 0, made.output
    data = json.loads(made.stdout)
    assert data["ok"] and data["tables"]["customers"] == 3 and data["rows"] == sum(data["tables"].values())
    back = runner.invoke(app, ["restore", str(tmp_path / "b.zip"), str(tmp_path / "copy"), "--json"])
    assert back.exit_code == 0, back.output
    data = json.loads(back.stdout)
    assert data["tables"]["answers"] == 5 and data["verified"] == ["sha256", "schema_revision", "row_counts"]
    again = runner.invoke(app, ["restore", str(tmp_path / "b.zip"), str(tmp_path / "copy"), "--lang", "en"])
    assert again.exit_code == 1 and "not empty" in again.output
    shown = runner.invoke(app, ["backup", str(tmp_path / "copy"), "--out", str(tmp_path / "c.zip"), "--lang", "zh"])
    assert shown.exit_code == 0 and "备份已写入" in shown.output and "customers" in shown.output
