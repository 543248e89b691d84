"""A small workspace served by the web app, with one user and one API token per role.

``web`` (module scope) is a fresh copy of a workspace built once per test run: the tiny survey, customers,
responses, tickets, orders and feedback of tests/metrics, plus users ``admin``, ``analyst``, ``agent`` and
``viewer`` (password ``password-<role>-1``) and a Bearer token each. Tests that change data should use
``fresh_web`` (a copy of its own)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxlens.ingest import import_file, import_survey
from cxlens.store import Workspace
from cxlens.web import accounts, create_app
from cxlens.web.accounts import Actor
from cxlens.web.permissions import ROLES
from cxlens.web.security import CSRF_COOKIE

SURVEY = """\
code: s
title: tiny
dimensions:
  - {code: d1, name: 服务, weight: 0.6}
  - {code: d2, name: 价格, weight: 0.4}
questions:
  - {code: nps, type: nps, text: 推荐}
  - {code: csat, type: csat, scale: [1, 5], text: 满意}
  - {code: ces, type: ces, scale: [1, 7], text: 省力}
  - {code: q1, type: likert, scale: [1, 5], dimension: d1, text: 服务好}
  - {code: q2, type: likert, scale: [1, 5], dimension: d2, text: 价格好}
"""
FILES = {
    "customers.csv": "customer_id,segment,region\nC1,A,N\nC2,B,S\nC3,A,S\n",
    "responses.csv": "response_id,customer_id,submitted_at,channel,nps,csat,ces,q1,q2\n"
    "R1,C1,2025-01-10 10:00,web,10,5,7,5,1\nR2,C2,2025-01-20 10:00,phone,6,3,4,3,3\n"
    "R3,C3,2025-02-05 10:00,web,8,4,5,,5\nR4,,2025-02-10 10:00,web,9,,2,1,1\n"
    "R5,C1,2025-02-12 10:00,phone,10,5,6,4,4\n",
    "tickets.csv": "ticket_id,customer_id,agent_id,team,channel,created_at,first_response_at,resolved_at\n"
    "T1,C1,A1,a,phone,2025-01-01 00:00,2025-01-01 01:00,2025-01-01 05:00\n"
    "T2,C2,A1,a,email,2025-01-02 00:00,2025-01-02 03:00,\n"
    "T3,C3,A2,b,phone,2025-01-03 00:00,,\n"
    "T4,C1,A2,b,email,2025-02-01 00:00,2025-02-01 00:30,2025-02-01 02:00\n",
    "orders.csv": "order_id,customer_id,ordered_at,amount,category,channel,fulfilled_at\n"
    "O1,C1,2025-01-05,100,X,web,2025-01-06\nO2,C1,2025-01-25,50,Y,web,\n"
    "O3,C2,2025-01-10,30,X,phone,2025-01-13\nO4,C3,2025-02-01,20,X,web,2025-02-02\n",
    "feedback.csv": "feedback_id,customer_id,collected_at,source_type,text\n"
    "F1,C1,2025-01-12 09:00,complaint,送货太慢了\nF2,C2,2025-01-15 09:00,suggestion,希望增加夜间客服\n"
    "F3,C3,2025-02-03 09:00,complaint,<script>alert(1)</script> refund please\n",
}


@dataclass
class Web:
    """The app under test and helpers to talk to it as each role."""

    app: FastAPI
    ws: Workspace
    tokens: dict[str, str]

    def client(self) -> TestClient:
        """An anonymous browser (keeps cookies; does not follow redirects)."""
        return TestClient(self.app, follow_redirects=False)

    def csrf(self, client: TestClient) -> str:
        """The CSRF token a form on this client's pages carries (fetches a page first if needed)."""
        if CSRF_COOKIE not in client.cookies:
            client.get("/signin")
        token = self.app.state.cx.csrf.token_of(client.cookies.get(CSRF_COOKIE))
        assert token is not None
        return token

    def signed_in(self, role: str) -> TestClient:
        """A browser signed in as the user of ``role``."""
        client = self.client()
        response = client.post(
            "/signin",
            data={"username": role, "password": password_of(role), "csrf_token": self.csrf(client)},
        )
        assert response.status_code == 303, response.text
        return client

    def bearer(self, role: str) -> dict[str, str]:
        """The header of a script using the API token of ``role``'s user."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    @staticmethod
    def password_of(role: str) -> str:
        return password_of(role)

    @staticmethod
    def form_token(html: str) -> str:
        """The CSRF token in a page's form."""
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match, "no CSRF field in the page"
        return match.group(1)


def password_of(role: str) -> str:
    return f"password-{role}-1"


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("webtemplate")
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "s.yaml").write_text(SURVEY, encoding="utf-8")
    tokens: dict[str, str] = {}
    with Workspace.init(folder / "ws") as ws:
        import_survey(ws, folder / "s.yaml")
        for kind in ("customers", "orders", "tickets", "feedback"):
            import_file(ws, folder / f"{kind}.csv", kind)
        import_file(ws, folder / "responses.csv", "responses", survey="s")
        for role in ROLES:
            user = accounts.create_user(ws, role, password_of(role), role, actor=Actor(None))
            tokens[role] = accounts.create_token(ws, user.id, f"{role} script", actor=Actor(None))[1]
    (folder / "tokens.json").write_text(json.dumps(tokens), encoding="utf-8")
    return folder


def _serve_copy(template: Path, target: Path) -> Iterator[Web]:
    shutil.copytree(template / "ws", target)
    tokens = json.loads((template / "tokens.json").read_text(encoding="utf-8"))
    app = create_app(target)
    web = Web(app, app.state.cx.ws, tokens)
    try:
        yield web
    finally:
        web.ws.close()


@pytest.fixture(scope="module")
def web(web_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    yield from _serve_copy(web_template, tmp_path_factory.mktemp("web") / "ws")


@pytest.fixture
def fresh_web(web_template: Path, tmp_path: Path) -> Iterator[Web]:
    yield from _serve_copy(web_template, tmp_path / "fresh" / "ws")
