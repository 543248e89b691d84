"""Record listings for the API and the pages: customers, responses, tickets, orders, feedback — paginated and
filtered by equality on named columns and by a time range, newest first — and the values offered in
filter forms. Only reads; every value reaches the database as a bound parameter."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cxlens.model import tables as t
from cxlens.store import Workspace

__all__ = ["LISTINGS", "Listing", "all_records", "filter_options", "list_records", "survey_codes", "text_version"]


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
            "id",
            "external_id",
            "customer_id",
            "agent_id",
            "team",
            "channel",
            "priority",
            "category",
            "status",
            "created_at",
            "first_response_at",
            "resolved_at",
            "csat",
        ),
        ("customer_id", "agent_id", "team", "channel", "priority", "category", "status", "external_id"),
        "created_at",
    ),
    "orders": Listing(
        t.orders,
        (
            "id",
            "external_id",
            "customer_id",
            "ordered_at",
            "fulfilled_at",
            "amount",
            "quantity",
            "product",
            "category",
            "channel",
            "promotion",
        ),
        ("customer_id", "product", "category", "channel", "promotion", "external_id"),
        "ordered_at",
    ),
    "feedback": Listing(
        t.feedback,
        ("id", "external_id", "customer_id", "source_type", "source", "language", "collected_at", "rating", "text"),
        ("customer_id", "source_type", "source", "language", "external_id"),
        "collected_at",
    ),
}


def _query(
    kind: str, filters: Mapping[str, str] | None, since: datetime | None, until: datetime | None
) -> tuple[Listing, list[Any]]:
    if kind not in LISTINGS:
        raise ValueError(f"unknown record kind {kind!r}; kinds are {', '.join(LISTINGS)}")
    listing = LISTINGS[kind]
    table = listing.table
    where: list[Any] = []
    for column, value in (filters or {}).items():
        if column not in listing.filters:
            raise ValueError(f"{kind} cannot be filtered by {column!r}; filters are {', '.join(listing.filters)}")
        target = table.c[column]
        if isinstance(target.type, sa.Integer):
            try:
                where.append(target == int(value))
            except ValueError:
                raise ValueError(f"filter {column} needs a whole number, not {value!r}") from None
        else:
            where.append(target == value)
    if since is not None:
        where.append(table.c[listing.time] >= since)
    if until is not None:
        where.append(table.c[listing.time] < until)
    return listing, where


def _select(listing: Listing, where: list[Any]) -> Any:
    table = listing.table
    return (
        sa.select(*[table.c[c] for c in listing.columns])
        .where(*where)
        .order_by(table.c[listing.time].desc().nulls_last(), table.c.id.desc())
    )


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
    if not 1 <= limit <= 1000 or offset < 0:
        raise ValueError("limit must be 1–1000 and offset ≥ 0")
    listing, where = _query(kind, filters, since, until)
    with ws.engine.connect() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(listing.table).where(*where)).scalar_one())
        rows = conn.execute(_select(listing, where).limit(limit).offset(offset)).mappings()
        return [dict(r) for r in rows], total


def all_records(
    ws: Workspace,
    kind: str,
    *,
    filters: Mapping[str, str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """Every matching ``kind`` record, newest first, streamed (for exports)."""
    listing, where = _query(kind, filters, since, until)
    with ws.engine.connect() as conn:
        result = conn.execution_options(yield_per=5000).execute(_select(listing, where)).mappings()
        for row in result:
            yield dict(row)


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


def survey_codes(ws: Workspace) -> list[str]:
    """The codes of the stored surveys (responses are imported against one of them)."""
    with ws.engine.connect() as conn:
        return [str(c) for c in conn.execute(sa.select(t.surveys.c.code).order_by(t.surveys.c.code)).scalars()]


def text_version(ws: Workspace) -> tuple[int, str]:
    """Changes whenever stored text results can have changed (``cxlens text analyze`` writes them): the
    number of results and the latest analysis time."""
    with ws.engine.connect() as conn:
        count, latest = conn.execute(
            sa.select(sa.func.count(), sa.func.max(t.text_results.c.analyzed_at)).select_from(t.text_results)
        ).one()
    return int(count), str(latest)
