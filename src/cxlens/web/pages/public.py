"""The respondent's pages: a published survey at ``/s/SLUG`` (no sign-in), its submission and thank-you page.

- The language is the framework's choice (``?lang=``, cookie, ``Accept-Language``); the form's own texts
  fall back to the survey's default language where a translation is missing.
- Each rendered form carries a signed submission token (``cxlens.surveys.tokens``): the response is stored
  under its nonce, so a double click, a resubmit or a retry never stores two responses.
- Submissions are limited per client IP (``CXLENS_SURVEY_RATE_LIMIT``, 30/min by default): more get 429
  with a page saying when to retry.
- Answers are checked on the server (skip logic included); a refused submission re-renders the form with
  a message next to each question and every answer kept (422).
- The response is committed before the thank-you page is sent (Post/Redirect/Get: 303 to ``…/thanks``).
"""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cxlens.exceptions import (
    InvitationError,
    SubmissionInvalidError,
    SubmissionTokenError,
    SurveyClosedError,
    SurveyError,
    SurveyNotFoundError,
)
from cxlens.surveys import Pending, Stored, Version, issue_token, load_version, read_token, resolve_link, submit_many
from cxlens.surveys.invitations import find_invitation
from cxlens.surveys.messages import message, pick
from cxlens.web.deps import WebState, get_state, lang_of, public, render
from cxlens.web.pages._surveyform import question_views, raw_answers, submit_limiter, token_secret

router = APIRouter(include_in_schema=False)

#: HTTP status of each refusal a respondent can meet
STATUS = {
    "not_found": 404,
    "closed": 410,
    "invitation_required": 403,
    "invitation_unknown": 404,
    "invitation_used": 409,
}


def _lang_url(request: Request, lang: str) -> str:
    params = dict(request.query_params)
    params["lang"] = "en" if lang == "zh" else "zh"
    return f"{request.url.path}?{urlencode(params)}"


def _message_page(
    request: Request, title: str, text: str, status: int, *, ok: bool = False, retry: str | None = None
) -> HTMLResponse:
    lang = lang_of(request)
    context = {
        "title": title,
        "message": text,
        "kind": "ok" if ok else "error",
        "other_lang_url": _lang_url(request, lang),
        "retry_url": retry,
        "retry_label": "返回问卷" if lang == "zh" else "Back to the survey",
    }
    return render(request, "public/message.html", context, status_code=status)


def _page(request: Request, key: str, status: int) -> HTMLResponse:
    """A refusal (closed, unknown link, invitation problems) in the respondent's language."""
    lang = lang_of(request)
    return _message_page(request, "提示" if lang == "zh" else "Notice", message(key, lang), status)


def render_form(
    request: Request,
    version: Version,
    *,
    status: int = 200,
    values: dict[str, list[str]] | None = None,
    errors: dict[str, str] | None = None,
    invitation: str | None = None,
    notice: str | None = None,
    preview: bool = False,
    action: str | None = None,
) -> HTMLResponse:
    """The survey form of ``version`` with a fresh submission token (answers and messages kept when given)."""
    lang = lang_of(request)
    form = version.form
    default = form.survey.default_language
    context: dict[str, Any] = {
        "title": pick(form.survey.title, lang, default),
        "description": pick(form.description, lang, default) if form.description else "",
        "views": question_views(form, lang, values, errors),
        "errors": errors or {},
        "token": issue_token(token_secret(request), version.id),
        "invitation": invitation,
        "notice": notice,
        "preview": preview,
        "action": action or f"/s/{version.slug}",
        "other_lang_url": _lang_url(request, lang),
    }
    return render(request, "public/form.html", context, status_code=status)


#: seconds a form's published version is served from memory; publishing, editing or closing a form in this
#: app forgets it at once (:func:`forget_links`), and every write re-reads whether the form is open
LINK_TTL = 2.0


def forget_links(request: Request) -> None:
    """Drop the remembered versions (after a form was published, edited or closed)."""
    get_state(request).extras.pop("survey_links", None)


async def _version(request: Request, kind: str, key: str | int) -> Version:
    """The version at link ``key`` (``kind="slug"``) or with id ``key`` (``"id"``), remembered ``LINK_TTL``
    seconds — outcomes that are errors too (an unknown link, a closed form) — so a busy form is read once.

    Requests that miss while it is being read wait for that one read instead of each reading it again
    (under load, every respondent of a form misses at the same moment when its entry expires)."""
    links: dict[tuple[str, str | int], tuple[float, Version | SurveyError | asyncio.Future[Any]]]
    links = get_state(request).extras.setdefault("survey_links", {})
    slot = (kind, key)
    found: Any = None
    while True:
        hit = links.get(slot)
        if hit is not None and hit[0] >= time.monotonic():
            found = hit[1]
            if isinstance(found, asyncio.Future):  # being read: share that read (a waiter's cancellation spares it)
                found = await asyncio.shield(found)
                if found is None:  # that read failed: try again
                    continue
            break
        reading: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        links[slot] = (math.inf, reading)
        try:
            found = await _read(request, resolve_link if kind == "slug" else load_version, key)
        except (SurveyNotFoundError, SurveyClosedError) as e:
            found = e
        except BaseException:  # the database failed, or this request was cancelled: the waiters read again
            if links.get(slot, (0.0, None))[1] is reading:
                del links[slot]
            reading.set_result(None)
            raise
        if len(links) > 10_000:
            links.clear()
        links[slot] = (time.monotonic() + LINK_TTL, found)
        reading.set_result(found)
        break
    if isinstance(found, SurveyError):
        raise found
    version: Version = found
    return version


@router.get("/s/{slug}", response_class=HTMLResponse, dependencies=[public()])
async def survey_page(request: Request, slug: str, i: str | None = None) -> HTMLResponse:
    """The public form. ``?i=TOKEN`` is an invitation; an invitation-only form needs one."""
    try:
        version = await _version(request, "slug", slug)
        if version.access == "invitation" and not i:
            return _page(request, "invitation_required", STATUS["invitation_required"])
        if i:
            row = await _read(request, _invitation, version.form_id, i)
            if row.response_id is not None:
                return _page(request, "invitation_used", STATUS["invitation_used"])
    except SurveyNotFoundError:
        return _page(request, "not_found", STATUS["not_found"])
    except SurveyClosedError:
        return _page(request, "closed", STATUS["closed"])
    except InvitationError as e:
        return _page(request, e.reason, STATUS[e.reason])
    return render_form(request, version, invitation=i)


def _invitation(ws: Any, form_id: int, token: str) -> Any:
    with ws.engine.connect() as conn:
        return find_invitation(conn, form_id, token)


def _throttled(request: Request) -> Response | None:
    limiter = submit_limiter(request)
    key = request.client.host if request.client else "-"
    if limiter is None or limiter.hit(key):
        return None
    wait = math.ceil(limiter.retry_after(key)) or 1
    lang = lang_of(request)
    title = "提示" if lang == "zh" else "Notice"
    response = _message_page(request, title, message("rate_limited", lang, seconds=wait), 429, retry=request.url.path)
    response.headers["Retry-After"] = str(wait)
    return response


class GroupCommit:
    """Stores public submissions in batches: those that arrive while a batch is being written wait and go
    into the next one, so one durable commit serves many respondents (each still gets its own outcome,
    and none is acknowledged before the commit that stores it)."""

    #: the most submissions one transaction stores
    MAX_BATCH = 256

    def __init__(self) -> None:
        self._queue: list[tuple[Pending, asyncio.Future[Stored | SurveyError]]] = []
        self._running = False
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def submit(self, request: Request, item: Pending) -> Stored | SurveyError:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (a test client's): nothing of the old one carries over
            self._loop, self._queue, self._running = loop, [], False
        future: asyncio.Future[Stored | SurveyError] = loop.create_future()
        self._queue.append((item, future))
        if not self._running:
            self._running = True
            self._task = loop.create_task(self._drain(get_state(request)))
        return await future

    async def _drain(self, state: WebState) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue[: self.MAX_BATCH], self._queue[self.MAX_BATCH :]
                try:
                    async with state.lock():
                        outcomes = await run_in_threadpool(submit_many, state.ws, [item for item, _ in batch])
                except Exception as error:  # the database failed: every submission of the batch is refused
                    for _, future in batch:
                        future.set_exception(error)
                    continue
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    future.set_result(outcome)
        finally:
            self._running = False


def _group_commit(request: Request) -> GroupCommit:
    extras = get_state(request).extras
    if "survey_group_commit" not in extras:
        extras["survey_group_commit"] = GroupCommit()
    writer: GroupCommit = extras["survey_group_commit"]
    return writer


async def _read(request: Request, function: Any, *args: Any) -> Any:
    """Run a library read under the workspace lock, off the event loop."""
    state = get_state(request)
    async with state.lock():
        return await run_in_threadpool(function, state.ws, *args)


@router.post("/s/{slug}", dependencies=[public()])
async def submit_page(request: Request, slug: str) -> Response:
    """Check and store a submission; 303 to the thank-you page once it is committed.

    The route holds the workspace only to read the form's version: the write goes through the
    :class:`GroupCommit` queue, so respondents who submit at the same moment share one commit."""
    throttled = _throttled(request)
    if throttled is not None:
        return throttled
    data = await request.form()
    lang = lang_of(request)
    invitation = str(data.get("_i") or "") or None
    try:
        token = read_token(token_secret(request), str(data.get("_token") or ""))
        version = await _version(request, "id", token.version_id)
        if version.slug != slug:
            raise SubmissionTokenError("the submission token belongs to another survey")
    except (SubmissionTokenError, SurveyNotFoundError):
        try:
            current = await _version(request, "slug", slug)
        except SurveyNotFoundError:
            return _page(request, "not_found", STATUS["not_found"])
        except SurveyClosedError:
            return _page(request, "closed", STATUS["closed"])
        _, kept = raw_answers(current.form, data)
        notice = message("token_invalid", lang)
        return render_form(request, current, status=422, values=kept, invitation=invitation, notice=notice)
    raw, kept = raw_answers(version.form, data)
    item = Pending(
        version,
        raw,
        token.idempotency_key,
        channel="web",
        language=lang,
        started_at=datetime.fromtimestamp(token.issued_at, UTC).replace(tzinfo=None),
        invitation=invitation,
    )
    outcome = await _group_commit(request).submit(request, item)
    if isinstance(outcome, SubmissionInvalidError):
        errors = outcome.messages(lang)
        return render_form(request, version, status=422, values=kept, errors=errors, invitation=invitation)
    if isinstance(outcome, SurveyClosedError):
        return _page(request, "closed", STATUS["closed"])
    if isinstance(outcome, InvitationError):
        return _page(request, outcome.reason, STATUS[outcome.reason])
    if isinstance(outcome, SurveyError):
        return _page(request, "not_found", STATUS["not_found"])
    return RedirectResponse(f"/s/{slug}/thanks?lang={lang}", status_code=303)


@router.get("/s/{slug}/thanks", response_class=HTMLResponse, dependencies=[public()])
def thanks_page(request: Request, slug: str) -> HTMLResponse:
    lang = lang_of(request)
    saved = "您的回答已保存。" if lang == "zh" else "Your answers are saved."
    return _message_page(request, message("thanks", lang), saved, 200, ok=True)
