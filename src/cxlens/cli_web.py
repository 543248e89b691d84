"""``cxlens serve``, ``cxlens users …`` and ``cxlens tokens …``: the web app and its accounts.

The first admin is created here, never with a default password: ``cxlens users add DIR admin --role admin``
asks for the password (or reads it from stdin with ``--password-stdin``).
"""

from __future__ import annotations

import gc
import json
import secrets
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cxlens.exceptions import CxlensError
from cxlens.store import Workspace

__all__ = ["serve", "serve_demo", "tokens_app", "users_app"]

out = Console()
err = Console(stderr=True, soft_wrap=True)

users_app = typer.Typer(no_args_is_help=True, help="Web users and their roles (admin, analyst, agent, viewer).")
tokens_app = typer.Typer(no_args_is_help=True, help="API tokens for scripts (Authorization: Bearer …).")

DirArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON with stable keys.")]
HostOpt = Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 for every interface).")]
PortOpt = Annotated[int, typer.Option(help="Port to listen on.")]


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _fail(error: Exception, as_json: bool) -> typer.Exit:
    if as_json:
        _json({"ok": False, "error": type(error).__name__, "message": str(error)})
    else:
        err.print(f"[bold red]error:[/] {error}", markup=True, highlight=False)
    return typer.Exit(code=1)


def _fast_stack() -> tuple[str, str]:
    """uvicorn's event loop and HTTP parser: uvloop and httptools when installed (cxlens depends on both;
    uvloop has no Windows build), else asyncio's loop and the pure-Python h11 parser."""
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") is not None else "h11"
    return loop, http


def _run(path: Path, host: str, port: int, secure_cookies: bool, access_log: bool = False) -> None:
    import uvicorn

    from cxlens.web import create_app

    app = create_app(path, secure_cookies=secure_cookies)
    # Everything loaded so far (modules, templates, the schema) lives as long as the server: moved out of the
    # collector's generations, full collections no longer walk it — they took up to ~280 ms each, a quarter
    # of the time under a submission load, before (bench/web_load.py)
    gc.collect()
    gc.freeze()
    loop, http = _fast_stack()
    out.print(f"cxlens: http://{host}:{port}/  (API: http://{host}:{port}/api/docs; {loop} + {http}) — Ctrl+C stops")
    uvicorn.run(
        app, host=host, port=port, log_level="info", access_log=access_log, proxy_headers=False, loop=loop, http=http
    )


def serve(
    path: DirArg,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    secure_cookies: Annotated[bool, typer.Option(help="Mark cookies Secure (when served behind HTTPS).")] = False,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log every request (one line each) to stdout; off by default (~10 % of the submission throughput).",
        ),
    ] = False,
) -> None:
    """Serve the web app (dashboards, import, API) for the workspace at PATH.

    One process serves everything (a DuckDB workspace admits one writing process, so there are no extra
    workers): uvicorn on uvloop and httptools, public survey submissions stored by group commit."""
    from cxlens.web.accounts import user_count

    try:
        with Workspace.open(path) as ws:
            users = user_count(ws)
    except CxlensError as e:
        raise _fail(e, False) from e
    if users == 0:
        err.print(
            f"No users yet: create the first admin with `cxlens users add {path} admin --role admin` "
            f"(创建首个管理员账号), then sign in.",
            highlight=False,
        )
    _run(path, host, port, secure_cookies, access_log)


def serve_demo(path: Path, lang: str, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve a freshly built demo workspace. If it has no users, create the admin ``admin`` with a random
    password printed here once (never a default password; change it under Users)."""
    from cxlens.web.accounts import Actor, create_user, user_count

    with Workspace.open(path) as ws:
        if user_count(ws) == 0:
            password = secrets.token_urlsafe(12)
            create_user(ws, "admin", password, "admin", display_name="Demo admin", actor=Actor(None))
            out.print(
                f"Sign in as [bold]admin[/] with the one-time password [bold]{password}[/] "
                "(shown only now; 登录用户名 admin,一次性密码如上,仅显示这一次).",
                highlight=False,
            )
    _run(path, host, port, False)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password (密码)", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    path: DirArg,
    username: Annotated[str, typer.Argument(help="The sign-in name (letters, digits, . @ + - _).")],
    role: Annotated[str, typer.Option(help="admin, analyst, agent or viewer.")] = "viewer",
    email: Annotated[str | None, typer.Option(help="E-mail address (may also be used to sign in).")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from the first line of stdin.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a web user (the password is asked for; there is no default password)."""
    from cxlens.web.accounts import Actor, create_user

    password = _read_password(password_stdin)
    try:
        with Workspace.open(path) as ws:
            user = create_user(ws, username, password, role, email=email, display_name=name, actor=Actor(None))
    except (CxlensError, ValueError) as e:
        raise _fail(e, as_json) from e
    if as_json:
        _json({"ok": True, "id": user.id, "username": user.username, "role": user.role, "email": user.email})
    else:
        out.print(f"added {user.username} ({user.role})")


@users_app.command("list")
def users_list(path: DirArg, as_json: JsonOpt = False) -> None:
    """List the web users and their roles."""
    from cxlens.web.accounts import list_users

    try:
        with Workspace.open(path) as ws:
            users = list_users(ws)
    except CxlensError as e:
        raise _fail(e, as_json) from e
    if as_json:
        _json({"ok": True, "users": users})
        return
    table = Table("id", "username", "role", "e-mail", "active", "last sign-in")
    for u in users:
        table.add_row(
            str(u["id"]),
            u["username"],
            u["role"],
            u["email"] or "",
            "yes" if u["active"] else "no",
            str(u["last_login_at"] or ""),
        )
    out.print(table)


@tokens_app.command("create")
def tokens_create(
    path: DirArg,
    username: Annotated[str, typer.Argument(help="The user the token acts as (its role applies).")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'nightly export'.")],
    days: Annotated[int | None, typer.Option(help="Valid for this many days (default: until revoked).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an API token; it is printed once and stored only as a hash."""
    from cxlens.web.accounts import Actor, create_token, list_users

    try:
        with Workspace.open(path) as ws:
            match = [u for u in list_users(ws) if u["username"] == username]
            if not match:
                raise LookupError(f"no user named {username!r} (see `cxlens users list {path}`)")
            token_id, token = create_token(ws, int(match[0]["id"]), name, days=days, actor=Actor(None))
    except (CxlensError, ValueError, LookupError) as e:
        raise _fail(e, as_json) from e
    if as_json:
        _json({"ok": True, "id": token_id, "token": token})
    else:
        out.print(f"token {token_id} for {username} (shown once, 仅显示一次):")
        sys.stdout.write(token + "\n")


@tokens_app.command("revoke")
def tokens_revoke(
    path: DirArg,
    token_id: Annotated[int, typer.Argument(help="The token's id (see `cxlens tokens list`).")],
    as_json: JsonOpt = False,
) -> None:
    """Revoke an API token at once."""
    from cxlens.web.accounts import Actor, revoke_token

    try:
        with Workspace.open(path) as ws:
            revoke_token(ws, token_id, actor=Actor(None))
    except (CxlensError, LookupError) as e:
        raise _fail(e, as_json) from e
    if as_json:
        _json({"ok": True, "id": token_id, "revoked": True})
    else:
        out.print(f"revoked token {token_id}")


@tokens_app.command("list")
def tokens_list(path: DirArg, as_json: JsonOpt = False) -> None:
    """List the API tokens (prefix, owner, expiry; never the token)."""
    from cxlens.web.accounts import list_tokens

    try:
        with Workspace.open(path) as ws:
            tokens = list_tokens(ws)
    except CxlensError as e:
        raise _fail(e, as_json) from e
    if as_json:
        _json({"ok": True, "tokens": tokens})
        return
    table = Table("id", "name", "user", "prefix", "expires", "revoked")
    for k in tokens:
        table.add_row(
            str(k["id"]),
            k["name"],
            k["username"],
            k["prefix"] + "…",
            str(k["expires_at"] or ""),
            str(k["revoked_at"] or ""),
        )
    out.print(table)
