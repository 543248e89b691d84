"""The audit log records who changed or exported what; admins read it, nobody else."""

from __future__ import annotations

import re

import pytest

from cxlens.web import audit
from cxlens.web.accounts import Actor


def test_user_and_token_changes_are_audited(fresh_web) -> None:
    web = fresh_web
    admin = web.signed_in("admin")
    response = admin.post(
        "/admin/users",
        data={"username": "li.na", "password": "li-na-password-1", "role": "agent", "csrf_token": web.csrf(admin)},
    )
    assert response.status_code == 303
    created = admin.post(
        "/admin/tokens", data={"owner": "2", "name": "bi tool", "days": "30", "csrf_token": web.csrf(admin)}
    )
    token = re.search(r'<code class="secret">([^<]+)</code>', created.text)
    assert token and token.group(1).startswith("cxl_")
    token_id = re.search(r'action="/admin/tokens/(\d+)/revoke"', created.text)
    assert token_id
    admin.post(f"/admin/tokens/{token_id.group(1)}/revoke", data={"csrf_token": web.csrf(admin)})
    entries, total = audit.list_entries(web.ws, limit=3)
    assert [e["action"] for e in entries] == ["token.revoke", "token.create", "user.create"]
    assert all(e["actor"] == "admin" and e["user_id"] is not None for e in entries)
    assert entries[2]["target"] == "user:li.na" and entries[2]["detail"]["role"] == "agent"
    assert entries[1]["detail"]["days"] == 30 and token.group(1) not in str(entries)  # never the token itself
    page = admin.get("/admin/audit?action=token.create").text
    assert "token.create" in page and "user.create</td>" not in page


def test_exports_are_audited_and_masked(fresh_web) -> None:
    web = fresh_web
    client = web.client()
    h = web.bearer("analyst")
    imported = client.post(
        "/api/v1/imports",
        headers=h,
        files={
            "file": (
                "fb.csv",
                "feedback_id,collected_at,source_type,text\n"
                "F9,2025-03-01 10:00,complaint,请回电 13812345678 或写信 li@example.com\n".encode(),
            )
        },
        data={"kind": "feedback"},
    )
    assert imported.status_code == 200, imported.text
    export = client.get("/api/v1/exports/feedback.csv", headers=h)
    assert export.status_code == 200
    assert "13812345678" not in export.text and "li@example.com" not in export.text
    assert "请回电 [PHONE] 或写信 [EMAIL]" in export.text
    entries, _ = audit.list_entries(web.ws, action="data.export")
    assert entries[0]["target"] == "export:feedback" and entries[0]["detail"]["rows"] == 4
    assert entries[0]["actor"] == "analyst"
    metric_csv = web.signed_in("viewer").get("/metrics.csv?metric=nps")
    assert metric_csv.status_code == 200
    assert audit.list_entries(web.ws, action="data.export")[0][0]["target"] == "metric:nps"


@pytest.mark.parametrize("role", ["analyst", "agent", "viewer"])
def test_only_admins_read_the_audit_log(web, role: str) -> None:
    assert web.signed_in(role).get("/admin/audit").status_code == 403
    assert web.client().get("/api/v1/audit", headers=web.bearer(role)).status_code == 403


def test_unknown_audit_actions_are_refused(web) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record_now(web.ws, Actor(None), "user.teleport", None, {})
