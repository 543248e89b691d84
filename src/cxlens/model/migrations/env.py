"""Alembic environment for cxlens workspaces (DuckDB or PostgreSQL).

cxlens runs migrations itself (``Workspace.init`` / ``Workspace.open`` upgrade to head), handing Alembic
an open connection through ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from cxlens.model import alembic_duckdb  # noqa: F401  (registers the duckdb dialect with Alembic)
from cxlens.model.tables import metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("cxlens migrations need an open connection in config.attributes['connection']")
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
