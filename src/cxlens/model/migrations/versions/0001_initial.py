"""Initial schema: customers, surveys, questions, responses, answers, feedback, tickets, agents, orders,
competitors and the import bookkeeping.

Foreign keys, natural-key uniqueness and secondary indexes of the large record tables exist on PostgreSQL
only (see ``cxlens.model.tables._pg_only`` for the measured reason).

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEQUENCES = [
    "agents",
    "competitors",
    "customer_attribute_keys",
    "import_runs",
    "customers",
    "surveys",
    "dimensions",
    "questions",
    "choices",
    "responses",
    "feedback",
    "tickets",
    "orders",
]


def upgrade() -> None:
    for table in SEQUENCES:
        op.execute(sa.schema.CreateSequence(sa.Sequence(f"{table}_id_seq")))
    op.create_table(
        "agents",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("external_id", name=op.f("uq_agents_external_id")),
    )
    op.create_table(
        "competitors",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitors")),
        sa.UniqueConstraint("code", name=op.f("uq_competitors_code")),
    )
    op.create_table(
        "customer_attribute_keys",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("data_type", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "data_type IN ('text', 'number', 'date')", name=op.f("ck_customer_attribute_keys_data_type")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_attribute_keys")),
        sa.UniqueConstraint("key", name=op.f("uq_customer_attribute_keys_key")),
    )
    op.create_table(
        "import_runs",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("source_hash", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("encoding", sa.Text(), nullable=True),
        sa.Column("mapping_json", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_inserted", sa.BigInteger(), nullable=False),
        sa.Column("rows_updated", sa.BigInteger(), nullable=False),
        sa.Column("rows_duplicate", sa.BigInteger(), nullable=False),
        sa.Column("rows_rejected", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_index(op.f("ix_import_runs_source_hash"), "import_runs", ["source_hash"], unique=False)
    op.create_table(
        "texts",
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "entity IN ('survey', 'question', 'choice', 'dimension', 'competitor')",
            name=op.f("ck_texts_entity"),
        ),
        sa.PrimaryKeyConstraint("entity", "entity_id", "language", name=op.f("pk_texts")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("segment", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("signed_up_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("import_run_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_customers_import_run_id_import_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("external_id", name=op.f("uq_customers_external_id")),
    )
    op.create_table(
        "import_rejects",
        sa.Column("import_run_id", sa.BigInteger(), nullable=False),
        sa.Column("row_number", sa.BigInteger(), nullable=True),
        sa.Column("column_name", sa.Text(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_import_rejects_import_run_id_import_runs")
        ),
    )
    op.create_index(op.f("ix_import_rejects_import_run_id"), "import_rejects", ["import_run_id"], unique=False)
    op.create_table(
        "surveys",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("default_language", sa.Text(), nullable=False),
        sa.Column("template", sa.Text(), nullable=True),
        sa.Column("competitor_id", sa.BigInteger(), nullable=True),
        sa.Column("definition_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'in_progress', 'paused', 'completed')", name=op.f("ck_surveys_status")),
        sa.ForeignKeyConstraint(
            ["competitor_id"], ["competitors.id"], name=op.f("fk_surveys_competitor_id_competitors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("code", name=op.f("uq_surveys_code")),
    )
    op.create_table(
        "customer_attributes",
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.BigInteger(), nullable=False),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("value_number", sa.Float(), nullable=True),
        sa.Column("value_date", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_attributes_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["customer_attribute_keys.id"],
            name=op.f("fk_customer_attributes_key_id_customer_attribute_keys"),
        ),
        sa.PrimaryKeyConstraint("customer_id", "key_id", name=op.f("pk_customer_attributes")),
    )
    op.create_table(
        "dimensions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("survey_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_dimensions_survey_id_surveys")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dimensions")),
        sa.UniqueConstraint("survey_id", "code", name=op.f("uq_dimensions_survey_id_code")),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("source_type", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("competitor_id", sa.BigInteger(), nullable=True),
        sa.Column("collected_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("product", sa.Text(), nullable=True),
        sa.Column("import_run_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["competitor_id"], ["competitors.id"], name=op.f("fk_feedback_competitor_id_competitors")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_feedback_customer_id_customers")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_feedback_import_run_id_import_runs")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_feedback_idempotency_key")).ddl_if(dialect="postgresql"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_feedback_customer_id", "feedback", ["customer_id"], unique=False)
    op.create_table(
        "orders",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("ordered_at", sa.DateTime(), nullable=False),
        sa.Column("fulfilled_at", sa.DateTime(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("product", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("promotion", sa.Text(), nullable=True),
        sa.Column("import_run_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_orders_customer_id_customers")).ddl_if(
            dialect="postgresql"
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_orders_import_run_id_import_runs")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("external_id", name=op.f("uq_orders_external_id")).ddl_if(dialect="postgresql"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_orders_customer_id", "orders", ["customer_id"], unique=False)
    op.create_table(
        "responses",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("survey_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("import_run_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_responses_customer_id_customers")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_responses_import_run_id_import_runs")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_responses_survey_id_surveys")).ddl_if(
            dialect="postgresql"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        sa.UniqueConstraint("survey_id", "idempotency_key", name=op.f("uq_responses_survey_id_idempotency_key")).ddl_if(
            dialect="postgresql"
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_responses_customer_id", "responses", ["customer_id"], unique=False)
    op.create_table(
        "tickets",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("agent_id", sa.BigInteger(), nullable=True),
        sa.Column("team", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("priority", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("csat", sa.Float(), nullable=True),
        sa.Column("import_run_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_tickets_agent_id_agents")).ddl_if(
            dialect="postgresql"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_tickets_customer_id_customers")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_tickets_import_run_id_import_runs")
        ).ddl_if(dialect="postgresql"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("external_id", name=op.f("uq_tickets_external_id")).ddl_if(dialect="postgresql"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_tickets_customer_id", "tickets", ["customer_id"], unique=False)
    op.create_table(
        "questions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("survey_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
        sa.Column("dimension_id", sa.BigInteger(), nullable=True),
        sa.Column("scale_min", sa.Float(), nullable=True),
        sa.Column("scale_max", sa.Float(), nullable=True),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "type IN ('nps', 'csat', 'ces', 'rating', 'likert', 'single', 'multi', 'text', 'number')",
            name=op.f("ck_questions_type"),
        ),
        sa.CheckConstraint("scale_min IS NULL OR scale_max > scale_min", name=op.f("ck_questions_scale")),
        sa.ForeignKeyConstraint(["dimension_id"], ["dimensions.id"], name=op.f("fk_questions_dimension_id_dimensions")),
        sa.ForeignKeyConstraint(["parent_id"], ["questions.id"], name=op.f("fk_questions_parent_id_questions")),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_questions_survey_id_surveys")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint("survey_id", "code", name=op.f("uq_questions_survey_id_code")),
    )
    op.create_table(
        "choices",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("question_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], name=op.f("fk_choices_question_id_questions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_choices")),
        sa.UniqueConstraint("question_id", "code", name=op.f("uq_choices_question_id_code")),
    )
    op.create_table(
        "answers",
        sa.Column("response_id", sa.BigInteger(), nullable=False),
        sa.Column("question_id", sa.BigInteger(), nullable=False),
        sa.Column("choice_id", sa.BigInteger(), nullable=True),
        sa.Column("value_number", sa.Float(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "value_number IS NOT NULL OR value_text IS NOT NULL OR choice_id IS NOT NULL",
            name=op.f("ck_answers_has_value"),
        ),
        sa.ForeignKeyConstraint(["choice_id"], ["choices.id"], name=op.f("fk_answers_choice_id_choices")).ddl_if(
            dialect="postgresql"
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_answers_question_id_questions")
        ).ddl_if(dialect="postgresql"),
        sa.ForeignKeyConstraint(
            ["response_id"], ["responses.id"], name=op.f("fk_answers_response_id_responses")
        ).ddl_if(dialect="postgresql"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_answers_response_id", "answers", ["response_id"], unique=False)

    _create_answer_facts()


def _create_answer_facts() -> None:
    op.create_table(
        "answer_facts",
        sa.Column("response_id", sa.BigInteger(), nullable=False),
        sa.Column("question_id", sa.BigInteger(), nullable=False),
        sa.Column("survey_id", sa.BigInteger(), nullable=False),
        sa.Column("question_type", sa.Text(), nullable=False),
        sa.Column("scale_min", sa.Float(), nullable=True),
        sa.Column("scale_max", sa.Float(), nullable=True),
        sa.Column("value_number", sa.Float(), nullable=True),
        sa.Column("choice_id", sa.BigInteger(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_day", sa.Date(), nullable=False),
        sa.Column("submitted_month", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("segment", sa.Text(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("industry", sa.Text(), nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_answer_facts_customer_id", "answer_facts", ["customer_id"], unique=False)


def downgrade() -> None:
    op.drop_table("answer_facts")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_answers_response_id", table_name="answers")
    op.drop_table("answers")
    op.drop_table("choices")
    op.drop_table("questions")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_tickets_customer_id", table_name="tickets")
    op.drop_table("tickets")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_responses_customer_id", table_name="responses")
    op.drop_table("responses")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_orders_customer_id", table_name="orders")
    op.drop_table("orders")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_feedback_customer_id", table_name="feedback")
    op.drop_table("feedback")
    op.drop_table("dimensions")
    op.drop_table("customer_attributes")
    op.drop_table("surveys")
    op.drop_index(op.f("ix_import_rejects_import_run_id"), table_name="import_rejects")
    op.drop_table("import_rejects")
    op.drop_table("customers")
    op.drop_table("texts")
    op.drop_index(op.f("ix_import_runs_source_hash"), table_name="import_runs")
    op.drop_table("import_runs")
    op.drop_table("customer_attribute_keys")
    op.drop_table("competitors")
    op.drop_table("agents")
    for table in SEQUENCES:
        op.execute(sa.schema.DropSequence(sa.Sequence(f"{table}_id_seq")))
