"""The REST API: OpenAPI schema, the error envelope, metrics = ``compute``, records, imports, users and tokens."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from cxlens.exceptions import UndefinedMetricWarning
from cxlens.metrics import compute, list_metrics
from cxlens.web.permissions import iter_routes

ENVELOPE = {"ok", "status", "error", "message", "errors"}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_openapi_schema_is_valid(web) -> None:
    response = web.client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "cxlens"
    components = schema["components"]["schemas"]
    for ref in _refs(schema):  # every reference resolves
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in components, ref
    operations = [(p, m, op) for p, methods in schema["paths"].items() for m, op in methods.items()]
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids))
    for path, method, op in operations:
        assert path.startswith("/api/v1/"), path  # pages stay out of the API schema
        assert op["responses"], (path, method)
        for param in op.get("parameters", []):
            assert {"name", "in", "schema"} <= set(param), (path, param)
    api_routes = {r.path for r in iter_routes(web.app.routes) if r.path.startswith("/api/v1/")}
    assert api_routes == set(schema["paths"])
    assert {"/api/v1/metrics/{name}", "/api/v1/responses", "/api/v1/imports", "/api/v1/users"} <= api_routes


def test_api_docs_page_lists_every_operation(web) -> None:
    html = web.client().get("/api/docs").text
    schema = web.client().get("/api/openapi.json").json()
    for path in schema["paths"]:
        assert path in html


def test_error_envelope(web) -> None:
    client = web.client()
    cases = [
        (client.get("/api/v1/responses"), 401),
        (client.get("/api/v1/users", headers=web.bearer("analyst")), 403),
        (client.get("/api/v1/metrics/no_such_metric", headers=web.bearer("viewer")), 400),
        (client.get("/api/v1/responses?limit=0", headers=web.bearer("agent")), 422),
        (client.get("/api/v1/exports/secrets.csv", headers=web.bearer("admin")), 404),
    ]
    for response, status in cases:
        body = response.json()
        assert response.status_code == status, body
        assert set(body) == ENVELOPE and body["ok"] is False and body["status"] == status
    assert cases[0][0].headers["www-authenticate"] == "Bearer"
    assert cases[3][0].json()["errors"][0]["loc"] == ["query", "limit"]


def test_metrics_list_is_the_registry(web) -> None:
    got = web.client().get("/api/v1/metrics", headers=web.bearer("viewer")).json()
    assert [m["name"] for m in got] == list(list_metrics()["name"])


@pytest.mark.parametrize(
    ("query", "kwargs"),
    [
        ("every=month&change=true", {"every": "month", "change": True}),
        ("by=segment&by=region", {"by": ["segment", "region"]}),
        ("filter=segment=A&start=2025-01-15T00:00:00", {"filters": {"segment": ["A"]}, "start": "2025-01-15"}),
    ],
)
def test_metric_rows_are_the_tidy_frame(web, query: str, kwargs: dict[str, Any]) -> None:
    import pandas as pd

    body = web.client().get(f"/api/v1/metrics/nps?{query}", headers=web.bearer("viewer")).json()
    if "start" in kwargs:
        kwargs["start"] = pd.Timestamp(kwargs["start"]).to_pydatetime()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        frame = compute(web.ws, "nps", **kwargs)
    assert body["ok"] and body["metric"] == "nps"
    assert len(body["rows"]) == len(frame)
    for row, (_, expected) in zip(body["rows"], frame.iterrows(), strict=True):
        assert row["n"] == expected["n"]
        assert row["value"] == pytest.approx(expected["value"])
        assert row["ci_low"] == pytest.approx(expected["ci_low"])
        assert set(row) == set(frame.columns)


def test_metric_options_and_bad_input(web) -> None:
    client = web.client()
    sla = client.get("/api/v1/metrics/sla_attainment?option=target_hours=2", headers=web.bearer("viewer")).json()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        expected = compute(web.ws, "sla_attainment", target_hours=2.0)
    assert sla["rows"][0]["value"] == pytest.approx(expected["value"].iloc[0])
    bad = client.get("/api/v1/metrics/nps?by=agent", headers=web.bearer("viewer"))
    assert bad.status_code == 400 and "cannot be sliced by agent" in bad.json()["message"]
    assert client.get("/api/v1/metrics/nps?filter=oops", headers=web.bearer("viewer")).status_code == 400


def test_records_are_paginated_and_filtered(web) -> None:
    client = web.client()
    h = web.bearer("agent")
    first = client.get("/api/v1/responses?limit=2", headers=h).json()
    second = client.get("/api/v1/responses?limit=2&offset=2", headers=h).json()
    assert first["total"] == second["total"] == 5 and len(first["items"]) == 2
    assert {r["id"] for r in first["items"]}.isdisjoint(r["id"] for r in second["items"])
    stamps = [r["submitted_at"] for r in first["items"] + second["items"]]
    assert stamps == sorted(stamps, reverse=True)
    team = client.get("/api/v1/tickets?filter=team=b", headers=h).json()
    assert team["total"] == 2 and {t["external_id"] for t in team["items"]} == {"T3", "T4"}
    since = client.get("/api/v1/feedback?since=2025-01-14T00:00:00", headers=h).json()
    assert {f["external_id"] for f in since["items"]} == {"F2", "F3"}
    assert client.get("/api/v1/customers?filter=segment=A", headers=h).json()["total"] == 2
    orders = client.get("/api/v1/orders?filter=category=X", headers=h).json()
    assert orders["total"] == 3 and orders["items"][0]["amount"] == 20.0


def test_sql_injection_in_filters_does_nothing(web) -> None:
    client = web.client()
    h = web.bearer("admin")
    for value in ("A' OR '1'='1", "A; DROP TABLE customers; --"):
        body = client.get("/api/v1/customers", params={"filter": f"segment={value}"}, headers=h).json()
        assert body["total"] == 0
    assert client.get("/api/v1/customers", headers=h).json()["total"] == 3
    bad = client.get("/api/v1/customers", params={"filter": "1=1 OR segment=A"}, headers=h)
    assert bad.status_code == 400 and "cannot be filtered by" in bad.json()["message"]
    metric = client.get("/api/v1/metrics/nps", params={"filter": "segment=A' OR 1=1 --"}, headers=h).json()
    assert metric["rows"][0]["n"] == 0


def test_import_endpoint(fresh_web) -> None:
    web = fresh_web
    client = web.client()
    h = web.bearer("analyst")
    good = "customer_id,segment,region\nC9,B,N\nC10,A,N\n"
    response = client.post(
        "/api/v1/imports", headers=h, files={"file": ("more.csv", good.encode())}, data={"kind": "customers"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 2 and response.json()["kind"] == "customers"
    again = client.post(
        "/api/v1/imports", headers=h, files={"file": ("more.csv", good.encode())}, data={"kind": "customers"}
    ).json()
    assert again["inserted"] == 0 and again["same_file_as_run"] is not None
    bad = "ticket_id,created_at\nT9,2025-01-01 00:00\nT10,not a date\n"
    refused = client.post(
        "/api/v1/imports", headers=h, files={"file": ("t.csv", bad.encode())}, data={"kind": "tickets"}
    )
    assert refused.status_code == 422
    issue = refused.json()["errors"][0]
    assert issue["row"] == 3 and issue["column"] == "created_at" and issue["value"] == "not a date"
    assert client.get("/api/v1/tickets", headers=h).json()["total"] == 4  # all or nothing
    assert not list((web.ws.path / "uploads").glob("*"))  # no copy left behind
    assert (
        client.post("/api/v1/imports", headers=web.bearer("agent"), files={"file": ("t.csv", bad.encode())}).status_code
        == 403
    )


def test_users_api(fresh_web) -> None:
    web = fresh_web
    client = web.client()
    h = web.bearer("admin")
    created = client.post(
        "/api/v1/users",
        headers=h,
        json={"username": "zhang.wei", "password": "长城-password-9", "role": "analyst", "email": "zw@example.com"},
    )
    assert created.status_code == 201 and created.json()["role"] == "analyst"
    assert "password_hash" not in created.json()
    duplicate = client.post(
        "/api/v1/users", headers=h, json={"username": "zhang.wei", "password": "another-password-9", "role": "viewer"}
    )
    assert duplicate.status_code == 400
    changed = client.patch(f"/api/v1/users/{created.json()['id']}", headers=h, json={"role": "viewer"})
    assert changed.json()["role"] == "viewer"
    weak = client.post("/api/v1/users", headers=h, json={"username": "x1", "password": "short", "role": "viewer"})
    assert weak.status_code == 422
    browser = web.client()
    signed = browser.post(
        "/signin", data={"username": "zw@example.com", "password": "长城-password-9", "csrf_token": web.csrf(browser)}
    )
    assert signed.status_code == 303
