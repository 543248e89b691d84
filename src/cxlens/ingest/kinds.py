"""What importing each kind of record means: its checks (on the stage) and its inserts (on the target).

Every insert is ``INSERT … SELECT … WHERE NOT EXISTS`` on the record's natural key, so importing a file
twice adds nothing the second time, and referenced customers, agents and competitors are created on first
sight. Counts are taken before inserting, inside the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cxlens.exceptions import InvalidRowsError, Issue
from cxlens.ingest.fields import FIELDS, Kind
from cxlens.ingest.stage import Stage, Staged, quote
from cxlens.ingest.target import Target

__all__ = ["Written", "stage_records", "write_records"]


@dataclass(slots=True)
class Written:
    inserted: int = 0
    updated: int = 0
    already_stored: int = 0
    customers_created: int = 0


_KEYS: dict[Kind, str] = {
    "customers": "customer_id",
    "orders": "order_id",
    "tickets": "ticket_id",
    "feedback": "__idempotency_key",
    "ticket_events": "__idempotency_key",
}
_CJK = "regexp_matches(text, '[\\x{4e00}-\\x{9fff}]')"


def _feedback_key() -> str:
    return (
        "CASE WHEN feedback_id IS NOT NULL THEN 'id:' || source_type || ':' || coalesce(source, '') || ':' "
        "|| feedback_id ELSE 'h:' || md5(concat_ws(chr(31), source_type, coalesce(source, ''), "
        "coalesce(customer_id, ''), strftime(collected_at, '%Y-%m-%dT%H:%M:%S'), text)) END"
    )


def _event_key() -> str:
    """A ticket event's natural key: the same ticket, instant, event, statuses and actor are the same event."""
    return (
        "md5(concat_ws(chr(31), ticket_id, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%f'), event, "
        "coalesce(from_status, ''), coalesce(to_status, ''), coalesce(actor, '')))"
    )


def stage_records(stage: Stage, kind: Kind) -> Staged:
    """Type and check the rows of one file of ``kind`` (anything but responses)."""
    stage.parse(kind)
    if kind == "tickets":
        stage.order_check("first_response_at", "created_at", "first response is before the ticket was created")
        stage.order_check("resolved_at", "created_at", "resolved before the ticket was created")
        stage.range_check("csat", 0, 10)
        stage.range_check("reopen_count", 0, 1e6)
        stage.range_check("agent_replies", 0, 1e6)
    elif kind == "orders":
        stage.order_check("fulfilled_at", "ordered_at", "fulfilled before it was ordered")
        stage.range_check("quantity", 0, 1e9)
    elif kind == "feedback":
        stage.range_check("rating", 0, 10)
    elif kind == "ticket_events":
        stage.check(
            stage.mapping.columns.get("to_status", "to_status"),
            None,
            "event = 'status_change' AND to_status IS NULL",
            "a status_change event needs to_status (the status the ticket changed to)",
        )
    issues, total = stage.collect_issues()
    columns = [quote(f.name) for f in FIELDS[kind]]
    if kind == "feedback":
        columns = [c for c in columns if c != '"language"'] + [
            f"coalesce(language, CASE WHEN {_CJK} THEN 'zh' ELSE 'en' END) AS language",
            f"{_feedback_key()} AS __idempotency_key",
        ]
    if kind == "ticket_events":
        columns.append(f"{_event_key()} AS __idempotency_key")
    key = {"feedback": _feedback_key(), "ticket_events": _event_key()}.get(kind, quote(_KEYS[kind]))
    clean, dups = stage.clean(columns, key)
    tables = {"stg_records": clean}
    if kind == "customers" and stage.mapping.attributes:
        tables["stg_attributes"] = _stage_attributes(stage)
    return Staged(tables, issues, stage.raw.num_rows + len(stage.raw.issues), stage.rejected_count(), dups, total)


def _stage_attributes(stage: Stage) -> object:
    """Customer attributes, long: one row per (customer, attribute) with a value, typed where possible."""
    parts = [
        f"SELECT c.customer_id, '{a.replace(chr(39), chr(39) * 2)}' AS key, "
        f"nullif(trim(r.{quote(a)}), '') AS value_text FROM clean c JOIN raw_rows r USING (__row)"
        for a in stage.mapping.attributes
    ]
    return stage.con.execute(f"""
        WITH a AS ({" UNION ALL ".join(parts)}),
        -- a number the workspace's FLOAT column can hold (finite, |x| <= 3.4e38); else the value stays text
        typed AS (SELECT *, CASE WHEN abs(try_cast(value_text AS DOUBLE)) <= 3.4e38
                                 THEN try_cast(value_text AS DOUBLE) END AS value_number,
                  timezone('UTC', try_cast(value_text AS TIMESTAMPTZ)) AS value_date
                  FROM a WHERE value_text IS NOT NULL)
        SELECT *, CASE WHEN bool_and(value_number IS NOT NULL) OVER (PARTITION BY key) THEN 'number'
                       WHEN bool_and(value_date IS NOT NULL) OVER (PARTITION BY key) THEN 'date'
                       ELSE 'text' END AS data_type
        FROM typed
    """).to_arrow_table()


def ensure_customers(target: Target, relation: str, run_id: int, now: datetime) -> int:
    """Create the customers that ``relation.customer_id`` names and the workspace does not know yet."""
    missing = f"""FROM (SELECT DISTINCT customer_id FROM {relation} WHERE customer_id IS NOT NULL) s
                  WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.external_id = s.customer_id)"""
    created = target.scalar(f"SELECT count(*) {missing}")
    if created:
        target.execute(
            f"""INSERT INTO customers (id, external_id, created_at, import_run_id)
                           SELECT nextval('customers_id_seq'), s.customer_id, :now, :run {missing}""",
            now=now,
            run=run_id,
        )
    return created


def _insert_new(
    target: Target, table: str, key: str, columns: str, select: str, joins: str = "", **params: object
) -> tuple[int, int]:
    """Insert the staged rows whose natural key is not stored yet. Returns (inserted, already stored)."""
    total = target.scalar("SELECT count(*) FROM stg_records")
    empty = target.scalar(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1) e") == 0
    new = f"FROM stg_records s {joins}" + (
        "" if empty else f" WHERE NOT EXISTS (SELECT 1 FROM {table} x WHERE x.{key})"
    )
    inserted = total if empty else target.scalar(f"SELECT count(*) {new}")
    if inserted:
        target.execute(
            f"INSERT INTO {table} (id, {columns}) SELECT nextval('{table}_id_seq'), {select} {new}", **params
        )
    return inserted, total - inserted


def write_records(target: Target, kind: Kind, run_id: int, now: datetime) -> Written:
    """Store the staged rows of one file of ``kind`` (already loaded as ``stg_records``)."""
    out = Written()
    if kind == "customers":
        return _write_customers(target, run_id, now)
    if kind == "ticket_events":
        out.inserted, out.already_stored = _write_events(target, run_id)
        return out
    out.customers_created = ensure_customers(target, "stg_records", run_id, now)
    cust = "LEFT JOIN customers c ON c.external_id = s.customer_id"
    if kind == "orders":
        out.inserted, out.already_stored = _insert_new(
            target,
            "orders",
            "external_id = s.order_id",
            "external_id, customer_id, ordered_at, fulfilled_at, amount, quantity, product, category, channel, "
            "promotion, import_run_id",
            "s.order_id, c.id, s.ordered_at, s.fulfilled_at, CAST(s.amount AS DECIMAL(18, 2)), s.quantity, s.product, "
            "s.category, s.channel, s.promotion, :run",
            cust,
            run=run_id,
        )
    elif kind == "tickets":
        _ensure_agents(target)
        out.inserted, out.already_stored = _insert_new(
            target,
            "tickets",
            "external_id = s.ticket_id",
            "external_id, customer_id, agent_id, team, channel, priority, category, subject, description, "
            "created_at, first_response_at, resolved_at, status, csat, reopen_count, agent_replies, import_run_id",
            "s.ticket_id, c.id, g.id, s.team, s.channel, s.priority, s.category, s.subject, s.description, "
            "s.created_at, s.first_response_at, s.resolved_at, coalesce(s.status, CASE WHEN s.resolved_at IS "
            "NOT NULL THEN 'resolved' ELSE 'open' END), s.csat, s.reopen_count, s.agent_replies, :run",
            cust + " LEFT JOIN agents g ON g.external_id = coalesce(s.agent_id, s.agent_name)",
            run=run_id,
        )
    elif kind == "feedback":
        target.execute("""INSERT INTO competitors (id, code)
            SELECT nextval('competitors_id_seq'), s.competitor
            FROM (SELECT DISTINCT competitor FROM stg_records WHERE competitor IS NOT NULL) s
            WHERE NOT EXISTS (SELECT 1 FROM competitors k WHERE k.code = s.competitor)""")
        out.inserted, out.already_stored = _insert_new(
            target,
            "feedback",
            "idempotency_key = s.__idempotency_key",
            "idempotency_key, external_id, source_type, source, customer_id, competitor_id, collected_at, "
            "created_at, language, text, rating, product, import_run_id",
            "s.__idempotency_key, s.feedback_id, s.source_type, s.source, c.id, k.id, s.collected_at, :now, "
            "s.language, s.text, s.rating, s.product, :run",
            cust + " LEFT JOIN competitors k ON k.code = s.competitor",
            run=run_id,
            now=now,
        )
    return out


#: an event that reopens a ticket: a reopening, or a status change from resolved/closed back to work
_REOPENS = (
    "e.kind = 'reopened' OR (e.kind = 'status_change' AND e.from_status IN ('resolved', 'closed') "
    "AND e.to_status IN ('new', 'open', 'pending'))"
)
_RESOLVES = "e.kind = 'resolved' OR (e.kind = 'status_change' AND e.to_status IN ('resolved', 'closed'))"


def _write_events(target: Target, run_id: int) -> tuple[int, int]:
    """Store staged ticket events, then recount the derived columns of the tickets they touch.

    Every event must name a ticket already in the workspace (import the tickets first); otherwise the
    import is refused, naming the rows. Per touched ticket, from *all* its stored events:
    ``reopen_count`` = distinct instants of reopening events, ``agent_replies`` = distinct instants of
    first-response and agent-reply events; an empty ``first_response_at`` is filled with the first of
    those, and an empty ``resolved_at`` with the last resolving event when no reopening follows it.
    """
    unknown = target.conn.exec_driver_sql(
        "SELECT s.__row, s.ticket_id FROM stg_records s WHERE NOT EXISTS "
        "(SELECT 1 FROM tickets k WHERE k.external_id = s.ticket_id) ORDER BY s.__row LIMIT 20"
    ).all()
    if unknown:
        issues = [
            Issue("ticket events", int(r), "ticket_id", str(v), "no such ticket in the workspace") for r, v in unknown
        ]
        shown = "\n".join(f"  {i}" for i in issues)
        raise InvalidRowsError(
            f"ticket events name tickets the workspace does not hold; import those tickets first:\n{shown}",
            issues,
            len(issues),
        )
    inserted, existing = _insert_new(
        target,
        "ticket_events",
        "idempotency_key = s.__idempotency_key",
        "idempotency_key, ticket_id, occurred_at, kind, from_status, to_status, actor, import_run_id",
        "s.__idempotency_key, k.id, s.occurred_at, s.event, s.from_status, s.to_status, s.actor, :run",
        "JOIN tickets k ON k.external_id = s.ticket_id",
        run=run_id,
    )
    touched = "SELECT DISTINCT k.id FROM stg_records s JOIN tickets k ON k.external_id = s.ticket_id"
    replies = "e.kind IN ('first_response', 'agent_reply')"
    target.execute(f"""UPDATE tickets SET
            reopen_count = d.reopens, agent_replies = d.replies,
            first_response_at = coalesce(tickets.first_response_at, d.first_reply),
            resolved_at = coalesce(tickets.resolved_at,
                CASE WHEN d.last_reopen IS NULL OR d.last_resolve > d.last_reopen THEN d.last_resolve END)
        FROM (SELECT e.ticket_id,
                     count(DISTINCT e.occurred_at) FILTER (WHERE {_REOPENS}) AS reopens,
                     count(DISTINCT e.occurred_at) FILTER (WHERE {replies}) AS replies,
                     min(e.occurred_at) FILTER (WHERE {replies}) AS first_reply,
                     max(e.occurred_at) FILTER (WHERE {_REOPENS}) AS last_reopen,
                     max(e.occurred_at) FILTER (WHERE {_RESOLVES}) AS last_resolve
              FROM ticket_events e WHERE e.ticket_id IN ({touched}) GROUP BY e.ticket_id) d
        WHERE tickets.id = d.ticket_id""")
    return inserted, existing


def _ensure_agents(target: Target) -> None:
    target.execute("""INSERT INTO agents (id, external_id, name, team)
        SELECT nextval('agents_id_seq'), a.ext, a.name, a.team FROM (
            SELECT coalesce(agent_id, agent_name) AS ext, max(agent_name) AS name, max(team) AS team
            FROM stg_records WHERE coalesce(agent_id, agent_name) IS NOT NULL GROUP BY 1) a
        WHERE NOT EXISTS (SELECT 1 FROM agents g WHERE g.external_id = a.ext)""")


_CUSTOMER_FIELDS = ("name", "segment", "region", "industry", "signed_up_at")


def _write_customers(target: Target, run_id: int, now: datetime) -> Written:
    out = Written()
    out.inserted, existing = _insert_new(
        target,
        "customers",
        "external_id = s.customer_id",
        f"external_id, {', '.join(_CUSTOMER_FIELDS)}, created_at, import_run_id",
        f"s.customer_id, {', '.join('s.' + f for f in _CUSTOMER_FIELDS)}, :now, :run",
        now=now,
        run=run_id,
    )

    def changed(alias: str) -> str:
        return " OR ".join(f"(s.{f} IS NOT NULL AND s.{f} IS DISTINCT FROM {alias}.{f})" for f in _CUSTOMER_FIELDS)

    out.updated = target.scalar(
        f"SELECT count(*) FROM stg_records s JOIN customers c ON c.external_id = s.customer_id WHERE {changed('c')}"
    )
    if out.updated:
        sets = ", ".join(f"{f} = coalesce(s.{f}, customers.{f})" for f in _CUSTOMER_FIELDS)
        target.execute(f"""UPDATE customers SET {sets} FROM stg_records s
                           WHERE customers.external_id = s.customer_id AND ({changed("customers")})""")
    out.already_stored = existing - out.updated
    return out


def write_attributes(target: Target) -> None:
    """Store customer attributes staged as ``stg_attributes`` (replacing earlier values of the same key)."""
    target.execute("""INSERT INTO customer_attribute_keys (id, key, data_type)
        SELECT nextval('customer_attribute_keys_id_seq'), a.key, a.data_type
        FROM (SELECT key, min(data_type) AS data_type FROM stg_attributes GROUP BY key) a
        WHERE NOT EXISTS (SELECT 1 FROM customer_attribute_keys k WHERE k.key = a.key)""")
    pairs = """FROM stg_attributes s JOIN customers c ON c.external_id = s.customer_id
               JOIN customer_attribute_keys k ON k.key = s.key"""
    target.execute("""DELETE FROM customer_attributes USING stg_attributes s, customers c, customer_attribute_keys k
        WHERE c.external_id = s.customer_id AND k.key = s.key
          AND customer_attributes.customer_id = c.id AND customer_attributes.key_id = k.id""")
    target.execute(f"""INSERT INTO customer_attributes (customer_id, key_id, value_text, value_number, value_date)
        SELECT c.id, k.id, s.value_text, CASE WHEN k.data_type = 'number' THEN s.value_number END,
               CASE WHEN k.data_type = 'date' THEN s.value_date END {pairs}""")
