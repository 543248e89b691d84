"""Scheduled reports are rendered and e-mailed to a loopback SMTP sink (aiosmtpd)."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from datetime import datetime
from email.message import Message
from typing import Any

import pytest

from cxlens.exceptions import ConfigurationError
from cxlens.report.schedule import add_schedule, list_schedules, remove_schedule, run_due
from cxlens.store import Workspace


class Sink:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[str, Sink]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", sink
    finally:
        controller.stop()


@pytest.fixture
def clean(report_ws: Workspace) -> Iterator[Workspace]:
    yield report_ws
    for s in list_schedules(report_ws):
        remove_schedule(report_ws, s.id)


def test_due_report_is_mailed_once_per_period(clean: Workspace, smtp: tuple[str, Sink]) -> None:
    url, sink = smtp
    s = add_schedule(
        clean,
        template="service",
        every="month",
        to=["boss@example.com", "qa@example.com"],
        lang="en",
        format="html",
        now=datetime(2026, 11, 5),
    )
    sent = run_due(clean, now=datetime(2026, 11, 5, 8), smtp_url=url)
    assert [x["period"] for x in sent] == ["2026-10"]
    (msg,) = sink.messages
    assert msg["To"] == "boss@example.com, qa@example.com"
    assert msg["Subject"] == "cxlens service report 2026-10"
    (part,) = [p for p in msg.walk() if p.get_filename()]
    assert part.get_filename() == "cxlens-service-2026-10.html"
    html = part.get_payload(decode=True).decode("utf-8")
    assert "Customer service report" in html and "October 2026" in html
    (after,) = [x for x in list_schedules(clean) if x.id == s.id]
    assert after.last_period == "2026-10" and after.next_run == "2026-12-01T00:00:00"
    # not due again before the next month is complete
    assert run_due(clean, now=datetime(2026, 11, 30), smtp_url=url) == []
    assert len(sink.messages) == 1


def test_bad_schedules_are_refused(clean: Workspace) -> None:
    with pytest.raises(ValueError, match="week or month"):
        add_schedule(clean, template="service", every="day", to=["a@b.cn"])
    with pytest.raises(ValueError, match="e-mail"):
        add_schedule(clean, template="service", every="week", to=["not-an-address"])
    with pytest.raises(ValueError, match="template"):
        add_schedule(clean, template="sales", every="week", to=["a@b.cn"])


def test_due_report_without_mail_server_is_an_error(clean: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CXLENS_SMTP_URL", raising=False)
    add_schedule(clean, template="service", every="week", to=["a@b.cn"], now=datetime(2026, 11, 1))
    with pytest.raises(ConfigurationError, match="CXLENS_SMTP_URL"):
        run_due(clean, now=datetime(2026, 11, 2))
