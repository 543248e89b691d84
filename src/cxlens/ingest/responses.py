"""Importing survey responses: a wide file (one row per response, one column per question) becomes one
``responses`` row per response and one long ``answers`` row per answered question (per chosen option for
multiple choice), typed by the question's type and checked against its scale and choices.
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import sqlalchemy as sa

from cxlens.exceptions import MappingError
from cxlens.ingest.kinds import Written, ensure_customers
from cxlens.ingest.stage import Stage, Staged, literal, quote
from cxlens.ingest.surveys import SurveyDef
from cxlens.ingest.target import Target
from cxlens.model import tables as t

__all__ = ["definition_tables", "load_questions", "stage_responses", "write_responses"]

MULTI_SEPARATORS = r"\s*[;┋|]\s*"


def load_questions(conn: sa.Connection, survey_code: str) -> tuple[int, pa.Table, pa.Table]:
    """The survey's id, its questions (code, type, scale, required) and choice labels (every language)."""
    survey_id = conn.execute(sa.select(t.surveys.c.id).where(t.surveys.c.code == survey_code)).scalar()
    if survey_id is None:
        known = ", ".join(conn.execute(sa.select(t.surveys.c.code).order_by(t.surveys.c.code)).scalars())
        raise MappingError(
            f"no survey {survey_code!r} in this workspace (surveys: {known or 'none'}); import its "
            "definition first with `cxlens import DIR survey.yaml --kind survey`"
        )
    q = t.questions
    rows = conn.execute(
        sa.select(q.c.id, q.c.code, q.c.type, q.c.scale_min, q.c.scale_max, q.c.required)
        .where(q.c.survey_id == survey_id)
        .order_by(q.c.position)
    ).all()
    questions = pa.table(
        {
            "code": [r.code for r in rows],
            "type": [r.type for r in rows],
            "smin": pa.array([r.scale_min for r in rows], pa.float64()),
            "smax": pa.array([r.scale_max for r in rows], pa.float64()),
            "required": [bool(r.required) for r in rows],
        }
    )
    c, x = t.choices, t.texts
    labels = conn.execute(
        sa.select(q.c.code.label("qcode"), c.c.code, x.c.text)
        .join(c, c.c.question_id == q.c.id)
        .outerjoin(x, sa.and_(x.c.entity == "choice", x.c.entity_id == c.c.id))
        .where(q.c.survey_id == survey_id)
    ).all()
    pairs = {(r.qcode, r.code, r.code.lower()) for r in labels}
    pairs |= {(r.qcode, r.code, r.text.strip().lower()) for r in labels if r.text}
    choices = pa.table(
        {"qcode": [p[0] for p in pairs], "choice": [p[1] for p in pairs], "label": [p[2] for p in pairs]},
        schema=pa.schema([("qcode", pa.string()), ("choice", pa.string()), ("label", pa.string())]),
    )
    return int(survey_id), questions, choices


def definition_tables(survey: SurveyDef) -> tuple[pa.Table, pa.Table]:
    """The questions and choice labels of a definition not stored yet, shaped as :func:`load_questions`'s."""
    qs = survey.questions
    questions = pa.table(
        {
            "code": [q.code for q in qs],
            "type": [q.type for q in qs],
            "smin": pa.array([q.scale[0] if q.scale else None for q in qs], pa.float64()),
            "smax": pa.array([q.scale[1] if q.scale else None for q in qs], pa.float64()),
            "required": [q.required for q in qs],
        }
    )
    pairs = {(q.code, c.code, c.code.lower()) for q in qs for c in q.choices}
    pairs |= {(q.code, c.code, text.strip().lower()) for q in qs for c in q.choices for text in c.text.values()}
    choices = pa.table(
        {"qcode": [p[0] for p in pairs], "choice": [p[1] for p in pairs], "label": [p[2] for p in pairs]},
        schema=pa.schema([("qcode", pa.string()), ("choice", pa.string()), ("label", pa.string())]),
    )
    return questions, choices


def _long_answers(stage: Stage, questions: pa.Table) -> None:
    qmap = stage.mapping.questions
    if not qmap:
        raise MappingError(
            f"{stage.raw.file}: no column matches a question code of survey {stage.mapping.survey!r}; "
            "name them under `questions:` in a mapping file"
        )
    stage.run_checks("parsed")  # the response-level fields' checks
    stage.con.register("qinfo", questions)
    parts = [
        f"SELECT __row, {literal(code)} AS code, {literal(src)} AS src, {stage.raw_sql(src)} AS raw FROM raw_rows"
        for code, src in qmap.items()
    ]
    stage.con.execute(
        f"CREATE TEMP TABLE long_raw AS SELECT l.*, q.type, q.smin, q.smax, q.required "
        f"FROM ({' UNION ALL '.join(parts)}) l JOIN qinfo q USING (code)"
    )
    stage.con.execute(f"""
        CREATE TEMP TABLE answers_long AS
        WITH parts AS (
            SELECT __row, code, src, raw, type, smin, smax,
                   CASE WHEN type = 'multi' THEN unnest(regexp_split_to_array(raw, '{MULTI_SEPARATORS}'))
                        ELSE raw END AS part
            FROM long_raw WHERE raw IS NOT NULL)
        SELECT p.*, try_cast(p.part AS DOUBLE) AS value_number_raw,
               (SELECT min(c.choice) FROM choices c WHERE c.qcode = p.code AND c.label = lower(p.part)) AS choice
        FROM parts p WHERE p.part <> ''
    """)
    numeric = "type IN ('nps', 'csat', 'ces', 'rating', 'likert', 'number')"
    stage.check_src("raw", f"{numeric} AND value_number_raw IS NULL", "not a number")
    stage.check_src(
        "raw",
        f"{numeric} AND smin IS NOT NULL AND value_number_raw NOT BETWEEN smin AND smax",
        "outside the question's scale",
    )
    stage.check_src(
        "raw",
        "type = 'nps' AND value_number_raw <> floor(value_number_raw)",
        "an NPS answer is a whole number from 0 to 10",
    )
    stage.check_src(
        "part",
        "type IN ('single', 'multi') AND choice IS NULL",
        "not one of the question's choices (by code or text)",
    )
    stage.run_checks("answers_long")
    stage.check_src("raw", "required AND raw IS NULL", "a required question is not answered")
    stage.run_checks("long_raw")


def stage_responses(stage: Stage, questions: pa.Table, choices: pa.Table) -> Staged:
    """Type and check a wide responses file against the survey's questions."""
    stage.con.register("choices", choices)
    stage.parse("responses")
    _long_answers(stage, questions)
    issues, total = stage.collect_issues()
    srcs = list(stage.mapping.columns.values()) + list(stage.mapping.questions.values())
    content = ", ".join(f"coalesce(r.{quote(s)}, '')" for s in srcs)
    stage.con.execute(f"""CREATE TEMP TABLE parsed_keyed AS SELECT p.*, CASE WHEN p.response_id IS NOT NULL
        THEN 'id:' || p.response_id ELSE 'h:' || md5(concat_ws(chr(31), {content})) END AS __idempotency_key
        FROM parsed p JOIN raw_rows r USING (__row)""")
    cols = [
        "__idempotency_key",
        "response_id",
        "customer_id",
        "submitted_at",
        "started_at",
        "channel",
        "language",
    ]
    clean, dups = stage.clean(cols, "__idempotency_key", source="parsed_keyed")
    answers = stage.con.execute("""
        SELECT c.__idempotency_key, a.code AS question_code, a.choice AS choice_code,
               CASE WHEN a.type IN ('nps', 'csat', 'ces', 'rating', 'likert', 'number') THEN a.value_number_raw END
                   AS value_number,
               CASE WHEN a.type = 'text' THEN a.raw END AS value_text
        FROM answers_long a JOIN clean c USING (__row)
    """).to_arrow_table()
    tables = {"stg_records": clean, "stg_answers": answers}
    return Staged(tables, issues, stage.raw.num_rows + len(stage.raw.issues), stage.rejected_count(), dups, total)


def write_responses(target: Target, survey_id: int, run_id: int, now: datetime) -> Written:
    """Store staged responses (``stg_records``) and their answers (``stg_answers``)."""
    out = Written(customers_created=ensure_customers(target, "stg_records", run_id, now))
    total = target.scalar("SELECT count(*) FROM stg_records")
    new = """FROM stg_records s LEFT JOIN customers c ON c.external_id = s.customer_id
             WHERE NOT EXISTS (SELECT 1 FROM responses x WHERE x.survey_id = :sid
                               AND x.idempotency_key = s.__idempotency_key)"""
    out.inserted = target.scalar(f"SELECT count(*) {new}", sid=survey_id)
    out.already_stored = total - out.inserted
    if not out.inserted:
        return out
    target.execute(
        f"""INSERT INTO responses (id, survey_id, customer_id, idempotency_key, external_id, channel,
        language, started_at, submitted_at, finished, created_at, import_run_id)
        SELECT nextval('responses_id_seq'), :sid, c.id, s.__idempotency_key, s.response_id, s.channel, s.language,
               s.started_at, s.submitted_at, true, :now, :run {new}""",
        sid=survey_id,
        now=now,
        run=run_id,
    )
    target.execute(
        """INSERT INTO answers (response_id, question_id, choice_id, value_number, value_text)
        SELECT r.id, q.id, ch.id, a.value_number, a.value_text
        FROM stg_answers a
        JOIN responses r ON r.survey_id = :sid AND r.idempotency_key = a.__idempotency_key AND r.import_run_id = :run
        JOIN questions q ON q.survey_id = :sid AND q.code = a.question_code
        LEFT JOIN choices ch ON ch.question_id = q.id AND ch.code = a.choice_code""",
        sid=survey_id,
        run=run_id,
    )
    return out
