"""Workspaces: where a company's records live (a DuckDB file by default, or PostgreSQL).

``cxlens.store.backup`` writes a workspace to one archive and restores it (``backup.backup``,
``backup.restore``), across DuckDB and PostgreSQL.
"""

from __future__ import annotations

from cxlens.store.backup import BackupReport, RestoreReport
from cxlens.store.workspace import Workspace

__all__ = ["BackupReport", "RestoreReport", "Workspace"]
