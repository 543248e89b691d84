"""The survey builder pages: roles, creating and editing every question type, preview, publish, QR, invitations."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from cxlens.model import tables as t
from cxlens.surveys import get_form
from cxlens.web import audit


def _builder_post(client: Any, web: Any, url: str, **fields: str) -> Any:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return client.post(url, data={"csrf_token": web.form_token(page.text), **fields})


NEW = {
    "code": "store_visit",
    "title_zh": "门店体验",
    "title_en": "Store visit",
    "default_language": "zh",
    "access": "anonymous",
    "n_dims": "1",
    "d0_code": "service",
    "d0_name_zh": "服务",
    "d0_name_en": "Service",
    "d0_weight": "0.7",
    "n_questions": "4",
    "q0_code": "nps",
    "q0_type": "nps",
    "q0_text_zh": "推荐意愿",
    "q0_text_en": "Recommend?",
    "q0_required": "1",
    "q1_code": "why",
    "q1_type": "text",
    "q1_text_zh": "原因",
    "q1_text_en": "Why?",
    "q1_if_question": "nps",
    "q1_if_op": "lte",
    "q1_if_value": "6",
    "q2_code": "staff",
    "q2_type": "likert",
    "q2_text_en": "Staff were helpful",
    "q2_dimension": "service",
    "q2_weight": "1",
    "q3_code": "store",
    "q3_type": "single",
    "q3_text_en": "Which store?",
    "q3_choices": "north | 北店 | North\nsouth | 南店 | South | 2",
    "action": "save",
}


def test_roles_on_the_builder(web: Any) -> None:
    assert web.client().get("/surveys").status_code == 303  # sign in first
    assert web.signed_in("viewer").get("/surveys").status_code == 403
    agent = web.signed_in("agent")
    assert agent.get("/surveys").status_code == 200
    assert agent.get("/surveys/new").status_code == 403
    page = agent.get("/surveys")
    assert agent.post("/surveys/new", data={"csrf_token": web.form_token(page.text), **NEW}).status_code == 403
    assert web.signed_in("analyst").get("/surveys/new").status_code == 200


def test_build_preview_publish_and_share(fresh_web: Any) -> None:
    web = fresh_web
    client = web.signed_in("analyst")
    created = _builder_post(client, web, "/surveys/new", **NEW)
    assert created.status_code == 303 and created.headers["location"] == "/surveys/store_visit?saved=1"
    form = get_form(web.ws, "store_visit").definition
    assert form["questions"][1]["show_if"] == {"question": "nps", "op": "lte", "value": 6.0}
    assert form["questions"][2]["scale"] == [1.0, 5.0]  # the default Likert scale
    assert form["questions"][3]["choices"][1] == {"code": "south", "text": {"zh": "南店", "en": "South"}, "score": 2.0}
    assert form["dimensions"] == [{"code": "service", "name": {"zh": "服务", "en": "Service"}, "weight": 0.7}]
    preview = client.get("/surveys/store_visit/preview?lang=en")
    assert (
        preview.status_code == 200
        and "Preview: nothing is saved" in preview.text
        and "Staff were helpful" in preview.text
    )
    assert "disabled" in preview.text
    detail = client.get("/surveys/store_visit")
    token = web.form_token(detail.text)
    assert client.post("/surveys/store_visit/publish", data={"csrf_token": token}).status_code == 303
    info = get_form(web.ws, "store_visit")
    assert info.version == 1 and info.is_open
    detail = client.get("/surveys/store_visit")
    assert f"/s/{info.slug}" in detail.text and "/surveys/store_visit/qr.svg" in detail.text
    svg = client.get("/surveys/store_visit/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert f"http://testserver/s/{info.slug}" in svg.text
    assert client.get("/surveys/store_visit/qr.png").content[:4] == b"\x89PNG"
    assert web.client().get(f"/s/{info.slug}").status_code == 200  # the public page answers
    invited = client.post("/surveys/store_visit/invite", data={"csrf_token": token, "count": "3", "channel": "sms"})
    assert invited.status_code == 200 and len(re.findall(r"\?i=[\w-]{22}", invited.text)) == 3
    as_csv = client.post(
        "/surveys/store_visit/invite", data={"csrf_token": token, "customers": "C1\nC2", "format": "csv"}
    )
    assert as_csv.headers["content-type"].startswith("text/csv") and as_csv.text.count("?i=") == 2
    entries, _ = audit.list_entries(web.ws)
    assert {"survey.create", "survey.publish"} <= {e["action"] for e in entries}


def test_builder_errors_re_render_with_the_rows(fresh_web: Any) -> None:
    web = fresh_web
    client = web.signed_in("admin")
    bad = _builder_post(client, web, "/surveys/new", **{**NEW, "q1_if_question": "later"})
    assert bad.status_code == 422 and "not a question of this survey" in bad.text
    assert 'value="推荐意愿"' in bad.text  # what was typed is kept
    more = _builder_post(client, web, "/surveys/new", **{**NEW, "action": "add_question"})
    assert more.status_code == 200 and 'name="n_questions" value="7"' in more.text  # 4 + 2 blank + 1 added
    assert _builder_post(client, web, "/surveys/new", **{**NEW, "q2_scale_min": "x"}).status_code == 422


def test_edit_keeps_unseen_settings_and_yaml_edit(fresh_web: Any) -> None:
    web = fresh_web
    client = web.signed_in("analyst")
    _builder_post(client, web, "/surveys/new", **NEW)
    page = client.get("/surveys/store_visit/edit")
    yaml_box = re.search(
        r'<textarea id="yaml-definition" name="definition" rows="24">(.*?)</textarea>', page.text, re.S
    )
    assert yaml_box and "store_visit" in yaml_box.group(1)
    yaml_text = (
        "code: store_visit\ntitle: {zh: 门店, en: Store}\nquestions:\n"
        "  - {code: nps, type: nps, required: true, anchors: {low: {en: Never}, high: {en: Surely}}}\n"
    )
    saved = client.post(
        "/surveys/store_visit/yaml", data={"csrf_token": web.form_token(page.text), "definition": yaml_text}
    )
    assert saved.status_code == 303
    fields = {k: v for k, v in NEW.items() if not k.startswith(("q1", "q2", "q3", "d0"))}
    again = _builder_post(
        client,
        web,
        "/surveys/store_visit/edit",
        **{**fields, "n_questions": "1", "n_dims": "0", "q0_text_en": "Recommend us?"},
    )
    assert again.status_code == 303
    definition = get_form(web.ws, "store_visit").definition
    assert definition["questions"][0]["anchors"]["low"] == {"en": "Never"}  # not on the builder's rows: kept
    assert definition["questions"][0]["text"]["en"] == "Recommend us?"
    broken = client.post(
        "/surveys/store_visit/yaml", data={"csrf_token": web.form_token(page.text), "definition": "- a\n- b"}
    )
    assert broken.status_code == 422 and "must be a mapping" in broken.text


def test_create_from_an_imported_survey(fresh_web: Any) -> None:
    web = fresh_web
    client = web.signed_in("analyst")
    page = client.get("/surveys")
    assert '<option value="s">s</option>' in page.text
    made = client.post("/surveys/from-existing", data={"csrf_token": web.form_token(page.text), "survey": "s"})
    assert made.status_code == 303
    client.post("/surveys/s/publish", data={"csrf_token": web.form_token(page.text)})
    info = get_form(web.ws, "s")
    assert info.survey_code == "s" and info.responses == 5  # the imported responses are this survey's


@pytest.mark.parametrize("url", ["/surveys/nope", "/surveys/nope/edit", "/surveys/nope/qr.svg"])
def test_unknown_forms_are_404(web: Any, url: str) -> None:
    assert web.signed_in("admin").get(url).status_code == 404


def test_titles_are_escaped(fresh_web: Any) -> None:
    web = fresh_web
    client = web.signed_in("analyst")
    _builder_post(client, web, "/surveys/new", **{**NEW, "title_en": "<img src=x onerror=alert(1)>"})
    page = client.get("/surveys?lang=en")
    assert "<img src=x" not in page.text and "&lt;img src=x" in page.text
    with web.ws.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.survey_forms)).scalar_one() == 1
