from __future__ import annotations

import copy
from pathlib import Path

import pytest
import sqlalchemy as sa
from survey_definition import DEFINITION

from cxlens.exceptions import ConfigurationError, SurveyClosedError, SurveyNotFoundError
from cxlens.ingest import import_file, import_survey
from cxlens.model import tables as t
from cxlens.store import Workspace
from cxlens.surveys import (
    close_form,
    create_form,
    form_from_survey,
    get_form,
    list_forms,
    open_form,
    publish,
    resolve_link,
    submit,
    update_form,
)


def _survey_codes(ws: Workspace) -> list[str]:
    with ws.engine.connect() as conn:
        return list(conn.execute(sa.select(t.surveys.c.code).order_by(t.surveys.c.id)).scalars())


def test_a_draft_is_not_answerable_until_published(ws: Workspace) -> None:
    info = create_form(ws, DEFINITION, by="alice")
    assert info.version is None and not info.is_open and len(info.slug) >= 12
    with pytest.raises(SurveyNotFoundError):
        resolve_link(ws, info.slug)
    with pytest.raises(ConfigurationError, match="not been published"):
        open_form(ws, "visit")
    with pytest.raises(ConfigurationError, match="exists already"):
        create_form(ws, DEFINITION)
    assert _survey_codes(ws) == []


def test_publishing_installs_the_survey_and_versions_follow_changes(ws: Workspace) -> None:
    slug = create_form(ws, DEFINITION).slug
    first = publish(ws, "visit", by="alice")
    assert (first.version, first.survey_code, first.is_open, first.slug) == (1, "visit", True, slug)
    assert publish(ws, "visit").version == 1  # unchanged: no new version
    # a new help text only: version 2 answers into the same survey
    data = copy.deepcopy(DEFINITION)
    data["questions"][0]["help"] = {"zh": "0 表示完全不可能", "en": "0 means not at all likely"}
    update_form(ws, "visit", data, by="bob")
    second = publish(ws, "visit")
    assert (second.version, second.survey_code) == (2, "visit")
    # a new question: version 3 is a survey of its own, the link stays
    data["questions"].append({"code": "extra", "type": "text"})
    update_form(ws, "visit", data)
    third = publish(ws, "visit")
    assert (third.version, third.survey_code, third.slug) == (3, "visit_v3", slug)
    assert _survey_codes(ws) == ["visit", "visit_v3"]
    assert resolve_link(ws, slug).form.survey.questions[-1].code == "extra"
    assert [f.code for f in list_forms(ws)] == ["visit"]


def test_code_cannot_change_and_access_is_checked(ws: Workspace) -> None:
    create_form(ws, DEFINITION)
    with pytest.raises(ConfigurationError, match="code cannot change"):
        update_form(ws, "visit", {**DEFINITION, "code": "other"})
    with pytest.raises(ConfigurationError, match="access must be one of"):
        update_form(ws, "visit", access="public")
    assert update_form(ws, "visit", access="invitation").access == "invitation"
    with pytest.raises(SurveyNotFoundError):
        update_form(ws, "nope", access="invitation")


def test_closed_forms_refuse_the_public(ws: Workspace) -> None:
    create_form(ws, DEFINITION)
    slug = publish(ws, "visit").slug
    close_form(ws, "visit")
    with pytest.raises(SurveyClosedError):
        resolve_link(ws, slug)
    assert resolve_link(ws, slug, require_open=False).version == 1
    assert open_form(ws, "visit").is_open
    with pytest.raises(SurveyNotFoundError):
        resolve_link(ws, "no-such-slug")


def test_a_form_from_an_imported_survey_answers_into_it(ws: Workspace, tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "code: rel\ntitle: {zh: 关系调查, en: Relationship}\nquestions:\n"
        "  - {code: nps, type: nps, text: {zh: 推荐, en: Recommend}}\n"
        "  - {code: ch, type: single, choices: [{code: a, text: A, score: 1}, {code: b, text: B}]}\n",
        encoding="utf-8",
    )
    (tmp_path / "r.csv").write_text("response_id,submitted_at,nps,ch\nR1,2025-01-01,10,a\n", encoding="utf-8")
    import_survey(ws, tmp_path / "s.yaml")
    import_file(ws, tmp_path / "r.csv", "responses", survey="rel")
    form_from_survey(ws, "rel")
    info = publish(ws, "rel")
    assert info.survey_code == "rel" and _survey_codes(ws) == ["rel"]
    submit(ws, resolve_link(ws, info.slug), {"nps": "0", "ch": "b"}, key="web:x")
    assert get_form(ws, "rel").responses == 2
