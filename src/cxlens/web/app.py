"""The app factory: ``create_app(workspace)`` builds the whole web app — pages, REST API, static files —
over one open workspace.

Page modules (``cxlens.web.pages.*``) and API modules (``cxlens.web.api.*``) are found by name: a module
with a ``router`` is included (API routers under ``/api/v1``), and its ``NAV`` entries join the menu.
Adding a page is adding one file. The app refuses to start if any route declares no permission.
"""

from __future__ import annotations

import gzip
import importlib
import mimetypes
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxlens import __version__
from cxlens.store import Workspace
from cxlens.web import errors
from cxlens.web.api.schemas import ErrorOut
from cxlens.web.deps import WebState, templates_for
from cxlens.web.i18n import COOKIE as LANG_COOKIE
from cxlens.web.i18n import LANGS, negotiate
from cxlens.web.nav import register
from cxlens.web.permissions import check_routes
from cxlens.web.security import CSRF_COOKIE, CookieSigner, CsrfSigner, RateLimiter, load_secret

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"
STATIC = Path(__file__).resolve().parent / "static"
#: scripts only from this origin (charts start from static/cxlens.js reading JSON data islands);
#: inline style attributes are allowed because ECharts' tooltips write them
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _modules(package: str) -> list[ModuleType]:
    pkg = importlib.import_module(package)
    return [
        importlib.import_module(f"{package}.{info.name}")
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    ]


#: the error answers any API operation may give, each with the JSON envelope (web/errors.py): bad input 400,
#: not signed in 401, role 403, missing record 404, invitation used 409, survey closed 410, refused data or
#: parameters 422, workspace held by another process 503
API_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": HTTPStatus(status).phrase}
    for status in (400, 401, 403, 404, 409, 410, 422, 503)
}


def _include(app: FastAPI) -> None:
    for module in _modules("cxlens.web.pages"):
        if hasattr(module, "router"):
            app.include_router(module.router)
        register(list(getattr(module, "NAV", [])))
    for module in _modules("cxlens.web.api"):
        if hasattr(module, "router"):
            app.include_router(module.router, prefix=API_PREFIX, responses=API_ERRORS)


def create_app(
    workspace: str | Path | Workspace,
    *,
    secure_cookies: bool = False,
    signin_attempts: int = 10,
    signin_window: float = 900.0,
) -> FastAPI:
    """The web app over ``workspace`` (a folder, opened and closed with the app, or an open Workspace).

    ``secure_cookies`` marks cookies ``Secure`` (set it behind HTTPS). Sign-in allows ``signin_attempts``
    failures per client IP and per username in ``signin_window`` seconds, then answers 429."""
    owned = not isinstance(workspace, Workspace)
    ws = Workspace.open(workspace) if not isinstance(workspace, Workspace) else workspace

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            ws.close()

    app = FastAPI(
        title="cxlens",
        version=__version__,
        description="Customer-experience analytics: metrics, records, imports, users. Token auth: "
        "`Authorization: Bearer cxl_…` (create one with `cxlens tokens create`).",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    secret = load_secret(ws.path)
    csrf = CsrfSigner(secret)
    app.state.cx = WebState(
        ws=ws,
        csrf=csrf,
        sessions=CookieSigner(secret, salt="cxlens-session"),
        templates=templates_for(),
        signin_limiter=RateLimiter(signin_attempts, signin_window),
        secure_cookies=secure_cookies,
    )
    app.mount("/static", PrecompressedStatic(directory=STATIC), name="static")
    _include(app)
    check_routes(app.routes)
    errors.install(app)
    app.add_middleware(LanguageCsrfHeaders, csrf=csrf, secure=secure_cookies)
    return app


class PrecompressedStatic(StaticFiles):
    """Static files, where ``NAME`` may also be stored only as ``NAME.gz`` (gzip, like nginx's gzip_static):
    sent as is with ``Content-Encoding: gzip`` to clients that accept it, decompressed for the others. The
    vendored ECharts build is kept this way (0.6 MB of minified code as ~0.2 MB)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as missing:
            if missing.status_code != 404:
                raise
            packed = STATIC / f"{path}.gz"
            if path.endswith(".gz") or not packed.is_file() or STATIC not in packed.resolve().parents:
                raise
        data = packed.read_bytes()
        media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        headers = {"Vary": "Accept-Encoding", "Cache-Control": "public, max-age=3600"}
        if "gzip" in Headers(scope=scope).get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
        else:
            data = gzip.decompress(data)
        if scope["method"] == "HEAD":
            headers["Content-Length"] = str(len(data))
            return Response(b"", media_type=media_type, headers=headers)
        return Response(data, media_type=media_type, headers=headers)


class LanguageCsrfHeaders:
    """Per request: the language (``?lang=``, cookie, ``Accept-Language``) and the CSRF cookie's token (a
    fresh one when it is missing) in ``request.state``; on the answer, those cookies and the security headers.

    Plain ASGI: ``@app.middleware("http")`` (BaseHTTPMiddleware) runs every request in extra tasks and
    memory streams and wraps each ``receive`` in a task group — ~0.4 ms of CPU per request."""

    def __init__(self, app: ASGIApp, csrf: CsrfSigner, secure: bool) -> None:
        self.app, self.csrf, self.secure = app, csrf, secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        asked = request.query_params.get("lang")
        state = request.state
        state.lang = negotiate(asked, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
        token = self.csrf.token_of(request.cookies.get(CSRF_COOKIE))
        state.csrf_cookie_token = token
        fresh = None
        if token is None:
            token, fresh = self.csrf.new()
        state.csrf_token = token
        cookies = Response()
        if fresh is not None:
            cookies.set_cookie(CSRF_COOKIE, fresh, httponly=True, samesite="lax", secure=self.secure, path="/")
        if asked in LANGS:
            cookies.set_cookie(
                LANG_COOKIE, str(asked), max_age=365 * 86400, samesite="lax", secure=self.secure, path="/"
            )
        set_cookies = [v.decode("latin-1") for k, v in cookies.raw_headers if k == b"set-cookie"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for value in set_cookies:
                    headers.append("set-cookie", value)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
