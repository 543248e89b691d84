"""``/api/v1/surveys``: survey forms (create, edit, publish, close), invitations, and answers entered through
the API; ``/api/v1/entries/feedback``: complaints, suggestions and call records.

Writes that create records take an ``Idempotency-Key`` header (any client-chosen string up to 200
characters): repeating a request with the same key returns the record stored the first time (200 instead
of 201) and stores nothing twice. Invalid answers are 422 with one ``{"question", "message"}`` per
failing question in ``errors``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from cxlens.exceptions import ConfigurationError
from cxlens.surveys import (
    FormInfo,
    close_form,
    create_form,
    create_invitations,
    enter_feedback,
    get_form,
    invitation_counts,
    list_forms,
    load_version,
    publish,
    submit,
    survey_link,
    update_form,
)
from cxlens.web import audit
from cxlens.web.accounts import User
from cxlens.web.deps import Db, actor, lang_of, require
from cxlens.web.pages.public import forget_links

router = APIRouter(tags=["surveys"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Client-chosen key: a repeated request with the same key stores nothing twice.",
    ),
]


class SurveyFormOut(BaseModel):
    code: str
    title: dict[str, str]
    access: str
    is_open: bool
    version: int | None
    survey_code: str | None = Field(description="The installed survey the latest version's answers are stored under")
    published_at: datetime | None
    responses: int
    link: str | None = Field(description="The public link (once published)")
    definition: dict[str, Any] | None = None


class SurveyFormIn(BaseModel):
    definition: dict[str, Any] = Field(description="The survey definition (the YAML format, as JSON)")
    access: str = "anonymous"


class SurveyFormUpdate(BaseModel):
    definition: dict[str, Any] | None = None
    access: str | None = None


class InvitationsIn(BaseModel):
    count: int | None = Field(default=None, ge=1, le=100_000)
    customers: list[str] = Field(default_factory=list, description="Customer ids: one invitation each")
    channel: str | None = Field(default=None, max_length=50)


class InvitationOut(BaseModel):
    id: int
    customer: str | None
    link: str


class InvitationsOut(BaseModel):
    invitations: list[InvitationOut]
    invited: int
    answered: int


class AnswersIn(BaseModel):
    answers: dict[str, str | float | int | list[str] | None] = Field(
        description="Question code → answer: a number, a choice code, a list of choice codes, or a text"
    )
    channel: str = Field(default="interview", max_length=40, description="phone, interview, kiosk, app …")
    customer: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, pattern="^(zh|en)$")
    submitted_at: datetime | None = None


class StoredOut(BaseModel):
    id: int
    created: bool


class FeedbackIn(BaseModel):
    source_type: str = Field(description="complaint, suggestion or call")
    text: str = Field(max_length=20_000)
    customer: str | None = Field(default=None, max_length=200)
    rating: float | None = Field(default=None, description="Satisfaction 0–10 (call records)")
    collected_at: datetime | None = None
    source: str | None = Field(default=None, max_length=100)
    product: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, pattern="^(zh|en)$")


def _utc(when: datetime | None) -> datetime | None:
    """A timestamp as stored: UTC without a zone (one without an offset is taken as UTC)."""
    if when is None or when.tzinfo is None:
        return when
    return when.astimezone(UTC).replace(tzinfo=None)


def _out(request: Request, info: FormInfo, with_definition: bool = False) -> SurveyFormOut:
    return SurveyFormOut(
        code=info.code,
        title=info.title,
        access=info.access,
        is_open=info.is_open,
        version=info.version,
        survey_code=info.survey_code,
        published_at=info.published_at,
        responses=info.responses,
        link=survey_link(str(request.base_url), info.slug) if info.version else None,
        definition=info.definition if with_definition else None,
    )


@router.get("/surveys", response_model=list[SurveyFormOut])
def surveys(request: Request, ws: Db, user: Annotated[User, require("surveys.view")]) -> list[SurveyFormOut]:
    """Every survey form with its latest version, link and number of responses."""
    return [_out(request, f) for f in list_forms(ws)]


@router.get("/surveys/{code}", response_model=SurveyFormOut)
def survey(request: Request, ws: Db, user: Annotated[User, require("surveys.view")], code: str) -> SurveyFormOut:
    """One form, with its current definition."""
    return _out(request, get_form(ws, code), with_definition=True)


@router.post("/surveys", response_model=SurveyFormOut, status_code=201)
def create(
    request: Request, ws: Db, user: Annotated[User, require("surveys.edit")], body: SurveyFormIn
) -> SurveyFormOut:
    """Create a form from a definition (validated: errors name the question and the key)."""
    info = create_form(ws, body.definition, access=body.access, by=user.username)
    audit.record_now(ws, actor(request, user), "survey.create", info.code, {"access": body.access, "via": "api"})
    return _out(request, info, with_definition=True)


@router.put("/surveys/{code}", response_model=SurveyFormOut)
def update(
    request: Request, ws: Db, user: Annotated[User, require("surveys.edit")], code: str, body: SurveyFormUpdate
) -> SurveyFormOut:
    """Replace a form's definition and/or access (published versions stay as they were)."""
    info = update_form(ws, code, body.definition, access=body.access, by=user.username)
    forget_links(request)
    audit.record_now(ws, actor(request, user), "survey.update", code, {"access": body.access, "via": "api"})
    return _out(request, info, with_definition=True)


@router.post("/surveys/{code}/publish", response_model=SurveyFormOut)
def publish_form(
    request: Request, ws: Db, user: Annotated[User, require("surveys.publish")], code: str
) -> SurveyFormOut:
    """Publish the current definition as the next version and open the link."""
    info = publish(ws, code, by=user.username)
    forget_links(request)
    detail = {"version": info.version, "survey": info.survey_code, "via": "api"}
    audit.record_now(ws, actor(request, user), "survey.publish", code, detail)
    return _out(request, info)


@router.post("/surveys/{code}/close", response_model=SurveyFormOut)
def close(request: Request, ws: Db, user: Annotated[User, require("surveys.publish")], code: str) -> SurveyFormOut:
    """Stop accepting answers at the link."""
    info = close_form(ws, code, by=user.username)
    forget_links(request)
    audit.record_now(ws, actor(request, user), "survey.update", code, {"closed": True, "via": "api"})
    return _out(request, info)


@router.post("/surveys/{code}/invitations", response_model=InvitationsOut, status_code=201)
def invitations(
    request: Request, ws: Db, user: Annotated[User, require("surveys.publish")], code: str, body: InvitationsIn
) -> InvitationsOut:
    """Create invitation links (one response each); the links are in this answer only."""
    made = create_invitations(
        ws, code, body.count, customers=body.customers, channel=body.channel, base_url=str(request.base_url)
    )
    audit.record_now(ws, actor(request, user), "survey.publish", code, {"invitations": len(made), "via": "api"})
    counts = invitation_counts(ws, code)
    return InvitationsOut(invitations=[InvitationOut(id=m.id, customer=m.customer, link=m.url) for m in made], **counts)


@router.post("/surveys/{code}/responses", response_model=StoredOut, status_code=201)
def add_response(
    request: Request,
    ws: Db,
    user: Annotated[User, require("entry.create")],
    code: str,
    body: AnswersIn,
    key: IdempotencyKey,
) -> Any:
    """Store one set of answers into the form's latest version (interviews, kiosks, apps), once per key."""
    info = get_form(ws, code)
    if info.version_id is None:
        raise ConfigurationError(f"survey form {code!r} is not published yet")
    stored = submit(
        ws,
        load_version(ws, info.version_id),
        dict(body.answers),
        key=f"api:{key}",
        channel=body.channel,
        language=body.language or lang_of(request),
        submitted_at=_utc(body.submitted_at),
        customer=body.customer,
        entered_by=user.username,
        strict=True,
    )
    if stored.created:
        detail = {"response_id": stored.response_id, "channel": body.channel, "via": "api"}
        audit.record_now(ws, actor(request, user), "entry.create", f"survey:{code}", detail)
    out = StoredOut(id=stored.response_id, created=stored.created)
    return out if stored.created else JSONResponse(out.model_dump(), status_code=200)


@router.post("/entries/feedback", response_model=StoredOut, status_code=201)
def add_feedback(
    request: Request, ws: Db, user: Annotated[User, require("entry.create")], body: FeedbackIn, key: IdempotencyKey
) -> Any:
    """Store a complaint, suggestion or call record, once per key."""
    entry = enter_feedback(
        ws,
        body.source_type,
        body.text,
        key=f"api:{key}",
        entered_by=user.username,
        customer=body.customer,
        rating=body.rating,
        collected_at=_utc(body.collected_at),
        source=body.source,
        product=body.product,
        language=body.language,
        lang=lang_of(request),
    )
    if entry.created:
        detail = {"feedback_id": entry.feedback_id, "source_type": body.source_type, "via": "api"}
        audit.record_now(ws, actor(request, user), "entry.create", "feedback", detail)
    out = StoredOut(id=entry.feedback_id, created=entry.created)
    return out if entry.created else JSONResponse(out.model_dump(), status_code=200)
