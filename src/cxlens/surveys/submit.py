"""Storing a submission: validated, idempotent, durable — the same rows an imported response becomes.

One submission is one ``responses`` row plus one ``answers`` row per answered question (per chosen option
for multiple choice) and their ``answer_facts`` rows, written in one transaction that commits before the
function returns (so before any thank-you page). Its ``idempotency_key`` (``web:NONCE`` from the form's
submission token, ``entry:NONCE`` for staff entry) is unique per survey — by constraint on PostgreSQL, and
on DuckDB, which admits one writing process, by checking and inserting under a per-workspace lock — so
submitting the same form twice returns the response already stored instead of adding one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from cxlens.exceptions import InvitationError, SurveyClosedError
from cxlens.ingest import facts
from cxlens.model import tables as t
from cxlens.store import Workspace
from cxlens.surveys.definition import FormDef
from cxlens.surveys.forms import Version
from cxlens.surveys.invitations import ensure_customer, find_invitation
from cxlens.surveys.validation import RawAnswer, Submission, validate_submission

__all__ = ["Stored", "answer_rows", "stored_response", "submit", "write_lock"]

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


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def stored_response(conn: sa.Connection, survey_id: int, key: str) -> int | None:
    """The response of survey ``survey_id`` stored under ``key``, if any."""
    r = t.responses
    found = conn.execute(sa.select(r.c.id).where(r.c.survey_id == survey_id, r.c.idempotency_key == key)).scalar()
    return int(found) if found is not None else None


def answer_rows(conn: sa.Connection, survey_id: int, form: FormDef, submission: Submission) -> list[dict[str, Any]]:
    """The ``answers`` rows of a submission (without ``response_id``), typed by question type."""
    q, c = t.questions, t.choices
    ids = {r.code: int(r.id) for r in conn.execute(sa.select(q.c.id, q.c.code).where(q.c.survey_id == survey_id))}
    choice_ids = {
        (r.qcode, r.code): int(r.id)
        for r in conn.execute(
            sa.select(c.c.id, c.c.code, q.c.code.label("qcode"))
            .join(q, q.c.id == c.c.question_id)
            .where(q.c.survey_id == survey_id)
        )
    }
    types = {qd.code: qd.type for qd in form.survey.questions}
    rows: list[dict[str, Any]] = []
    for code, value in submission.given.items():
        base = {"question_id": ids[code], "choice_id": None, "value_number": None, "value_text": None}
        if isinstance(value, tuple):  # multiple choice: one row per chosen option
            rows += [{**base, "choice_id": choice_ids[(code, v)]} for v in value]
        elif types[code] == "single":
            rows.append({**base, "choice_id": choice_ids[(code, str(value))]})
        elif types[code] == "text":
            rows.append({**base, "value_text": str(value)})
        else:
            rows.append({**base, "value_number": float(value)})  # type: ignore[arg-type]
    return rows


def _insert(conn: sa.Connection, version: Version, submission: Submission, key: str, meta: Mapping[str, Any]) -> int:
    response_id = int(
        conn.execute(
            t.responses.insert()
            .values(survey_id=version.survey_id, idempotency_key=key, finished=True, **meta)
            .returning(t.responses.c.id)
        ).scalar_one()
    )
    rows = answer_rows(conn, version.survey_id, version.form, submission)
    if rows:
        conn.execute(t.answers.insert(), [{**r, "response_id": response_id} for r in rows])
    # the derived answer_facts rows, by the same SELECT the importer uses (cxlens.ingest.facts)
    # (the filter on both ids lets DuckDB skip every row group of answers but the last by its zone map)
    conn.execute(
        sa.text(f"{facts._INSERT} {facts._SELECT} WHERE a.response_id = :rid AND r.id = :rid"), {"rid": response_id}
    )
    return response_id


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
    now = _now()
    with write_lock(ws):
        with ws.engine.connect() as conn:
            existing = stored_response(conn, version.survey_id, key)
        if existing is not None:
            return Stored(existing, False)
        submission = validate_submission(version.form, raw, strict=strict, lang=language or "en")
        staff = entered_by is not None
        if not staff and not version.is_open:
            raise SurveyClosedError(f"survey {version.form_code!r} is closed")
        if not staff and version.access == "invitation" and not invitation:
            raise InvitationError("this survey is by invitation only", "invitation_required")
        try:
            with ws.begin() as conn:
                return _write(
                    conn,
                    version,
                    submission,
                    key,
                    now,
                    channel,
                    language,
                    started_at,
                    submitted_at,
                    invitation,
                    customer,
                    entered_by,
                )
        except sa.exc.IntegrityError:
            # PostgreSQL: a concurrent request with the same key committed first
            with ws.engine.connect() as conn:
                existing = stored_response(conn, version.survey_id, key)
            if existing is None:
                raise
            return Stored(existing, False)


def _write(
    conn: sa.Connection,
    version: Version,
    submission: Submission,
    key: str,
    now: datetime,
    channel: str,
    language: str | None,
    started_at: datetime | None,
    submitted_at: datetime | None,
    invitation: str | None,
    customer: str | None,
    entered_by: str | None,
) -> Stored:
    invite = find_invitation(conn, version.form_id, invitation) if invitation else None
    if invite is not None and invite.response_id is not None:
        raise InvitationError("this invitation has already been used", "invitation_used")
    customer_id = invite.customer_id if invite is not None else None
    if customer_id is None and customer:
        customer_id = ensure_customer(conn, customer, now)
    meta = {
        "customer_id": customer_id,
        "channel": (invite.channel if invite is not None and invite.channel else channel),
        "language": language,
        "started_at": started_at,
        "submitted_at": submitted_at or now,
        "created_at": now,
        "entered_by": entered_by,
    }
    response_id = _insert(conn, version, submission, key, meta)
    if invite is not None:
        _claim(conn, int(invite.id), response_id, now)
    return Stored(response_id, True)
