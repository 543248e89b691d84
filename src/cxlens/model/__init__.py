"""The one canonical data model of a cxlens workspace (tables, typed records, migrations)."""

from __future__ import annotations

from cxlens.model.tables import metadata

__all__ = ["metadata"]
