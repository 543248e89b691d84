"""Users, sign-in sessions and API tokens, stored in the workspace (``users``, ``sessions``, ``api_tokens``).

The CLI (``cxlens users …``, ``cxlens tokens …``) and the web app both call these functions, and every
change is written to the audit log in the same transaction (``cxlens.web.audit``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from cxlens.model import tables as t
from cxlens.store import Workspace
from cxlens.web import audit
from cxlens.web.permissions import ROLES
from cxlens.web.security import hash_password, hash_token, needs_rehash, new_token, verify_password

__all__ = [
    "SESSION_DAYS",
    "Actor",
    "User",
    "authenticate",
    "create_session",
    "create_token",
    "create_user",
    "delete_session",
    "get_user",
    "list_tokens",
    "list_users",
    "revoke_token",
    "update_user",
    "user_count",
    "user_for_session",
    "user_for_token",
]

SESSION_DAYS = 7
TOKEN_PREFIX = "cxl_"
_USERNAME = re.compile(r"^[\w.@+-]{2,64}$")


@dataclass(frozen=True, slots=True)
class User:
    """A signed-in user, as the web app sees them. ``via`` is ``session`` or ``token``."""

    id: int
    username: str
    email: str | None
    display_name: str | None
    role: str
    via: str = "session"

    @property
    def label(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change, for the audit log: a user, or the command line (``user`` None)."""

    user: User | None
    ip: str | None = None

    @property
    def name(self) -> str:
        return self.user.username if self.user else "cli"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _user(row: Any, via: str = "session") -> User:
    return User(int(row.id), row.username, row.email, row.display_name, row.role, via)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    return role


def user_count(ws: Workspace) -> int:
    with ws.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(t.users)).scalar_one())


def create_user(
    ws: Workspace,
    username: str,
    password: str,
    role: str,
    *,
    email: str | None = None,
    display_name: str | None = None,
    actor: Actor,
) -> User:
    """Create an active user. Raises ``ValueError`` for a bad name, role, weak password or a name taken."""
    if not _USERNAME.match(username):
        raise ValueError(f"username {username!r}: use 2–64 letters, digits or . @ + - _")
    _check_role(role)
    if email is not None and "@" not in email:
        raise ValueError(f"{email!r} is not an e-mail address")
    digest = hash_password(password)
    with ws.begin() as conn:
        taken = conn.execute(
            sa.select(t.users.c.username).where(
                sa.or_(t.users.c.username == username, t.users.c.email == (email or username))
            )
        ).first()
        if taken is not None:
            raise ValueError(f"a user named {username!r} or with that e-mail already exists")
        user_id = int(
            conn.execute(
                t.users.insert()
                .values(
                    username=username,
                    email=email,
                    display_name=display_name,
                    role=role,
                    password_hash=digest,
                    active=True,
                    created_at=_now(),
                )
                .returning(t.users.c.id)
            ).scalar_one()
        )
        audit.record(conn, actor, "user.create", f"user:{username}", {"role": role, "email": email})
    return User(user_id, username, email, display_name, role)


def list_users(ws: Workspace) -> list[dict[str, Any]]:
    """Every user (never the password hash), by username."""
    cols = [c for c in t.users.c if c.name != "password_hash"]
    with ws.engine.connect() as conn:
        rows = conn.execute(sa.select(*cols).order_by(t.users.c.username)).mappings().all()
    return [dict(r) for r in rows]


def get_user(ws: Workspace, user_id: int) -> User | None:
    with ws.engine.connect() as conn:
        row = conn.execute(sa.select(t.users).where(t.users.c.id == user_id)).first()
    return _user(row) if row is not None else None


def update_user(
    ws: Workspace,
    user_id: int,
    *,
    actor: Actor,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> None:
    """Change a user's role, active flag or password. An admin cannot demote or deactivate the last active
    admin (the workspace would have nobody to manage users)."""
    values: dict[str, Any] = {}
    if role is not None:
        values["role"] = _check_role(role)
    if active is not None:
        values["active"] = active
    if password is not None:
        values["password_hash"] = hash_password(password)
    if not values:
        return
    with ws.begin() as conn:
        row = conn.execute(sa.select(t.users).where(t.users.c.id == user_id)).first()
        if row is None:
            raise LookupError(f"no user with id {user_id}")
        demoting = row.role == "admin" and row.active and (values.get("role", "admin") != "admin" or active is False)
        if demoting:
            admins = conn.execute(
                sa.select(sa.func.count()).where(t.users.c.role == "admin", t.users.c.active.is_(True))
            ).scalar_one()
            if int(admins) <= 1:
                raise ValueError("this is the last active admin; make another admin first")
        conn.execute(t.users.update().where(t.users.c.id == user_id).values(**values))
        if active is False or password is not None:  # sign them out everywhere
            conn.execute(t.sessions.delete().where(t.sessions.c.user_id == user_id))
        shown = {k: v for k, v in values.items() if k != "password_hash"}
        if password is not None:
            shown["password"] = "reset"
        audit.record(conn, actor, "user.update", f"user:{row.username}", shown)


def authenticate(ws: Workspace, login: str, password: str) -> User | None:
    """The active user whose username or e-mail is ``login`` and whose password matches, else None.

    A hash made with older Argon2 parameters is upgraded here; the sign-in time is recorded."""
    with ws.begin() as conn:
        row = conn.execute(
            sa.select(t.users).where(
                sa.or_(t.users.c.username == login, t.users.c.email == login), t.users.c.active.is_(True)
            )
        ).first()
        if row is None:
            verify_password(_DUMMY_HASH, password)  # same work whether or not the user exists
            return None
        if not verify_password(row.password_hash, password):
            return None
        values: dict[str, Any] = {"last_login_at": _now()}
        if needs_rehash(row.password_hash):
            values["password_hash"] = hash_password(password)
        conn.execute(t.users.update().where(t.users.c.id == row.id).values(**values))
    return _user(row)


_DUMMY_HASH = hash_password("not-a-real-password-0")


def create_session(ws: Workspace, user: User, ip: str | None, user_agent: str | None) -> str:
    """Start a session for ``user``; returns the token for the cookie (the table keeps its hash)."""
    token = new_token()
    now = _now()
    with ws.begin() as conn:
        conn.execute(t.sessions.delete().where(t.sessions.c.expires_at < now))
        conn.execute(
            t.sessions.insert().values(
                token_hash=hash_token(token),
                user_id=user.id,
                created_at=now,
                expires_at=now + timedelta(days=SESSION_DAYS),
                ip=ip,
                user_agent=(user_agent or "")[:300],
            )
        )
    return token


def user_for_session(ws: Workspace, token: str) -> User | None:
    """The active user of an unexpired session token, else None."""
    with ws.engine.connect() as conn:
        row = conn.execute(
            sa.select(t.users)
            .join(t.sessions, t.sessions.c.user_id == t.users.c.id)
            .where(
                t.sessions.c.token_hash == hash_token(token),
                t.sessions.c.expires_at > _now(),
                t.users.c.active.is_(True),
            )
        ).first()
    return _user(row) if row is not None else None


def delete_session(ws: Workspace, token: str) -> None:
    with ws.begin() as conn:
        conn.execute(t.sessions.delete().where(t.sessions.c.token_hash == hash_token(token)))


def create_token(ws: Workspace, user_id: int, name: str, *, days: int | None = None, actor: Actor) -> tuple[int, str]:
    """Create an API token for a user; returns (token id, the token), the token shown this once only."""
    if not name.strip():
        raise ValueError("a token needs a name saying what it is for")
    if days is not None and days < 1:
        raise ValueError("a token's validity must be at least 1 day")
    token = new_token(TOKEN_PREFIX)
    now = _now()
    with ws.begin() as conn:
        owner = conn.execute(sa.select(t.users.c.username).where(t.users.c.id == user_id)).scalar()
        if owner is None:
            raise LookupError(f"no user with id {user_id}")
        token_id = int(
            conn.execute(
                t.api_tokens.insert()
                .values(
                    user_id=user_id,
                    name=name.strip(),
                    prefix=token[:8],
                    token_hash=hash_token(token),
                    created_at=now,
                    expires_at=now + timedelta(days=days) if days else None,
                )
                .returning(t.api_tokens.c.id)
            ).scalar_one()
        )
        audit.record(conn, actor, "token.create", f"token:{token_id}", {"user": owner, "name": name, "days": days})
    return token_id, token


def list_tokens(ws: Workspace) -> list[dict[str, Any]]:
    """Every API token (its prefix, never the token), newest first, with its owner's username."""
    k = t.api_tokens
    with ws.engine.connect() as conn:
        rows = (
            conn.execute(
                sa.select(
                    k.c.id,
                    k.c.name,
                    k.c.prefix,
                    k.c.created_at,
                    k.c.expires_at,
                    k.c.revoked_at,
                    k.c.user_id,
                    t.users.c.username,
                )
                .join(t.users, t.users.c.id == k.c.user_id)
                .order_by(k.c.id.desc())
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def revoke_token(ws: Workspace, token_id: int, *, actor: Actor) -> None:
    """Revoke a token at once; revoking it again changes nothing. Unknown ids raise ``LookupError``."""
    with ws.begin() as conn:
        row = conn.execute(sa.select(t.api_tokens).where(t.api_tokens.c.id == token_id)).first()
        if row is None:
            raise LookupError(f"no API token with id {token_id}")
        if row.revoked_at is None:
            conn.execute(t.api_tokens.update().where(t.api_tokens.c.id == token_id).values(revoked_at=_now()))
            audit.record(conn, actor, "token.revoke", f"token:{token_id}", {"name": row.name})


def user_for_token(ws: Workspace, token: str) -> User | None:
    """The active user of an unrevoked, unexpired API token, else None."""
    k = t.api_tokens
    now = _now()
    with ws.engine.connect() as conn:
        row = conn.execute(
            sa.select(t.users)
            .join(k, k.c.user_id == t.users.c.id)
            .where(
                k.c.token_hash == hash_token(token),
                k.c.revoked_at.is_(None),
                sa.or_(k.c.expires_at.is_(None), k.c.expires_at > now),
                t.users.c.active.is_(True),
            )
        ).first()
    return _user(row, via="token") if row is not None else None
