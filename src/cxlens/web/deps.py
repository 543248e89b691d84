"""What a route asks for: the workspace, the signed-in user, the permission it needs, and the page renderer.

Every route declares its permission with :func:`require` (or :func:`public`) — the app refuses to start
otherwise — and pages render through :func:`render`, which gives each template the user, the language,
the words (``t``), the CSRF token and the navigation::

    @router.get("/things", response_class=HTMLResponse)
    def things(request: Request, ws: Db, user: Annotated[User, require("dashboard.view")]) -> HTMLResponse:
        return render(request, "things.html", {"rows": ...})

DuckDB allows one connection per process to write; the app holds the workspace's single connection, and
:data:`Db` hands it to one request at a time (``WebState.db_lock``; a request that finds it busy waits in a
thread of its own pool, never on the event loop and never in a request thread).
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from cxlens.store import Workspace
from cxlens.web import accounts
from cxlens.web.accounts import Actor, User
from cxlens.web.i18n import translate
from cxlens.web.nav import NAV, NavItem
from cxlens.web.permissions import ACTIONS, PUBLIC, allowed
from cxlens.web.security import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, CookieSigner, CsrfSigner, RateLimiter

__all__ = [
    "CurrentUser",
    "Db",
    "SignInRequired",
    "WebState",
    "actor",
    "current_user",
    "get_state",
    "lang_of",
    "public",
    "render",
    "require",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class WebState:
    """Everything the app shares between requests (``app.state.cx``).

    ``db_lock`` guards the workspace's one database connection: async code takes it with
    ``async with state.lock()`` (as :data:`Db` does), code in a thread with ``with state.db_lock``."""

    ws: Workspace
    csrf: CsrfSigner
    sessions: CookieSigner
    templates: Jinja2Templates
    signin_limiter: RateLimiter
    secure_cookies: bool = False
    extras: dict[str, Any] = field(default_factory=dict)
    db_lock: threading.Lock = field(default_factory=threading.Lock)
    _waiters: anyio.CapacityLimiter | None = None
    _waiters_loop: asyncio.AbstractEventLoop | None = None

    def lock(self) -> AbstractAsyncContextManager[None]:
        """Hold the workspace (``async with state.lock(): …``) without blocking the event loop."""
        return _holding(self)

    def waiters(self) -> anyio.CapacityLimiter:
        """Threads that wait for the lock have their own pool, so waiting never starves the request threads."""
        loop = asyncio.get_running_loop()
        if self._waiters is None or self._waiters_loop is not loop:
            self._waiters, self._waiters_loop = anyio.CapacityLimiter(10_000), loop
        return self._waiters


@asynccontextmanager
async def _holding(state: WebState) -> AsyncIterator[None]:
    lock = state.db_lock
    if not lock.acquire(blocking=False):  # busy: wait in a thread, not on the event loop
        taken: list[bool] = []

        def take() -> None:
            lock.acquire()
            taken.append(True)

        try:
            await anyio.to_thread.run_sync(take, limiter=state.waiters())
        except BaseException:  # cancelled: the thread ran to completion (not abandoned), so give back what it took
            if taken:
                lock.release()
            raise
    try:
        yield
    finally:
        lock.release()


class SignInRequired(Exception):
    """Raised for a route that needs a user when nobody is signed in: pages redirect, the API says 401."""


class CsrfFailed(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            status_code=403, detail="CSRF check failed: the form or X-CSRF-Token header is missing or stale"
        )


def get_state(request: Request) -> WebState:
    state: WebState = request.app.state.cx
    return state


async def _db(request: Request) -> AsyncIterator[Workspace]:
    state = get_state(request)
    async with state.lock():
        yield state.ws


#: the workspace, held by this request alone until it ends
Db = Annotated[Workspace, Depends(_db)]


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def current_user(request: Request, ws: Db) -> User | None:
    """The user of the request: from ``Authorization: Bearer <API token>``, else the session cookie."""
    if hasattr(request.state, "user"):
        cached: User | None = request.state.user
        return cached
    user: User | None = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = accounts.user_for_token(ws, header[7:].strip())
    else:
        token = get_state(request).sessions.unsign(request.cookies.get(SESSION_COOKIE))
        user = accounts.user_for_session(ws, token) if token else None
    request.state.user = user
    return user


#: the signed-in user or None (for pages that show something to everyone)
CurrentUser = Annotated[User | None, Depends(current_user)]


async def _check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose CSRF token (form field or header) does not match its cookie."""
    expected = getattr(request.state, "csrf_cookie_token", None)
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not CsrfSigner.matches(expected, given):
        raise CsrfFailed()


def require(action: str) -> Any:
    """The dependency of a route that needs ``action`` (see ``cxlens.web.permissions``); gives the ``User``.

    Nobody signed in → :class:`SignInRequired`; a role without the action → 403; an unsafe method
    (POST, PUT, PATCH, DELETE) from a browser session without a matching CSRF token → 403. Requests
    authenticated with an API token carry no cookies, so they need no CSRF token."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; actions are {', '.join(ACTIONS)}")

    async def dependency(request: Request, user: CurrentUser) -> User:
        if user is None:
            raise SignInRequired()
        if not allowed(user.role, action):
            raise HTTPException(status_code=403, detail=f"role {user.role} may not {ACTIONS[action]}")
        if request.method in UNSAFE and user.via != "token":
            await _check_csrf(request)
        return user

    dependency.cxlens_action = action  # type: ignore[attr-defined]
    dependency.__name__ = f"require_{action.replace('.', '_')}"
    return Depends(dependency)


async def _public(request: Request) -> None:
    if request.method in UNSAFE:
        await _check_csrf(request)


_public.cxlens_action = PUBLIC  # type: ignore[attr-defined]


def public() -> Any:
    """The dependency of a route anyone may use. Unsafe methods still need the CSRF token (forms carry it)."""
    return Depends(_public)


def lang_of(request: Request) -> str:
    return str(getattr(request.state, "lang", "en"))


def actor(request: Request, user: User | None) -> Actor:
    """Who is acting, for the audit log."""
    return Actor(user, _client_ip(request))


def _nav_for(user: User | None) -> list[NavItem]:
    if user is None:
        return []
    return sorted((n for n in NAV if allowed(user.role, n.action)), key=lambda n: (n.order, n.path))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page. Templates get ``user``, ``lang``, ``t(key, **fmt)``, ``csrf_token``, ``nav``,
    ``can(action)`` and ``path`` besides ``context``."""
    state = get_state(request)
    lang = lang_of(request)
    user: User | None = getattr(request.state, "user", None)

    def t(key: str, **fmt: object) -> str:
        return translate(key, lang, **fmt)

    def can(action: str) -> bool:
        return user is not None and allowed(user.role, action)

    base: dict[str, Any] = {
        "user": user,
        "lang": lang,
        "t": t,
        "can": can,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "csrf_field": CSRF_FIELD,
        "nav": _nav_for(user),
        "path": request.url.path,
        "workspace": state.ws.name,
    }
    return state.templates.TemplateResponse(request, template, {**base, **(context or {})}, status_code=status_code)


def fmt(value: Any, digits: int = 2) -> str:
    """How a cell shows: numbers with thousands separators and ``digits`` decimals, NaN/None as —,
    timestamps as dates (with the time when it is not midnight)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        midnight = (value.hour, value.minute, value.second) == (0, 0, 0)
        return value.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M")
    return str(value)


def templates_for(extra: list[Path] | None = None) -> Jinja2Templates:
    """The Jinja2 environment: the package's templates (autoescaped), plus any extra folders first."""
    folders = [*(extra or []), TEMPLATES]
    templates = Jinja2Templates(directory=[str(f) for f in folders])
    templates.env.filters["fmt"] = fmt
    return templates


Renderer = Callable[..., HTMLResponse]
