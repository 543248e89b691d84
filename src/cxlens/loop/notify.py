"""Notifiers: where alerts go. One small protocol (:class:`Notifier`, ``send(alerts) -> int``), as the
transports of httpx are one ``handle_request``: e-mail over SMTP (:class:`EmailNotifier`), a JSON POST to a
webhook (:class:`WebhookNotifier`), and :class:`MockNotifier`, which keeps what it was sent (for tests).

SMTP settings come from the workspace's ``notify.yaml`` (section ``smtp``: ``host``, ``port``, ``user``,
``from``, ``starttls``, ``ssl``, ``timeout``, ``password_env``), with the password read from the environment
variable that ``password_env`` names (default ``CXLENS_SMTP_PASSWORD``), never from a file kept beside the
data::

    smtp: {host: smtp.example.com, port: 587, user: alerts@example.com, from: alerts@example.com, starttls: true}

Without ``notify.yaml``, alerts use the mail server of scheduled reports, the settings ``CXLENS_SMTP_URL``
(``smtp://[user:password@]host[:port]``, ``?starttls=1``, or ``smtps://…``) and ``CXLENS_SMTP_FROM``.

A rule names its notifiers in ``notify``: ``{"type": "email", "to": ["ops@example.com"]}`` or
``{"type": "webhook", "url": "https://hooks.example.com/cx"}``.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl as ssl_module
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from cxlens.config import load_settings, read_yaml_mapping
from cxlens.exceptions import ConfigurationError, CxlensError

__all__ = [
    "EmailNotifier",
    "MockNotifier",
    "NotificationError",
    "Notifier",
    "SmtpSettings",
    "WebhookNotifier",
    "notifier_for",
]

NOTIFY_FILE = "notify.yaml"


class NotificationError(CxlensError):
    """An alert could not be delivered (the SMTP server or webhook refused or could not be reached)."""


class Notifier(ABC):
    """Base class: deliver a batch of alerts (JSON-ready dicts); return how many were delivered."""

    name = "notifier"

    @abstractmethod
    def send(self, alerts: Sequence[Mapping[str, Any]]) -> int:
        """Deliver ``alerts``; raise :class:`NotificationError` when the channel refuses them."""


@dataclass
class MockNotifier(Notifier):
    """Keeps every batch it is given in ``sent`` (tests and dry runs)."""

    sent: list[list[dict[str, Any]]] = field(default_factory=list)
    name = "mock"

    def send(self, alerts: Sequence[Mapping[str, Any]]) -> int:
        self.sent.append([dict(a) for a in alerts])
        return len(alerts)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "cxlens@localhost"
    starttls: bool = False
    ssl: bool = False
    timeout: float = 10.0

    @classmethod
    def from_workspace(cls, folder: Path, environ: Mapping[str, str] | None = None) -> SmtpSettings:
        """The ``smtp`` section of ``folder/notify.yaml``, else ``CXLENS_SMTP_URL`` (module docstring)."""
        env = os.environ if environ is None else environ
        path = folder / NOTIFY_FILE
        if not path.is_file():
            settings = load_settings(dict(env))
            if settings.smtp_url:
                return cls.from_url(settings.smtp_url, settings.smtp_from)
            raise ConfigurationError(
                f"e-mail alerts need a mail server: write {path} (an smtp section) or set CXLENS_SMTP_URL"
            )
        smtp = read_yaml_mapping(path, "notification settings", ConfigurationError).get("smtp")
        if not isinstance(smtp, dict) or not smtp.get("host"):
            raise ConfigurationError(f"{path}: the smtp section must be a mapping with at least a host")
        unknown = sorted(set(smtp) - {"host", "port", "user", "from", "starttls", "ssl", "timeout", "password_env"})
        if unknown:
            raise ConfigurationError(f"{path}: unknown smtp setting(s) {', '.join(unknown)}")
        try:
            return cls(
                host=str(smtp["host"]),
                port=int(smtp.get("port", 25)),
                user=smtp.get("user"),
                password=env.get(str(smtp.get("password_env") or "CXLENS_SMTP_PASSWORD")) or None,
                sender=str(smtp.get("from") or smtp.get("user") or "cxlens@localhost"),
                starttls=bool(smtp.get("starttls", False)),
                ssl=bool(smtp.get("ssl", False)),
                timeout=float(smtp.get("timeout", 10.0)),
            )
        except (TypeError, ValueError) as err:
            raise ConfigurationError(f"{path}: bad smtp setting: {err}") from err

    @classmethod
    def from_url(cls, url: str, sender: str = "cxlens@localhost") -> SmtpSettings:
        """``smtp://[user:password@]host[:port][?starttls=1]`` or ``smtps://…`` (the ``CXLENS_SMTP_URL`` form)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigurationError(f"an SMTP URL must be smtp://host[:port] or smtps://host[:port], not {url!r}")
        query = urllib.parse.parse_qs(parts.query)
        secure = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if secure else 25),
            user=urllib.parse.unquote(parts.username) if parts.username else None,
            password=urllib.parse.unquote(parts.password) if parts.password else None,
            sender=sender,
            starttls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
            ssl=secure,
        )


def _subject(alerts: Sequence[Mapping[str, Any]]) -> str:
    if len(alerts) == 1:
        return f"[cxlens] {alerts[0].get('severity', 'warning')}: {alerts[0].get('message', '')}"[:200]
    return f"[cxlens] {len(alerts)} new alerts"


def _body(alerts: Sequence[Mapping[str, Any]]) -> str:
    lines = []
    for a in alerts:
        lines.append(f"- [{a.get('severity')}] {a.get('rule')}: {a.get('message')}")
    lines.append("")
    lines.append("Details (JSON):")
    lines.append(json.dumps(list(alerts), ensure_ascii=False, indent=2, default=str))
    return "\n".join(lines)


@dataclass
class EmailNotifier(Notifier):
    """Send one e-mail per batch to ``to`` through an SMTP server (``smtplib``)."""

    settings: SmtpSettings
    to: list[str]
    name = "email"

    def send(self, alerts: Sequence[Mapping[str, Any]]) -> int:
        if not alerts:
            return 0
        if not self.to:
            raise ConfigurationError("an e-mail notifier needs at least one recipient (to)")
        msg = EmailMessage()
        msg["Subject"] = _subject(alerts)
        msg["From"] = self.settings.sender
        msg["To"] = ", ".join(self.to)
        msg.set_content(_body(alerts))
        s = self.settings
        try:
            factory = smtplib.SMTP_SSL if s.ssl else smtplib.SMTP
            with factory(s.host, s.port, timeout=s.timeout) as server:
                if s.starttls and not s.ssl:
                    server.starttls(context=ssl_module.create_default_context())
                if s.user and s.password:
                    server.login(s.user, s.password)
                server.send_message(msg)
        except (OSError, smtplib.SMTPException) as err:
            raise NotificationError(f"e-mail to {', '.join(self.to)} via {s.host}:{s.port} failed: {err}") from err
        return len(alerts)


@dataclass
class WebhookNotifier(Notifier):
    """POST ``{"source": "cxlens", "alerts": [...]}`` as JSON to ``url``; any 2xx answer is delivery."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0
    name = "webhook"

    def send(self, alerts: Sequence[Mapping[str, Any]]) -> int:
        if not alerts:
            return 0
        if not self.url.startswith(("http://", "https://")):
            raise ConfigurationError(f"a webhook url must start with http:// or https://, not {self.url!r}")
        body = json.dumps({"source": "cxlens", "alerts": list(alerts)}, ensure_ascii=False, default=str)
        request = urllib.request.Request(
            self.url,
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8", **self.headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as err:
            raise NotificationError(f"webhook {self.url} answered HTTP {err.code}") from err
        except (OSError, urllib.error.URLError) as err:
            raise NotificationError(f"webhook {self.url} could not be reached: {err}") from err
        if not 200 <= status < 300:
            raise NotificationError(f"webhook {self.url} answered HTTP {status}")
        return len(alerts)


def notifier_for(spec: Mapping[str, Any], folder: Path) -> Notifier:
    """The notifier a rule's ``notify`` entry describes (``type`` email or webhook)."""
    kind = spec.get("type")
    if kind == "email":
        to = spec.get("to") or []
        return EmailNotifier(SmtpSettings.from_workspace(folder), [to] if isinstance(to, str) else list(to))
    if kind == "webhook":
        if not spec.get("url"):
            raise ConfigurationError("a webhook notifier needs a url")
        return WebhookNotifier(str(spec["url"]), dict(spec.get("headers") or {}))
    raise ConfigurationError(f"unknown notifier type {kind!r}; types are email, webhook")
