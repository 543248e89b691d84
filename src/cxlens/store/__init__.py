"""Workspaces: where a company's records live (a DuckDB file by default, or PostgreSQL)."""

from __future__ import annotations

from cxlens.store.workspace import Workspace

__all__ = ["Workspace"]
