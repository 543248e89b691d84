"""Training a sentiment model: the shipped one (scripts/train_sentiment.py) and a workspace's own
(``cxlens text train``), with the same features and the same code.

>>> parse_label("好评"), parse_label("negative"), parse_label("0"), parse_label("中性")
(1, 0, 0, None)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cxlens.text.lexicon import Lexicon
from cxlens.text.model import NgramModel, features, text_length
from cxlens.text.normalize import normalize
from cxlens.text.tokenize import Tokenizer

__all__ = ["WORKSPACE_MODEL", "parse_label", "train"]

#: where a workspace keeps the model ``cxlens text train`` fitted
WORKSPACE_MODEL = Path("text") / "sentiment.model.gz"

_POSITIVE = {"1", "positive", "pos", "+", "+1", "good", "正面", "积极", "好评", "正", "满意"}
_NEGATIVE = {"0", "-1", "negative", "neg", "-", "bad", "负面", "消极", "差评", "负", "不满意"}
_NEUTRAL = {"neutral", "2", "中性", "中评", "一般", ""}


def parse_label(value: object) -> int | None:
    """1 for a positive label, 0 for a negative one, None for neutral or empty (left out of training).

    Raises ``ValueError`` for anything else (numbers other than −1, 0, 1, 2 included).
    """
    text = str(value).strip().lower() if value is not None else ""
    if text.endswith(".0"):
        text = text[:-2]
    if text in _POSITIVE:
        return 1
    if text in _NEGATIVE:
        return 0
    if text in _NEUTRAL:
        return None
    raise ValueError(f"not a sentiment label: {value!r} (use positive/negative/neutral, 1/0, 正面/负面 …)")


def train(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    combine: str = "stack",
    c: float = 4.0,
    min_df: int = 2,
    learners: str = "lr+nblr",
    user_words: Sequence[str] = (),
    info: dict[str, Any] | None = None,
) -> NgramModel:
    """Fit the n-gram model and its stacking layer on ``texts`` with 0/1 ``labels``.

    ``combine="stack"`` (a workspace model) lets the stack fitted out of fold combine the model with the
    lexicon (and, for ``"lr+nblr"``, the text's length); ``"mean"`` (the shipped model) averages model and
    lexicon with equal weight (see Analyzer). ``learners`` and ``c`` go to :meth:`NgramModel.fit`: the
    defaults (logistic regression and NB-weighted logistic regression, ``c=4``, additive stack) are what
    ``cxlens text train`` uses; on waimai_10k (5-fold, see bench/text_accuracy.py) they were chosen over
    ``c`` in 1, 2, 8, 16, character 4-grams, word trigrams and a linear stack.
    """
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    if combine not in ("stack", "mean"):
        raise ValueError(f"combine must be 'stack' or 'mean', not {combine!r}")
    lexicon = Lexicon.load()
    tokenizer = Tokenizer([*lexicon.zh_vocabulary, *user_words])
    feats, raws, lengths = [], [], []
    for text in texts:
        clean = normalize(text)
        tokens = tokenizer.tokens(clean)
        feats.append(features(clean, tokens))
        raws.append(lexicon.zh_raw(tokens) + 4.0 * lexicon.en_score(clean))
        lengths.append(text_length(clean))
    return NgramModel.fit(
        feats,
        raws,
        labels,
        lengths=lengths,
        c=c,
        min_df=min_df,
        learners=learners,
        info={"combine": combine, **(info or {})},
    )
