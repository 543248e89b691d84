"""Keeping the derived ``answer_facts`` table current, inside the transaction that changed its sources."""

from __future__ import annotations

from cxlens.ingest.target import Target

__all__ = ["add_answer_facts", "rebuild_answer_facts", "refresh_customer_facts"]

_SELECT = """
    SELECT a.response_id, a.question_id, r.survey_id, q.type, q.scale_min, q.scale_max, a.value_number,
           a.choice_id, r.submitted_at, CAST(r.submitted_at AS DATE),
           CAST(date_trunc('month', r.submitted_at) AS DATE), r.customer_id, r.channel, r.language,
           c.segment, c.region, c.industry
    FROM answers a JOIN responses r ON r.id = a.response_id JOIN questions q ON q.id = a.question_id
    LEFT JOIN customers c ON c.id = r.customer_id"""
_INSERT = """INSERT INTO answer_facts (response_id, question_id, survey_id, question_type, scale_min, scale_max,
    value_number, choice_id, submitted_at, submitted_day, submitted_month, customer_id, channel, language,
    segment, region, industry)"""


def add_answer_facts(target: Target, run_id: int) -> None:
    """Add the facts of the responses import run ``run_id`` stored."""
    target.execute(f"{_INSERT} {_SELECT} WHERE r.import_run_id = :run", run=run_id)


def refresh_customer_facts(target: Target) -> None:
    """Bring the customer columns of the facts of the customers in ``stg_records`` up to date."""
    target.execute("""UPDATE answer_facts SET segment = c.segment, region = c.region, industry = c.industry
        FROM customers c, stg_records s
        WHERE c.external_id = s.customer_id AND answer_facts.customer_id = c.id
          AND (answer_facts.segment IS DISTINCT FROM c.segment OR answer_facts.region IS DISTINCT FROM c.region
               OR answer_facts.industry IS DISTINCT FROM c.industry)""")


def rebuild_answer_facts(target: Target) -> None:
    """Recompute every fact from the canonical tables."""
    target.execute("DELETE FROM answer_facts")
    target.execute(f"{_INSERT} {_SELECT}")
