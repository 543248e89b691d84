"""PII detectors: each one on valid and near-miss values."""

from __future__ import annotations

import pytest

from cxlens.text.pii import find, mask, mask_value, pseudonym


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("手机 13812345678", ["phone"]),
        ("+86 138-1234-5678", ["phone"]),
        ("12812345678", []),  # 12x is not a mobile prefix
        ("身份证 11010519491231002X", ["id_card"]),
        ("身份证 110105194912310021", []),  # wrong check digit
        ("mail li.na@example.com.cn", ["email"]),
        ("card 4111 1111 1111 1111", ["bank_card"]),
        ("card 4111 1111 1111 1112", []),  # fails Luhn
        ("from 192.168.0.1", ["ip"]),
        ("999.1.1.1", []),
        ("v6 2001:db8::1 at 12:30:45", ["ip"]),
    ],
)
def test_detectors(text: str, kinds: list[str]) -> None:
    assert [m.kind for m in find(text)] == kinds


def test_mask_replaces_every_match_and_keeps_the_rest() -> None:
    text = "张先生 13812345678，邮箱 a@b.cn，身份证 11010519491231002X"
    assert mask(text) == "张先生 [PHONE]，邮箱 [EMAIL]，身份证 [ID]"
    assert mask("nothing here") == "nothing here"


def test_pseudonyms_are_stable_and_hide_the_value() -> None:
    assert pseudonym("王芳") == pseudonym(" 王芳 ") != pseudonym("李娜")
    assert "王芳" not in mask_value("王芳", whole=True)
    assert mask_value("", whole=True) == ""
