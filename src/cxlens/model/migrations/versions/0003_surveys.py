"""Survey authoring and distribution: survey_forms (the editable definition and its public link),
survey_versions (each published definition, bound to the installed survey its answers are stored under),
invitations (one response each), and who entered a response or a feedback record by hand (``entered_by``).

Foreign keys exist on PostgreSQL only: DuckDB refuses to update a row that other rows reference, and a
form is updated whenever it is edited; invitations are a large record table like responses (see
``cxlens.model.tables._pg_only``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SEQUENCES = ["survey_forms", "survey_versions", "invitations"]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(f"{table}_id_seq")))
    op.create_table(
        "survey_forms",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column("access", sa.Text(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("definition_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.CheckConstraint("access IN ('anonymous', 'invitation')", name=op.f("ck_survey_forms_access")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_forms")),
        sa.UniqueConstraint("code", name=op.f("uq_survey_forms_code")),
        sa.UniqueConstraint("slug", name=op.f("uq_survey_forms_slug")),
    )
    op.create_table(
        "survey_versions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("form_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.BigInteger(), nullable=False),
        sa.Column("definition_json", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["form_id"], ["survey_forms.id"], name=op.f("fk_survey_versions_form_id_survey_forms")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_versions_survey_id_surveys")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_versions")),
        sa.UniqueConstraint("form_id", "version", name=op.f("uq_survey_versions_form_id_version")),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("form_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("response_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["form_id"], ["survey_forms.id"], name=op.f("fk_invitations_form_id_survey_forms")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_invitations_customer_id_customers")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["response_id"], ["responses.id"], name=op.f("fk_invitations_response_id_responses")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    if postgres:
        op.create_index("ix_invitations_form_id", "invitations", ["form_id"], unique=False)
    op.add_column("responses", sa.Column("entered_by", sa.Text(), nullable=True))
    op.add_column("feedback", sa.Column("entered_by", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("feedback", "entered_by")
    op.drop_column("responses", "entered_by")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_invitations_form_id", table_name="invitations")
    op.drop_table("invitations")
    op.drop_table("survey_versions")
    op.drop_table("survey_forms")
    for table in reversed(SEQUENCES):
        op.execute(sa.schema.DropSequence(sa.Sequence(f"{table}_id_seq")))
