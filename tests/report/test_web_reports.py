"""The web app's report page and download endpoint (a small demo company, its own app)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxlens.web import accounts, create_app
from cxlens.web.accounts import Actor
from cxlens.web.security import CSRF_COOKIE


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    from cxlens.datasets.build import build_demo

    path = Path(tmp_path_factory.mktemp("report-web")) / "demo"
    with build_demo(path, seed=7, scale=0.1) as ws:
        for role in ("analyst", "viewer"):
            accounts.create_user(ws, role, f"password-{role}-1", role, actor=Actor(None))
    application = create_app(path)
    yield application
    application.state.cx.ws.close()


def _signed_in(app: FastAPI, role: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    client.get("/signin")
    token = app.state.cx.csrf.token_of(client.cookies.get(CSRF_COOKIE))
    response = client.post("/signin", data={"username": role, "password": f"password-{role}-1", "csrf_token": token})
    assert response.status_code == 303, response.text
    return client


def test_report_page_and_download(app: FastAPI) -> None:
    client = _signed_in(app, "analyst")
    page = client.get("/reports?lang=zh")
    assert page.status_code == 200 and "客户满意度分析报告" in page.text and 'action="/reports/download"' in page.text
    got = client.get(
        "/reports/download", params={"template": "service", "period": "2026-Q2", "lang": "zh", "format": "html"}
    )
    assert got.status_code == 200
    assert got.headers["content-disposition"] == 'attachment; filename="cxlens-service-2026-Q2.html"'
    assert "客户服务管理分析报告" in got.text and "2026年第2季度" in got.text
    xlsx = client.get("/reports/download", params={"template": "service", "period": "2026-Q2", "format": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_bad_period_is_400_and_viewers_may_not_export(app: FastAPI) -> None:
    client = _signed_in(app, "analyst")
    assert client.get("/reports/download", params={"period": "2026-Q9"}).status_code == 400
    assert _signed_in(app, "viewer").get("/reports").status_code == 403
