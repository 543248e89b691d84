"""Staff entry: interviews into a published survey and complaints/suggestions/calls into feedback."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from cxlens.model import tables as t
from cxlens.surveys import create_form, publish
from cxlens.web import audit

FORM = {
    "code": "phone_nps",
    "title": {"zh": "电话回访", "en": "Phone follow-up"},
    "questions": [
        {"code": "nps", "type": "nps", "required": True, "text": {"zh": "推荐意愿", "en": "Recommend?"}},
        {"code": "note", "type": "text", "text": {"zh": "备注", "en": "Notes"}},
    ],
}


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("agent", 200), ("analyst", 200), ("admin", 200)])
def test_entry_needs_the_agent_role_or_above(web: Any, role: str, status: int) -> None:
    client = web.signed_in(role)
    assert client.get("/entry").status_code == status
    assert client.get("/entry/feedback").status_code == status


def test_agent_enters_a_phone_interview_once(fresh_web: Any) -> None:
    web = fresh_web
    create_form(web.ws, FORM)
    publish(web.ws, "phone_nps")
    client = web.signed_in("agent")
    page = client.get("/entry/interview/phone_nps?lang=zh")
    assert page.status_code == 200 and "推荐意愿" in page.text
    fields = {**_hidden(page.text), "channel": "phone", "customer": "C2", "when": "2025-03-04T10:30", "language": "zh"}
    missing = client.post("/entry/interview/phone_nps", data=fields)
    assert missing.status_code == 422 and "此题为必答题" in missing.text
    saved = client.post("/entry/interview/phone_nps", data={**fields, "q_nps": "3", "q_note": "要求回电"})
    again = client.post("/entry/interview/phone_nps", data={**fields, "q_nps": "3", "q_note": "要求回电"})
    assert saved.status_code == again.status_code == 303 and "again=1" in again.headers["location"]
    with web.ws.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                t.responses.c.channel, t.responses.c.entered_by, t.responses.c.submitted_at, t.customers.c.external_id
            )
            .join(t.customers, t.customers.c.id == t.responses.c.customer_id)
            .where(t.responses.c.entered_by.is_not(None))
        ).all()
    assert [(r[0], r[1], str(r[2]), r[3]) for r in rows] == [("phone", "agent", "2025-03-04 10:30:00", "C2")]
    entries, _ = audit.list_entries(web.ws, action="entry.create")
    assert len(entries) == 1 and entries[0]["actor"] == "agent"


def test_agent_records_complaints_and_calls(fresh_web: Any) -> None:
    web = fresh_web
    client = web.signed_in("agent")
    before = web.ws.counts()["feedback"]
    page = client.get("/entry/feedback")
    fields = _hidden(page.text)
    bad = client.post("/entry/feedback", data={**fields, "source_type": "call", "text": "", "rating": "12"})
    assert bad.status_code == 422 and "Please enter the text." in bad.text and "from 0 to 10" in bad.text
    ok = client.post(
        "/entry/feedback",
        data={**fields, "source_type": "call", "text": "客户询问保修,已解答", "rating": "9", "source": "hotline"},
    )
    dup = client.post(
        "/entry/feedback",
        data={**fields, "source_type": "call", "text": "客户询问保修,已解答", "rating": "9", "source": "hotline"},
    )
    assert ok.status_code == dup.status_code == 303
    page2 = client.get("/entry/feedback")
    complaint = client.post(
        "/entry/feedback", data={**_hidden(page2.text), "source_type": "complaint", "text": "<b>安装师傅迟到</b>"}
    )
    assert complaint.status_code == 303
    assert web.ws.counts()["feedback"] == before + 2
    with web.ws.engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.feedback.c.source_type, t.feedback.c.rating, t.feedback.c.entered_by, t.feedback.c.language)
            .where(t.feedback.c.entered_by.is_not(None))
            .order_by(t.feedback.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [("call", 9.0, "agent", "zh"), ("complaint", None, "agent", "zh")]


def test_csrf_is_required_on_entry(web: Any) -> None:
    client = web.signed_in("agent")
    page = client.get("/entry/feedback")
    fields = _hidden(page.text)
    fields.pop("csrf_token")
    assert client.post("/entry/feedback", data={**fields, "source_type": "complaint", "text": "x"}).status_code == 403
