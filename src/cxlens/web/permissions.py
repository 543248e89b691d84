"""Who may do what: the one table of role → allowed actions, enforced on every route.

Every route of the app declares exactly one action through :func:`cxlens.web.deps.require` (or
:data:`PUBLIC` through :func:`cxlens.web.deps.public`); :func:`check_routes` refuses to build an app with a
route that declares none, and ``tests/web/test_permissions.py`` walks every route and every role.

=================  =====  =======  =====  ======
action             admin  analyst  agent  viewer
=================  =====  =======  =====  ======
dashboard.view       x       x       x      x
metrics.read         x       x       x      x
text.view            x       x       x      x
account.self         x       x       x      x
records.read         x       x       x
entry.create         x       x       x
data.import          x       x
data.export          x       x
surveys.view         x       x       x
surveys.edit         x       x
surveys.publish      x       x
users.manage         x
tokens.manage        x
audit.view           x
=================  =====  =======  =====  ======

``records.read`` covers record-level data (customers, responses, tickets, feedback); ``data.export``
covers downloads of records and the tables behind charts; viewers see aggregates only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["ACTIONS", "PERMISSIONS", "PUBLIC", "ROLES", "allowed", "check_routes", "iter_routes", "route_action"]

ROLES = ("admin", "analyst", "agent", "viewer")
#: the action of a route anyone may open, signed in or not (sign-in page, public survey forms, static files)
PUBLIC = "public"

#: every action, with what it lets a role do
ACTIONS: dict[str, str] = {
    "dashboard.view": "open the dashboards (aggregates with n and intervals)",
    "metrics.read": "list and compute metrics through the API",
    "text.view": "see text analytics: sentiment, aspects, themes and masked quotes",
    "account.self": "sign out and see one's own account",
    "records.read": "read record-level data: customers, responses, tickets, feedback",
    "entry.create": "enter interview answers, complaints, suggestions and call records by hand",
    "data.import": "import files into the workspace",
    "data.export": "download records and the numbers behind charts as CSV",
    "surveys.view": "see surveys and their questions",
    "surveys.edit": "create and edit surveys",
    "surveys.publish": "publish surveys and create invitations",
    "users.manage": "create users, change roles, deactivate users, reset passwords",
    "tokens.manage": "create and revoke API tokens",
    "audit.view": "read the audit log",
}

_VIEW = {"dashboard.view", "metrics.read", "text.view", "account.self"}
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(ACTIONS),
    "analyst": frozenset(
        _VIEW
        | {"records.read", "entry.create", "data.import", "data.export", "surveys.view", "surveys.edit"}
        | {"surveys.publish"}
    ),
    "agent": frozenset(_VIEW | {"records.read", "entry.create", "surveys.view"}),
    "viewer": frozenset(_VIEW),
}


def allowed(role: str | None, action: str) -> bool:
    """Whether ``role`` (None = not signed in) may perform ``action``."""
    if action == PUBLIC:
        return True
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; actions are {', '.join(ACTIONS)}")
    return role is not None and action in PERMISSIONS.get(role, frozenset())


def _actions_of(dependant: Any) -> list[str]:
    found: list[str] = []
    action = getattr(dependant.call, "cxlens_action", None)
    if action is not None:
        found.append(str(action))
    for sub in dependant.dependencies:
        found.extend(_actions_of(sub))
    return found


def route_action(route: Any) -> str | None:
    """The action a route declares (None if it declares none); two different actions raise ``ValueError``."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return None
    actions = set(_actions_of(dependant))
    if len(actions) > 1:
        raise ValueError(f"route {route.path} declares several actions: {', '.join(sorted(actions))}")
    return actions.pop() if actions else None


def iter_routes(routes: list[Any]) -> Iterator[Any]:
    """Every endpoint route, with its full path, ``methods`` and ``dependant``: FastAPI ≥ 0.16x wraps included
    routers (``_IncludedRouter``, whose ``effective_route_contexts()`` yields them); earlier versions list
    ``APIRoute`` objects directly. Both are handled, so no route escapes the checks."""
    for route in routes:
        if hasattr(route, "dependant") and hasattr(route, "path"):
            yield route
        elif hasattr(route, "effective_route_contexts"):
            yield from route.effective_route_contexts()


def check_routes(routes: list[Any]) -> None:
    """Raise ``RuntimeError`` naming every route that declares no action."""
    missing = [
        f"{sorted(getattr(r, 'methods', None) or [])} {r.path}" for r in iter_routes(routes) if route_action(r) is None
    ]
    if missing:
        raise RuntimeError("routes without a permission (use cxlens.web.deps.require): " + "; ".join(missing))
