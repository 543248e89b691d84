from __future__ import annotations

from typing import Any

import pytest
from survey_definition import DEFINITION

from cxlens.exceptions import SubmissionInvalidError
from cxlens.surveys import parse_form, validate_submission
from cxlens.surveys.validation import MAX_TEXT

FORM = parse_form(DEFINITION)


def _errors(raw: dict[str, Any], lang: str = "en", strict: bool = False) -> dict[str, str]:
    with pytest.raises(SubmissionInvalidError) as info:
        validate_submission(FORM, raw, lang=lang, strict=strict)
    return info.value.messages(lang)


def test_a_complete_submission_is_typed() -> None:
    sub = validate_submission(
        FORM, {"nps": "9", "csat": "4", "visited": "south", "bought": ["fridge", "tv"], "tv_ok": "5", "comment": " ok "}
    )
    assert sub.answers["nps"] == 9.0 and sub.answers["visited"] == "south"
    assert sub.answers["bought"] == ("tv", "fridge")  # in the question's choice order
    assert sub.answers["comment"] == "ok"
    assert sub.hidden == ("why_low",)
    assert "ces" in sub.answers and sub.answers["ces"] is None and "ces" not in sub.given


def test_required_message_in_both_languages() -> None:
    assert _errors({}, "en") == {"nps": "This question is required."}
    assert _errors({}, "zh") == {"nps": "此题为必答题,请作答。"}


def test_skip_logic_makes_a_question_required_only_when_shown() -> None:
    assert _errors({"nps": "3"}) == {"why_low": "This question is required."}
    sub = validate_submission(FORM, {"nps": "10", "why_low": "ignored because hidden"})
    assert "why_low" not in sub.answers and sub.hidden == ("why_low", "tv_ok")


def test_answer_to_a_hidden_question_is_discarded() -> None:
    sub = validate_submission(FORM, {"nps": "8", "bought": ["fridge"], "tv_ok": "1"})
    assert "tv_ok" not in sub.answers


def test_an_invalid_answer_does_not_open_its_followers() -> None:
    # nps = 11 is invalid, so why_low (nps ≤ 6) stays hidden and only the nps message shows
    assert _errors({"nps": "11"}) == {"nps": "Choose a value from 0 to 10."}


@pytest.mark.parametrize(
    ("raw", "code", "expected"),
    [
        ({"nps": "7.5"}, "nps", "Choose a whole number from 0 to 10."),
        ({"nps": "abc"}, "nps", "Please enter a number."),
        ({"nps": "inf"}, "nps", "Please enter a number."),
        ({"nps": ["3", "4"]}, "nps", "Choose only one option."),
        ({"nps": "9", "csat": "6"}, "csat", "Choose a value from 1 to 5."),
        ({"nps": "9", "visited": "east"}, "visited", "Choose one of the options shown."),
        ({"nps": "9", "visited": ["north", "south"]}, "visited", "Choose only one option."),
        ({"nps": "9", "bought": ["tv", "car"]}, "bought", "Choose one of the options shown."),
        ({"nps": "9", "comment": "x" * (MAX_TEXT + 1)}, "comment", f"Keep your answer under {MAX_TEXT} characters."),
    ],
)
def test_each_rule_has_a_clear_message(raw: dict[str, Any], code: str, expected: str) -> None:
    assert _errors(raw)[code] == expected


def test_zh_message_with_parameters() -> None:
    assert _errors({"nps": "9", "csat": "0"}, "zh") == {"csat": "请选择 1 到 5 之间的分值。"}


def test_strict_mode_refuses_unknown_codes() -> None:
    assert _errors({"nps": "9", "nope": "1"}, strict=True) == {"nope": "This survey has no such question."}
    assert validate_submission(FORM, {"nps": "9", "csrf": "x"}).answers["nps"] == 9.0


def test_error_carries_ids_for_the_api() -> None:
    with pytest.raises(SubmissionInvalidError, match="2 answer") as info:
        validate_submission(FORM, {"csat": "9"})
    assert info.value.errors == {"nps": ("required", {}), "csat": ("out_of_scale", {"low": "1", "high": "5"})}
