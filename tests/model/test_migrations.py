"""The Alembic migrations create exactly the schema that model/tables.py declares, on both engines."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cxlens.model import tables as t
from cxlens.store import Workspace
from cxlens.store.workspace import _alembic_config


def _columns(conn: sa.Connection) -> dict[tuple[str, str], bool]:
    rows = conn.execute(
        sa.text(
            "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
            "WHERE table_schema IN ('main', 'public') AND table_name <> 'alembic_version'"
        )
    ).all()
    return {(r[0], r[1]): r[2] == "YES" for r in rows}


def test_migrated_columns_match_the_model(workspace: Workspace) -> None:
    declared = {
        (tbl.name, c.name): bool(c.nullable) and not c.primary_key
        for tbl in t.metadata.sorted_tables
        for c in tbl.columns
    }
    with workspace.engine.connect() as conn:
        assert _columns(conn) == declared


def test_no_pending_changes_on_postgres(workspace: Workspace) -> None:
    if workspace.dialect != "postgresql":
        return  # duckdb-engine cannot reflect constraints; the column test above covers DuckDB
    with workspace.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert diff == []


def test_downgrade_removes_everything(workspace: Workspace) -> None:
    from alembic import command

    with workspace.begin() as conn:
        command.downgrade(_alembic_config(conn), "base")
    with workspace.engine.connect() as conn:
        assert _columns(conn) == {}
