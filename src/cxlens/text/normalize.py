"""Language detection (zh / en / mixed) and normalisation of free text.

>>> detect_language("送餐太慢了")
'zh'
>>> detect_language("The app keeps crashing")
'en'
>>> detect_language("App 一直闪退, please fix the login bug")
'mixed'
>>> normalize("ＡＰＰ　很好用！！！！！😀")
'APP 很好用!!!😀'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

__all__ = ["LANGUAGES", "detect_language", "normalize", "split_sentences", "to_simplified"]

#: what :func:`detect_language` answers; ``und`` is a text with neither Chinese characters nor letters
LANGUAGES = ("zh", "en", "mixed", "und")

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_REPEAT_PUNCT = re.compile(r"([!?。！？~～.,，、…])\1{3,}")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
# emoji presentation selectors and skin tones: they change how an emoji looks, not what it says
_EMOJI_MODIFIERS = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
_SENTENCE = re.compile(r"(?<=[。！？!?；;\n])|(?<=\.)\s+|(?<=[^\d]\.)(?=[^\d\s.])")


def detect_language(text: str) -> str:
    """``zh`` if at least 80 % of the text's words are Chinese, ``en`` if at most 20 %, else ``mixed``.

    A Chinese character counts as one word, as do three Latin letters (the mean length of an English word
    is about five letters, of a Chinese word about 1.5 characters, so this weighs both by meaning carried).
    """
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text)) / 3.0
    if cjk == 0 and latin == 0:
        return "und"
    share = cjk / (cjk + latin)
    if share >= 0.8:
        return "zh"
    if share <= 0.2:
        return "en"
    return "mixed"


def normalize(text: str, *, simplified: bool = False) -> str:
    """Full-width → half-width letters, digits and punctuation (NFKC), runs of 4+ identical punctuation
    marks shortened to 3 (the emphasis stays, the noise goes), spaces collapsed, ends stripped.

    Chinese full stops (。) and the enumeration comma (、) are kept; emoji are kept (they carry sentiment),
    without variation selectors and skin-tone modifiers. With ``simplified=True`` traditional characters
    become simplified (:func:`to_simplified`).

    >>> normalize("ＯＫ！！！！！👍🏽❤️")
    'OK!!!👍❤'
    """
    text = unicodedata.normalize("NFKC", text)
    text = _EMOJI_MODIFIERS.sub("", text)
    text = _REPEAT_PUNCT.sub(lambda m: m.group(1) * 3, text)
    text = _SPACES.sub(" ", text).strip()
    return to_simplified(text) if simplified else text


def split_sentences(text: str) -> list[str]:
    """Split a text at sentence-ending punctuation (Chinese and English) and line breaks.

    >>> split_sentences("味道不错。送餐太慢了!下次不点了")
    ['味道不错。', '送餐太慢了!', '下次不点了']
    >>> split_sentences("Great screen. Battery died after 2.5 hours")
    ['Great screen.', 'Battery died after 2.5 hours']
    """
    parts = (p.strip() for p in _SENTENCE.split(text))
    return [p for p in parts if p]


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese with OpenCC's character and phrase tables (``t2s``).

    >>> to_simplified("服務態度很好")
    '服务态度很好'
    """
    return str(_t2s().convert(text))


@functools.cache
def _t2s() -> Any:
    from opencc import OpenCC  # opencc-python-reimplemented (Apache-2.0): pure Python, tables in the wheel

    return OpenCC("t2s")
