from __future__ import annotations

import pytest

from cxlens.text.lexicon import Lexicon, squash
from cxlens.text.tokenize import Tokenizer

LEX = Lexicon.load()


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer(LEX.zh_vocabulary)


def raw(tok: Tokenizer, text: str) -> float:
    return LEX.zh_raw(tok.chinese(text))


def test_negation_flips_and_damps(tok: Tokenizer) -> None:
    assert raw(tok, "满意") > 0
    assert raw(tok, "不太满意") < 0
    assert raw(tok, "不太满意") > raw(tok, "很不满意")  # "not very satisfied" is milder
    assert raw(tok, "没有问题") > 0  # a negated complaint word is mildly good
    assert raw(tok, "不是很好") < 0


def test_degree_words_scale(tok: Tokenizer) -> None:
    assert raw(tok, "非常慢") < raw(tok, "慢") < 0
    assert raw(tok, "有点慢") > raw(tok, "慢")
    assert raw(tok, "很好") > 0  # 好 is "good" when no sentiment word follows


def test_contrast_weighs_the_clause_after_but(tok: Tokenizer) -> None:
    assert raw(tok, "味道不错，但是送餐太慢") < 0
    assert raw(tok, "送餐太慢，但是味道很好") > 0


def test_english_negation_boosters_and_but() -> None:
    assert LEX.en_score("not bad") > 0 > LEX.en_score("not good")
    assert LEX.en_score("very good") > LEX.en_score("good") > 0
    assert LEX.en_score("The screen is great but the battery is awful") < LEX.en_score("The screen is great")
    assert LEX.en_score("It crashes every day") < 0  # stems: crashes → crash


def test_squash_is_bounded_and_odd() -> None:
    assert squash(0) == 0
    assert -1 < squash(-100) < -0.99 and 0.99 < squash(100) < 1
    assert squash(2) == -squash(-2)


def test_emoji_carry_sentiment_in_chinese_english_and_alone(tok: Tokenizer) -> None:
    assert LEX.emoji_raw("👍👍") == 2 * LEX.emoji_raw("👍") > 0 > LEX.emoji_raw("😡")
    assert LEX.emoji_raw("味道不错") == 0.0
    assert raw(tok, "送到了😡") < 0 < raw(tok, "送到了👍")
    assert raw(tok, "味道不错，但是送餐太慢😡") < raw(tok, "味道不错，但是送餐太慢")  # it joins the clause after 但是
    assert LEX.en_score("It arrived 👍") > 0 > LEX.en_score("It arrived 😡")
    assert not any(len(e) > 1 for e in LEX.emoji) and set(LEX.emoji) <= set(LEX.zh_words)
