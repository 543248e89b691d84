"""Staff entry (agent role and up): answers of phone and face-to-face interviews into a published survey,
and complaints, suggestions and call records into feedback.

Each form carries a signed submission token like the public form, so a double submit stores one record;
the staff member is recorded in ``entered_by`` and the entry is audited (``entry.create``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from cxlens.exceptions import SubmissionInvalidError, SubmissionTokenError
from cxlens.surveys import (
    ENTRY_FEEDBACK_TYPES,
    INTERVIEW_CHANNELS,
    Version,
    enter_feedback,
    enter_interview,
    get_form,
    issue_token,
    list_forms,
    load_version,
    read_token,
)
from cxlens.surveys.messages import message, pick
from cxlens.web import audit
from cxlens.web.accounts import User
from cxlens.web.deps import Db, actor, lang_of, render, require
from cxlens.web.i18n import add_messages
from cxlens.web.nav import NavItem
from cxlens.web.pages._surveyform import question_views, raw_answers, token_secret

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.entry", "/entry", "entry.create", order=56)]

add_messages(
    {
        "nav.entry": ("人工录入", "Data entry"),
        "entry.title": ("人工录入", "Data entry"),
        "entry.interviews": ("录入访谈答卷(电话 / 面访)", "Enter interview answers (phone / face to face)"),
        "entry.feedback": ("录入投诉、建议与通话记录", "Enter complaints, suggestions and call records"),
        "entry.no_forms": ("还没有已发布的问卷。", "No published surveys yet."),
        "entry.channel": ("访谈方式", "Interview channel"),
        "entry.channel.phone": ("电话访谈", "phone"),
        "entry.channel.interview": ("面对面访谈", "face to face"),
        "entry.customer": ("客户编号(可选)", "Customer id (optional)"),
        "entry.when": ("发生时间(UTC,可选)", "When (UTC, optional)"),
        "entry.language": ("受访语言", "Language of the interview"),
        "entry.save": ("保存", "Save"),
        "entry.saved_response": ("已保存答卷 #{id}。", "Response #{id} saved."),
        "entry.saved_feedback": ("已保存记录 #{id}。", "Record #{id} saved."),
        "entry.already": ("(此表单此前已保存,未重复写入)", "(this form was saved before; nothing was stored twice)"),
        "entry.kind": ("类型", "Type"),
        "entry.kind.complaint": ("投诉", "complaint"),
        "entry.kind.suggestion": ("建议", "suggestion"),
        "entry.kind.call": ("通话记录", "call record"),
        "entry.text": ("内容", "Text"),
        "entry.rating": ("满意度评分 0–10(通话记录)", "Satisfaction 0–10 (call records)"),
        "entry.source": ("来源(热线、门店 …)", "Source (hotline, store …)"),
        "entry.product": ("产品(可选)", "Product (optional)"),
        "entry.fix": ("请修改后重新保存", "Please correct and save again"),
    }
)


def _posted(data: FormData, key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _when(text: str, field: str, lang: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("T", " "))
    except ValueError:
        raise SubmissionInvalidError(message("form_errors", lang, count=1), {field: ("bad_date", {})}) from None


@router.get("/entry", response_class=HTMLResponse)
def entry_home(
    request: Request,
    ws: Db,
    user: Annotated[User, require("entry.create")],
    saved: str = "",
    id: int = 0,
    again: int = 0,
) -> HTMLResponse:
    forms = [f for f in list_forms(ws) if f.version is not None]
    return render(request, "entry/home.html", {"forms": forms, "saved": saved, "saved_id": id, "again": bool(again)})


def _interview_page(
    request: Request,
    version: Version,
    *,
    status: int = 200,
    values: dict[str, list[str]] | None = None,
    errors: dict[str, str] | None = None,
    staff: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = lang_of(request)
    form = version.form
    context: dict[str, Any] = {
        "code": version.form_code,
        "title": pick(form.survey.title, lang, form.survey.default_language),
        "views": question_views(form, lang, values, errors),
        "errors": errors or {},
        "token": issue_token(token_secret(request), version.id),
        "channels": INTERVIEW_CHANNELS,
        "staff": staff or {"channel": "phone", "customer": "", "when": "", "language": lang},
    }
    return render(request, "entry/interview.html", context, status_code=status)


def _latest(ws: Any, code: str) -> Version:
    info = get_form(ws, code)
    if info.version_id is None:
        raise LookupError(f"survey form {code!r} is not published yet; publish it before entering interviews")
    return load_version(ws, info.version_id)


@router.get("/entry/interview/{code}", response_class=HTMLResponse)
def interview_form(request: Request, ws: Db, user: Annotated[User, require("entry.create")], code: str) -> HTMLResponse:
    return _interview_page(request, _latest(ws, code))


@router.post("/entry/interview/{code}")
async def interview_save(
    request: Request, ws: Db, user: Annotated[User, require("entry.create")], code: str
) -> Response:
    data = await request.form()
    lang = lang_of(request)
    current = _latest(ws, code)
    staff = {k: _posted(data, k) for k in ("channel", "customer", "when", "language")}
    try:
        token = read_token(token_secret(request), _posted(data, "_token"))
        version = load_version(ws, token.version_id)
        if version.form_id != current.form_id:
            raise SubmissionTokenError("the form's token belongs to another survey")
    except (SubmissionTokenError, LookupError):
        _, kept = raw_answers(current.form, data)
        errors = {"_token": message("token_invalid", lang)}
        return _interview_page(request, current, status=422, values=kept, errors=errors, staff=staff)
    raw, kept = raw_answers(version.form, data)
    try:
        stored = enter_interview(
            ws,
            version,
            raw,
            key=f"entry:{token.nonce}",
            entered_by=user.username,
            channel=staff["channel"] if staff["channel"] in INTERVIEW_CHANNELS else "phone",
            customer=staff["customer"] or None,
            interviewed_at=_when(staff["when"], "when", lang),
            language=staff["language"] if staff["language"] in ("zh", "en") else lang,
        )
    except SubmissionInvalidError as e:
        return _interview_page(request, version, status=422, values=kept, errors=e.messages(lang), staff=staff)
    if stored.created:
        detail = {"response_id": stored.response_id, "channel": staff["channel"]}
        audit.record_now(ws, actor(request, user), "entry.create", f"survey:{code}", detail)
    again = "" if stored.created else "&again=1"
    return RedirectResponse(f"/entry?saved=response&id={stored.response_id}{again}", status_code=303)


def _feedback_page(
    request: Request, *, status: int = 200, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> HTMLResponse:
    context = {
        "kinds": ENTRY_FEEDBACK_TYPES,
        "v": values or {"source_type": "complaint"},
        "errors": errors or {},
        "token": issue_token(token_secret(request), 0),
    }
    return render(request, "entry/feedback.html", context, status_code=status)


@router.get("/entry/feedback", response_class=HTMLResponse)
def feedback_form(request: Request, user: Annotated[User, require("entry.create")]) -> HTMLResponse:
    return _feedback_page(request)


def _rating(text: str, lang: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise SubmissionInvalidError(message("form_errors", lang, count=1), {"rating": ("not_a_number", {})}) from None


@router.post("/entry/feedback")
async def feedback_save(request: Request, ws: Db, user: Annotated[User, require("entry.create")]) -> Response:
    data = await request.form()
    lang = lang_of(request)
    fields = ("source_type", "text", "customer", "rating", "when", "source", "product")
    values = {k: _posted(data, k) for k in fields}
    try:
        token = read_token(token_secret(request), _posted(data, "_token"), version_id=0)
    except SubmissionTokenError:
        return _feedback_page(request, status=422, values=values, errors={"_token": message("token_invalid", lang)})
    try:
        entry = enter_feedback(
            ws,
            values["source_type"],
            values["text"],
            key=f"entry:{token.nonce}",
            entered_by=user.username,
            customer=values["customer"] or None,
            rating=_rating(values["rating"], lang),
            collected_at=_when(values["when"], "when", lang),
            source=values["source"] or None,
            product=values["product"] or None,
            lang=lang,
        )
    except SubmissionInvalidError as e:
        return _feedback_page(request, status=422, values=values, errors=e.messages(lang))
    if entry.created:
        detail = {"feedback_id": entry.feedback_id, "source_type": values["source_type"]}
        audit.record_now(ws, actor(request, user), "entry.create", "feedback", detail)
    again = "" if entry.created else "&again=1"
    return RedirectResponse(f"/entry?saved=feedback&id={entry.feedback_id}{again}", status_code=303)
