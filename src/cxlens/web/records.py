"""Record listings for the API and the pages: customers, responses, tickets, feedback — paginated and
filtered by equality on named columns and by a time range, newest first — and the values offered in
filter forms. Only reads; every value reaches the database as a bound parameter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cxlens.model import tables as t
from cxlens.store import Workspace

__all__ = ["LISTINGS", "Listing", "filter_options", "list_records"]


@dataclass(frozen=True, slots=True)
class Listing:
    """What a record listing shows: its table, the columns, those one may filter on, and its time column."""

    table: sa.Table
    columns: tuple[str, ...]
    filters: tuple[str, ...]
    time: str


LISTINGS: dict[str, Listing] = {
    "customers": Listing(
        t.customers,
        ("id", "external_id", "name", "segment", "region", "industry", "signed_up_at", "created_at"),
        ("external_id", "segment", "region", "industry"),
        "created_at",
    ),
    "responses": Listing(
        t.responses,
        ("id", "external_id", "survey_id", "customer_id", "channel", "language", "submitted_at"),
        ("survey_id", "customer_id", "channel", "language", "external_id"),
        "submitted_at",
    ),
    "tickets": Listing(
        t.tickets,
        (
            "id", "external_id", "customer_id", "agent_id", "team", "channel", "priority", "category",
            "status", "created_at", "first_response_at", "resolved_at", "csat",
        ),
        ("customer_id", "agent_id", "team", "channel", "priority", "category", "status", "external_id"),
        "created_at",
    ),
    "feedback": Listing(
        t.feedback,
        ("id", "external_id", "customer_id", "source_type", "source", "language", "collected_at", "rating", "text"),
        ("customer_id", "source_type", "source", "language", "external_id"),
        "collected_at",
    ),
}


def list_records(
    ws: Workspace,
    kind: str,
    *,
    filters: Mapping[str, str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """One page of ``kind`` records, newest first, and how many match in all.

    ``filters`` keep rows whose column equals the value; ``since`` (inclusive) and ``until`` (exclusive)
    bound the time column. Unknown kinds or filter columns raise ``ValueError``."""
    if kind not in LISTINGS:
        raise ValueError(f"unknown record kind {kind!r}; kinds are {', '.join(LISTINGS)}")
    listing = LISTINGS[kind]
    if not 1 <= limit <= 1000 or offset < 0:
        raise ValueError("limit must be 1–1000 and offset ≥ 0")
    table = listing.table
    where: list[Any] = []
    for column, value in (filters or {}).items():
        if column not in listing.filters:
            raise ValueError(f"{kind} cannot be filtered by {column!r}; filters are {', '.join(listing.filters)}")
        target = table.c[column]
        where.append(target == (int(value) if isinstance(target.type, sa.Integer) else value))
    if since is not None:
        where.append(table.c[listing.time] >= since)
    if until is not None:
        where.append(table.c[listing.time] < until)
    present = [c for c in listing.columns if c in table.c]
    with ws.engine.connect() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())
        rows = conn.execute(
            sa.select(*[table.c[c] for c in present])
            .where(*where)
            .order_by(table.c[listing.time].desc().nulls_last(), table.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).mappings()
        return [dict(r) for r in rows], total


def filter_options(ws: Workspace) -> dict[str, list[str]]:
    """The values offered in the dashboards' filter forms: segments, regions, industries, channels."""
    c = t.customers.c
    with ws.engine.connect() as conn:

        def distinct(column: Any) -> list[str]:
            rows = conn.execute(sa.select(column).where(column.is_not(None)).distinct()).scalars()
            return sorted({str(v) for v in rows})

        channels = set(distinct(t.responses.c.channel)) | set(distinct(t.tickets.c.channel))
        return {
            "segment": distinct(c.segment),
            "region": distinct(c.region),
            "industry": distinct(c.industry),
            "channel": sorted(channels),
        }
