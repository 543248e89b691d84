"""Text analytics results: text_results, text_sentences, text_aspects (``cxlens text analyze``).

Derived tables keyed by (source, source_id, field_id); like the other large tables their uniqueness and
indexes exist on PostgreSQL only (see ``cxlens.model.tables._pg_only``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _key() -> list[sa.Column[Any]]:
    return [
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("field_id", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "text_results",
        *_key(),
        sa.Column("occurred_at", sa.DateTime(), nullable=True),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.Text(), nullable=False),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("analyzed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("source IN ('feedback', 'ticket', 'answer')", name=op.f("ck_text_results_source")),
        sa.UniqueConstraint(
            "source", "source_id", "field_id", name=op.f("uq_text_results_source_source_id_field_id")
        ).ddl_if(dialect="postgresql"),
    )
    op.create_table(
        "text_sentences",
        *_key(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
    )
    op.create_table(
        "text_aspects",
        *_key(),
        sa.Column("occurred_at", sa.DateTime(), nullable=True),
        sa.Column("aspect", sa.Text(), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("clause", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
    )
    if postgres:
        op.create_index("ix_text_sentences_source_id", "text_sentences", ["source_id"], unique=False)
        op.create_index("ix_text_aspects_source_id", "text_aspects", ["source_id"], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_text_aspects_source_id", table_name="text_aspects")
        op.drop_index("ix_text_sentences_source_id", table_name="text_sentences")
    op.drop_table("text_aspects")
    op.drop_table("text_sentences")
    op.drop_table("text_results")
