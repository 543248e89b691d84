from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from cxlens import exceptions as exc
from cxlens.store import Workspace
from cxlens.store.summary import summarise


def test_init_creates_empty_schema(workspace: Workspace) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from cxlens.store.workspace import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert workspace.schema_revision() == ScriptDirectory.from_config(config).get_current_head()
    assert set(workspace.counts().values()) == {0}


def test_init_refuses_existing_workspace(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "w").close()
    with pytest.raises(exc.WorkspaceExistsError, match="already holds"):
        Workspace.init(tmp_path / "w")


def test_open_missing_workspace_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(exc.WorkspaceNotFoundError, match="cxlens init"):
        Workspace.open(tmp_path / "nothing")


def test_open_refuses_unknown_manifest_format(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "w").close()
    (tmp_path / "w" / "workspace.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(exc.SchemaVersionError):
        Workspace.open(tmp_path / "w")


def test_reopen_keeps_records(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "w") as ws, ws.begin() as conn:
        conn.execute(sa.text("INSERT INTO agents (id, external_id) VALUES (nextval('agents_id_seq'), 'a1')"))
    with Workspace.open(tmp_path / "w") as ws:
        assert ws.counts()["agents"] == 1


def test_failed_transaction_stores_nothing(workspace: Workspace) -> None:
    with pytest.raises(RuntimeError), workspace.begin() as conn:
        conn.execute(sa.text("INSERT INTO agents (id, external_id) VALUES (nextval('agents_id_seq'), 'a1')"))
        raise RuntimeError("boom")
    assert workspace.counts()["agents"] == 0


def test_second_process_gets_a_clear_lock_error(tmp_path: Path) -> None:
    """DuckDB allows one writing process: the second is told who holds the file, and does not hang."""
    Workspace.init(tmp_path / "w").close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from cxlens.store import Workspace
            ws = Workspace.open({str(tmp_path / "w")!r})
            print('ready', flush=True)
            sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(exc.WorkspaceLockedError, match=f"process {holder.pid}"):
            Workspace.open(tmp_path / "w")
    finally:
        holder.communicate("", timeout=30)
    with Workspace.open(tmp_path / "w") as ws:  # free again once the holder exits
        assert ws.counts()["customers"] == 0


def test_summary_of_empty_workspace(workspace: Workspace) -> None:
    info = summarise(workspace)
    assert info["counts"]["tickets"] == 0
    assert info["periods"]["tickets"] == [None, None]
    assert info["database"] == workspace.dialect
