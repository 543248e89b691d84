"""A workspace with a published bilingual form that has every question type and skip logic."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from survey_definition import DEFINITION

from cxlens.store import Workspace
from cxlens.surveys import Version, create_form, publish, resolve_link


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    w = Workspace.init(tmp_path / "ws")
    yield w
    w.close()


@pytest.fixture
def version(ws: Workspace) -> Version:
    create_form(ws, DEFINITION, by="alice")
    return resolve_link(ws, publish(ws, "visit", by="alice").slug)
