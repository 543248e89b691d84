"""Floating-point columns become 8-byte DOUBLE PRECISION.

``sa.Float`` is a 4-byte REAL on DuckDB (it is already 8 bytes on PostgreSQL), so a stored 29.85 came back as
29.850000381…; ``sa.Double`` is 8 bytes on both. Five columns stay ``sa.Float`` because DuckDB (1.5) cannot
change their type in place: a CHECK constraint names ``answers.value_number`` (``has_value``) and
``questions.scale_min``/``scale_max`` (``scale``), and other tables' foreign keys depend on ``questions`` and
``dimensions`` (so ``questions.weight`` and ``dimensions.weight`` cannot change either). Rebuilding those
tables is left to a later revision; ratings, scale bounds and weights like 0.4 keep 7 significant digits.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: (table, column, nullable) of the columns created as ``sa.Float`` by revisions 0001–0007 that can widen
COLUMNS = (
    ("customer_attributes", "value_number", True),
    ("choices", "score", True),
    ("answer_facts", "scale_min", True),
    ("answer_facts", "scale_max", True),
    ("answer_facts", "value_number", True),
    ("feedback", "rating", True),
    ("tickets", "csat", True),
    ("text_results", "score", False),
    ("text_sentences", "score", False),
    ("text_aspects", "score", False),
    ("text_themes", "mean_score", True),
)


def _alter(type_: type[sa.types.TypeEngine[float]]) -> None:
    for table, column, nullable in COLUMNS:
        op.alter_column(table, column, type_=type_(), existing_nullable=nullable)


def upgrade() -> None:
    _alter(sa.Double)


def downgrade() -> None:
    _alter(sa.Float)
