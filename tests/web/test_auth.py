"""Signing in and out, session cookies, CSRF, the sign-in rate limit, and API tokens."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from cxlens.model import tables as t
from cxlens.web import accounts, create_app
from cxlens.web.accounts import Actor
from cxlens.web.security import (
    SESSION_COOKIE,
    RateLimiter,
    check_password_strength,
    hash_password,
    hash_token,
    verify_password,
)


def test_anonymous_pages_redirect_to_sign_in(web) -> None:
    response = web.client().get("/overview?every=quarter")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Foverview%3Fevery%3Dquarter"


def test_sign_in_sets_a_safe_session_cookie_and_signs_out(web) -> None:
    client = web.client()
    response = client.post(
        "/signin",
        data={
            "username": "analyst",
            "password": web.password_of("analyst"),
            "csrf_token": web.csrf(client),
            "next": "/distributions",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/distributions"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    cookie_value = client.cookies[SESSION_COOKIE]
    token = web.app.state.cx.sessions.unsign(cookie_value)
    assert token is not None and token != cookie_value  # signed
    with web.ws.engine.connect() as conn:  # only the hash is stored
        stored = conn.execute(sa.select(t.sessions.c.token_hash)).scalars().all()
    assert hash_token(token) in stored and token not in stored
    assert client.get("/overview").status_code == 200
    response = client.post("/signout", data={"csrf_token": web.csrf(client)})
    assert response.status_code == 303
    client.cookies.set(SESSION_COOKIE, cookie_value)  # the old cookie no longer works
    assert client.get("/overview").status_code == 303


def test_a_forged_session_cookie_is_refused(web) -> None:
    client = web.signed_in("viewer")
    token = web.app.state.cx.sessions.unsign(client.cookies[SESSION_COOKIE])
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, token + ".forged-signature")
    assert client.get("/overview").status_code == 303


def test_wrong_password_and_unknown_user_look_the_same(web) -> None:
    client = web.client()
    for username in ("analyst", "nobody"):
        response = client.post(
            "/signin", data={"username": username, "password": "wrong-password-1", "csrf_token": web.csrf(client)}
        )
        assert response.status_code == 401
        assert "Wrong username or password" in response.text
        assert SESSION_COOKIE not in client.cookies


def test_no_open_redirect_after_sign_in(web) -> None:
    client = web.client()
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/signin",
            data={
                "username": "viewer",
                "password": web.password_of("viewer"),
                "csrf_token": web.csrf(client),
                "next": target,
            },
        )
        assert response.headers["location"] == "/overview"


def test_csrf_less_posts_are_refused(web) -> None:
    anonymous = web.client()
    anonymous.get("/signin")
    response = anonymous.post("/signin", data={"username": "admin", "password": web.password_of("admin")})
    assert response.status_code == 403 and SESSION_COOKIE not in anonymous.cookies
    admin = web.signed_in("admin")
    for data in ({}, {"csrf_token": "forged"}):
        response = admin.post(
            "/admin/users", data={"username": "mallory", "password": "x" * 12 + "yz", "role": "admin", **data}
        )
        assert response.status_code == 403
        assert "CSRF" in response.text
    stranger = web.client()  # a token from another browser does not fit this browser's cookie
    response = admin.post("/signout", data={"csrf_token": web.csrf(stranger)})
    assert response.status_code == 403
    assert "mallory" not in {u["username"] for u in accounts.list_users(web.ws)}


def test_sign_in_is_rate_limited(web) -> None:
    app = create_app(web.ws, signin_attempts=3, signin_window=60)
    client = TestClient(app, follow_redirects=False)
    client.get("/signin")
    token = app.state.cx.csrf.token_of(client.cookies.get("cxlens_csrf"))
    codes = [
        client.post("/signin", data={"username": "agent", "password": "guess-guess-1", "csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    response = client.post(
        "/signin", data={"username": "agent", "password": web.password_of("agent"), "csrf_token": token}
    )
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(2, 0.05)
    assert limiter.hit("k") and limiter.hit("k") and not limiter.hit("k")
    assert limiter.blocked("k") and limiter.retry_after("k") > 0
    import time

    time.sleep(0.06)
    assert not limiter.blocked("k") and limiter.hit("k")


def test_passwords_are_argon2id_and_checked() -> None:
    digest = hash_password("a sound password")
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, "a sound password")
    assert not verify_password(digest, "a sound passworD")
    assert not verify_password("not a hash", "x")
    for weak in ("short", "aaaaaaaaaaaa"):
        try:
            check_password_strength(weak)
        except ValueError:
            continue
        raise AssertionError(f"{weak!r} was accepted")


def test_token_auth(fresh_web) -> None:
    web = fresh_web
    api = web.client()
    assert api.get("/api/v1/responses").status_code == 401
    assert api.get("/api/v1/responses", headers={"Authorization": "Bearer cxl_wrong"}).status_code == 401
    ok = api.get("/api/v1/responses", headers=web.bearer("agent"))
    assert ok.status_code == 200 and ok.json()["total"] == 5
    assert api.get("/api/v1/responses", headers=web.bearer("viewer")).status_code == 403
    # a token needs no CSRF token (it is not a cookie a browser would send on its own)
    created = api.post("/api/v1/tokens", headers=web.bearer("admin"), json={"user_id": 2, "name": "etl", "days": 1})
    assert created.status_code == 201
    new = created.json()["token"]
    assert api.get("/api/v1/metrics", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    assert api.delete(f"/api/v1/tokens/{created.json()['id']}", headers=web.bearer("admin")).status_code == 204
    assert api.get("/api/v1/metrics", headers={"Authorization": f"Bearer {new}"}).status_code == 401
    with web.ws.engine.connect() as conn:
        hashes = conn.execute(sa.select(t.api_tokens.c.token_hash)).scalars().all()
    assert hash_token(new) in hashes and new not in hashes


def test_deactivated_users_lose_sessions_and_tokens(fresh_web) -> None:
    web = fresh_web
    browser = web.signed_in("analyst")
    analyst = next(u for u in accounts.list_users(web.ws) if u["username"] == "analyst")
    accounts.update_user(web.ws, analyst["id"], active=False, actor=Actor(None))
    assert browser.get("/overview").status_code == 303
    assert web.client().get("/api/v1/metrics", headers=web.bearer("analyst")).status_code == 401


def test_the_last_admin_cannot_be_demoted(fresh_web) -> None:
    admin = next(u for u in accounts.list_users(fresh_web.ws) if u["role"] == "admin")
    client = fresh_web.signed_in("admin")
    response = client.post(f"/admin/users/{admin['id']}", data={"role": "viewer", "csrf_token": fresh_web.csrf(client)})
    assert response.status_code == 400 and "last active admin" in response.text
