"""The relations metrics read: the canonical tables joined once into flat, sliceable views.

Each view carries its time column (``at``) and every dimension a metric can be sliced by — the record's
own (channel, agent, team, category …) and the customer's (segment, region, industry). The views are Ibis
expressions over the workspace's tables, so they run on whichever engine holds those tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
from ibis import _

__all__ = ["DIMENSIONS", "LABELS", "source"]

_CUSTOMER = ("segment", "region", "industry")

#: the dimensions each source can be sliced by (besides the period)
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "answers": ("survey", "question", "dimension", "channel", "language", "competitor", *_CUSTOMER),
    "responses": ("survey", "channel", "language", "competitor", *_CUSTOMER),
    "tickets": ("agent", "team", "channel", "priority", "category", "status", *_CUSTOMER),
    "orders": ("category", "product", "channel", "promotion", *_CUSTOMER),
    "feedback": ("source_type", "source", "language", "product", "competitor", *_CUSTOMER),
    "customers": _CUSTOMER,
    "cases": ("rule", "owner", "source_type", "priority", "status", *_CUSTOMER),
}


def _customers(con: Any) -> Any:
    c = con.table("customers")
    return c.select(
        customer_key=c.id,
        customer_id=c.external_id,
        segment=c.segment,
        region=c.region,
        industry=c.industry,
        signed_up_at=c.signed_up_at,
    )


#: microseconds in an hour: times are whole microseconds converted to hours
MICROS_PER_HOUR = 3_600_000_000.0


def _hours(later: Any, earlier: Any) -> Any:
    """Hours from ``earlier`` to ``later``, exact to the microsecond on every engine: the difference is taken in
    whole microseconds (DuckDB ``date_diff``, Spark ``datediff(MICROSECOND, …)``, PostgreSQL the interval's
    epoch × 10⁶) — differences of epoch seconds would drop the fractions of a second on Spark, whose
    ``unix_timestamp`` is whole seconds."""
    return later.delta(earlier, unit="microsecond").cast("float64") / MICROS_PER_HOUR


def _answers(con: Any, need: set[str]) -> Any:
    """Answers from the derived ``answer_facts`` (response and customer columns already on each row);
    questions, dimensions, choices, surveys and customers' external ids are joined only when a requested
    column needs them (DuckDB cannot drop an unused LEFT JOIN without key constraints)."""
    f = con.table("answer_facts")
    rows = f.select(
        f.response_id,
        f.question_id,
        f.survey_id,
        f.question_type,
        f.scale_min,
        f.scale_max,
        f.value_number,
        f.choice_id,
        f.customer_id.name("customer_key"),
        f.channel,
        f.language,
        f.segment,
        f.region,
        f.industry,
        at=f.submitted_at,
        day=f.submitted_day,
        month=f.submitted_month,
    )
    if need & {"question", "dimension", "dimension_weight"}:
        q = con.table("questions")
        rows = rows.join(q, rows.question_id == q.id).select(
            *[rows[c] for c in rows.columns], question=q.code, dimension_id=q.dimension_id
        )
    if need & {"dimension", "dimension_weight"}:
        d = con.table("dimensions")
        rows = rows.left_join(d, rows.dimension_id == d.id).select(
            *[rows[c] for c in rows.columns], dimension=d.code, dimension_weight=d.weight
        )
    if "choice" in need:
        ch = con.table("choices")
        rows = rows.left_join(ch, rows.choice_id == ch.id).select(*[rows[c] for c in rows.columns], choice=ch.code)
    if need & {"survey", "competitor"}:
        rows = _with_survey(con, rows)
    if "customer_id" in need:
        c = con.table("customers")
        rows = rows.left_join(c, rows.customer_key == c.id).select(
            *[rows[col] for col in rows.columns], customer_id=c.external_id
        )
    return rows


def _with_survey(con: Any, rows: Any) -> Any:
    s, k = con.table("surveys"), con.table("competitors")
    sk = s.left_join(k, s.competitor_id == k.id).select(sid=s.id, survey=s.code, competitor=k.code)
    return rows.join(sk, rows.survey_id == sk.sid).select(*[rows[c] for c in rows.columns], sk.survey, sk.competitor)


def _responses(con: Any, need: set[str]) -> Any:
    r = con.table("responses")
    rs = r.select(
        response_id=r.id,
        survey_id=r.survey_id,
        customer_key=r.customer_id,
        at=r.submitted_at,
        channel=r.channel,
        language=r.language,
    )
    if need & {"survey", "competitor"}:
        rs = _with_survey(con, rs)
    return _with_customer(con, rs, need)


def _with_customer(con: Any, rows: Any, need: set[str]) -> Any:
    if not need & {"customer_id", *_CUSTOMER}:
        return rows
    cu = _customers(con)
    return rows.left_join(cu, rows.customer_key == cu.customer_key).select(
        *[rows[c] for c in rows.columns], cu.customer_id, cu.segment, cu.region, cu.industry
    )


def _tickets(con: Any, need: set[str]) -> Any:
    """Tickets; the agent's name is joined only when a requested column needs it (``agent``), since a query
    that slices by agent groups by ``agent_key`` and names the groups afterwards (:data:`LABELS`)."""
    t = con.table("tickets")
    rows = t.select(
        ticket_key=t.id,
        ticket_id=t.external_id,
        customer_key=t.customer_id,
        agent_key=t.agent_id,
        team=t.team,
        channel=t.channel,
        priority=t.priority,
        category=t.category,
        status=t.status,
        at=t.created_at,
        first_response_at=t.first_response_at,
        resolved_at=t.resolved_at,
        csat=t.csat,
        reopen_count=t.reopen_count,
        agent_replies=t.agent_replies,
        first_response_hours=_hours(t.first_response_at, t.created_at),
        resolution_hours=_hours(t.resolved_at, t.created_at),
    )
    if "agent" in need:
        names = _agent_names(con)
        rows = rows.left_join(names, rows.agent_key == names.agent_key).select(
            *[rows[c] for c in rows.columns], names.agent
        )
    return _with_customer(con, rows, need)


def _agent_names(con: Any) -> Any:
    g = con.table("agents")
    return g.select(agent_key=g.id, agent=ibis.coalesce(g.name, g.external_id))


#: slices labelled after aggregation: source → {dimension: (the key column grouped by, its label table)}
LABELS: dict[str, dict[str, tuple[str, Callable[[Any], Any]]]] = {"tickets": {"agent": ("agent_key", _agent_names)}}


def _orders(con: Any, need: set[str]) -> Any:
    o = con.table("orders")
    rows = o.select(
        order_key=o.id,
        customer_key=o.customer_id,
        at=o.ordered_at,
        fulfilled_at=o.fulfilled_at,
        amount=o.amount.cast("float64"),
        quantity=o.quantity,
        product=o.product,
        category=o.category,
        channel=o.channel,
        promotion=o.promotion,
        processing_hours=_hours(o.fulfilled_at, o.ordered_at),
    )
    return _with_customer(con, rows, need)


def _feedback(con: Any, need: set[str]) -> Any:
    f, k = con.table("feedback"), con.table("competitors")
    rows = f.left_join(k, f.competitor_id == k.id).select(
        feedback_key=f.id,
        customer_key=f.customer_id,
        at=f.collected_at,
        source_type=f.source_type,
        source=f.source,
        language=f.language,
        product=f.product,
        rating=f.rating,
        competitor=k.code,
    )
    return _with_customer(con, rows, need)


def _customer_rows(con: Any, need: set[str]) -> Any:
    return _customers(con).mutate(at=_.signed_up_at)


def _cases(con: Any, need: set[str]) -> Any:
    """Closed-loop follow-up cases (``cxlens.loop.cases``), timed from opening: hours to close and the SLA."""
    c = con.table("cases")
    rows = c.select(
        case_key=c.id,
        customer_key=c.customer_id,
        at=c.opened_at,
        rule=c.rule,
        owner=c.owner,
        source_type=c.source_type,
        priority=c.priority,
        status=c.status,
        due_at=c.due_at,
        closed_at=c.closed_at,
        as_of=c.updated_at.max().over(ibis.window()),
        close_hours=_hours(c.closed_at, c.opened_at),
    )
    return _with_customer(con, rows, need)


_BUILDERS = {
    "answers": _answers,
    "responses": _responses,
    "tickets": _tickets,
    "orders": _orders,
    "feedback": _feedback,
    "customers": _customer_rows,
    "cases": _cases,
}


def source(con: Any, name: str, need: set[str] | None = None) -> Any:
    """The flat Ibis relation for metric source ``name`` on connection ``con``; ``need`` names the columns
    the query uses (default: all), so that only the joins they need are made."""
    return _BUILDERS[name](
        con, set(DIMENSIONS[name]) | {"customer_id", "dimension_weight", "choice"} if need is None else need
    )
