"""``cxlens serve``, ``cxlens users``, ``cxlens tokens`` and the demo's serving step (uvicorn replaced)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.store import Workspace
from cxlens.web import accounts
from cxlens.web.permissions import iter_routes

runner = CliRunner()


def _run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    Workspace.init(tmp_path / "ws").close()
    return tmp_path / "ws"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake_run(app: Any, **kwargs: Any) -> None:
        calls.append({"app": app, **kwargs})
        app.state.cx.ws.close()  # what the app's shutdown does

    import uvicorn

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return calls


def test_users_add_and_list(folder: Path) -> None:
    code, out = _run(
        "users",
        "add",
        str(folder),
        "admin",
        "--role",
        "admin",
        "--email",
        "a@example.com",
        "--password-stdin",
        "--json",
        stdin="first-admin-password\n",
    )
    assert code == 0, out
    assert json.loads(out) == {"ok": True, "id": 1, "username": "admin", "role": "admin", "email": "a@example.com"}
    code, out = _run(
        "users", "add", str(folder), "bob", "--role", "boss", "--password-stdin", stdin="bob-password-12\n"
    )
    assert code == 1 and "unknown role 'boss'" in out
    code, out = _run("users", "add", str(folder), "bob", "--password-stdin", stdin="short\n")
    assert code == 1 and "at least 10 characters" in out
    code, out = _run("users", "list", str(folder), "--json")
    users = json.loads(out)["users"]
    assert [u["username"] for u in users] == ["admin"] and "password_hash" not in users[0]
    with Workspace.open(folder) as ws:
        assert accounts.authenticate(ws, "a@example.com", "first-admin-password") is not None


def test_users_add_asks_for_the_password_twice(folder: Path) -> None:
    code, out = _run(
        "users", "add", str(folder), "carol", "--role", "viewer", stdin="carol-password-1\ncarol-password-1\n"
    )
    assert code == 0, out
    with Workspace.open(folder) as ws:
        assert accounts.authenticate(ws, "carol", "carol-password-1") is not None


def test_tokens_create_list_revoke(folder: Path) -> None:
    _run("users", "add", str(folder), "etl", "--role", "analyst", "--password-stdin", stdin="etl-password-123\n")
    code, out = _run("tokens", "create", str(folder), "etl", "--name", "nightly", "--days", "7", "--json")
    assert code == 0, out
    created = json.loads(out)
    with Workspace.open(folder) as ws:
        user = accounts.user_for_token(ws, created["token"])
        assert user is not None and user.username == "etl" and user.role == "analyst"
    code, out = _run("tokens", "list", str(folder), "--json")
    listed = json.loads(out)["tokens"]
    assert listed[0]["name"] == "nightly" and created["token"] not in out
    assert _run("tokens", "revoke", str(folder), str(created["id"]))[0] == 0
    with Workspace.open(folder) as ws:
        assert accounts.user_for_token(ws, created["token"]) is None
    code, out = _run("tokens", "create", str(folder), "nobody", "--name", "x")
    assert code == 1 and "no user named 'nobody'" in out


def test_serve_runs_the_app(folder: Path, served: list[dict[str, Any]]) -> None:
    code, out = _run("serve", str(folder), "--port", "8123")
    assert code == 0, out
    assert "cxlens users add" in out  # no users yet: says how to create the first admin
    assert served[0]["host"] == "127.0.0.1" and served[0]["port"] == 8123
    paths = {r.path for r in iter_routes(served[0]["app"].routes)}
    assert {"/overview", "/api/v1/responses", "/signin"} <= paths


def test_serve_refuses_a_missing_workspace(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    code, out = _run("serve", str(tmp_path / "nothing"))
    assert code == 1 and "not a cxlens workspace" in out and not served


def test_demo_serves_with_a_one_time_admin(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    code, out = _run("demo", str(tmp_path / "demo"), "--scale", "0.02")
    assert code == 0, out
    assert served and served[0]["port"] == 8000
    password = out.split("one-time password", 1)[1].split()[0]
    with Workspace.open(tmp_path / "demo") as ws:
        assert accounts.authenticate(ws, "admin", password) is not None
