from __future__ import annotations

import pytest

from cxlens.text.normalize import detect_language, normalize, split_sentences, to_simplified


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("送餐太慢了", "zh"),
        ("极光音箱 Pro 连不上网", "zh"),
        ("The app keeps crashing", "en"),
        ("App 一直闪退, please fix the login bug", "mixed"),
        ("12345 !!!", "und"),
        ("", "und"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_normalize_full_width_punctuation_and_spaces() -> None:
    assert normalize("ＡＰＰ　很好用！！！！！") == "APP 很好用!!!"
    assert normalize("  太慢了。。。。。。  ") == "太慢了。。。"
    assert normalize("不错😀") == "不错😀"  # emoji carry sentiment and stay
    assert normalize("赞👍🏾❤️") == "赞👍❤"  # without skin tones and presentation selectors


def test_traditional_to_simplified_only_when_asked() -> None:
    assert normalize("服務態度很好") == "服務態度很好"
    assert normalize("服務態度很好", simplified=True) == "服务态度很好"
    assert to_simplified("醫生護士") == "医生护士"


def test_split_sentences_zh_en_and_decimals() -> None:
    assert split_sentences("味道不错。送餐太慢了!下次不点了") == ["味道不错。", "送餐太慢了!", "下次不点了"]
    assert split_sentences("Great screen. Battery died after 2.5 hours") == [
        "Great screen.",
        "Battery died after 2.5 hours",
    ]
    assert split_sentences("") == []
