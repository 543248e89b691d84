"""The workspace schema: every table, in SQLAlchemy Core, for DuckDB and PostgreSQL alike.

Storage is long, not wide (STYLE.md §6): a survey answer is one row of ``answers`` with the value column
that matches its question's type; free text from every channel is one row of ``feedback``. Identifiers are
``BIGINT`` drawn from one sequence per table (``<table>_id_seq``); SQLAlchemy inserts draw from it
automatically and bulk ``INSERT … SELECT nextval('<table>_id_seq')`` works the same on both engines.
Timestamps are stored without a time zone and are always UTC (PITFALLS.md: time zones).

Source systems' own identifiers are kept as ``external_id`` (unique per table), which is the natural key
that makes re-importing a file add nothing. Rows that have no natural id in their source (survey responses
without a response id, feedback without an id) carry an ``idempotency_key``: a hash of their content.

Migrations (``model/migrations``) create exactly this schema; ``tests/model/test_migrations.py`` checks
that they agree.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "ALERT_STATUSES",
    "ANSWER_QUESTION_TYPES",
    "CASE_STATUSES",
    "PLAN_STATUSES",
    "QUESTION_TYPES",
    "SURVEY_ACCESS",
    "SURVEY_STATUSES",
    "TICKET_EVENT_KINDS",
    "action_plans",
    "agents",
    "alert_rules",
    "alerts",
    "answer_facts",
    "answers",
    "api_tokens",
    "audit_log",
    "case_notes",
    "cases",
    "choices",
    "competitors",
    "customer_attribute_keys",
    "customer_attributes",
    "customers",
    "dimensions",
    "feedback",
    "import_rejects",
    "import_runs",
    "invitations",
    "metadata",
    "orders",
    "questions",
    "responses",
    "sessions",
    "survey_forms",
    "survey_versions",
    "surveys",
    "text_aspects",
    "text_results",
    "text_sentences",
    "text_theme_members",
    "text_theme_runs",
    "text_themes",
    "texts",
    "ticket_events",
    "tickets",
    "users",
]

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

SURVEY_STATUSES = ("draft", "in_progress", "paused", "completed")
QUESTION_TYPES = ("nps", "csat", "ces", "rating", "likert", "single", "multi", "text", "number")
#: question types whose answers are numbers on a scale
ANSWER_QUESTION_TYPES = ("nps", "csat", "ces", "rating", "likert", "number")
TEXT_ENTITIES = ("survey", "question", "choice", "dimension", "competitor")


def _id(table: str) -> sa.Column[int]:
    seq = sa.Sequence(f"{table}_id_seq", metadata=metadata)
    return sa.Column("id", sa.BigInteger, seq, primary_key=True)


def _fk(name: str, target: str, *, nullable: bool = True, index: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, sa.ForeignKey(f"{target}.id"), nullable=nullable, index=index)


def _ref(name: str, *, nullable: bool = True) -> sa.Column[int]:
    """A reference column of a large record table; its constraint comes from :func:`_pg_only`."""
    return sa.Column(name, sa.BigInteger, nullable=nullable)


def _run() -> sa.Column[int]:
    return sa.Column("import_run_id", sa.BigInteger, nullable=True)


def _pg_only(
    table: str, refs: dict[str, str], unique: tuple[str, ...] = (), index: tuple[str, ...] = ()
) -> list[sa.schema.SchemaItem]:
    """Foreign keys, natural-key uniqueness and secondary indexes of a large record table, on PostgreSQL only.

    On DuckDB these ART indexes made inserting 1,000,000 tickets 5x slower (2.2 s instead of 0.4 s with commit,
    measured in bench/import_tickets.py) and buy nothing there: DuckDB admits one writing process, whose
    import path already keys every insert on the natural key, and its analytics scan rather than seek.
    PostgreSQL, with concurrent writers, keeps every constraint.
    """
    items: list[sa.schema.SchemaItem] = [
        sa.ForeignKeyConstraint([col], [f"{target}.id"]).ddl_if(dialect="postgresql") for col, target in refs.items()
    ]
    if unique:
        items.append(sa.UniqueConstraint(*unique).ddl_if(dialect="postgresql"))
    items += [sa.Index(f"ix_{table}_{col}", col).ddl_if(dialect="postgresql") for col in index]
    return items


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


import_runs = sa.Table(
    "import_runs",
    metadata,
    _id("import_runs"),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("source_hash", sa.Text, nullable=False, index=True),
    sa.Column("format", sa.Text, nullable=False),
    sa.Column("encoding", sa.Text),
    sa.Column("mapping_json", sa.Text, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=False),
    sa.Column("rows_read", sa.BigInteger, nullable=False),
    sa.Column("rows_inserted", sa.BigInteger, nullable=False),
    sa.Column("rows_updated", sa.BigInteger, nullable=False),
    sa.Column("rows_duplicate", sa.BigInteger, nullable=False),
    sa.Column("rows_rejected", sa.BigInteger, nullable=False),
)

import_rejects = sa.Table(
    "import_rejects",
    metadata,
    sa.Column("import_run_id", sa.BigInteger, sa.ForeignKey("import_runs.id"), nullable=False, index=True),
    sa.Column("row_number", sa.BigInteger),
    sa.Column("column_name", sa.Text),
    sa.Column("value", sa.Text),
    sa.Column("reason", sa.Text, nullable=False),
)

customers = sa.Table(
    "customers",
    metadata,
    _id("customers"),
    sa.Column("external_id", sa.Text, nullable=False, unique=True),
    sa.Column("name", sa.Text),
    sa.Column("segment", sa.Text),
    sa.Column("region", sa.Text),
    sa.Column("industry", sa.Text),
    sa.Column("signed_up_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("import_run_id", sa.BigInteger, sa.ForeignKey("import_runs.id")),
)

customer_attribute_keys = sa.Table(
    "customer_attribute_keys",
    metadata,
    _id("customer_attribute_keys"),
    sa.Column("key", sa.Text, nullable=False, unique=True),
    sa.Column("data_type", sa.Text, nullable=False),
    sa.CheckConstraint(_in("data_type", ("text", "number", "date")), name="data_type"),
)

customer_attributes = sa.Table(
    "customer_attributes",
    metadata,
    _fk("customer_id", "customers", nullable=False),
    _fk("key_id", "customer_attribute_keys", nullable=False),
    sa.Column("value_text", sa.Text),
    sa.Column("value_number", sa.Double),
    sa.Column("value_date", sa.DateTime),
    sa.PrimaryKeyConstraint("customer_id", "key_id"),
)

competitors = sa.Table(
    "competitors",
    metadata,
    _id("competitors"),
    sa.Column("code", sa.Text, nullable=False, unique=True),
)

surveys = sa.Table(
    "surveys",
    metadata,
    _id("surveys"),
    sa.Column("code", sa.Text, nullable=False, unique=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("default_language", sa.Text, nullable=False),
    sa.Column("template", sa.Text),
    _fk("competitor_id", "competitors"),
    sa.Column("definition_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.CheckConstraint(_in("status", SURVEY_STATUSES), name="status"),
)

dimensions = sa.Table(
    "dimensions",
    metadata,
    _id("dimensions"),
    _fk("survey_id", "surveys", nullable=False),
    sa.Column("code", sa.Text, nullable=False),
    sa.Column("weight", sa.Float),  # 4-byte on DuckDB (other tables depend on dimensions), see migration 0008
    sa.Column("position", sa.Integer, nullable=False),
    sa.UniqueConstraint("survey_id", "code"),
)

questions = sa.Table(
    "questions",
    metadata,
    _id("questions"),
    _fk("survey_id", "surveys", nullable=False),
    sa.Column("code", sa.Text, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    _fk("parent_id", "questions"),
    _fk("dimension_id", "dimensions"),
    sa.Column("scale_min", sa.Float),  # 4-byte on DuckDB (CHECK scale), see migration 0008
    sa.Column("scale_max", sa.Float),
    sa.Column("weight", sa.Float),  # 4-byte on DuckDB, see migration 0008
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("required", sa.Boolean, nullable=False),
    sa.UniqueConstraint("survey_id", "code"),
    sa.CheckConstraint(_in("type", QUESTION_TYPES), name="type"),
    sa.CheckConstraint("scale_min IS NULL OR scale_max > scale_min", name="scale"),
)

choices = sa.Table(
    "choices",
    metadata,
    _id("choices"),
    _fk("question_id", "questions", nullable=False),
    sa.Column("code", sa.Text, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("score", sa.Double),
    sa.UniqueConstraint("question_id", "code"),
)

texts = sa.Table(
    "texts",
    metadata,
    sa.Column("entity", sa.Text, nullable=False),
    sa.Column("entity_id", sa.BigInteger, nullable=False),
    sa.Column("language", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("entity", "entity_id", "language"),
    sa.CheckConstraint(_in("entity", TEXT_ENTITIES), name="entity"),
)

responses = sa.Table(
    "responses",
    metadata,
    _id("responses"),
    _ref("survey_id", nullable=False),
    _ref("customer_id"),
    sa.Column("idempotency_key", sa.Text, nullable=False),
    sa.Column("external_id", sa.Text),
    sa.Column("channel", sa.Text),
    sa.Column("language", sa.Text),
    sa.Column("started_at", sa.DateTime),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
    sa.Column("finished", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    _run(),
    # the staff user who typed in a phone or face-to-face interview (cxlens.surveys.entry); NULL otherwise
    sa.Column("entered_by", sa.Text),
    *_pg_only(
        "responses",
        {"survey_id": "surveys", "customer_id": "customers", "import_run_id": "import_runs"},
        unique=("survey_id", "idempotency_key"),
        index=("customer_id",),
    ),
)

answers = sa.Table(
    "answers",
    metadata,
    _ref("response_id", nullable=False),
    _ref("question_id", nullable=False),
    _ref("choice_id"),
    sa.Column("value_number", sa.Float),  # 4-byte on DuckDB (CHECK has_value), see migration 0008
    sa.Column("value_text", sa.Text),
    sa.CheckConstraint("value_number IS NOT NULL OR value_text IS NOT NULL OR choice_id IS NOT NULL", name="has_value"),
    *_pg_only(
        "answers",
        {"response_id": "responses", "question_id": "questions", "choice_id": "choices"},
        index=("response_id",),
    ),
)

#: Derived, not a source of truth: one row per answer with its response's and customer's slicing columns,
#: so that satisfaction metrics scan one table instead of joining answers ⋈ responses ⋈ customers
#: (16x slower on 10 M responses, bench/metrics.py). Kept current in the import's own transaction: new
#: responses add their rows, a customers import updates the rows of the customers it changed, and
#: ``ingest.facts.rebuild_answer_facts`` recomputes it from the canonical tables.
answer_facts = sa.Table(
    "answer_facts",
    metadata,
    _ref("response_id", nullable=False),
    _ref("question_id", nullable=False),
    _ref("survey_id", nullable=False),
    sa.Column("question_type", sa.Text, nullable=False),
    sa.Column("scale_min", sa.Double),
    sa.Column("scale_max", sa.Double),
    sa.Column("value_number", sa.Double),
    _ref("choice_id"),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
    # stored period keys: grouping by a stored month is 2x faster than truncating 10 M timestamps
    sa.Column("submitted_day", sa.Date, nullable=False),
    sa.Column("submitted_month", sa.Date, nullable=False),
    _ref("customer_id"),
    sa.Column("channel", sa.Text),
    sa.Column("language", sa.Text),
    sa.Column("segment", sa.Text),
    sa.Column("region", sa.Text),
    sa.Column("industry", sa.Text),
    *_pg_only("answer_facts", {}, index=("customer_id",)),
)

feedback = sa.Table(
    "feedback",
    metadata,
    _id("feedback"),
    sa.Column("idempotency_key", sa.Text, nullable=False),
    sa.Column("external_id", sa.Text),
    sa.Column("source_type", sa.Text, nullable=False),
    sa.Column("source", sa.Text),
    _ref("customer_id"),
    _ref("competitor_id"),
    sa.Column("collected_at", sa.DateTime, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("language", sa.Text),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("rating", sa.Double),
    sa.Column("product", sa.Text),
    _run(),
    # the staff user who recorded a complaint, suggestion or call by hand (cxlens.surveys.entry)
    sa.Column("entered_by", sa.Text),
    *_pg_only(
        "feedback",
        {"customer_id": "customers", "competitor_id": "competitors", "import_run_id": "import_runs"},
        unique=("idempotency_key",),
        index=("customer_id",),
    ),
)

agents = sa.Table(
    "agents",
    metadata,
    _id("agents"),
    sa.Column("external_id", sa.Text, nullable=False, unique=True),
    sa.Column("name", sa.Text),
    sa.Column("team", sa.Text),
)

tickets = sa.Table(
    "tickets",
    metadata,
    _id("tickets"),
    sa.Column("external_id", sa.Text, nullable=False),
    _ref("customer_id"),
    _ref("agent_id"),
    sa.Column("team", sa.Text),
    sa.Column("channel", sa.Text),
    sa.Column("priority", sa.Text),
    sa.Column("category", sa.Text),
    sa.Column("subject", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("first_response_at", sa.DateTime),
    sa.Column("resolved_at", sa.DateTime),
    sa.Column("status", sa.Text),
    sa.Column("csat", sa.Double),
    _run(),
    sa.Column("reopen_count", sa.Integer),
    sa.Column("agent_replies", sa.Integer),
    *_pg_only(
        "tickets",
        {"customer_id": "customers", "agent_id": "agents", "import_run_id": "import_runs"},
        unique=("external_id",),
        index=("customer_id",),
    ),
)

#: what a ticket event records (``ticket_events.kind``)
TICKET_EVENT_KINDS = (
    "created",
    "first_response",
    "agent_reply",
    "customer_reply",
    "status_change",
    "reopened",
    "resolved",
)

#: What happened to a ticket and when; ``reopen_count`` and ``agent_replies`` on ``tickets`` are derived from
#: a ticket's events when they are imported (or come straight from a help desk's export).
ticket_events = sa.Table(
    "ticket_events",
    metadata,
    _id("ticket_events"),
    _ref("ticket_id", nullable=False),
    sa.Column("occurred_at", sa.DateTime, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("from_status", sa.Text),
    sa.Column("to_status", sa.Text),
    sa.Column("actor", sa.Text),
    sa.Column("idempotency_key", sa.Text, nullable=False),
    _run(),
    sa.CheckConstraint(_in("kind", TICKET_EVENT_KINDS), name="kind"),
    *_pg_only(
        "ticket_events",
        {"ticket_id": "tickets", "import_run_id": "import_runs"},
        unique=("idempotency_key",),
        index=("ticket_id",),
    ),
)

orders = sa.Table(
    "orders",
    metadata,
    _id("orders"),
    sa.Column("external_id", sa.Text, nullable=False),
    _ref("customer_id", nullable=False),
    sa.Column("ordered_at", sa.DateTime, nullable=False),
    sa.Column("fulfilled_at", sa.DateTime),
    sa.Column("amount", sa.Numeric(18, 2), nullable=False),
    sa.Column("quantity", sa.Integer),
    sa.Column("product", sa.Text),
    sa.Column("category", sa.Text),
    sa.Column("channel", sa.Text),
    sa.Column("promotion", sa.Text),
    _run(),
    *_pg_only(
        "orders",
        {"customer_id": "customers", "import_run_id": "import_runs"},
        unique=("external_id",),
        index=("customer_id",),
    ),
)


#: Text analytics results (``cxlens text analyze``), derived and recomputable: one row per analysed free text.
#: ``source`` is ``feedback`` (``source_id`` = feedback.id), ``ticket`` (tickets.id, the description) or
#: ``answer`` (``source_id`` = responses.id, ``field_id`` = questions.id of the open question); ``field_id``
#: is 0 where a source has one text per row. ``text_hash`` and ``model`` tell a later run what is current.
TEXT_SOURCES = ("feedback", "ticket", "answer")

text_results = sa.Table(
    "text_results",
    metadata,
    sa.Column("source", sa.Text, nullable=False),
    _ref("source_id", nullable=False),
    sa.Column("field_id", sa.BigInteger, nullable=False),
    sa.Column("occurred_at", sa.DateTime),
    sa.Column("language", sa.Text, nullable=False),
    sa.Column("score", sa.Double, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("keywords", sa.Text, nullable=False),
    sa.Column("text_hash", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("analyzed_at", sa.DateTime, nullable=False),
    sa.CheckConstraint(_in("source", TEXT_SOURCES), name="source"),
    *_pg_only("text_results", {}, unique=("source", "source_id", "field_id")),
)

text_sentences = sa.Table(
    "text_sentences",
    metadata,
    sa.Column("source", sa.Text, nullable=False),
    _ref("source_id", nullable=False),
    sa.Column("field_id", sa.BigInteger, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("score", sa.Double, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    *_pg_only("text_sentences", {}, index=("source_id",)),
)

text_aspects = sa.Table(
    "text_aspects",
    metadata,
    sa.Column("source", sa.Text, nullable=False),
    _ref("source_id", nullable=False),
    sa.Column("field_id", sa.BigInteger, nullable=False),
    sa.Column("occurred_at", sa.DateTime),
    sa.Column("aspect", sa.Text, nullable=False),
    sa.Column("term", sa.Text, nullable=False),
    sa.Column("clause", sa.Text, nullable=False),
    sa.Column("score", sa.Double, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    *_pg_only("text_aspects", {}, index=("source_id",)),
)

#: Stored theme runs (``cxlens text themes``): a clustering of the analysed texts into labelled themes, kept so
#: pages and reports show the same themes and count them over time without clustering again. A run is a
#: snapshot of the texts analysed when it ran; ``text_theme_members`` says which text is in which theme.
text_theme_runs = sa.Table(
    "text_theme_runs",
    metadata,
    _id("text_theme_runs"),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("source", sa.Text),
    sa.Column("label", sa.Text),
    sa.Column("n_texts", sa.BigInteger, nullable=False),
    sa.Column("n_themes", sa.Integer, nullable=False),
    sa.Column("results_version", sa.Text, nullable=False),
)

text_themes = sa.Table(
    "text_themes",
    metadata,
    sa.Column("run_id", sa.BigInteger, primary_key=True),
    sa.Column("theme", sa.Integer, primary_key=True),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("terms", sa.Text, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("mean_score", sa.Double),
    sa.Column("quotes_json", sa.Text, nullable=False),
)

text_theme_members = sa.Table(
    "text_theme_members",
    metadata,
    _ref("run_id", nullable=False),
    sa.Column("theme", sa.Integer, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    _ref("source_id", nullable=False),
    sa.Column("field_id", sa.BigInteger, nullable=False),
    *_pg_only("text_theme_members", {"run_id": "text_theme_runs"}, index=("run_id",)),
)


#: Survey authoring and distribution (``cxlens.surveys``). A form holds the editable definition (the survey
#: YAML format plus skip logic and help texts, as JSON: it is rendered, never analysed in SQL) and the public
#: link's random ``slug``; each publication stores a version bound to the installed ``surveys`` row whose
#: questions its answers use. Invitations keep only a SHA-256 of their token (a bearer credential).
SURVEY_ACCESS = ("anonymous", "invitation")

survey_forms = sa.Table(
    "survey_forms",
    metadata,
    _id("survey_forms"),
    sa.Column("code", sa.Text, nullable=False, unique=True),
    sa.Column("slug", sa.Text, nullable=False, unique=True),
    sa.Column("access", sa.Text, nullable=False),
    sa.Column("is_open", sa.Boolean, nullable=False),
    sa.Column("definition_json", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.Text),
    sa.CheckConstraint(_in("access", SURVEY_ACCESS), name="access"),
)

survey_versions = sa.Table(
    "survey_versions",
    metadata,
    _id("survey_versions"),
    _ref("form_id", nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    _ref("survey_id", nullable=False),
    sa.Column("definition_json", sa.Text, nullable=False),
    sa.Column("published_at", sa.DateTime, nullable=False),
    sa.Column("published_by", sa.Text),
    sa.UniqueConstraint("form_id", "version"),
    # DuckDB refuses to update a row that others reference, and a form is updated on every edit
    *_pg_only("survey_versions", {"form_id": "survey_forms", "survey_id": "surveys"}),
)

invitations = sa.Table(
    "invitations",
    metadata,
    _id("invitations"),
    _ref("form_id", nullable=False),
    sa.Column("token_hash", sa.Text, nullable=False, unique=True),
    _ref("customer_id"),
    sa.Column("channel", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("used_at", sa.DateTime),
    _ref("response_id"),
    *_pg_only(
        "invitations",
        {"form_id": "survey_forms", "customer_id": "customers", "response_id": "responses"},
        index=("form_id",),
    ),
)

#: Web accounts (``cxlens.web``): the roles whose permissions ``cxlens.web.permissions`` declares
USER_ROLES = ("admin", "analyst", "agent", "viewer")

users = sa.Table(
    "users",
    metadata,
    _id("users"),
    sa.Column("username", sa.Text, nullable=False, unique=True),
    sa.Column("email", sa.Text, unique=True),
    sa.Column("display_name", sa.Text),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),  # argon2id, PHC string
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_login_at", sa.DateTime),
    sa.CheckConstraint(_in("role", USER_ROLES), name="role"),
)

#: sign-in sessions; the cookie carries a random token, the table only its SHA-256
sessions = sa.Table(
    "sessions",
    metadata,
    _id("sessions"),
    sa.Column("token_hash", sa.Text, nullable=False, unique=True),
    _ref("user_id", nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("ip", sa.Text),
    sa.Column("user_agent", sa.Text),
    *_pg_only("sessions", {"user_id": "users"}),
)

#: API tokens for scripts (``Authorization: Bearer …``); stored as SHA-256, shown once at creation
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    _id("api_tokens"),
    _ref("user_id", nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("token_hash", sa.Text, nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime),
    sa.Column("revoked_at", sa.DateTime),
    *_pg_only("api_tokens", {"user_id": "users"}),
)

#: who changed or exported what: user and token management, imports, exports
audit_log = sa.Table(
    "audit_log",
    metadata,
    _id("audit_log"),
    sa.Column("created_at", sa.DateTime, nullable=False),
    _ref("user_id"),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("target", sa.Text),
    sa.Column("detail", sa.Text),  # JSON
    sa.Column("ip", sa.Text),
    *_pg_only("audit_log", {"user_id": "users"}),
)


# -- closing the loop (``cxlens.loop``): alert rules and alerts, follow-up cases, action plans ----------------
ALERT_STATUSES = ("open", "acknowledged", "closed")
CASE_STATUSES = ("open", "in_progress", "resolved", "closed")
PLAN_STATUSES = ("planned", "active", "completed", "cancelled")

#: an alert rule: its kind (threshold, target_miss, significant_drop, decline, spike, at_risk) and the
#: metric request and parameters it evaluates (``spec_json``); ``notify_json`` lists its notifiers
alert_rules = sa.Table(
    "alert_rules",
    metadata,
    _id("alert_rules"),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("metric", sa.Text),
    sa.Column("spec_json", sa.Text, nullable=False),
    sa.Column("severity", sa.Text, nullable=False),
    sa.Column("notify_json", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

#: one alert per rule, slice and period (``dedup_key``): evaluating again finds it and adds nothing
alerts = sa.Table(
    "alerts",
    metadata,
    _id("alerts"),
    _ref("rule_id", nullable=False),
    sa.Column("dedup_key", sa.Text, nullable=False, unique=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("metric", sa.Text),
    sa.Column("slice_json", sa.Text, nullable=False),
    sa.Column("period", sa.DateTime),
    sa.Column("value", sa.Double),
    sa.Column("reference", sa.Double),
    sa.Column("p_val", sa.Double),
    sa.Column("n", sa.BigInteger),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("detail_json", sa.Text, nullable=False),
    sa.Column("severity", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("notified_at", sa.DateTime),
    sa.CheckConstraint(_in("status", ALERT_STATUSES), name="status"),
    *_pg_only("alerts", {"rule_id": "alert_rules"}, index=("rule_id",)),
)

#: a closed-loop follow-up of one detractor answer, low CSAT or complaint (``dedup_key`` = its source record)
cases = sa.Table(
    "cases",
    metadata,
    _id("cases"),
    sa.Column("dedup_key", sa.Text, nullable=False, unique=True),
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("source_type", sa.Text, nullable=False),
    sa.Column("source_id", sa.BigInteger, nullable=False),
    _ref("customer_id"),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("owner", sa.Text),
    sa.Column("priority", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("opened_at", sa.DateTime, nullable=False),
    sa.Column("due_at", sa.DateTime, nullable=False),
    sa.Column("resolved_at", sa.DateTime),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("detail_json", sa.Text, nullable=False),
    sa.CheckConstraint(_in("status", CASE_STATUSES), name="status"),
    *_pg_only("cases", {"customer_id": "customers"}, index=("customer_id",)),
)

case_notes = sa.Table(
    "case_notes",
    metadata,
    _id("case_notes"),
    _ref("case_id", nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    *_pg_only("case_notes", {"case_id": "cases"}, index=("case_id",)),
)

#: an action plan: the goal metric and slice (``spec_json``), its baseline measured at creation, the target,
#: measures, owner and timeline
action_plans = sa.Table(
    "action_plans",
    metadata,
    _id("action_plans"),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("metric", sa.Text, nullable=False),
    sa.Column("spec_json", sa.Text, nullable=False),
    sa.Column("baseline_value", sa.Double),
    sa.Column("baseline_n", sa.BigInteger),
    sa.Column("baseline_ci_low", sa.Double),
    sa.Column("baseline_ci_high", sa.Double),
    sa.Column("baseline_start", sa.DateTime, nullable=False),
    sa.Column("baseline_end", sa.DateTime, nullable=False),
    sa.Column("target", sa.Double),
    sa.Column("measures", sa.Text, nullable=False),
    sa.Column("owner", sa.Text),
    sa.Column("start_at", sa.DateTime, nullable=False),
    sa.Column("due_at", sa.DateTime),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.CheckConstraint(_in("status", PLAN_STATUSES), name="status"),
)
