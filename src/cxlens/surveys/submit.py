"""Storing submissions: validated, idempotent, durable — the same rows an imported response becomes.

One submission is one ``responses`` row plus one ``answers`` row per answered question (per chosen option
for multiple choice) and their ``answer_facts`` rows, written in a transaction that commits before the
function returns (so before any thank-you page). Its ``idempotency_key`` (``web:NONCE`` from the form's
submission token, ``entry:NONCE`` for staff entry, ``api:KEY`` from an API client) is unique per survey —
by constraint on PostgreSQL, and on DuckDB, which admits one writing process, by checking and inserting
under a per-workspace lock — so submitting the same form twice returns the response already stored.

:func:`submit_many` stores several submissions in one transaction — a *group commit*: the web app queues
the submissions that arrive while a write is in progress and stores them together, so the cost of a
durable commit is shared (``cxlens.web.pages.public``). Each submission still gets its own outcome.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from cxlens.exceptions import InvitationError, SurveyClosedError, SurveyError
from cxlens.model import tables as t
from cxlens.store import Workspace
from cxlens.surveys.forms import Version
from cxlens.surveys.invitations import ensure_customer, find_invitation
from cxlens.surveys.validation import RawAnswer, Submission, validate_submission

__all__ = ["Pending", "Stored", "answer_rows", "stored_response", "submit", "submit_many", "write_lock"]

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@contextmanager
def write_lock(ws: Workspace) -> Iterator[None]:
    """Serialise check-then-insert writes to a DuckDB workspace within this process (the only writer)."""
    if ws.dialect != "duckdb":
        yield
        return
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(ws.url, threading.Lock())
    with lock:
        yield


@dataclass(frozen=True, slots=True)
class Stored:
    """The stored response, and whether this call created it (``False``: it was stored before)."""

    response_id: int
    created: bool


@dataclass(frozen=True, slots=True)
class Pending:
    """One submission to store: answers to ``version`` under idempotency ``key``, and where they come from.

    ``customer`` is a customer's external id (created when unknown; an invitation's customer wins);
    ``entered_by`` marks staff entry, which may enter into closed and invitation-only forms."""

    version: Version
    raw: Mapping[str, RawAnswer]
    key: str
    channel: str = "web"
    language: str | None = None
    started_at: datetime | None = None
    submitted_at: datetime | None = None
    invitation: str | None = None
    customer: str | None = None
    entered_by: str | None = None
    strict: bool = False


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def stored_response(conn: sa.Connection, survey_id: int, key: str) -> int | None:
    """The response of survey ``survey_id`` stored under ``key``, if any."""
    r = t.responses
    found = conn.execute(sa.select(r.c.id).where(r.c.survey_id == survey_id, r.c.idempotency_key == key)).scalar()
    return int(found) if found is not None else None


@dataclass(frozen=True, slots=True)
class _Ids:
    """An installed survey's question rows (id, type, scale) and choice ids by code: fixed once installed."""

    questions: dict[str, tuple[int, str, float | None, float | None]]
    choices: dict[tuple[str, str], int]


#: per open workspace (dropped with it): survey id → its ids, so a submission costs no lookups
_IDS: weakref.WeakKeyDictionary[Workspace, dict[int, _Ids]] = weakref.WeakKeyDictionary()


def _ids(ws: Workspace, conn: sa.Connection, survey_id: int) -> _Ids:
    with _LOCKS_GUARD:
        cached = _IDS.get(ws, {}).get(survey_id)
    if cached is not None:
        return cached
    q, c = t.questions, t.choices
    rows = conn.execute(
        sa.select(q.c.id, q.c.code, q.c.type, q.c.scale_min, q.c.scale_max).where(q.c.survey_id == survey_id)
    ).all()
    choices = conn.execute(
        sa.select(c.c.id, c.c.code, q.c.code.label("qcode"))
        .join(q, q.c.id == c.c.question_id)
        .where(q.c.survey_id == survey_id)
    ).all()
    found = _Ids(
        {r.code: (int(r.id), r.type, r.scale_min, r.scale_max) for r in rows},
        {(r.qcode, r.code): int(r.id) for r in choices},
    )
    with _LOCKS_GUARD:
        _IDS.setdefault(ws, {})[survey_id] = found
    return found


def answer_rows(ids: _Ids, submission: Submission) -> list[dict[str, Any]]:
    """The ``answers`` rows of a submission (without ``response_id``), typed by question type."""
    rows: list[dict[str, Any]] = []
    for code, value in submission.given.items():
        qid, qtype = ids.questions[code][:2]
        base = {"question_id": qid, "choice_id": None, "value_number": None, "value_text": None}
        if isinstance(value, tuple):  # multiple choice: one row per chosen option
            rows += [{**base, "choice_id": ids.choices[(code, v)]} for v in value]
        elif qtype == "single":
            rows.append({**base, "choice_id": ids.choices[(code, str(value))]})
        elif qtype == "text":
            rows.append({**base, "value_text": str(value)})
        else:
            rows.append({**base, "value_number": float(value)})  # type: ignore[arg-type]
    return rows


def _fact_rows(
    ids: _Ids, rows: list[dict[str, Any]], response: Mapping[str, Any], customer: Any
) -> list[dict[str, Any]]:
    """The ``answer_facts`` rows of new answers: the columns ``cxlens.ingest.facts`` selects from
    answers ⋈ responses ⋈ questions ⟕ customers, filled from the values at hand (one row per answer)."""
    by_id = {qid: (qtype, low, high) for qid, qtype, low, high in ids.questions.values()}
    at: datetime = response["submitted_at"]
    common = {
        "response_id": response["id"],
        "survey_id": response["survey_id"],
        "submitted_at": at,
        "submitted_day": at.date(),
        "submitted_month": at.date().replace(day=1),
        "customer_id": response["customer_id"],
        "channel": response["channel"],
        "language": response["language"],
        "segment": customer.segment if customer is not None else None,
        "region": customer.region if customer is not None else None,
        "industry": customer.industry if customer is not None else None,
    }
    out = []
    for r in rows:
        qtype, low, high = by_id[r["question_id"]]
        out.append(
            {
                **common,
                "question_id": r["question_id"],
                "question_type": qtype,
                "scale_min": low,
                "scale_max": high,
                "value_number": r["value_number"],
                "choice_id": r["choice_id"],
            }
        )
    return out


def submit(
    ws: Workspace,
    version: Version,
    raw: Mapping[str, RawAnswer],
    *,
    key: str,
    channel: str = "web",
    language: str | None = None,
    started_at: datetime | None = None,
    submitted_at: datetime | None = None,
    invitation: str | None = None,
    customer: str | None = None,
    entered_by: str | None = None,
    strict: bool = False,
) -> Stored:
    """Validate ``raw`` against ``version`` and store it once under idempotency ``key``; commit before returning.

    - A ``key`` already stored for this survey returns that response (``created=False``) without
      validating again: a double submit is answered like the first.
    - Raises :class:`SubmissionInvalidError` (messages per question), :class:`SurveyClosedError` when the
      form is closed, :class:`InvitationError` when an invitation-only form gets no invitation, an unknown
      one, or one already used. Staff entry (``entered_by`` given) may enter into closed and
      invitation-only forms.
    - ``customer`` is a customer's external id (created when unknown); an invitation's customer wins.
    """
    item = Pending(
        version, raw, key, channel, language, started_at, submitted_at, invitation, customer, entered_by, strict
    )
    [outcome] = submit_many(ws, [item])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def submit_many(ws: Workspace, items: Sequence[Pending]) -> list[Stored | SurveyError]:
    """Store several submissions in one transaction; each gets its own outcome, in order.

    The outcome is :class:`Stored` (``created=False`` when its key was stored before, or by an earlier item
    of the same batch) or the :class:`~cxlens.exceptions.SurveyError` that refused it (invalid answers,
    closed form, invitation missing, unknown or used) — a refused item stores nothing and does not hold
    back the others. Errors of the database itself abort the whole batch (nothing is stored) and raise.
    """
    if not items:
        return []
    try:
        with write_lock(ws), ws.begin() as conn:
            return _store(ws, conn, items, _now())
    except (sa.exc.IntegrityError, InvitationError):
        if len(items) == 1:  # PostgreSQL: a concurrent request with the same key committed first
            with ws.engine.connect() as conn:
                existing = stored_response(conn, items[0].version.survey_id, items[0].key)
            if existing is None:
                raise  # (an invitation claimed concurrently by another key is refused as used)
            return [Stored(existing, False)]
        # one of several collided with a concurrent writer: store them one by one
        return [outcome for item in items for outcome in submit_many(ws, [item])]


def _existing(conn: sa.Connection, items: Sequence[Pending]) -> dict[tuple[int, str], int]:
    r = t.responses
    keys: dict[int, set[str]] = {}
    for item in items:
        keys.setdefault(item.version.survey_id, set()).add(item.key)
    found: dict[tuple[int, str], int] = {}
    if conn.dialect.name == "duckdb":  # one statement for the batch, its text fixed (no compile per batch)
        rows = conn.exec_driver_sql(
            "SELECT id, survey_id, idempotency_key FROM responses WHERE list_contains(?::VARCHAR[], idempotency_key)",
            ([item.key for item in items],),
        ).all()
        return {(int(survey_id), key): int(id_) for id_, survey_id, key in rows if key in keys.get(int(survey_id), ())}
    for survey_id, wanted in keys.items():
        rows = conn.execute(
            sa.select(r.c.id, r.c.idempotency_key).where(r.c.survey_id == survey_id, r.c.idempotency_key.in_(wanted))
        ).all()
        found.update({(survey_id, row.idempotency_key): int(row.id) for row in rows})
    return found


def _form_states(conn: sa.Connection, items: Sequence[Pending]) -> dict[int, tuple[bool, str]]:
    """Whether each form is open and who may answer it, read in the writing transaction (a caller's
    :class:`Version` may be a moment old: a form closed since is refused here)."""
    f = t.survey_forms
    ids = {item.version.form_id for item in items}
    if conn.dialect.name == "duckdb":
        sql = "SELECT id, is_open, access FROM survey_forms WHERE list_contains(?::BIGINT[], id)"
        rows = conn.exec_driver_sql(sql, (sorted(ids),)).all()
    else:
        rows = conn.execute(sa.select(f.c.id, f.c.is_open, f.c.access).where(f.c.id.in_(ids))).all()
    return {int(id_): (bool(is_open), str(access)) for id_, is_open, access in rows}


def _check(item: Pending, state: tuple[bool, str] | None) -> Submission:
    v = item.version
    submission = validate_submission(v.form, item.raw, strict=item.strict, lang=item.language or "en")
    is_open, access = state if state is not None else (v.is_open, v.access)
    staff = item.entered_by is not None
    if not staff and not is_open:
        raise SurveyClosedError(f"survey {v.form_code!r} is closed")
    if not staff and access == "invitation" and not item.invitation:
        raise InvitationError("this survey is by invitation only", "invitation_required")
    return submission


def _store(ws: Workspace, conn: sa.Connection, items: Sequence[Pending], now: datetime) -> list[Stored | SurveyError]:
    stored = _existing(conn, items)
    states = _form_states(conn, items)
    outcomes: list[Stored | SurveyError | None] = [None] * len(items)
    first: dict[tuple[int, str], int] = {}  # key → index of the batch item that stores it
    claimed: set[int] = set()
    rows: list[tuple[int, Pending, Submission, dict[str, Any], Any]] = []
    for n, item in enumerate(items):
        slot = (item.version.survey_id, item.key)
        if slot in stored:
            outcomes[n] = Stored(stored[slot], False)
            continue
        if slot in first:
            continue  # filled in once the first item with this key is stored
        try:
            submission = _check(item, states.get(item.version.form_id))
            invite = find_invitation(conn, item.version.form_id, item.invitation) if item.invitation else None
            if invite is not None and (invite.response_id is not None or int(invite.id) in claimed):
                raise InvitationError("this invitation has already been used", "invitation_used")
        except SurveyError as e:
            outcomes[n] = e
            continue
        if invite is not None:
            claimed.add(int(invite.id))
        first[slot] = n
        rows.append((n, item, submission, _response(conn, item, invite, now), invite))
    _insert(ws, conn, rows, outcomes, now)
    for n, item in enumerate(items):
        if outcomes[n] is None:
            origin = outcomes[first[(item.version.survey_id, item.key)]]
            outcomes[n] = Stored(origin.response_id, False) if isinstance(origin, Stored) else origin
    return [o for o in outcomes if o is not None]


def _response(conn: sa.Connection, item: Pending, invite: Any, now: datetime) -> dict[str, Any]:
    """The ``responses`` row of a submission (without ``id``)."""
    customer_id = invite.customer_id if invite is not None else None
    if customer_id is None and item.customer:
        customer_id = ensure_customer(conn, item.customer, now)
    return {
        "survey_id": item.version.survey_id,
        "idempotency_key": item.key,
        "finished": True,
        "customer_id": customer_id,
        "channel": invite.channel if invite is not None and invite.channel else item.channel,
        "language": item.language,
        "started_at": item.started_at,
        "submitted_at": item.submitted_at or now,
        "created_at": now,
        "entered_by": item.entered_by,
    }


def _insert(
    ws: Workspace,
    conn: sa.Connection,
    rows: list[tuple[int, Pending, Submission, dict[str, Any], Any]],
    outcomes: list[Stored | SurveyError | None],
    now: datetime,
) -> None:
    """Insert the batch's responses, answers and facts (one multi-row INSERT each) and claim invitations."""
    if not rows:
        return
    r = t.responses
    if conn.dialect.name == "duckdb":
        inserted = _bulk_insert(conn, r, [row[3] for row in rows], ("id", "survey_id", "idempotency_key"))
    else:
        returned = r.insert().values([row[3] for row in rows]).returning(r.c.id, r.c.survey_id, r.c.idempotency_key)
        inserted = [tuple(x) for x in conn.execute(returned).all()]
    ids = {(int(survey_id), key): int(id_) for id_, survey_id, key in inserted}
    customers = _customers(conn, {row[3]["customer_id"] for row in rows if row[3]["customer_id"] is not None})
    answers, facts = [], []
    for n, item, submission, response, invite in rows:
        response_id = ids[(item.version.survey_id, item.key)]
        survey_ids = _ids(ws, conn, item.version.survey_id)
        mine = [{**a, "response_id": response_id} for a in answer_rows(survey_ids, submission)]
        answers += mine
        facts += _fact_rows(survey_ids, mine, {**response, "id": response_id}, customers.get(response["customer_id"]))
        if invite is not None:
            _claim(conn, int(invite.id), response_id, now)
        outcomes[n] = Stored(response_id, True)
    if not answers:
        return
    if conn.dialect.name == "duckdb":
        _bulk_insert(conn, t.answers, answers)
        _bulk_insert(conn, t.answer_facts, facts)
    else:  # one multi-row INSERT each
        conn.execute(t.answers.insert().values(answers))
        conn.execute(t.answer_facts.insert().values(facts))


#: (table, columns, returning) → the DuckDB statement that inserts rows given as one list per column
_BULK_SQL: dict[tuple[str, tuple[str, ...], tuple[str, ...]], str] = {}


def _bulk_insert(
    conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], returning: tuple[str, ...] = ()
) -> list[tuple[Any, ...]]:
    """DuckDB: insert ``rows`` (dicts with the same keys) with one statement, ``INSERT … SELECT`` over
    ``unnest`` of one typed list parameter per column, and give the ``returning`` columns of the new rows.

    Its text depends only on the columns, so it is built once, and the values travel as a few lists. A
    multi-row ``INSERT … VALUES`` built by SQLAlchemy is compiled anew for every batch (a bind parameter per
    value: ~70 % of a batch's time), and an executemany runs the statement once per row. An ``id`` column
    with a sequence that ``rows`` do not give takes ``nextval`` of it, as SQLAlchemy's insert would."""
    columns = tuple(rows[0])
    key = (table.name, columns, returning)
    sql = _BULK_SQL.get(key)
    if sql is None:
        dialect = conn.dialect
        lists = ", ".join(
            f"unnest(?::{table.c[c].type.compile(dialect=dialect)}[]) AS {dialect.identifier_preparer.quote(c)}"
            for c in columns
        )
        names = [dialect.identifier_preparer.quote(c) for c in columns]
        select = "*"
        default = table.c.id.default if "id" in table.c and "id" not in columns else None
        if isinstance(default, sa.Sequence):
            names.insert(0, "id")
            select = f"nextval('{default.name}'), *"
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {select} FROM (SELECT {lists})"
        if returning:
            sql += " RETURNING " + ", ".join(dialect.identifier_preparer.quote(c) for c in returning)
        _BULK_SQL[key] = sql
    result = conn.exec_driver_sql(sql, tuple([row[c] for row in rows] for c in columns))
    return [tuple(found) for found in result.all()] if returning else []


def _customers(conn: sa.Connection, customer_ids: set[int]) -> dict[int, Any]:
    if not customer_ids:
        return {}
    cu = t.customers
    found = conn.execute(
        sa.select(cu.c.id, cu.c.segment, cu.c.region, cu.c.industry).where(cu.c.id.in_(customer_ids))
    ).all()
    return {int(r.id): r for r in found}


def _claim(conn: sa.Connection, invitation_id: int, response_id: int, now: datetime) -> None:
    i = t.invitations
    done = conn.execute(
        i.update()
        .where(i.c.id == invitation_id, i.c.response_id.is_(None))
        .values(response_id=response_id, used_at=now)
        .returning(i.c.id)
    ).all()
    if len(done) != 1:  # (DuckDB reports no rowcount for an UPDATE; RETURNING works on both engines)
        raise InvitationError("this invitation has already been used", "invitation_used")
