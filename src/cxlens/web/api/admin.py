"""``/api/v1/users``, ``/api/v1/tokens``, ``/api/v1/audit``: administration for scripts (admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from cxlens.web import accounts, audit
from cxlens.web.accounts import User
from cxlens.web.api.schemas import (
    AuditEntry,
    ErrorOut,
    Page,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from cxlens.web.deps import Db, actor, require

router = APIRouter(tags=["administration"], responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}})


@router.get("/users", response_model=list[UserOut])
def users(ws: Db, user: Annotated[User, require("users.manage")]) -> list[dict[str, Any]]:
    """Every user (never a password hash)."""
    return accounts.list_users(ws)


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(request: Request, ws: Db, user: Annotated[User, require("users.manage")], body: UserCreate) -> Any:
    """Create a user."""
    created = accounts.create_user(
        ws,
        body.username,
        body.password,
        body.role,
        email=body.email,
        display_name=body.display_name,
        actor=actor(request, user),
    )
    return next(u for u in accounts.list_users(ws) if u["id"] == created.id)


@router.patch("/users/{user_id}", response_model=UserOut)
def change_user(
    request: Request, ws: Db, user: Annotated[User, require("users.manage")], user_id: int, body: UserUpdate
) -> Any:
    """Change a user's role, active flag or password (the last active admin cannot be demoted)."""
    accounts.update_user(
        ws, user_id, actor=actor(request, user), role=body.role, active=body.active, password=body.password
    )
    found = next((u for u in accounts.list_users(ws) if u["id"] == user_id), None)
    if found is None:  # (an empty change of an unknown user reaches here without a lookup)
        raise LookupError(f"no user with id {user_id}")
    return found


@router.get("/tokens", response_model=list[TokenOut])
def tokens(ws: Db, user: Annotated[User, require("tokens.manage")]) -> list[dict[str, Any]]:
    """Every API token: its prefix and owner, never the token."""
    return accounts.list_tokens(ws)


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def add_token(request: Request, ws: Db, user: Annotated[User, require("tokens.manage")], body: TokenCreate) -> Any:
    """Create a token for a user; the answer holds the token, shown this once."""
    token_id, token = accounts.create_token(ws, body.user_id, body.name, days=body.days, actor=actor(request, user))
    return {"id": token_id, "token": token}


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(request: Request, ws: Db, user: Annotated[User, require("tokens.manage")], token_id: int) -> None:
    """Revoke a token at once."""
    accounts.revoke_token(ws, token_id, actor=actor(request, user))


@router.get("/audit", response_model=Page[AuditEntry])
def audit_log(
    ws: Db,
    user: Annotated[User, require("audit.view")],
    action: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> dict[str, Any]:
    """The audit log, newest first."""
    entries, total = audit.list_entries(ws, limit=limit, offset=offset, action=action)
    return {"items": entries, "total": total, "limit": limit, "offset": offset}
