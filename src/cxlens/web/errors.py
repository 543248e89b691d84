"""The one place that turns errors into HTTP responses.

The API answers every error with the same JSON envelope — ``{"ok": false, "status": 403, "error":
"Forbidden", "message": "…", "errors": [...]}`` (pinned by ``tests/web/test_api.py``) — and pages with
the error page in the reader's language. Library errors keep their meaning: bad input (``ValueError``,
:class:`~cxlens.exceptions.MappingError`, :class:`~cxlens.exceptions.InvalidRowsError` with its located
rows) is 400/422, a missing record (``LookupError``) 404, a workspace held by another process 503.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cxlens import exceptions as exc
from cxlens.web.deps import CsrfFailed, SignInRequired, render

__all__ = ["error_body", "install"]


def error_body(status: int, message: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The JSON error envelope."""
    return {
        "ok": False,
        "status": status,
        "error": HTTPStatus(status).phrase,
        "message": message,
        "errors": errors or [],
    }


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _respond(request: Request, status: int, message: str, errors: list[dict[str, Any]] | None = None) -> Response:
    if _is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(error_body(status, message, errors), status_code=status, headers=headers)
    key = {403: "error.403", 404: "error.404"}.get(status)
    return render(
        request,
        "error.html",
        {"status": status, "message": message, "message_key": key, "errors": errors or []},
        status_code=status,
    )


def _issues(error: exc.InvalidRowsError) -> list[dict[str, Any]]:
    return [
        {"file": i.file, "row": i.row, "column": i.column, "value": i.value, "reason": i.reason}
        for i in error.issues[:200]
    ]


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(SignInRequired)
    async def _signin(request: Request, error: SignInRequired) -> Response:
        if _is_api(request):
            return _respond(request, 401, "sign in, or send Authorization: Bearer <API token>")
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, error: CsrfFailed) -> Response:
        if _is_api(request):
            return _respond(request, 403, str(error.detail))
        return render(
            request, "error.html", {"status": 403, "message": "", "message_key": "error.csrf", "errors": []}, 403
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        return _respond(request, error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "message": str(e.get("msg", ""))} for e in error.errors()]
        return _respond(request, 422, "the request is not valid", errors)

    @app.exception_handler(exc.InvalidRowsError)
    async def _rows(request: Request, error: exc.InvalidRowsError) -> Response:
        return _respond(request, 422, str(error).split("\n", 1)[0], _issues(error))

    @app.exception_handler(exc.WorkspaceLockedError)
    async def _locked(request: Request, error: exc.WorkspaceLockedError) -> Response:
        return _respond(request, 503, str(error))

    # survey forms (cxlens.surveys): an unknown form or link is 404, a closed one 410, a refused invitation
    # 403, and invalid answers 422 with one {"question", "message"} per failing question
    @app.exception_handler(exc.SurveyNotFoundError)
    async def _survey_missing(request: Request, error: exc.SurveyNotFoundError) -> Response:
        return _respond(request, 404, str(error))

    @app.exception_handler(exc.SurveyClosedError)
    async def _survey_closed(request: Request, error: exc.SurveyClosedError) -> Response:
        return _respond(request, 410, str(error))

    @app.exception_handler(exc.InvitationError)
    async def _invitation(request: Request, error: exc.InvitationError) -> Response:
        return _respond(request, 409 if error.reason == "invitation_used" else 403, str(error))

    @app.exception_handler(exc.SubmissionInvalidError)
    async def _answers(request: Request, error: exc.SubmissionInvalidError) -> Response:
        lang = str(getattr(request.state, "lang", "en"))
        errors = [{"question": code, "message": text} for code, text in error.messages(lang).items()]
        return _respond(request, 422, str(error), errors)

    @app.exception_handler(exc.CxlensError)
    async def _cxlens(request: Request, error: exc.CxlensError) -> Response:
        return _respond(request, 422, str(error))

    @app.exception_handler(ValueError)
    async def _value(request: Request, error: ValueError) -> Response:
        return _respond(request, 400, str(error))

    @app.exception_handler(LookupError)
    async def _lookup(request: Request, error: LookupError) -> Response:
        if isinstance(error, KeyError | IndexError):  # a bug, not a missing record: let it be a 500
            raise error
        return _respond(request, 404, str(error.args[0]) if error.args else "not found")
