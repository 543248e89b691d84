from __future__ import annotations

from typing import Any

import pytest

from cxlens.exceptions import ConfigurationError
from cxlens.ingest.surveys import install_survey, parse_survey
from cxlens.store import Workspace

BASE: dict[str, Any] = {"code": "s", "questions": [{"code": "nps", "type": "nps", "text": "推荐?"}]}


def _with(**question: Any) -> dict[str, Any]:
    return {"code": "s", "questions": [{"code": "q", "text": "?", **question}]}


@pytest.mark.parametrize(
    ("definition", "match"),
    [
        ({"questions": BASE["questions"]}, "needs a `code`"),
        ({"code": "s", "questions": []}, "at least one question"),
        ({"code": "s", "status": "live", "questions": BASE["questions"]}, "status 'live'"),
        (_with(type="stars"), "type 'stars'"),
        (_with(type="likert"), "needs `scale"),
        (_with(type="rating", scale=[5, 1]), "max > min"),
        (_with(type="nps", scale=[1, 10]), "always on 0–10"),
        (_with(type="single"), "needs `choices`"),
        (_with(type="multi", choices=[{"code": "a"}, {"code": "a"}]), "unique"),
        (_with(type="likert", scale=[1, 5], dimension="price"), "not declared"),
    ],
)
def test_bad_definitions_say_what_is_wrong(definition: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        parse_survey(definition)


def test_nps_scale_is_implied_and_texts_are_per_language() -> None:
    survey = parse_survey({**BASE, "title": {"zh": "调查", "en": "Survey"}})
    assert survey.questions[0].scale == (0.0, 10.0)
    assert survey.title == {"zh": "调查", "en": "Survey"}


def test_install_is_idempotent_and_refuses_a_changed_definition(workspace: Workspace) -> None:
    survey = parse_survey(BASE)
    with workspace.begin() as conn:
        first = install_survey(conn, survey)
    with workspace.begin() as conn:
        assert install_survey(conn, survey) == (first[0], False)
    changed = parse_survey({**BASE, "questions": [*BASE["questions"], {"code": "why", "type": "text"}]})
    with pytest.raises(ConfigurationError, match="different definition"), workspace.begin() as conn:
        install_survey(conn, changed)
    assert workspace.counts()["questions"] == 1
