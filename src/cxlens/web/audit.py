"""The audit log: who changed or exported what, and when (user and token management, imports, exports).

Entries are written in the same transaction as the change they describe, so a change that rolls back
leaves no entry, and an entry never describes a change that did not happen.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cxlens.model import tables as t
from cxlens.store import Workspace

if TYPE_CHECKING:
    from cxlens.web.accounts import Actor

__all__ = ["ACTIONS", "list_entries", "record", "record_now"]

#: the audited actions
ACTIONS = (
    "user.create",
    "user.update",
    "token.create",
    "token.revoke",
    "data.import",
    "data.export",
    "survey.create",
    "survey.update",
    "survey.publish",
    "entry.create",
)


def record(conn: sa.Connection, actor: Actor, action: str, target: str | None, detail: dict[str, Any]) -> None:
    """Write one entry inside the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; actions are {', '.join(ACTIONS)}")
    conn.execute(
        t.audit_log.insert().values(
            created_at=datetime.now(UTC).replace(tzinfo=None),
            user_id=actor.user.id if actor.user else None,
            actor=actor.name,
            action=action,
            target=target,
            detail=json.dumps(detail, ensure_ascii=False, default=str),
            ip=actor.ip,
        )
    )


def record_now(ws: Workspace, actor: Actor, action: str, target: str | None, detail: dict[str, Any]) -> None:
    """Write one entry in its own transaction (for actions that change nothing else, e.g. an export)."""
    with ws.begin() as conn:
        record(conn, actor, action, target, detail)


def list_entries(
    ws: Workspace, *, limit: int = 100, offset: int = 0, action: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Entries newest first, and how many there are in all (for paging)."""
    a = t.audit_log
    where = [a.c.action == action] if action else []
    with ws.engine.connect() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(a).where(*where)).scalar_one())
        rows = (
            conn.execute(sa.select(a).where(*where).order_by(a.c.id.desc()).limit(limit).offset(offset))
            .mappings()
            .all()
        )
    return [{**r, "detail": json.loads(r["detail"]) if r["detail"] else {}} for r in rows], total
