"""Closing the loop: alert rules and their deduplicated alerts, closed-loop follow-up cases with notes, and
action plans with the baseline measured when they were created (``cxlens.loop``).

Rows refer to each other by id; as for the other record tables, the foreign keys and secondary indexes
exist on PostgreSQL only (DuckDB refuses to update a row that other rows reference, and a case's status
changes while its notes point at it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ["alert_rules", "alerts", "cases", "case_notes", "action_plans"]


def _check(column: str, values: tuple[str, ...], table: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")", name=op.f(f"ck_{table}_{column}")
    )


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")).ddl_if(
        dialect="postgresql"
    )


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False)


def upgrade() -> None:
    for table in TABLES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(f"{table}_id_seq")))
    op.create_table(
        "alert_rules",
        _id(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=True),
        sa.Column("spec_json", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("notify_json", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rules")),
        sa.UniqueConstraint("name", name=op.f("uq_alert_rules_name")),
    )
    op.create_table(
        "alerts",
        _id(),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=True),
        sa.Column("slice_json", sa.Text(), nullable=False),
        sa.Column("period", sa.DateTime(), nullable=True),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("reference", sa.Double(), nullable=True),
        sa.Column("p_val", sa.Double(), nullable=True),
        sa.Column("n", sa.BigInteger(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("detail_json", sa.Text(), nullable=False),
        sa.Column("severity", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        _check("status", ("open", "acknowledged", "closed"), "alerts"),
        _fk("alerts", "rule_id", "alert_rules"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_alerts_dedup_key")),
    )
    op.create_table(
        "cases",
        _id(),
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("source_type", sa.Text(), nullable=False),
        sa.Column("source_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("priority", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("detail_json", sa.Text(), nullable=False),
        _check("status", ("open", "in_progress", "resolved", "closed"), "cases"),
        _fk("cases", "customer_id", "customers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_cases_dedup_key")),
    )
    op.create_table(
        "case_notes",
        _id(),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _fk("case_notes", "case_id", "cases"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    op.create_table(
        "action_plans",
        _id(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("metric", sa.Text(), nullable=False),
        sa.Column("spec_json", sa.Text(), nullable=False),
        sa.Column("baseline_value", sa.Double(), nullable=True),
        sa.Column("baseline_n", sa.BigInteger(), nullable=True),
        sa.Column("baseline_ci_low", sa.Double(), nullable=True),
        sa.Column("baseline_ci_high", sa.Double(), nullable=True),
        sa.Column("baseline_start", sa.DateTime(), nullable=False),
        sa.Column("baseline_end", sa.DateTime(), nullable=False),
        sa.Column("target", sa.Double(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("start_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _check("status", ("planned", "active", "completed", "cancelled"), "action_plans"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_plans")),
        sa.UniqueConstraint("name", name=op.f("uq_action_plans_name")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_alerts_rule_id", "alerts", ["rule_id"], unique=False)
        op.create_index("ix_cases_customer_id", "cases", ["customer_id"], unique=False)
        op.create_index("ix_case_notes_case_id", "case_notes", ["case_id"], unique=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_case_notes_case_id", table_name="case_notes")
        op.drop_index("ix_cases_customer_id", table_name="cases")
        op.drop_index("ix_alerts_rule_id", table_name="alerts")
    for table in reversed(TABLES):
        op.drop_table(table)
        op.execute(sa.schema.DropSequence(sa.Sequence(f"{table}_id_seq")))
