"""Scheduled reports: each schedule renders a template every week or month and e-mails it.

Schedules live in the workspace folder as ``report-schedules.json`` (like ``targets.yaml``), not in a
database table: they are a handful of settings rows, edited by ``cxlens report schedule …`` and read by
``cxlens report run-due``, and a file keeps the migration chain untouched. Writes go to a temporary file
that is then renamed over the old one, so a reader never sees half a file.

A schedule is *due* when ``next_run`` ≤ now. ``run_due`` then renders the report of the last complete week
or month before now, sends it through SMTP (``CXLENS_SMTP_URL``) and moves ``next_run`` to the end of the
next period, so a missed run is caught up once, not once per missed period.
"""

from __future__ import annotations

import json
import os
import re
import smtplib
import ssl
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cxlens.config import load_settings
from cxlens.exceptions import ConfigurationError
from cxlens.report.period import Period, last_complete_period
from cxlens.store import Workspace

__all__ = [
    "FILE",
    "FORMATS",
    "Schedule",
    "add_schedule",
    "list_schedules",
    "remove_schedule",
    "render",
    "run_due",
    "send_mail",
]

FILE = "report-schedules.json"
FORMATS = {
    "html": ("text/html", "html"),
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


@dataclass
class Schedule:
    """One scheduled report: ``every`` week or month, sent ``to`` these addresses."""

    id: int
    template: str
    every: str
    to: list[str]
    lang: str = "zh"
    format: str = "pdf"
    next_run: str = ""
    last_run: str | None = None
    last_period: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _path(ws: Workspace) -> Path:
    return Path(ws.path) / FILE


def list_schedules(ws: Workspace) -> list[Schedule]:
    """The workspace's schedules, by id."""
    path = _path(ws)
    if not path.is_file():
        return []
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [Schedule(**row) for row in rows]
    except (ValueError, TypeError) as err:
        raise ConfigurationError(f"{path}: not a list of report schedules ({err})") from err


def _save(ws: Workspace, schedules: list[Schedule]) -> None:
    path = _path(ws)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".report-schedules.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump([asdict(s) for s in schedules], f, ensure_ascii=False, indent=2)
    os.replace(tmp, path)


def add_schedule(
    ws: Workspace,
    *,
    template: str,
    every: str,
    to: list[str],
    lang: str = "zh",
    format: str = "pdf",
    now: datetime | None = None,
) -> Schedule:
    """Add a schedule; its first run is due at once (the report of the last complete period)."""
    from cxlens.report.builder import TEMPLATE_NAMES

    if template not in TEMPLATE_NAMES:
        raise ValueError(f"unknown report template {template!r}; one of {', '.join(TEMPLATE_NAMES)}")
    if every not in ("week", "month"):
        raise ValueError(f"--every must be week or month, not {every!r}")
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be zh or en, not {lang!r}")
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    bad = [a for a in to if not _EMAIL.match(a)]
    if not to or bad:
        raise ValueError(f"--to needs e-mail addresses; not one: {', '.join(bad) or '(none given)'}")
    schedules = list_schedules(ws)
    new = Schedule(
        id=max((s.id for s in schedules), default=0) + 1,
        template=template,
        every=every,
        to=list(to),
        lang=lang,
        format=format,
        next_run=(now or _now()).isoformat(timespec="seconds"),
    )
    _save(ws, [*schedules, new])
    return new


def remove_schedule(ws: Workspace, schedule_id: int) -> None:
    schedules = list_schedules(ws)
    if all(s.id != schedule_id for s in schedules):
        raise ValueError(f"no report schedule {schedule_id} in {ws.path}")
    _save(ws, [s for s in schedules if s.id != schedule_id])


def render(ws: Workspace, template: str, period: Period | str | None, lang: str, format: str) -> bytes:
    """Build and render one report to bytes in ``format`` (html, pdf or xlsx)."""
    from cxlens.report.builder import build_report

    report = build_report(ws, template, period, lang=lang)
    if format == "html":
        from cxlens.report.render_html import render_html

        return render_html(report).encode("utf-8")
    if format == "pdf":
        from cxlens.report.render_pdf import render_pdf

        return render_pdf(report)
    if format == "xlsx":
        from cxlens.report.render_xlsx import render_xlsx

        return render_xlsx(report)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")


def send_mail(
    url: str, sender: str, to: list[str], subject: str, body: str, attachment: tuple[str, str, bytes]
) -> None:
    """Send one message with one attachment ``(file name, MIME type, bytes)`` through the SMTP server
    ``url`` (``smtp://[user:password@]host[:port][?starttls=1]`` or ``smtps://…``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigurationError(f"CXLENS_SMTP_URL must be smtp://host[:port] or smtps://host[:port], not {url!r}")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, ", ".join(to), subject
    msg.set_content(body)
    name, mime, data = attachment
    maintype, subtype = mime.split("/", 1)
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    context = ssl.create_default_context()
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(parts.hostname, parts.port or 465, context=context, timeout=30)
    else:
        client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=30)
    with client:
        if parts.scheme == "smtp" and parse_qs(parts.query).get("starttls") == ["1"]:
            client.starttls(context=context)
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(msg)


def run_due(ws: Workspace, *, now: datetime | None = None, smtp_url: str | None = None) -> list[dict[str, Any]]:
    """Render and e-mail every due schedule; return one record per report sent (schedule id, period,
    recipients, bytes). Raises :class:`ConfigurationError` when a report is due and no SMTP server is set."""
    settings = load_settings()
    url = smtp_url or settings.smtp_url
    when = now or _now()
    schedules = list_schedules(ws)
    sent = []
    for s in schedules:
        if datetime.fromisoformat(s.next_run) > when:
            continue
        if not url:
            raise ConfigurationError("a report is due but CXLENS_SMTP_URL is not set: no mail server to send it")
        period = last_complete_period(when, s.every)
        data = render(ws, s.template, period, s.lang, s.format)
        mime, ext = FORMATS[s.format]
        name = f"cxlens-{s.template}-{period.label}.{ext}"
        subject = f"cxlens {s.template} report {period.label}"
        body = f"The {s.template} report of {period.label} is attached ({len(data):,} bytes).\n"
        send_mail(url, settings.smtp_from, s.to, subject, body, (name, mime, data))
        s.last_run, s.last_period = when.isoformat(timespec="seconds"), period.label
        s.next_run = Period(s.every, period.end).end.isoformat(timespec="seconds")
        s.history = [*s.history[-19:], {"at": s.last_run, "period": period.label, "bytes": len(data)}]
        sent.append({"schedule": s.id, "period": period.label, "to": s.to, "file": name, "bytes": len(data)})
    if sent:
        _save(ws, schedules)
    return sent
