"""Invitations: links that admit exactly one response each, optionally tied to a known customer.

An invitation's token (128 random bits, URL-safe) is shown once, when it is created: the workspace keeps
only its SHA-256, so a copy of the database does not hand out working links. A response submitted with an
invitation marks it used in the same transaction; a second response with it is refused
(``InvitationError(reason="invitation_used")``), while resubmitting the *same* form (same submission
token) finds the response already stored, as for anonymous forms.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from cxlens.exceptions import ConfigurationError, InvitationError, SurveyNotFoundError
from cxlens.model import tables as t
from cxlens.store import Workspace

__all__ = [
    "NewInvitation",
    "create_invitations",
    "ensure_customer",
    "find_invitation",
    "hash_token",
    "invitation_counts",
    "survey_link",
]

#: the most invitations one call creates
MAX_INVITATIONS = 100_000


@dataclass(frozen=True, slots=True)
class NewInvitation:
    """A created invitation: its token (shown only now), its customer, and its link."""

    id: int
    token: str
    customer: str | None
    url: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def survey_link(base_url: str, slug: str, token: str | None = None) -> str:
    """The public link of a form (``BASE/s/SLUG``), with an invitation token when given."""
    link = f"{base_url.rstrip('/')}/s/{slug}"
    return f"{link}?i={token}" if token else link


def ensure_customer(conn: sa.Connection, external_id: str, now: datetime) -> int:
    """The id of the customer with this external id, created (with no other data) when unknown."""
    c = t.customers
    found = conn.execute(sa.select(c.c.id).where(c.c.external_id == external_id)).scalar()
    if found is not None:
        return int(found)
    return int(conn.execute(c.insert().values(external_id=external_id, created_at=now).returning(c.c.id)).scalar_one())


def create_invitations(
    ws: Workspace,
    code: str,
    count: int | None = None,
    *,
    customers: Sequence[str] = (),
    channel: str | None = None,
    base_url: str = "http://127.0.0.1:8000",
) -> list[NewInvitation]:
    """Create ``count`` anonymous invitations, or one per customer external id in ``customers``.

    The form need not be invitation-only: invitations to an anonymous form still admit one response each
    and tie it to their customer."""
    customers = [str(c).strip() for c in customers if str(c).strip()]
    total = len(customers) if customers else int(count or 0)
    if customers and count is not None and count != len(customers):
        raise ConfigurationError(f"count={count} but {len(customers)} customers were given; give one or the other")
    if not 1 <= total <= MAX_INVITATIONS:
        raise ConfigurationError(f"create from 1 to {MAX_INVITATIONS:,} invitations at a time, not {total}")
    now = datetime.now(UTC).replace(tzinfo=None)
    made: list[NewInvitation] = []
    with ws.begin() as conn:
        form = conn.execute(
            sa.select(t.survey_forms.c.id, t.survey_forms.c.slug).where(t.survey_forms.c.code == code)
        ).first()
        if form is None:
            raise SurveyNotFoundError(f"no survey form {code!r} in this workspace")
        for i in range(total):
            external = customers[i] if customers else None
            token = secrets.token_urlsafe(16)
            new_id = conn.execute(
                t.invitations.insert()
                .values(
                    form_id=form.id,
                    token_hash=hash_token(token),
                    customer_id=ensure_customer(conn, external, now) if external else None,
                    channel=channel,
                    created_at=now,
                )
                .returning(t.invitations.c.id)
            ).scalar_one()
            made.append(NewInvitation(int(new_id), token, external, survey_link(base_url, form.slug, token)))
    return made


def find_invitation(conn: sa.Connection, form_id: int, token: str) -> Any:
    """The invitation row of ``token`` for form ``form_id``; raises :class:`InvitationError` if unknown."""
    i = t.invitations
    row = conn.execute(
        sa.select(i.c.id, i.c.customer_id, i.c.channel, i.c.response_id).where(
            i.c.token_hash == hash_token(token), i.c.form_id == form_id
        )
    ).first()
    if row is None:
        raise InvitationError("this invitation link is not valid for this survey", "invitation_unknown")
    return row


def invitation_counts(ws: Workspace, code: str) -> dict[str, int]:
    """How many invitations a form has, and how many were answered."""
    i, f = t.invitations, t.survey_forms
    with ws.engine.connect() as conn:
        form_id = conn.execute(sa.select(f.c.id).where(f.c.code == code)).scalar()
        if form_id is None:
            raise SurveyNotFoundError(f"no survey form {code!r} in this workspace")
        row = conn.execute(
            sa.select(sa.func.count(i.c.id), sa.func.count(i.c.response_id)).where(i.c.form_id == form_id)
        ).one()
    return {"invited": int(row[0]), "answered": int(row[1])}
