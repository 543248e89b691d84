"""Every route declares one permission, and every role gets exactly the access the permission table says —
checked route by route, for anonymous visitors, each role's browser session and each role's API token."""

from __future__ import annotations

import re

import pytest

from cxlens.web.permissions import ACTIONS, PERMISSIONS, PUBLIC, ROLES, allowed, check_routes, iter_routes, route_action

SAMPLE = {"int": "1", "str": "feedback", "path": "x"}


def _url(route) -> str:  # type: ignore[no-untyped-def]
    def fill(match: re.Match[str]) -> str:
        name, _, kind = match.group(1).partition(":")
        param = next((p for p in route.dependant.path_params if p.name == name), None)
        if param is not None and param.field_info.annotation is int:
            return "999"  # no such record: allowed roles get 404, never a change
        return SAMPLE.get(kind, "feedback")

    return re.sub(r"{([^}]+)}", fill, route.path)


def _routes(app):  # type: ignore[no-untyped-def]
    for route in iter_routes(app.routes):
        for method in sorted(route.methods):
            yield route, method


def test_every_route_declares_a_known_action(web) -> None:
    check_routes(web.app.routes)
    assert len(list(iter_routes(web.app.routes))) >= 30
    for route, _ in _routes(web.app):
        action = route_action(route)
        assert action == PUBLIC or action in ACTIONS, route.path


def test_the_app_refuses_a_route_without_permission(web) -> None:
    from fastapi import APIRouter, FastAPI

    router = APIRouter()

    @router.get("/unguarded")
    def unguarded() -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match="/unguarded"):
        check_routes(router.routes)
    app = FastAPI()
    app.include_router(router, prefix="/api/v1")
    with pytest.raises(RuntimeError, match="/api/v1/unguarded"):
        check_routes(app.routes)


def test_permission_table() -> None:
    assert PERMISSIONS["admin"] == frozenset(ACTIONS)
    assert PERMISSIONS["viewer"] < PERMISSIONS["agent"] < PERMISSIONS["analyst"] < PERMISSIONS["admin"]
    assert not allowed(None, "dashboard.view")
    assert allowed(None, PUBLIC)
    assert not allowed("analyst", "users.manage")
    with pytest.raises(ValueError, match="unknown action"):
        allowed("admin", "nuke.everything")


def _denied(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 403 and "CSRF" not in response.text


def test_route_by_route_for_every_role(web) -> None:
    """Each (route, method) × role: 403 exactly when the role lacks the route's action; anonymous visitors
    are sent to sign in (pages) or get 401 (API) unless the route is public."""
    clients = {role: web.signed_in(role) for role in ROLES}
    anonymous = web.client()
    checked = 0
    for route, method in _routes(web.app):
        action = route_action(route)
        url = _url(route)
        for role in ROLES:
            client = web.signed_in(role) if url == "/signout" else clients[role]
            headers = {"X-CSRF-Token": web.csrf(client)}
            response = client.request(method, url, headers=headers)
            expected_denied = not allowed(role, action)
            assert _denied(response) == expected_denied, (method, url, role, action, response.status_code)
            assert response.status_code not in (401, 500), (method, url, role, response.text[:300])
            token = web.client().request(method, url, headers=web.bearer(role))
            assert _denied(token) == expected_denied, ("token", method, url, role, action, token.status_code)
            checked += 1
        response = anonymous.request(method, url, headers={"X-CSRF-Token": web.csrf(anonymous)})
        if action == PUBLIC:
            assert response.status_code not in (401, 403), (method, url)
        elif url.startswith("/api/"):
            assert response.status_code == 401, (method, url, response.status_code)
        else:
            assert response.status_code == 303 and response.headers["location"].startswith("/signin?next="), (
                method,
                url,
            )
    assert checked >= 4 * 30


def test_an_agent_cannot_open_admin_pages(web) -> None:
    agent = web.signed_in("agent")
    for url in ("/admin/users", "/admin/tokens", "/admin/audit", "/import"):
        response = agent.get(url)
        assert response.status_code == 403
        assert "403" in response.text
    assert agent.get("/overview").status_code == 200


def test_menu_shows_only_what_the_role_may_open(web) -> None:
    viewer = web.signed_in("viewer").get("/overview").text
    admin = web.signed_in("admin").get("/overview").text
    assert 'href="/admin/users"' in admin and 'href="/admin/users"' not in viewer
    assert 'href="/import"' in admin and 'href="/import"' not in viewer
