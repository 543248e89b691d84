"""Administration: users and roles, API tokens, and the audit log (admins only). Every change is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxlens.web import accounts, audit
from cxlens.web.accounts import User
from cxlens.web.deps import Db, actor, render, require
from cxlens.web.nav import NavItem
from cxlens.web.permissions import ROLES

router = APIRouter(include_in_schema=False)
NAV = [
    NavItem("nav.users", "/admin/users", "users.manage", order=80),
    NavItem("nav.tokens", "/admin/tokens", "tokens.manage", order=85),
    NavItem("nav.audit", "/admin/audit", "audit.view", order=90),
]

Short = Annotated[str, Form(max_length=200)]
Optional = Annotated[str | None, Form(max_length=200)]


def _users_page(request: Request, ws: Db, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    return render(
        request,
        "admin/users.html",
        {
            "users": accounts.list_users(ws),
            "roles": ROLES,
            "error": error,
            "created": request.query_params.get("created"),
        },
        status_code=status_code,
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, ws: Db, user: Annotated[User, require("users.manage")]) -> HTMLResponse:
    return _users_page(request, ws)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    ws: Db,
    user: Annotated[User, require("users.manage")],
    username: Short,
    password: Annotated[str, Form(max_length=1000)],
    role: Short,
    email: Optional = None,
    display_name: Optional = None,
) -> Response:
    try:
        accounts.create_user(
            ws,
            username.strip(),
            password,
            role,
            email=email or None,
            display_name=display_name or None,
            actor=actor(request, user),
        )
    except ValueError as err:
        return _users_page(request, ws, str(err), status_code=400)
    return RedirectResponse(f"/admin/users?created={username.strip()}", status_code=303)


@router.post("/admin/users/{user_id}", response_class=HTMLResponse)
def change_user(
    request: Request,
    ws: Db,
    user: Annotated[User, require("users.manage")],
    user_id: int,
    role: Optional = None,
    active: Optional = None,
    password: Annotated[str | None, Form(max_length=1000)] = None,
) -> Response:
    try:
        accounts.update_user(
            ws,
            user_id,
            actor=actor(request, user),
            role=role or None,
            active=None if active is None else active == "true",
            password=password or None,
        )
    except ValueError as err:
        return _users_page(request, ws, str(err), status_code=400)
    return RedirectResponse("/admin/users", status_code=303)


def _tokens_page(
    request: Request, ws: Db, *, new_token: str | None = None, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "admin/tokens.html",
        {"tokens": accounts.list_tokens(ws), "users": accounts.list_users(ws), "new_token": new_token, "error": error},
        status_code=status_code,
    )


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, ws: Db, user: Annotated[User, require("tokens.manage")]) -> HTMLResponse:
    return _tokens_page(request, ws)


@router.post("/admin/tokens", response_class=HTMLResponse)
def add_token(
    request: Request,
    ws: Db,
    user: Annotated[User, require("tokens.manage")],
    owner: Annotated[int, Form()],
    name: Short,
    days: Annotated[str | None, Form(max_length=10)] = None,
) -> HTMLResponse:
    try:
        valid = int(days) if days else None
        _, token = accounts.create_token(ws, owner, name, days=valid, actor=actor(request, user))
    except (ValueError, LookupError) as err:
        return _tokens_page(request, ws, error=str(err), status_code=400)
    response = _tokens_page(request, ws, new_token=token)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/tokens/{token_id}/revoke")
def revoke(
    request: Request, ws: Db, user: Annotated[User, require("tokens.manage")], token_id: int
) -> RedirectResponse:
    accounts.revoke_token(ws, token_id, actor=actor(request, user))
    return RedirectResponse("/admin/tokens", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    ws: Db,
    user: Annotated[User, require("audit.view")],
    action: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    entries, total = audit.list_entries(ws, limit=limit, offset=offset, action=action or None)
    return render(
        request,
        "admin/audit.html",
        {
            "entries": entries,
            "total": total,
            "limit": limit,
            "offset": offset,
            "action": action,
            "actions": audit.ACTIONS,
        },
    )
