"""``/api/v1/surveys`` and ``/api/v1/entries/feedback``: token auth, roles, idempotency keys, error envelope."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from cxlens.metrics import compute
from cxlens.model import tables as t

DEFINITION = {
    "code": "api_nps",
    "title": {"zh": "接口问卷", "en": "API survey"},
    "questions": [
        {"code": "nps", "type": "nps", "required": True},
        {"code": "store", "type": "single", "choices": [{"code": "a"}, {"code": "b"}]},
    ],
}


def test_tokens_and_roles(web: Any) -> None:
    client = web.client()
    assert client.get("/api/v1/surveys").status_code == 401
    assert client.get("/api/v1/surveys", headers=web.bearer("viewer")).status_code == 403
    assert client.get("/api/v1/surveys", headers=web.bearer("agent")).status_code == 200
    refused = client.post("/api/v1/surveys", json={"definition": DEFINITION}, headers=web.bearer("agent"))
    assert refused.status_code == 403 and refused.json()["ok"] is False


def test_create_publish_and_answer_through_the_api(fresh_web: Any) -> None:
    web = fresh_web
    client = web.client()
    analyst = web.bearer("analyst")
    made = client.post("/api/v1/surveys", json={"definition": DEFINITION}, headers=analyst)
    assert made.status_code == 201 and made.json()["version"] is None
    bad = client.post("/api/v1/surveys", json={"definition": {"code": "x", "questions": []}}, headers=analyst)
    assert bad.status_code == 422 and "at least one question" in bad.json()["message"]
    published = client.post("/api/v1/surveys/api_nps/publish", headers=analyst).json()
    assert published["version"] == 1 and published["link"].startswith("http://testserver/s/")
    agent = {**web.bearer("agent"), "Idempotency-Key": "call-42"}
    body = {"answers": {"nps": 10, "store": "b"}, "channel": "phone", "customer": "C3"}
    first = client.post("/api/v1/surveys/api_nps/responses", json=body, headers=agent)
    again = client.post("/api/v1/surveys/api_nps/responses", json=body, headers=agent)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == {"id": again.json()["id"], "created": True} and again.json()["created"] is False
    invalid = client.post(
        "/api/v1/surveys/api_nps/responses",
        json={"answers": {"nps": 11, "nope": "x"}},
        headers={**agent, "Idempotency-Key": "call-43"},
    )
    assert invalid.status_code == 422
    assert {e["question"] for e in invalid.json()["errors"]} == {"nps", "nope"}
    no_key = client.post("/api/v1/surveys/api_nps/responses", json=body, headers=web.bearer("agent"))
    assert no_key.status_code == 422
    nps = compute(web.ws, "nps", survey="api_nps")
    assert (nps["value"].iloc[0], nps["n"].iloc[0]) == (100.0, 1)
    invites = client.post("/api/v1/surveys/api_nps/invitations", json={"count": 2}, headers=analyst)
    assert invites.status_code == 201 and invites.json()["invited"] == 2
    assert client.get("/api/v1/surveys/nope", headers=analyst).status_code == 404


def test_feedback_entry_through_the_api(fresh_web: Any) -> None:
    web = fresh_web
    client = web.client()
    headers = {**web.bearer("agent"), "Idempotency-Key": "complaint-1"}
    body = {
        "source_type": "complaint",
        "text": "Delivery was late",
        "customer": "C1",
        "collected_at": "2025-03-01T08:00:00+08:00",
    }
    first = client.post("/api/v1/entries/feedback", json=body, headers=headers)
    again = client.post("/api/v1/entries/feedback", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    with web.ws.engine.connect() as conn:
        stored = conn.execute(
            sa.select(t.feedback.c.collected_at, t.feedback.c.entered_by).where(t.feedback.c.id == first.json()["id"])
        ).one()
    assert (str(stored[0]), stored[1]) == ("2025-03-01 00:00:00", "agent")  # +08:00 stored as UTC
    bad = client.post(
        "/api/v1/entries/feedback", json={**body, "rating": 40}, headers={**headers, "Idempotency-Key": "c2"}
    )
    assert bad.status_code == 422 and bad.json()["errors"] == [
        {"question": "rating", "message": "The rating must be from 0 to 10."}
    ]
