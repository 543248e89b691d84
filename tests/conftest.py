"""Shared fixtures: a fresh workspace on each storage engine (DuckDB always; PostgreSQL when
CXLENS_TEST_POSTGRES_URL names a server, as scripts/test.sh and CI arrange)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from cxlens.store import Workspace

PG_URL = os.environ.get("CXLENS_TEST_POSTGRES_URL")


def reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("CXLENS_DATABASE_URL", "CXLENS_TIMEZONE", "CXLENS_LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine_name(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("CXLENS_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server)")
    return str(request.param)


@pytest.fixture
def workspace(engine_name: str, tmp_path: Path) -> Iterator[Workspace]:
    """An empty workspace on each engine."""
    url = None
    if engine_name == "postgresql":
        assert PG_URL is not None
        reset_postgres(PG_URL)
        url = PG_URL
    ws = Workspace.init(tmp_path / "ws", database_url=url)
    yield ws
    ws.close()
