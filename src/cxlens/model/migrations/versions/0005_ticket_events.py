"""Ticket events and the per-ticket counts derived from them: ``ticket_events`` (what happened to a ticket and
when: created, first response, agent and customer replies, status changes, reopenings, resolutions), and
``tickets.reopen_count`` / ``tickets.agent_replies`` (what help desks export as Reopens / Replies, or what
the events of a ticket add up to), which first-contact resolution and the reopen rate read.

Like the other large record tables, the foreign keys, the uniqueness of the idempotency key and the index on
ticket_id exist on PostgreSQL only (see ``cxlens.model.tables._pg_only``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KINDS = ("created", "first_response", "agent_reply", "customer_reply", "status_change", "reopened", "resolved")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.add_column("tickets", sa.Column("reopen_count", sa.Integer(), nullable=True))
    op.add_column("tickets", sa.Column("agent_replies", sa.Integer(), nullable=True))
    op.execute(sa.schema.CreateSequence(sa.Sequence("ticket_events_id_seq")))
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=True),
        sa.Column("to_status", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("import_run_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")", name=op.f("ck_ticket_events_kind")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets")).ddl_if(
            dialect="postgresql"
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_ticket_events_import_run_id_import_runs")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ticket_events_idempotency_key")).ddl_if(
            dialect="postgresql"
        ),
    )
    if postgres:
        op.create_index("ix_ticket_events_ticket_id", "ticket_events", ["ticket_id"], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_ticket_events_ticket_id", table_name="ticket_events")
    op.drop_table("ticket_events")
    op.execute(sa.schema.DropSequence(sa.Sequence("ticket_events_id_seq")))
    op.drop_column("tickets", "agent_replies")
    op.drop_column("tickets", "reopen_count")
