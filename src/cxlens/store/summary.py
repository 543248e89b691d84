"""What is in a workspace: row counts, the period the records span, and the mix of feedback."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cxlens.model import tables as t
from cxlens.store.workspace import Workspace

__all__ = ["summarise"]


def _span(conn: sa.Connection, column: sa.Column[Any]) -> list[str | None]:
    low, high = conn.execute(sa.select(sa.func.min(column), sa.func.max(column))).one()
    return [low.isoformat(sep=" ") if low else None, high.isoformat(sep=" ") if high else None]


def summarise(ws: Workspace) -> dict[str, Any]:
    """Counts per table, the time span of each kind of record, feedback by language and source type,
    responses per survey, and the last imports. Stable keys: this is what ``status --json`` prints."""
    counts = ws.counts()
    with ws.engine.connect() as conn:
        spans = {
            "responses": _span(conn, t.responses.c.submitted_at),
            "tickets": _span(conn, t.tickets.c.created_at),
            "orders": _span(conn, t.orders.c.ordered_at),
            "feedback": _span(conn, t.feedback.c.collected_at),
        }
        f = t.feedback
        languages = dict(
            conn.execute(
                sa.select(f.c.language, sa.func.count()).group_by(f.c.language).order_by(sa.func.count().desc())
            )
            .tuples()
            .all()
        )
        sources = dict(
            conn.execute(
                sa.select(f.c.source_type, sa.func.count()).group_by(f.c.source_type).order_by(sa.func.count().desc())
            )
            .tuples()
            .all()
        )
        s, r = t.surveys, t.responses
        per_survey = dict(
            conn.execute(
                sa.select(s.c.code, sa.func.count(r.c.id))
                .outerjoin(r, r.c.survey_id == s.c.id)
                .group_by(s.c.code)
                .order_by(s.c.code)
            )
            .tuples()
            .all()
        )
        runs = t.import_runs
        recent = [
            dict(row._mapping)
            for row in conn.execute(
                sa.select(runs.c.id, runs.c.kind, runs.c.file_name, runs.c.rows_inserted, runs.c.rows_rejected)
                .order_by(runs.c.id.desc())
                .limit(10)
            )
        ]
    return {
        "workspace": ws.name,
        "path": str(ws.path),
        "database": ws.dialect,
        "schema_revision": ws.schema_revision(),
        "counts": counts,
        "periods": spans,
        "feedback_languages": {str(k): int(v) for k, v in languages.items()},
        "feedback_sources": {str(k): int(v) for k, v in sources.items()},
        "responses_per_survey": {str(k): int(v) for k, v in per_survey.items()},
        "recent_imports": recent,
    }
