"""Zendesk Support ticket exports (CSV/XLSX, "Id, Requester, Created at, …" headers).

Columns: Id → ticket_id, Created at → created_at, Solved at → resolved_at, Requester id (else Requester) →
customer_id, Assignee id / Assignee → agent, Group → team, Via → channel, Ticket type → category, Subject,
Status, Priority; ``First reply time in minutes`` gives first_response_at (created_at + the minutes).
Satisfaction Score ``Good`` / ``Bad`` is stored as CSAT 5 / 1 on a 1–5 scale; ``Offered``, ``Not Offered``
and ``Unoffered`` mean no rating. Zendesk's ticket metrics ``Reopens`` (times the ticket went from solved
back to open) → reopen_count and ``Replies`` (public agent replies) → agent_replies, which first-contact
resolution and the reopen rate read. Requester e-mail and phone columns are dropped.
"""

from __future__ import annotations

from pathlib import Path

from cxlens.ingest.adapters.base import Adapted, Head
from cxlens.ingest.adapters.tickets import offset_minutes, recode, ticket_mapping
from cxlens.ingest.fields import normalise_header
from cxlens.ingest.readers import read_table

__all__ = ["ADAPTER"]

COLUMNS = {
    "ticket_id": ("Id", "Ticket ID", "ID"),
    "created_at": ("Created at", "Created"),
    "resolved_at": ("Solved at", "Solved"),
    "customer_id": ("Requester id", "Requester external id", "Requester"),
    "agent_id": ("Assignee id",),
    "agent_name": ("Assignee",),
    "team": ("Group",),
    "channel": ("Via",),
    "category": ("Ticket type", "Type"),
    "subject": ("Subject",),
    "description": ("Description",),
    "status": ("Status",),
    "priority": ("Priority",),
    "csat": ("Satisfaction Score", "Satisfaction score"),
    "reopen_count": ("Reopens",),
    "agent_replies": ("Replies",),
}
DROPPED = ("Requester email", "Requester phone", "Submitter", "Submitter email")
CSAT = {"good": "5", "bad": "1", "offered": "", "not offered": "", "unoffered": ""}


class ZendeskAdapter:
    name = "zendesk"
    label = "Zendesk"

    def detect(self, head: Head) -> float:
        norm = {normalise_header(c) for c in head.header}
        hits = len(norm & {"id", "requester", "createdat", "via", "assignee", "solvedat", "firstreplytimeinminutes"})
        return 0.85 if hits >= 4 and "createdat" in norm else 0.0

    def read(self, path: Path, head: Head, *, sheet: str | None, encoding: str | None) -> Adapted:
        raw = read_table(path, sheet=sheet, encoding=encoding)
        mapping, dropped = ticket_mapping(raw, COLUMNS, DROPPED)
        offset_minutes(raw, mapping, "First reply time in minutes", "first_response_at")
        if "csat" in mapping.columns:
            recode(raw, mapping.columns["csat"], CSAT)
        return Adapted("tickets", raw, mapping, None, dropped)


ADAPTER = ZendeskAdapter()
