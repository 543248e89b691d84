"""Freshdesk ticket exports (CSV/XLSX): Ticket ID → ticket_id, Created time → created_at, Resolved time →
resolved_at (Closed time if there is none), First responded time → first_response_at, Contact ID →
customer_id, Agent → agent, Group → team, Source → channel, Type → category, Subject, Description, Status,
Priority, Satisfaction rating → csat, Agent interactions (the agent's replies on the ticket) → agent_replies;
Freshdesk's export has no reopen count, so a ``Reopened count`` column (a custom field) is read if present and
otherwise reopenings come from a ticket-events import. Contact details (Full name, Email, Mobile phone, Work
phone, Title) are dropped: the contact is known by its id.
"""

from __future__ import annotations

from pathlib import Path

from cxlens.ingest.adapters.base import Adapted, Head
from cxlens.ingest.adapters.tickets import ticket_mapping
from cxlens.ingest.fields import normalise_header
from cxlens.ingest.readers import read_table

__all__ = ["ADAPTER"]

COLUMNS = {
    "ticket_id": ("Ticket ID", "Ticket Id"),
    "created_at": ("Created time", "Created Time"),
    "resolved_at": ("Resolved time", "Closed time"),
    "first_response_at": ("First responded time", "Initial response time"),
    "customer_id": ("Contact ID", "Requester ID", "Customer ID"),
    "agent_name": ("Agent",),
    "team": ("Group",),
    "channel": ("Source",),
    "category": ("Type",),
    "subject": ("Subject",),
    "description": ("Description",),
    "status": ("Status",),
    "priority": ("Priority",),
    "csat": ("Satisfaction rating", "Customer satisfaction"),
    "agent_replies": ("Agent interactions", "Agent Interactions"),
    "reopen_count": ("Reopened count", "Reopen count"),
}
DROPPED = ("Full name", "Email", "Mobile phone", "Work phone", "Title", "Requester email", "Requester name")


class FreshdeskAdapter:
    name = "freshdesk"
    label = "Freshdesk"

    def detect(self, head: Head) -> float:
        norm = {normalise_header(c) for c in head.header}
        if "ticketid" in norm and "createdtime" in norm:
            return 0.85
        return 0.0

    def read(self, path: Path, head: Head, *, sheet: str | None, encoding: str | None) -> Adapted:
        raw = read_table(path, sheet=sheet, encoding=encoding)
        mapping, dropped = ticket_mapping(raw, COLUMNS, DROPPED)
        return Adapted("tickets", raw, mapping, None, dropped)


ADAPTER = FreshdeskAdapter()
