"""Notifiers against real servers on loopback: a minimal SMTP sink (asyncio, speaking just enough SMTP) and an
HTTP sink (http.server in a thread) for the webhook; plus delivery failures and settings."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from cxlens.exceptions import ConfigurationError
from cxlens.loop.alerts import AlertRule, add_rule, list_alerts, run_alerts
from cxlens.loop.notify import EmailNotifier, NotificationError, SmtpSettings, WebhookNotifier, notifier_for
from cxlens.store import Workspace

ALERT = {"id": 1, "rule": "r", "severity": "warning", "message": "nps region=华南 2026-04-01: -11.2 vs 16.7"}


class SmtpSink:
    """Accepts mail on 127.0.0.1 (EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) and keeps each message."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def say(line: str) -> None:
            writer.write((line + "\r\n").encode())

        say("220 sink ESMTP")
        envelope: dict[str, Any] = {"rcpt": [], "auth": None}
        while line := (await reader.readline()).decode().rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                say("250-sink")
                say("250 AUTH PLAIN")
            elif verb == "HELO":
                say("250 sink")
            elif verb == "AUTH":
                envelope["auth"] = line.split(" ", 2)[2] if line.count(" ") >= 2 else None
                say("235 ok")
            elif verb == "MAIL":
                envelope["from"] = line[10:].strip("<>")
                say("250 ok")
            elif verb == "RCPT":
                envelope["rcpt"].append(line[8:].strip("<>"))
                say("250 ok")
            elif verb == "DATA":
                say("354 go on")
                data = b""
                while (chunk := await reader.readline()) != b".\r\n":
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.messages.append({**envelope, "message": message_from_bytes(data, policy=default)})
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                await writer.drain()
                break
            else:
                say("250 ok")
            await writer.drain()
        writer.close()

    def __enter__(self) -> SmtpSink:
        self.thread.start()
        self.ready.wait(5)
        return self

    def __exit__(self, *args: Any) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append({"type": self.headers["Content-Type"], "body": json.loads(body)})
        self.send_response(_Hook.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def hook() -> Iterator[str]:
    _Hook.received, _Hook.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_email_reaches_the_smtp_server(smtp: SmtpSink) -> None:
    settings = SmtpSettings("127.0.0.1", smtp.port, user="bot", password="pw", sender="cx@example.com")
    assert EmailNotifier(settings, ["ops@example.com", "cx@example.com"]).send([ALERT, {**ALERT, "id": 2}]) == 2
    (mail,) = smtp.messages
    assert mail["rcpt"] == ["ops@example.com", "cx@example.com"] and mail["from"] == "cx@example.com"
    assert mail["message"]["Subject"] == "[cxlens] 2 new alerts"
    body = mail["message"].get_content()
    assert "华南" in body and '"id": 2' in body
    assert mail["auth"] is not None  # logged in with the password from the environment


def test_webhook_posts_json(hook: str) -> None:
    assert WebhookNotifier(hook).send([ALERT]) == 1
    (got,) = _Hook.received
    assert got["type"].startswith("application/json") and got["body"] == {"source": "cxlens", "alerts": [ALERT]}
    _Hook.status = 500
    with pytest.raises(NotificationError, match="HTTP 500"):
        WebhookNotifier(hook).send([ALERT])


def test_unreachable_servers_raise_a_notification_error() -> None:
    with pytest.raises(NotificationError, match="could not be reached"):
        WebhookNotifier("http://127.0.0.1:9/none", timeout=2).send([ALERT])
    with pytest.raises(NotificationError, match="failed"):
        EmailNotifier(SmtpSettings("127.0.0.1", 9, timeout=2), ["a@b.c"]).send([ALERT])
    with pytest.raises(ConfigurationError, match="http"):
        WebhookNotifier("ftp://x").send([ALERT])


def test_smtp_settings_come_from_notify_yaml_and_the_environment(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="CXLENS_SMTP_URL"):
        SmtpSettings.from_workspace(tmp_path, {})
    url = SmtpSettings.from_workspace(tmp_path, {"CXLENS_SMTP_URL": "smtp://bot:p%40ss@mail.local:2525?starttls=1",
                                                 "CXLENS_SMTP_FROM": "cx@a.b"})  # fmt: skip
    assert (url.host, url.port, url.user, url.password, url.sender, url.starttls) == (
        "mail.local", 2525, "bot", "p@ss", "cx@a.b", True
    )  # fmt: skip
    assert SmtpSettings.from_url("smtps://mail.local").port == 465
    (tmp_path / "notify.yaml").write_text(
        "smtp: {host: mail.local, port: 587, user: u, from: a@b.c, starttls: true, password_env: CX_PW}\n"
    )
    s = SmtpSettings.from_workspace(tmp_path, {"CX_PW": "secret", "CXLENS_SMTP_URL": "smtp://ignored"})
    assert (s.host, s.port, s.user, s.password, s.sender, s.starttls) == (
        "mail.local",
        587,
        "u",
        "secret",
        "a@b.c",
        True,
    )
    (tmp_path / "notify.yaml").write_text("smtp: {host: h, colour: blue}\n")
    with pytest.raises(ConfigurationError, match="colour"):
        SmtpSettings.from_workspace(tmp_path)
    with pytest.raises(ConfigurationError, match="unknown notifier"):
        notifier_for({"type": "pigeon"}, tmp_path)


def test_run_alerts_notifies_by_email_and_webhook(alerts_ws: Workspace, smtp: SmtpSink, hook: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    (alerts_ws.path / "notify.yaml").write_text(f"smtp: {{host: 127.0.0.1, port: {smtp.port}, from: cx@a.b}}\n")
    monkeypatch.delenv("CXLENS_SMTP_PASSWORD", raising=False)
    rule = AlertRule("notify-drop", "significant_drop", metric="nps", by=["region"],
                     notify=[{"type": "email", "to": ["ops@a.b"]}, {"type": "webhook", "url": hook}])  # fmt: skip
    add_rule(alerts_ws, rule)
    broken = AlertRule("notify-broken", "threshold", metric="nps", by=["region"], threshold=0,
                       notify=[{"type": "webhook", "url": "http://127.0.0.1:9/x"}])  # fmt: skip
    add_rule(alerts_ws, broken)
    run = run_alerts(alerts_ws, rules=["notify-drop", "notify-broken"], notify=True)
    assert len(run.new) == 2 and run.notified == 1
    assert len(run.errors) == 1 and "notify-broken" in run.errors[0]
    (mail,) = smtp.messages
    assert "region=S" in mail["message"]["Subject"] and mail["rcpt"] == ["ops@a.b"]
    assert [a["rule"] for a in _Hook.received[0]["body"]["alerts"]] == ["notify-drop"]
    stored = list_alerts(alerts_ws, rule="notify-broken")
    assert stored["notified_at"].isna().all()  # not delivered, so not marked
