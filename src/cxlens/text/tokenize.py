"""Tokenising: jieba for Chinese (with the sentiment and aspect vocabularies and a per-workspace user
dictionary), a regular expression for English, and stop words for both.

>>> tok = Tokenizer(user_words=["极光音箱"])
>>> tok.tokens("极光音箱总是断网，不太满意")
['极光音箱', '总是', '断网', '，', '不太', '满意']
>>> tok.tokens("Don't buy it: the battery is NOT good")
["don't", 'buy', 'it', 'the', 'battery', 'is', 'not', 'good']
>>> [w for w in tok.tokens("我们的服务态度很好") if not is_stop_word(w)]
['服务态度', '好']
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cxlens.text.normalize import detect_language

__all__ = ["STOP_WORDS", "Tokenizer", "english_tokens", "is_stop_word", "read_user_dictionary"]

_EN_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?|[:;=][-']?[)(dp]")
_CJK = re.compile(r"[\u4e00-\u9fff]")

_EN_STOP = [
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "by",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "also",
    "get",
    "got",
    "one",
    "us",
    "it's",
    "i'm",
    "i've",
    "im",
    "ive",
    "can",
]
_ZH_STOP = [
    "的",
    "了",
    "是",
    "在",
    "我",
    "你",
    "他",
    "她",
    "它",
    "们",
    "我们",
    "你们",
    "他们",
    "这",
    "那",
    "这个",
    "那个",
    "就",
    "也",
    "都",
    "而",
    "及",
    "与",
    "和",
    "或",
    "一个",
    "有",
    "没",
    "吧",
    "吗",
    "呢",
    "啊",
    "呀",
    "哦",
    "嗯",
    "着",
    "过",
    "把",
    "被",
    "让",
    "给",
    "对",
    "从",
    "到",
    "为",
    "又",
    "还",
    "再",
    "个",
    "之",
    "于",
    "以",
    "等",
    "上",
    "下",
    "中",
    "里",
    "后",
    "前",
    "能",
    "会",
    "要",
    "说",
    "去",
    "来",
    "点",
    "次",
    "些",
    "得",
    "地",
    "很",
    "太",
    "非常",
    "挺",
    "比较",
    "自己",
    "什么",
    "怎么",
    "这么",
    "那么",
    "因为",
    "所以",
    "但是",
    "但",
    "不过",
    "就是",
    "然后",
    "而且",
    "如果",
    "虽然",
    "已经",
    "可以",
    "一下",
    "一直",
    "现在",
    "时候",
    "今天",
    "昨天",
    "还是",
    "真的",
    "感觉",
    "觉得",
]
#: stop words left out of keywords and themes (not out of sentiment, where 很 and 不 matter)
STOP_WORDS = frozenset(_EN_STOP) | frozenset(_ZH_STOP)


def is_stop_word(token: str) -> bool:
    """True for stop words, punctuation, numbers and single Latin letters."""
    if token in STOP_WORDS or not token.strip():
        return True
    if _CJK.search(token):
        return False
    return not re.search(r"[a-zA-Z]{2,}", token)


def english_tokens(text: str) -> list[str]:
    """Lower-cased words (keeping ``don't``-style contractions) and a few emoticons."""
    return _EN_TOKEN.findall(text.lower())


def read_user_dictionary(path: str | Path) -> list[str]:
    """Words from a jieba-style user dictionary: one per line (``word [freq] [tag]``), ``#`` comments."""
    words = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(line.split()[0])
    return words


def _new_jieba() -> Any:
    with warnings.catch_warnings():  # jieba 0.42 imports pkg_resources, deprecated in recent setuptools
        warnings.simplefilter("ignore")
        import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


class Tokenizer:
    """Word tokens for Chinese, English or mixed text.

    ``user_words`` (product names, brand terms, the workspace's user dictionary) and the sentiment and
    aspect vocabularies are added to jieba's dictionary, so that ``极光音箱`` or ``态度差`` stay one token.
    Each instance owns its own jieba dictionary: two workspaces' user words never mix.
    """

    def __init__(self, user_words: Iterable[str] = (), *, hmm: bool = True) -> None:
        self._jieba = _new_jieba()
        self.hmm = hmm
        self.user_words: list[str] = []
        self.add_words(user_words)

    def add_words(self, words: Iterable[str]) -> None:
        """Keep each of ``words`` as one token from now on."""
        for word in words:
            word = word.strip()
            if word and _CJK.search(word):
                # the smallest frequency at which jieba prefers the whole word to its parts
                self._jieba.add_word(word, freq=self._jieba.suggest_freq(word))
                self.user_words.append(word)

    def chinese(self, text: str) -> list[str]:
        """jieba's tokens, without whitespace; Latin words inside Chinese text come back lower-cased."""
        return [t.lower() if t.isascii() else t for t in self._jieba.cut(text, HMM=self.hmm) if not t.isspace()]

    def tokens(self, text: str, language: str | None = None) -> list[str]:
        """Tokens of ``text``: jieba when it holds Chinese, else :func:`english_tokens`."""
        language = language or detect_language(text)
        if language == "en" or (language == "und" and not _CJK.search(text)):
            return english_tokens(text)
        return self.chinese(text)

    def spans(self, text: str, language: str | None = None) -> list[tuple[str, int]]:
        """``(token, start offset)`` pairs, as :meth:`tokens` would give, so that a sentence or clause of
        ``text`` can be scored from its tokens without segmenting it again."""
        language = language or detect_language(text)
        if language == "en" or (language == "und" and not _CJK.search(text)):
            return [(m.group(0), m.start()) for m in _EN_TOKEN.finditer(text.lower())]
        found = []
        offset = 0
        for tok in self._jieba.cut(text, HMM=self.hmm):
            if not tok.isspace():
                found.append((tok.lower() if tok.isascii() else tok, offset))
            offset += len(tok)
        return found
