"""Stored theme runs of the text analytics: text_theme_runs, text_themes, text_theme_members.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute(sa.schema.CreateSequence(sa.Sequence("text_theme_runs_id_seq")))
    op.create_table(
        "text_theme_runs",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("n_texts", sa.BigInteger(), nullable=False),
        sa.Column("n_themes", sa.Integer(), nullable=False),
        sa.Column("results_version", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_theme_runs")),
    )
    op.create_table(
        "text_themes",
        sa.Column("run_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("theme", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mean_score", sa.Float(), nullable=True),
        sa.Column("quotes_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "theme", name=op.f("pk_text_themes")),
    )
    op.create_table(
        "text_theme_members",
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("theme", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("field_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["text_theme_runs.id"], name=op.f("fk_text_theme_members_run_id_text_theme_runs")
        ).ddl_if(dialect="postgresql"),
    )
    if postgres:
        op.create_index("ix_text_theme_members_run_id", "text_theme_members", ["run_id"], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_text_theme_members_run_id", table_name="text_theme_members")
    op.drop_table("text_theme_members")
    op.drop_table("text_themes")
    op.drop_table("text_theme_runs")
    op.execute(sa.schema.DropSequence(sa.Sequence("text_theme_runs_id_seq")))
