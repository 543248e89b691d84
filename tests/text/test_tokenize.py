from __future__ import annotations

from pathlib import Path

from cxlens.text.tokenize import Tokenizer, english_tokens, is_stop_word, read_user_dictionary


def test_user_words_stay_whole_and_do_not_leak_between_tokenizers() -> None:
    plain = Tokenizer()
    assert "极光音箱" not in plain.tokens("极光音箱连不上网")
    branded = Tokenizer(user_words=["极光音箱"])
    assert branded.tokens("极光音箱连不上网")[0] == "极光音箱"
    assert "极光音箱" not in Tokenizer().tokens("极光音箱连不上网")


def test_read_user_dictionary(tmp_path: Path) -> None:
    path = tmp_path / "userdict.txt"
    path.write_text("# brand terms\n极光音箱 100 nz\n星辰家居\n\n", encoding="utf-8")
    assert read_user_dictionary(path) == ["极光音箱", "星辰家居"]


def test_english_tokens_keep_contractions() -> None:
    assert english_tokens("Don't buy it: NOT good :)") == ["don't", "buy", "it", "not", "good", ":)"]


def test_mixed_text_goes_through_jieba_with_latin_lower_cased() -> None:
    tokens = Tokenizer().tokens("App一直闪退")
    assert tokens[0] == "app"
    assert "闪退" in tokens


def test_stop_words() -> None:
    assert is_stop_word("的") and is_stop_word("the") and is_stop_word("，") and is_stop_word("12")
    assert not is_stop_word("送餐") and not is_stop_word("delivery")
