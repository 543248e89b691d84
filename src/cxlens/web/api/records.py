"""``/api/v1/customers``, ``/responses``, ``/tickets``, ``/orders``, ``/feedback``: records, paginated and filtered; and
``/api/v1/exports/{kind}.csv``: a whole listing as CSV with personal data masked (audited)."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, BeforeValidator

from cxlens.export import SafeDictWriter
from cxlens.text.pii import mask
from cxlens.web import audit
from cxlens.web.accounts import User
from cxlens.web.api.schemas import CustomerOut, ErrorOut, FeedbackOut, OrderOut, Page, ResponseOut, TicketOut
from cxlens.web.deps import Db, actor, require
from cxlens.web.records import LISTINGS, all_records, list_records

router = APIRouter(tags=["records"], responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}})

Limit = Annotated[int, Query(ge=1, le=1000)]
#: the largest offset (a 64-bit integer: the databases refuse more)
MAX_OFFSET = 2**63 - 1
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Filters = Annotated[list[str], Query(alias="filter", description="column=value (repeatable)")]


def _iso_only(value: Any) -> Any:
    """Refuse a bare number as a date-time (the schema says ISO 8601; the parser alone reads Unix seconds)."""
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+(\.\d*)?([eE][-+]?\d+)?\s*", value):
        raise ValueError(f"a date-time is ISO 8601 such as 2025-01-31T08:00:00Z, not {value!r}")
    return value


#: ``since`` / ``until``: an ISO 8601 date-time
When = Annotated[datetime | None, BeforeValidator(_iso_only)]
#: the columns whose text may hold personal data; masked in exports
MASKED = ("name", "text")


def _filters(values: list[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"filter takes column=value, not {item!r}")
        parsed[key.strip()] = value.strip()
    return parsed


def _page(
    ws: Db,
    kind: str,
    model: type[BaseModel],
    filters: list[str],
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    rows, total = list_records(
        ws, kind, filters=_filters(filters), since=since, until=until, limit=limit, offset=offset
    )
    return {"items": [model.model_validate(r) for r in rows], "total": total, "limit": limit, "offset": offset}


@router.get("/customers", response_model=Page[CustomerOut])
def customers(
    ws: Db,
    user: Annotated[User, require("records.read")],
    filter: Filters = [],  # noqa: B006
    since: When = None,
    until: When = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Customers, newest first; filter by external_id, segment, region, industry."""
    return _page(ws, "customers", CustomerOut, filter, since, until, limit, offset)


@router.get("/responses", response_model=Page[ResponseOut])
def responses(
    ws: Db,
    user: Annotated[User, require("records.read")],
    filter: Filters = [],  # noqa: B006
    since: When = None,
    until: When = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Survey responses, newest first; filter by survey_id, customer_id, channel, language, external_id."""
    return _page(ws, "responses", ResponseOut, filter, since, until, limit, offset)


@router.get("/tickets", response_model=Page[TicketOut])
def tickets(
    ws: Db,
    user: Annotated[User, require("records.read")],
    filter: Filters = [],  # noqa: B006
    since: When = None,
    until: When = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Support tickets, newest first; filter by customer_id, agent_id, team, channel, priority, category, status."""
    return _page(ws, "tickets", TicketOut, filter, since, until, limit, offset)


@router.get("/orders", response_model=Page[OrderOut])
def orders(
    ws: Db,
    user: Annotated[User, require("records.read")],
    filter: Filters = [],  # noqa: B006
    since: When = None,
    until: When = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Orders, newest first; filter by customer_id, product, category, channel, promotion, external_id."""
    return _page(ws, "orders", OrderOut, filter, since, until, limit, offset)


@router.get("/feedback", response_model=Page[FeedbackOut])
def feedback(
    ws: Db,
    user: Annotated[User, require("records.read")],
    filter: Filters = [],  # noqa: B006
    since: When = None,
    until: When = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Feedback texts (complaints, suggestions, reviews …), newest first; filter by source_type, source, language."""
    return _page(ws, "feedback", FeedbackOut, filter, since, until, limit, offset)


@router.get("/exports/{kind}.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export_csv(
    request: Request,
    ws: Db,
    user: Annotated[User, require("data.export")],
    kind: str,
    filter: Filters = [],  # noqa: B006
    since: When = None,
    until: When = None,
) -> Response:
    """All matching records of ``kind`` as CSV (UTF-8 with BOM, for Excel). Personal data in names and texts
    (phones, ID numbers, e-mails, cards, addresses …) is masked. Each export is written to the audit log."""
    if kind not in LISTINGS:
        raise LookupError(f"no export {kind!r}; exports are {', '.join(LISTINGS)}")
    filters = _filters(filter)
    buffer = io.StringIO()
    writer = SafeDictWriter(buffer, fieldnames=list(LISTINGS[kind].columns))  # no formula cells
    writer.writeheader()
    count = 0
    for row in all_records(ws, kind, filters=filters, since=since, until=until):
        writer.writerow({k: (mask(v) if k in MASKED and isinstance(v, str) else v) for k, v in row.items()})
        count += 1
    audit.record_now(ws, actor(request, user), "data.export", f"export:{kind}", {"rows": count, "filters": filters})
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'},
    )
