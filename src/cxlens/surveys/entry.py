"""Staff entry: answers taken by phone or face to face, and complaints, suggestions and call records.

An interview is entered into a published survey version like a web submission (same validation, same
tables, same idempotency), with ``channel`` ``phone`` or ``interview`` and the staff member in
``responses.entered_by``. A complaint, suggestion or call record becomes one ``feedback`` row — the hub
every free text lands in, where imported complaints and call notes are — with ``feedback.entered_by``; a
call record's satisfaction score (0–10) is its ``rating``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from cxlens.exceptions import SubmissionInvalidError
from cxlens.model import tables as t
from cxlens.store import Workspace
from cxlens.surveys.forms import Version
from cxlens.surveys.invitations import ensure_customer
from cxlens.surveys.messages import message
from cxlens.surveys.submit import Stored, submit, write_lock
from cxlens.surveys.validation import RawAnswer

__all__ = ["ENTRY_FEEDBACK_TYPES", "INTERVIEW_CHANNELS", "FeedbackEntry", "enter_feedback", "enter_interview"]

#: the channels of an interview entered by staff
INTERVIEW_CHANNELS = ("phone", "interview")
#: the feedback source types staff enter by hand
ENTRY_FEEDBACK_TYPES = ("complaint", "suggestion", "call")
#: the longest feedback text accepted, in characters
MAX_FEEDBACK_TEXT = 20_000
_CJK = re.compile(r"[\u4e00-\u9fff]")


def enter_interview(
    ws: Workspace,
    version: Version,
    raw: Mapping[str, RawAnswer],
    *,
    key: str,
    entered_by: str,
    channel: str = "phone",
    customer: str | None = None,
    interviewed_at: datetime | None = None,
    language: str | None = None,
) -> Stored:
    """Store the answers of a phone (``channel="phone"``) or face-to-face (``"interview"``) interview."""
    if channel not in INTERVIEW_CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(INTERVIEW_CHANNELS)}, not {channel!r}")
    if not entered_by:
        raise ValueError("entered_by (the staff member entering the interview) is required")
    return submit(
        ws,
        version,
        raw,
        key=key,
        channel=channel,
        language=language,
        submitted_at=interviewed_at,
        customer=customer,
        entered_by=entered_by,
    )


@dataclass(frozen=True, slots=True)
class FeedbackEntry:
    """The stored feedback row, and whether this call created it (``False``: stored before under its key)."""

    feedback_id: int
    created: bool


def _check_feedback(
    source_type: str, text: str, rating: float | None, lang: str
) -> dict[str, tuple[str, dict[str, object]]]:
    errors: dict[str, tuple[str, dict[str, object]]] = {}
    if source_type not in ENTRY_FEEDBACK_TYPES:
        errors["source_type"] = ("bad_choice", {})
    if not text.strip():
        errors["text"] = ("text_required", {})
    elif len(text) > MAX_FEEDBACK_TEXT:
        errors["text"] = ("too_long", {"limit": MAX_FEEDBACK_TEXT})
    if rating is not None and not 0 <= rating <= 10:
        errors["rating"] = ("rating_range", {})
    return errors


def enter_feedback(
    ws: Workspace,
    source_type: str,
    text: str,
    *,
    key: str,
    entered_by: str,
    customer: str | None = None,
    rating: float | None = None,
    collected_at: datetime | None = None,
    source: str | None = None,
    product: str | None = None,
    language: str | None = None,
    lang: str = "en",
) -> FeedbackEntry:
    """Store a complaint, suggestion or call record entered by ``entered_by``, once under ``key``.

    ``collected_at`` is when the customer said it (default now), kept apart from ``created_at`` (when it
    was entered); ``language`` defaults to ``zh`` for text with Chinese characters, else ``en``. Raises
    :class:`SubmissionInvalidError` with a message per field (``source_type``, ``text``, ``rating``).
    """
    if not entered_by:
        raise ValueError("entered_by (the staff member entering the record) is required")
    errors = _check_feedback(source_type, text or "", rating, lang)
    if errors:
        raise SubmissionInvalidError(message("form_errors", lang, count=len(errors)), errors)
    now = datetime.now(UTC).replace(tzinfo=None)
    values = {
        "idempotency_key": key,
        "source_type": source_type,
        "source": source or None,
        "collected_at": collected_at or now,
        "created_at": now,
        "language": language or ("zh" if _CJK.search(text) else "en"),
        "text": text.strip(),
        "rating": rating,
        "product": product or None,
        "entered_by": entered_by,
    }
    try:
        with write_lock(ws), ws.begin() as conn:
            found = _stored_feedback(conn, key)
            if found is not None:
                return FeedbackEntry(found, False)
            values["customer_id"] = ensure_customer(conn, customer, now) if customer else None
            new_id = conn.execute(t.feedback.insert().values(**values).returning(t.feedback.c.id)).scalar_one()
    except sa.exc.IntegrityError:
        # PostgreSQL: a concurrent request with the same key committed first
        with ws.engine.connect() as conn:
            found = _stored_feedback(conn, key)
        if found is None:
            raise
        return FeedbackEntry(found, False)
    return FeedbackEntry(int(new_id), True)


def _stored_feedback(conn: sa.Connection, key: str) -> int | None:
    found = conn.execute(sa.select(t.feedback.c.id).where(t.feedback.c.idempotency_key == key)).scalar()
    return int(found) if found is not None else None
