"""Closed-loop cases: every detractor answer, low CSAT and complaint can open a follow-up case by rule.

A case has an owner, a priority, a due date (its opening time plus the rule's SLA in hours), a status that
moves ``open → in_progress → resolved → closed`` (a resolved case may go back to ``in_progress`` when the
customer is not satisfied), notes, and the customer's history (survey responses, tickets, orders and
feedback). Opening is idempotent: a case's ``dedup_key`` is its source record (``response:17``,
``ticket:4``, ``feedback:9``), so running the rules again opens nothing twice, and a record matching two
rules gets the case of the first.

How fast cases close is itself a metric, computed by the metric layer like any other:
``compute(ws, "case_time_to_close", by=["rule"], every="month")`` and ``case_closed_in_sla``
(``cxlens/metrics/cases.py``). Closed-loop practice: Markey & Reichheld, *The Ultimate Question 2.0* (2011),
ch. 7 ("inner loop" follow-up of individual detractors).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

from cxlens.loop._common import dumps, records, utcnow
from cxlens.model import tables as t
from cxlens.store import Workspace

__all__ = [
    "CASE_SOURCES",
    "DEFAULT_CASE_RULES",
    "TRANSITIONS",
    "CaseRule",
    "add_note",
    "assign",
    "close_case",
    "customer_history",
    "get_case",
    "list_cases",
    "open_cases",
    "set_status",
]

#: what a case rule reads: NPS answers, CSAT answers, the helpdesk's ticket CSAT, or complaints
CASE_SOURCES = ("nps_answer", "csat_answer", "ticket_csat", "complaint")
PRIORITIES = ("low", "normal", "high", "urgent")
#: allowed status changes
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("in_progress", "resolved"),
    "in_progress": ("resolved",),
    "resolved": ("closed", "in_progress"),
    "closed": (),
}


@dataclass(frozen=True)
class CaseRule:
    """Open a case for each record of ``source`` scoring at most ``max_score`` (not used for complaints)."""

    name: str
    source: str
    max_score: float | None = None
    sla_hours: float = 48.0
    priority: str = "normal"
    owner: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> CaseRule:
        if self.source not in CASE_SOURCES:
            raise ValueError(f"case rule {self.name!r}: source must be one of {', '.join(CASE_SOURCES)}")
        if self.source != "complaint" and self.max_score is None:
            raise ValueError(f"case rule {self.name!r}: a score rule needs max_score (e.g. 6 for NPS detractors)")
        if self.sla_hours <= 0:
            raise ValueError(f"case rule {self.name!r}: sla_hours must be positive, not {self.sla_hours}")
        if self.priority not in PRIORITIES:
            raise ValueError(f"case rule {self.name!r}: priority must be one of {', '.join(PRIORITIES)}")
        return self


#: the usual closed-loop rules: NPS detractors (0–6) within 48 h, CSAT of 1–2 (on 1–5) within 48 h, ticket
#: CSAT of 1–2 within 72 h, complaints within 24 h
DEFAULT_CASE_RULES: tuple[CaseRule, ...] = (
    CaseRule("complaint", "complaint", sla_hours=24, priority="high"),
    CaseRule("detractor", "nps_answer", max_score=6, sla_hours=48, priority="normal"),
    CaseRule("low_csat", "csat_answer", max_score=2, sla_hours=48, priority="normal"),
    CaseRule("low_ticket_csat", "ticket_csat", max_score=2, sla_hours=72, priority="normal"),
)

_ANSWER_SQL = """
SELECT 'response' AS source_type, r.id AS source_id, r.customer_id, r.submitted_at AS at, a.value_number AS score,
       s.code AS what, NULL AS agent
FROM answers a JOIN questions q ON q.id = a.question_id JOIN responses r ON r.id = a.response_id
JOIN surveys s ON s.id = r.survey_id
WHERE q.type = :qtype AND a.value_number <= :max_score AND s.competitor_id IS NULL
"""
_TICKET_SQL = """
SELECT 'ticket' AS source_type, tk.id AS source_id, tk.customer_id, coalesce(tk.resolved_at, tk.created_at) AS at,
       tk.csat AS score, tk.external_id AS what, coalesce(g.name, g.external_id) AS agent
FROM tickets tk LEFT JOIN agents g ON g.id = tk.agent_id
WHERE tk.csat <= :max_score
"""
_COMPLAINT_SQL = """
SELECT 'feedback' AS source_type, f.id AS source_id, f.customer_id, f.collected_at AS at, f.rating AS score,
       f.text AS what, NULL AS agent
FROM feedback f WHERE f.source_type = 'complaint' AND f.competitor_id IS NULL
"""


def _candidates(conn: sa.Connection, rule: CaseRule, since: datetime | None, until: datetime | None) -> pd.DataFrame:
    params: dict[str, Any]
    if rule.source == "complaint":
        sql, params = _COMPLAINT_SQL, {}
    elif rule.source == "ticket_csat":
        sql, params = _TICKET_SQL, {"max_score": rule.max_score}
    else:
        sql, params = _ANSWER_SQL, {"qtype": rule.source.split("_")[0], "max_score": rule.max_score}
    frame = pd.read_sql(sa.text(sql), conn, params=params)
    frame["at"] = pd.to_datetime(frame["at"])
    if since is not None:
        frame = frame[frame["at"] >= pd.Timestamp(since)]
    if until is not None:
        frame = frame[frame["at"] < pd.Timestamp(until)]
    return frame.sort_values(["at", "source_id"], kind="stable")


def _title(rule: CaseRule, row: Any) -> str:
    if rule.source == "complaint":
        text = str(row.what or "")
        return f"complaint: {text[:60]}{'…' if len(text) > 60 else ''}"
    if rule.source == "ticket_csat":
        return f"ticket {row.what}: CSAT {row.score:g}"
    return f"{rule.name}: {rule.source.split('_')[0].upper()} {row.score:g} in {row.what}"


def open_cases(
    ws: Workspace,
    rules: Sequence[CaseRule] = DEFAULT_CASE_RULES,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Open a case for every record the rules match (records dated in [since, until)) that has none yet.

    Returns ``{"opened": {rule: count}, "already": count, "total_opened": count}``. Cases open at ``now``
    (default: the current UTC time) and are due ``sla_hours`` later."""
    for rule in rules:
        rule.validate()
    opened_at = now or utcnow()
    counts: dict[str, int] = {r.name: 0 for r in rules}
    already = 0
    with ws.begin() as conn:
        known = set(conn.execute(sa.select(t.cases.c.dedup_key)).scalars())
        rows: list[dict[str, Any]] = []
        for rule in rules:
            for row in _candidates(conn, rule, since, until).itertuples(index=False):
                key = f"{row.source_type}:{int(row.source_id)}"
                if key in known:
                    already += 1
                    continue
                known.add(key)
                counts[rule.name] += 1
                rows.append(_case_row(rule, row, key, opened_at))
        if rows:
            conn.execute(sa.insert(t.cases), rows)
    return {"opened": counts, "already": already, "total_opened": sum(counts.values())}


def _case_row(rule: CaseRule, row: Any, key: str, opened_at: datetime) -> dict[str, Any]:
    customer = None if pd.isna(row.customer_id) else int(row.customer_id)
    detail = {"record_at": pd.Timestamp(row.at).isoformat(), "score": None if pd.isna(row.score) else float(row.score)}
    return {
        "dedup_key": key,
        "rule": rule.name,
        "source_type": row.source_type,
        "source_id": int(row.source_id),
        "customer_id": customer,
        "title": _title(rule, row),
        "owner": rule.owner or (row.agent if isinstance(row.agent, str) else None),
        "priority": rule.priority,
        "status": "open",
        "opened_at": opened_at,
        "due_at": opened_at + timedelta(hours=rule.sla_hours),
        "updated_at": opened_at,
        "detail_json": dumps(detail),
    }


def list_cases(
    ws: Workspace,
    *,
    status: str | None = None,
    owner: str | None = None,
    rule: str | None = None,
    overdue: bool = False,
    now: datetime | None = None,
) -> pd.DataFrame:
    """Cases, oldest first, with the customer's external id and ``overdue`` (not closed, past due at ``now``)."""
    c, cu = t.cases, t.customers
    query = (
        sa.select(c, cu.c.external_id.label("customer"))
        .select_from(c.outerjoin(cu, cu.c.id == c.c.customer_id))
        .order_by(c.c.id)
    )
    if status is not None:
        if status not in t.CASE_STATUSES:
            raise ValueError(f"status must be one of {', '.join(t.CASE_STATUSES)}, not {status!r}")
        query = query.where(c.c.status == status)
    if owner is not None:
        query = query.where(c.c.owner == owner)
    if rule is not None:
        query = query.where(c.c.rule == rule)
    with ws.engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    at = pd.Timestamp(now or utcnow())
    frame["overdue"] = (frame["status"] != "closed") & (pd.to_datetime(frame["due_at"]) < at)
    if overdue:
        frame = frame[frame["overdue"]].reset_index(drop=True)
    return frame.drop(columns=["detail_json"])


def _one(conn: sa.Connection, case_id: int) -> Any:
    row = conn.execute(sa.select(t.cases).where(t.cases.c.id == case_id)).first()
    if row is None:
        raise LookupError(f"no case with id {case_id}")
    return row


def add_note(ws: Workspace, case_id: int, text: str, *, author: str, now: datetime | None = None) -> int:
    """Add a note to a case; returns the note's id."""
    if not text.strip():
        raise ValueError("a case note needs text")
    at = now or utcnow()
    with ws.begin() as conn:
        _one(conn, case_id)
        note = conn.execute(
            sa.insert(t.case_notes)
            .values(case_id=case_id, created_at=at, author=author, text=text.strip())
            .returning(t.case_notes.c.id)
        ).scalar_one()
        conn.execute(sa.update(t.cases).where(t.cases.c.id == case_id).values(updated_at=at))
    return int(note)


def assign(ws: Workspace, case_id: int, owner: str, *, now: datetime | None = None) -> None:
    with ws.begin() as conn:
        _one(conn, case_id)
        conn.execute(sa.update(t.cases).where(t.cases.c.id == case_id).values(owner=owner, updated_at=now or utcnow()))


def set_status(
    ws: Workspace,
    case_id: int,
    status: str,
    *,
    author: str = "cxlens",
    note: str | None = None,
    now: datetime | None = None,
) -> None:
    """Move a case along its workflow (:data:`TRANSITIONS`); ``resolved``/``closed`` stamp their time, and a
    case sent back to ``in_progress`` loses its resolution time."""
    at = now or utcnow()
    with ws.begin() as conn:
        row = _one(conn, case_id)
        if status not in TRANSITIONS[row.status]:
            allowed = ", ".join(TRANSITIONS[row.status]) or "nothing (it is closed)"
            raise ValueError(f"case {case_id} is {row.status}: it can move to {allowed}, not {status!r}")
        values: dict[str, Any] = {"status": status, "updated_at": at}
        if status == "resolved":
            values["resolved_at"] = at
        elif status == "closed":
            values["closed_at"] = at
        elif status == "in_progress":
            values["resolved_at"] = None
        conn.execute(sa.update(t.cases).where(t.cases.c.id == case_id).values(**values))
        text = f"status {row.status} → {status}" + (f": {note.strip()}" if note and note.strip() else "")
        conn.execute(sa.insert(t.case_notes).values(case_id=case_id, created_at=at, author=author, text=text))


def close_case(
    ws: Workspace, case_id: int, *, author: str = "cxlens", note: str | None = None, now: datetime | None = None
) -> None:
    """Resolve (if not resolved yet) and close a case."""
    with ws.engine.connect() as conn:
        status = _one(conn, case_id).status
    if status in ("open", "in_progress"):
        set_status(ws, case_id, "resolved", author=author, note=note, now=now)
        note = None
    set_status(ws, case_id, "closed", author=author, note=note, now=now)


def get_case(ws: Workspace, case_id: int) -> dict[str, Any]:
    """A case with its notes and its customer's history."""
    with ws.engine.connect() as conn:
        row = _one(conn, case_id)
        notes = pd.read_sql(
            sa.select(t.case_notes).where(t.case_notes.c.case_id == case_id).order_by(t.case_notes.c.id), conn
        )
    case = {k: v for k, v in row._mapping.items() if k != "detail_json"}
    case["detail"] = json.loads(row.detail_json)
    history = customer_history(ws, int(row.customer_id)) if row.customer_id is not None else {}
    return {
        "case": records(pd.DataFrame([case]))[0],
        "notes": records(notes),
        "history": {k: records(v) for k, v in history.items()},
    }


def customer_history(ws: Workspace, customer_key: int, *, limit: int = 50) -> dict[str, pd.DataFrame]:
    """A customer's latest survey responses (with their NPS/CSAT/CES scores), tickets, orders and feedback."""
    sql = {
        "responses": """
            SELECT r.id, s.code AS survey, r.submitted_at, r.channel,
                   max(CASE WHEN q.type = 'nps' THEN a.value_number END) AS nps,
                   max(CASE WHEN q.type = 'csat' THEN a.value_number END) AS csat,
                   max(CASE WHEN q.type = 'ces' THEN a.value_number END) AS ces
            FROM responses r JOIN surveys s ON s.id = r.survey_id
            LEFT JOIN answers a ON a.response_id = r.id LEFT JOIN questions q ON q.id = a.question_id
            WHERE r.customer_id = :c GROUP BY r.id, s.code, r.submitted_at, r.channel
            ORDER BY r.submitted_at DESC LIMIT :n""",
        "tickets": """
            SELECT external_id AS ticket_id, created_at, team, channel, priority, category, status, resolved_at, csat
            FROM tickets WHERE customer_id = :c ORDER BY created_at DESC LIMIT :n""",
        "orders": """
            SELECT external_id AS order_id, ordered_at, product, category, amount, channel
            FROM orders WHERE customer_id = :c ORDER BY ordered_at DESC LIMIT :n""",
        "feedback": """
            SELECT source_type, source, collected_at, rating, text
            FROM feedback WHERE customer_id = :c ORDER BY collected_at DESC LIMIT :n""",
    }
    with ws.engine.connect() as conn:
        return {k: pd.read_sql(sa.text(q), conn, params={"c": customer_key, "n": limit}) for k, q in sql.items()}
