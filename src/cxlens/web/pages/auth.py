"""Sign in and sign out. Failed sign-ins are rate-limited per client IP and per username (429 after
``signin_attempts`` failures in ``signin_window`` seconds, see ``create_app``)."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxlens.web import accounts
from cxlens.web.accounts import User
from cxlens.web.deps import Db, get_state, public, render, require
from cxlens.web.security import SESSION_COOKIE

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never ``//host`` or ``http://…``): no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/overview"


@router.get("/", dependencies=[require("dashboard.view")])
def home() -> RedirectResponse:
    return RedirectResponse("/overview", status_code=303)


@router.get("/signin", response_class=HTMLResponse, dependencies=[public()])
def signin_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "signin.html", {"next": _safe_next(next), "failed": False})


@router.post("/signin", dependencies=[public()])
def signin(
    request: Request,
    ws: Db,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    state = get_state(request)
    limiter = state.signin_limiter
    keys = [f"ip:{request.client.host if request.client else '-'}", f"user:{username.strip().lower()}"]
    if any(limiter.blocked(k) for k in keys):
        wait = max(limiter.retry_after(k) for k in keys)
        response = render(
            request,
            "signin.html",
            {"next": _safe_next(next), "failed": False, "throttled": math.ceil(wait / 60)},
            status_code=429,
        )
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    user = accounts.authenticate(ws, username.strip(), password)
    if user is None:
        for key in keys:
            limiter.hit(key)
        return render(request, "signin.html", {"next": _safe_next(next), "failed": True}, status_code=401)
    limiter.reset(keys[1])
    token = accounts.create_session(
        ws, user, request.client.host if request.client else None, request.headers.get("user-agent")
    )
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    redirect.set_cookie(
        SESSION_COOKIE,
        state.sessions.sign(token),
        max_age=accounts.SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=state.secure_cookies,
        path="/",
    )
    return redirect


@router.post("/signout")
def signout(request: Request, ws: Db, user: Annotated[User, require("account.self")]) -> RedirectResponse:
    token = get_state(request).sessions.unsign(request.cookies.get(SESSION_COOKIE))
    if token:
        accounts.delete_session(ws, token)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
