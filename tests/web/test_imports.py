"""Importing in the browser: upload, preview (format, mapping, located rejections), fix the mapping, import."""

from __future__ import annotations

import re

from cxlens.web import audit


def _upload(web, client, name: str, content: str, kind: str = "", survey: str = ""):  # type: ignore[no-untyped-def]
    return client.post(
        "/import/preview",
        files={"file": (name, content.encode("utf-8"))},
        data={"kind": kind, "survey": survey, "csrf_token": web.csrf(client)},
    )


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def test_preview_then_import(fresh_web) -> None:
    web = fresh_web
    client = web.signed_in("analyst")
    assert "Import data" in client.get("/import").text
    csv = "工单编号,创建时间,团队\nT20,2025-03-01 08:00,c\nT21,2025-03-02 08:00,c\nT22,yesterday,c\n"
    preview = _upload(web, client, "工单.csv", csv, kind="tickets")
    assert preview.status_code == 200, preview.text
    html = preview.text
    assert "工单.csv" in html and "csv" in html and "utf-8" in html.lower()
    assert "ticket_id: 工单编号" in html  # the guessed mapping, editable
    assert re.search(r"<td>4</td><td>创建时间</td><td>yesterday</td>", html)  # row 4 (header is row 1)
    upload = _field(html, "upload")
    assert web.ws.counts()["tickets"] == 4  # a preview stores nothing
    refused = client.post("/import/run", data={"upload": upload, "kind": "tickets", "csrf_token": web.csrf(client)})
    assert refused.status_code == 422
    assert "工单.csv: 1 of 3 rows failed validation, so nothing was imported" in refused.text
    assert web.ws.counts()["tickets"] == 4
    done = client.post(
        "/import/run",
        data={"upload": upload, "kind": "tickets", "skip_invalid": "true", "csrf_token": web.csrf(client)},
    )
    assert done.status_code == 200, done.text
    assert "Imported" in done.text
    assert web.ws.counts()["tickets"] == 6
    entries, _ = audit.list_entries(web.ws, action="data.import")
    assert entries[0]["actor"] == "analyst" and entries[0]["detail"]["inserted"] == 2
    assert entries[0]["target"] == "file:工单.csv"


def test_fixing_the_mapping(fresh_web) -> None:
    web = fresh_web
    client = web.signed_in("admin")
    csv = "who,when,words,kind\nC1,2025-03-01 10:00,great service,suggestion\n"
    preview = _upload(web, client, "fb.csv", csv, kind="feedback")
    assert "no column for the required field" in preview.text  # said, with a mapping to edit
    upload = _field(preview.text, "upload")
    mapping = "kind: feedback\ncolumns:\n  customer_id: who\n  collected_at: when\n  text: words\n  source_type: kind\n"
    checked = client.post(
        "/import/preview",
        data={"upload": upload, "kind": "feedback", "mapping": mapping, "csrf_token": web.csrf(client)},
    )
    assert checked.status_code == 200 and "no column for the required field" not in checked.text
    done = client.post(
        "/import/run", data={"upload": upload, "kind": "feedback", "mapping": mapping, "csrf_token": web.csrf(client)}
    )
    assert done.status_code == 200 and web.ws.counts()["feedback"] == 4


def test_bad_mapping_yaml_is_a_clear_message(fresh_web) -> None:
    web = fresh_web
    client = web.signed_in("admin")
    upload = _field(_upload(web, client, "c.csv", "customer_id\nC7\n", kind="customers").text, "upload")
    response = client.post(
        "/import/preview",
        data={"upload": upload, "kind": "customers", "mapping": "columns: [", "csrf_token": web.csrf(client)},
    )
    assert "not valid YAML" in response.text


def test_unknown_upload_ids_are_refused(web) -> None:
    client = web.signed_in("admin")
    for upload in ("../../cxlens.duckdb", "x" * 24):
        response = client.post("/import/run", data={"upload": upload, "csrf_token": web.csrf(client)})
        assert response.status_code == 404


def test_survey_definition_then_its_responses(fresh_web) -> None:
    web = fresh_web
    client = web.signed_in("analyst")
    survey = "code: visit\ntitle: 到店回访\nquestions:\n  - {code: nps, type: nps, text: 推荐}\n"
    preview = _upload(web, client, "visit.yaml", survey, kind="survey")
    done = client.post(
        "/import/run", data={"upload": _field(preview.text, "upload"), "kind": "survey", "csrf_token": web.csrf(client)}
    )
    assert done.status_code == 200, done.text
    assert web.ws.counts()["surveys"] == 2
    answers = "response_id,submitted_at,nps\nV1,2025-03-01 10:00,9\nV2,2025-03-02 10:00,3\n"
    preview = _upload(web, client, "visit.csv", answers, kind="responses", survey="visit")
    assert "nps: nps" in preview.text  # the question column is matched by its code
    done = client.post(
        "/import/run",
        data={
            "upload": _field(preview.text, "upload"),
            "kind": "responses",
            "survey": "visit",
            "mapping": "",
            "csrf_token": web.csrf(client),
        },
    )
    assert done.status_code == 200 and web.ws.counts()["responses"] == 7
