from __future__ import annotations

import copy
from typing import Any

import pytest
from survey_definition import DEFINITION

from cxlens.exceptions import ConfigurationError
from cxlens.surveys import Condition, form_to_dict, parse_form


def test_round_trip_keeps_everything() -> None:
    form = parse_form(DEFINITION)
    assert parse_form(form_to_dict(form)) == form
    assert form.show_if["why_low"] == (Condition("nps", "lte", 6.0),)
    assert form.description["en"] == "About two minutes."
    assert form.languages == ["zh", "en"]


def _with(question: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(DEFINITION)
    data["questions"].append(question)
    return data


@pytest.mark.parametrize(
    ("show_if", "match"),
    [
        ({"question": "later", "op": "answered"}, "not a question of this survey"),
        ({"question": "visited", "op": "equals", "value": "east"}, "'east' is not a choice code of 'visited'"),
        ({"question": "visited", "op": "gt", "value": 1}, "compare it with equals/in"),
        ({"question": "visited", "op": "contains", "value": "north"}, "applies to multiple-choice"),
        ({"question": "nps", "op": "bigger", "value": 1}, "operator 'bigger' is not one of"),
        ({"question": "nps", "op": "gte"}, "needs a `value`"),
        ({"question": "nps", "op": "gte", "value": "high"}, "'high' is not a number"),
        ({"question": "nps", "op": "equals", "value": [1, 2]}, "takes one value"),
        ("nps", "a condition is a mapping"),
    ],
)
def test_bad_skip_logic_says_what_and_where(show_if: object, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match) as info:
        parse_form(_with({"code": "extra", "type": "text", "show_if": show_if}))
    assert "'extra'" in str(info.value)


def test_skip_logic_may_only_look_back() -> None:
    data = copy.deepcopy(DEFINITION)
    data["questions"][0]["show_if"] = {"question": "comment", "op": "answered"}
    with pytest.raises(ConfigurationError, match="not an earlier question"):
        parse_form(data)


def test_base_rules_come_from_the_import_format() -> None:
    with pytest.raises(ConfigurationError, match="needs `scale"):
        parse_form(_with({"code": "x", "type": "likert"}))
    with pytest.raises(ConfigurationError, match="needs `choices`"):
        parse_form(_with({"code": "x", "type": "single"}))
    with pytest.raises(ConfigurationError, match="default_language must be zh or en"):
        parse_form({**DEFINITION, "default_language": "fr"})


@pytest.mark.parametrize(
    ("cond", "answers", "expected"),
    [
        (Condition("q", "answered"), {"q": 1.0}, True),
        (Condition("q", "answered"), {"q": None}, False),
        (Condition("q", "not_answered"), {}, True),
        (Condition("q", "equals", 5.0), {"q": 5.0}, True),
        (Condition("q", "equals", 5.0), {"q": None}, False),
        (Condition("q", "not_equals", 5.0), {"q": None}, False),
        (Condition("q", "not_equals", 5.0), {"q": 4.0}, True),
        (Condition("q", "in", ("a", "b")), {"q": "b"}, True),
        (Condition("q", "not_in", ("a", "b")), {"q": "c"}, True),
        (Condition("q", "gt", 6.0), {"q": 6.0}, False),
        (Condition("q", "gte", 6.0), {"q": 6.0}, True),
        (Condition("q", "lt", 6.0), {"q": 5.0}, True),
        (Condition("q", "lte", 6.0), {"q": 7.0}, False),
        (Condition("q", "contains", "tv"), {"q": ("tv", "fridge")}, True),
        (Condition("q", "contains", "tv"), {"q": ("fridge",)}, False),
        (Condition("q", "equals", "tv"), {"q": ("tv",)}, True),
        (Condition("q", "not_in", ("tv",)), {"q": ("fridge",)}, True),
    ],
)
def test_condition_semantics(cond: Condition, answers: dict[str, Any], expected: bool) -> None:
    assert cond.holds(answers) is expected
