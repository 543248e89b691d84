"""The learned part of sentiment: logistic regression on character n-grams and word uni/bigrams, stacked
with the lexicon's rule score.

Features of a text are binary: its character 1–3-grams (spaces removed, lower-cased) and its word tokens
and token bigrams, each present feature weighted ``1/sqrt(number of features)`` (an L2-normalised binary
vector). Two learners are fitted on that design matrix ``X``:

* ``"lr"``: scikit-learn's ``LogisticRegression`` on ``X``;
* ``"nblr"``: the same logistic regression on ``X·diag(r)``, where ``r_j = log((p_j/‖p‖₁)/(q_j/‖q‖₁))`` is
  feature j's Naive-Bayes log-count ratio (``p``, ``q``: 1 + the number of positive / negative training texts
  having it) — the NBSVM of Wang & Manning (2012) with a logistic loss.

A stacking logistic regression fitted on five-fold out-of-fold scores (Wolpert 1992) then combines the
learners' log-odds with the lexicon's summed valence, so the rule layer keeps working on words the training
data never saw. Both learners are linear in the same features, so the stacked combination
``a·(lr) + b·(nblr)`` collapses into one weight per feature (``a·w_j + b·v_j·r_j``): applying a model is
one dictionary look-up per feature whatever was fitted.

A model is stored as a gzip'd text file: one JSON header line, then ``feature<TAB>weight`` lines
(weights rounded to 4 significant digits; features with |weight| < ``prune`` dropped).

References: Wang, S., Manning, C.D. (2012). Baselines and Bigrams: Simple, Good Sentiment and Topic
Classification. ACL 2012, 90–94. Wolpert, D.H. (1992). Stacked generalization. Neural Networks 5(2), 241–259.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import Any

__all__ = ["SHIPPED_MODEL", "NgramModel", "features"]

#: the model shipped in the package (trained by scripts/train_sentiment.py)
SHIPPED_MODEL = "zh_sentiment.model.gz"
_NGRAMS = (1, 2, 3)


def features(text: str, tokens: Sequence[str]) -> list[str]:
    """The distinct features of ``text``: character 1–3-grams and ``w:``-prefixed tokens and token bigrams."""
    chars = "".join(text.lower().split())
    feats = {chars[i : i + n] for n in _NGRAMS for i in range(len(chars) - n + 1)}
    words = [t for t in tokens if t.strip()]
    feats.update("w:" + w for w in words)
    feats.update(f"w:{a}_{b}" for a, b in zip(words, words[1:], strict=False))
    return list(feats)


@dataclass
class NgramModel:
    """Weights of the n-gram logistic regression and of the stacking layer ``z = a·logit + b·lexicon + c``."""

    weights: dict[str, float]
    intercept: float
    stack: tuple[float, float, float] = (1.0, 0.0, 0.0)
    info: dict[str, Any] = field(default_factory=dict)

    def logit(self, feats: Sequence[str]) -> float:
        """Log-odds of positive from the n-gram features alone."""
        if not feats:
            return self.intercept
        return self.intercept + sum(map(self.weights.get, feats, repeat(0.0))) / math.sqrt(len(feats))

    def combine(self, logit: float, lexicon_raw: float) -> float:
        """Stacked log-odds of positive."""
        a, b, c = self.stack
        return a * logit + b * lexicon_raw + c

    # -- fitting ------------------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        feats: Sequence[Sequence[str]],
        lexicon_raw: Sequence[float],
        labels: Sequence[int],
        *,
        c: float = 1.0,
        min_df: int = 2,
        folds: int = 5,
        seed: int = 0,
        learners: str = "lr",
        info: dict[str, Any] | None = None,
    ) -> NgramModel:
        """Fit on feature lists, lexicon scores and 0/1 labels (1 = positive).

        ``learners`` is ``"lr"`` (one logistic regression, L-BFGS: how the shipped model is trained) or
        ``"lr+nblr"`` (logistic regression and NB-weighted logistic regression, both with liblinear's dual
        solver, stacked together with the lexicon). ``c`` is the inverse L2 strength of the learners.
        ``info["cv_accuracy"]`` is the stacked model's accuracy on the out-of-fold scores it was fitted on.
        """
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        if learners not in ("lr", "lr+nblr"):
            raise ValueError(f"learners must be 'lr' or 'lr+nblr', not {learners!r}")
        if len(feats) != len(labels) or len(lexicon_raw) != len(labels):
            raise ValueError(f"{len(feats)} feature lists, {len(lexicon_raw)} lexicon scores, {len(labels)} labels")
        y = np.asarray(labels, dtype=int)
        if len(set(y.tolist())) != 2:
            raise ValueError("training needs both negative and positive examples")
        if not c > 0:
            raise ValueError(f"c must be > 0, not {c!r}")
        vocab, matrix = _design(feats, min_df)
        if not vocab:
            raise ValueError(f"no feature occurs in at least min_df={min_df} training texts")
        present = (matrix > 0).astype(float).tocsr()

        def _lr() -> Any:
            if learners == "lr":
                return LogisticRegression(C=c, max_iter=2000)
            return LogisticRegression(C=c, solver="liblinear", dual=True, max_iter=5000)

        def _fit(rows: Any) -> list[tuple[Any, Any]]:
            """(fitted learner, per-feature scale) for each learner, on ``rows``."""
            fitted = [(_lr().fit(matrix[rows], y[rows]), None)]
            if learners == "lr+nblr":
                r = _nb_ratio(present[rows], y[rows])
                fitted.append((_lr().fit(matrix[rows] @ _diag(r), y[rows]), r))
            return fitted

        def _scores(fitted: list[tuple[Any, Any]], rows: Any) -> Any:
            x = matrix[rows]
            return np.column_stack([m.decision_function(x if r is None else x @ _diag(r)) for m, r in fitted])

        folds = max(2, min(folds, int(np.bincount(y).min())))
        oof = np.zeros((len(y), 2 if learners == "lr+nblr" else 1))
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(matrix, y):
            oof[test] = _scores(_fit(train), test)
        stacked = np.column_stack([oof, lexicon_raw])
        stacker = LogisticRegression(max_iter=1000).fit(stacked, y)
        cv_accuracy = float(np.mean((stacker.decision_function(stacked) > 0) == y))
        *mix, b = stacker.coef_[0].tolist()
        # one learner: its own weights, scaled by the stack's first coefficient at scoring time (the shipped
        # model's logit is used alone); two: their stacked sum, already scaled
        scale = [1.0] if learners == "lr" else mix
        coef = np.zeros(len(vocab))
        intercept = 0.0
        for s, (m, r) in zip(scale, _fit(np.arange(len(y))), strict=True):
            coef += s * (m.coef_[0] if r is None else m.coef_[0] * r)
            intercept += s * float(m.intercept_[0])
        names = [""] * len(vocab)
        for name, j in vocab.items():
            names[j] = name
        weights = dict(zip(names, coef.tolist(), strict=True))
        meta = {
            "n_train": len(y),
            "n_positive": int(y.sum()),
            "n_features": len(vocab),
            "learners": learners,
            "learner_weights": [round(m, 6) for m in mix],
            "c": c,
            "cv_accuracy": round(cv_accuracy, 4),
            **(info or {}),
        }
        a = mix[0] if learners == "lr" else 1.0
        return cls(weights, intercept, (a, b, float(stacker.intercept_[0])), meta)

    # -- storing ------------------------------------------------------------------------------------
    def save(self, path: str | Path, *, prune: float = 0.0) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {"format": 1, "intercept": self.intercept, "stack": list(self.stack), "info": self.info}
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
            fh.write(json.dumps(header, ensure_ascii=False) + "\n")
            for name, w in sorted(self.weights.items()):
                if abs(w) >= prune and "\t" not in name and "\n" not in name:
                    fh.write(f"{name}\t{w:.4g}\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> NgramModel:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return cls._read(fh.readline, fh)

    @classmethod
    def shipped(cls) -> NgramModel:
        """The default model in the package (see docs/text.md for its training data and licence)."""
        ref = resources.files("cxlens.text").joinpath("data", SHIPPED_MODEL)
        with ref.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
            return cls._read(fh.readline, fh)

    @classmethod
    def _read(cls, readline: Callable[[], str], lines: Any) -> NgramModel:
        header = json.loads(readline())
        if header.get("format") != 1:
            raise ValueError(f"unsupported sentiment model format {header.get('format')!r}")
        weights: dict[str, float] = {}
        for line in lines:
            name, _, w = line.rstrip("\n").rpartition("\t")
            weights[name] = float(w)
        a, b, c = header["stack"]
        return cls(weights, float(header["intercept"]), (a, b, c), header.get("info", {}))


def _design(feats: Sequence[Sequence[str]], min_df: int) -> tuple[dict[str, int], Any]:
    """Vocabulary (features in at least ``min_df`` texts) and the L2-normalised binary design matrix."""
    from collections import Counter

    import numpy as np
    import scipy.sparse as sp

    df = Counter(f for doc in feats for f in doc)
    vocab = {f: j for j, f in enumerate(sorted(f for f, n in df.items() if n >= min_df))}
    indptr, indices, values = [0], [], []
    for doc in feats:
        cols = [vocab[f] for f in doc if f in vocab]
        scale = 1.0 / math.sqrt(len(doc)) if doc else 0.0
        indices.extend(cols)
        values.extend([scale] * len(cols))
        indptr.append(len(indices))
    matrix = sp.csr_matrix(
        (np.array(values), np.array(indices, dtype=np.int64), np.array(indptr)), (len(feats), len(vocab))
    )
    return vocab, matrix


def _nb_ratio(present: Any, y: Any, alpha: float = 1.0) -> Any:
    """Naive-Bayes log-count ratio of each column of the 0/1 matrix ``present`` (Wang & Manning 2012)."""
    import numpy as np

    p = alpha + np.asarray(present[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(present[y == 0].sum(axis=0)).ravel()
    return np.log(p / p.sum()) - np.log(q / q.sum())


def _diag(values: Any) -> Any:
    import scipy.sparse as sp

    return sp.diags(values, format="csr")
