"""A workspace (on each engine) with a published bilingual form: every question type and skip logic."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from survey_definition import DEFINITION

from cxlens.store import Workspace
from cxlens.surveys import Version, create_form, publish, resolve_link


@pytest.fixture
def ws(workspace: Workspace) -> Iterator[Workspace]:
    """An empty workspace on each engine (DuckDB; PostgreSQL when CXLENS_TEST_POSTGRES_URL is set)."""
    yield workspace


@pytest.fixture
def version(ws: Workspace) -> Version:
    create_form(ws, DEFINITION, by="alice")
    return resolve_link(ws, publish(ws, "visit", by="alice").slug)
