"""One text in, its language, sentiment (document and sentences), aspects with their sentiment and
keywords out: the pipeline every free text in a workspace goes through.

>>> a = Analyzer(aspects=AspectLexicon.template("retail"))
>>> r = a.analyze("味道不错，就是送餐太慢了，等了一个多小时")
>>> r.language, r.label
('zh', 'negative')
>>> [(x.aspect, x.label) for x in r.aspects]
[('taste', 'positive'), ('logistics', 'negative'), ('response_speed', 'negative')]
>>> a.analyze("Great speaker, setup was easy").label
'positive'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxlens.text.aspects import AspectLexicon
from cxlens.text.lexicon import Lexicon, squash
from cxlens.text.model import NgramModel, features, text_length
from cxlens.text.normalize import detect_language, normalize, split_sentences
from cxlens.text.tokenize import Tokenizer, is_stop_word

__all__ = ["LABELS", "NEUTRAL_BAND", "AnalysisResult", "Analyzer", "AspectResult", "SentenceResult", "label_of"]

LABELS = ("negative", "neutral", "positive")
#: scores with |score| below this are neutral
NEUTRAL_BAND = 0.2
_MAX_KEYWORDS = 8


def label_of(score: float) -> str:
    """``negative`` / ``neutral`` / ``positive`` for a score in −1 … +1."""
    if score <= -NEUTRAL_BAND:
        return "negative"
    return "positive" if score >= NEUTRAL_BAND else "neutral"


@dataclass(frozen=True, slots=True)
class SentenceResult:
    position: int
    text: str
    score: float
    label: str

    def __reduce__(self) -> tuple[Any, ...]:  # pickled as its fields: results cross process boundaries
        return SentenceResult, (self.position, self.text, self.score, self.label)


@dataclass(frozen=True, slots=True)
class AspectResult:
    aspect: str
    term: str
    clause: str
    score: float
    label: str

    def __reduce__(self) -> tuple[Any, ...]:
        return AspectResult, (self.aspect, self.term, self.clause, self.score, self.label)


@dataclass(slots=True)
class AnalysisResult:
    """Everything cxlens derives from one text."""

    language: str
    score: float
    label: str
    sentences: list[SentenceResult] = field(default_factory=list)
    aspects: list[AspectResult] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)

    def __reduce__(self) -> tuple[Any, ...]:
        fields = (self.language, self.score, self.label, self.sentences, self.aspects, self.keywords)
        return AnalysisResult, fields

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "label": self.label,
            "score": round(self.score, 4),
            "aspects": [{"aspect": a.aspect, "label": a.label, "score": round(a.score, 4)} for a in self.aspects],
            "keywords": self.keywords,
            "sentences": [{"text": s.text, "label": s.label, "score": round(s.score, 4)} for s in self.sentences],
        }


class Analyzer:
    """Scores texts with a sentiment model (the shipped one unless ``model`` is given), the lexicon rule
    layer and an aspect lexicon (the generic template unless ``aspects`` is given).

    The shipped model was trained on product and book reviews, far from most customer-experience domains,
    so its score is averaged with equal weight with the domain-general lexicon's. A model trained on a
    workspace's own labelled feedback is in its domain: its stacking weights (learned out of fold) decide.
    """

    def __init__(
        self,
        model: NgramModel | None = None,
        aspects: AspectLexicon | None = None,
        user_words: list[str] | None = None,
        *,
        simplified: bool = False,
    ) -> None:
        self.model = model or NgramModel.shipped()
        self.lexicon = Lexicon.load()
        self.aspects = aspects or AspectLexicon.template("generic")
        self.simplified = simplified
        self.user_words = list(user_words or [])
        self.tokenizer = Tokenizer([*self.lexicon.zh_vocabulary, *self.aspects.terms, *self.user_words])
        self._stacked = self.model.info.get("combine") == "stack"

    @classmethod
    def for_folder(cls, folder: str | Path, *, simplified: bool = False) -> Analyzer:
        """The analyzer a workspace configures in ``<folder>/text/``: ``sentiment.model.gz`` (from
        ``cxlens text train``), ``aspects.yaml`` and ``userdict.txt``, each optional."""
        from cxlens.text.tokenize import read_user_dictionary

        base = Path(folder) / "text"
        model = NgramModel.load(base / "sentiment.model.gz") if (base / "sentiment.model.gz").is_file() else None
        aspects = AspectLexicon.load(base / "aspects.yaml") if (base / "aspects.yaml").is_file() else None
        words = read_user_dictionary(base / "userdict.txt") if (base / "userdict.txt").is_file() else None
        return cls(model, aspects, words, simplified=simplified)

    # -- scoring ------------------------------------------------------------------------------------
    def score_text(self, text: str, language: str | None = None) -> float:
        """Sentiment of one (normalised) text in −1 … +1."""
        language = language or detect_language(text)
        tokens = self.tokenizer.tokens(text, language)
        return self._score(text, tokens, language)

    def _score(self, text: str, tokens: list[str], language: str) -> float:
        if language == "und":
            return squash(self.lexicon.emoji_raw(text))  # emoji only (👍👍, 😡), or nothing to score
        if not tokens:
            return 0.0
        en = self.lexicon.en_score(text) if language in ("en", "mixed") or self._stacked else 0.0
        if language == "en" and not self._stacked:
            return en
        feats = features(text, tokens)
        raw = self.lexicon.zh_raw(tokens)
        if self._stacked:
            z = self.model.log_odds(feats, raw + 4.0 * en, text_length(text))
            return _clip(2.0 / (1.0 + math.exp(-z)) - 1.0)
        logit = self.model.logit(feats)
        zh = (2.0 / (1.0 + math.exp(-logit)) - 1.0 + squash(raw)) / 2.0
        return _clip((zh + en) / 2.0 if language == "mixed" else zh)

    def analyze(self, text: str) -> AnalysisResult:
        """Language, document and sentence sentiment, aspects (with the sentiment of their clause) and
        keywords of ``text``. The text is segmented once; sentences and clauses reuse its tokens."""
        clean = normalize(text, simplified=self.simplified)
        language = detect_language(clean)
        spans = self.tokenizer.spans(clean, language)
        tokens = [tok for tok, _ in spans]
        score = self._score(clean, tokens, language)
        result = AnalysisResult(language, score, label_of(score))
        sentences = split_sentences(clean)
        parts: dict[tuple[int, int], float] = {}  # a clause that is also a sentence, or holds two aspects

        def part(start: int, end: int) -> float:
            if (start, end) not in parts:
                parts[start, end] = self._part(clean, spans, start, end, language)
            return parts[start, end]

        if len(sentences) > 1:
            start = 0
            for i, sentence in enumerate(sentences):
                start = clean.find(sentence, start)
                s = part(start, start + len(sentence))
                result.sentences.append(SentenceResult(i, sentence, s, label_of(s)))
                start += len(sentence)
        else:
            result.sentences.append(SentenceResult(0, clean, score, result.label))
        for m in self.aspects.find(clean):
            whole = m.clause_end - m.clause_start >= len(clean.rstrip())
            s = score if whole else part(m.clause_start, m.clause_end)
            result.aspects.append(AspectResult(m.aspect, m.term, clean[m.clause_start : m.clause_end], s, label_of(s)))
        result.keywords = _keywords(tokens)
        return result

    def _part(self, text: str, spans: list[tuple[str, int]], start: int, end: int, language: str) -> float:
        return self._score(text[start:end], [tok for tok, at in spans if start <= at < end], language)


def _keywords(tokens: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tok in tokens:
        if len(tok) > 1 and not is_stop_word(tok):
            seen.setdefault(tok, None)
    return list(seen)[:_MAX_KEYWORDS]


def _clip(x: float) -> float:
    return max(-1.0, min(1.0, x))
