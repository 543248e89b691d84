"""Teach Alembic the ``duckdb`` dialect: duckdb-engine does not register an Alembic implementation.

Importing this module registers it (Alembic keys implementations by ``__dialect__``).
"""

from __future__ import annotations

from alembic.ddl.impl import DefaultImpl

__all__ = ["DuckDBImpl"]


class DuckDBImpl(DefaultImpl):
    __dialect__ = "duckdb"
    transactional_ddl = True
