"""The learned part of sentiment: logistic regression on character n-grams and word uni/bigrams, stacked
with the lexicon's rule score.

Features of a text are binary: its character 1–3-grams (spaces removed, lower-cased) and its word tokens
and token bigrams, each present feature weighted ``1/sqrt(number of features)`` (an L2-normalised binary
vector). Two learners are fitted on that design matrix ``X``:

* ``"lr"``: scikit-learn's ``LogisticRegression`` on ``X``;
* ``"nblr"``: the same logistic regression on ``X·diag(r)``, where ``r_j = log((p_j/‖p‖₁)/(q_j/‖q‖₁))`` is
  feature j's Naive-Bayes log-count ratio (``p``, ``q``: 1 + the number of positive / negative training texts
  having it) — the NBSVM of Wang & Manning (2012) with a logistic loss.

The shipped model is the first learner alone. A workspace model (``"lr+nblr"``) stacks both (Wolpert 1992):
a second logistic regression, fitted on five-fold out-of-fold scores, combines the two learners' log-odds,
the lexicon's summed valence (so the rule layer keeps working on words the training data never saw) and
``log(1 + length)`` of the text. It is additive in cubic splines of those four inputs (a generalised additive
model, Hastie & Tibshirani 1990; five knots at the quantiles of each input, the spline constant beyond the
outer knots), so a learner's log-odds can count for more or less depending on how sure it is, and how much
a text's length says is learned rather than assumed. Applying a model is one dictionary look-up per feature
and four short polynomials. With fewer than 10 training texts per spline coefficient (280 texts) the splines
overfit (on waimai_10k, 30 training texts: 0.78 against 0.83 linear), so the stack is then linear in the
learners' log-odds and the lexicon, and collapses into one weight per feature.

A model is stored as a gzip'd text file: one JSON header line, then ``feature<TAB>weight`` lines (format 1:
one learner, or a linear stack collapsed into one weight per feature) or ``feature<TAB>lr<TAB>nblr`` lines
(format 2: the additive stack, whose splines are in the header). Weights are rounded to 4 significant digits;
features with every |weight| < ``prune`` are dropped.

References: Wang, S., Manning, C.D. (2012). Baselines and Bigrams: Simple, Good Sentiment and Topic
Classification. ACL 2012, 90–94. Wolpert, D.H. (1992). Stacked generalization. Neural Networks 5(2), 241–259.
Hastie, T., Tibshirani, R. (1990). Generalized Additive Models. Chapman & Hall.
"""

from __future__ import annotations

import gzip
import json
import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import repeat
from operator import add
from pathlib import Path
from typing import Any

__all__ = ["SHIPPED_MODEL", "AdditiveStack", "NgramModel", "SplineTerm", "features", "text_length"]

#: the model shipped in the package (trained by scripts/train_sentiment.py)
SHIPPED_MODEL = "zh_sentiment.model.gz"
#: the additive stack needs this many training texts per spline coefficient, else the stack is linear
ADDITIVE_MIN_PER_COEFFICIENT = 10
_KNOTS = 5


def features(text: str, tokens: Sequence[str]) -> list[str]:
    """The distinct features of ``text``: character 1–3-grams and ``w:``-prefixed tokens and token bigrams."""
    chars = "".join(text.lower().split())
    pairs = list(map(add, chars, chars[1:]))
    feats = set(chars)
    feats.update(pairs)
    feats.update(map(add, pairs, chars[2:]))
    words = [t for t in tokens if t.strip()]
    feats.update(["w:" + w for w in words])
    feats.update([f"w:{a}_{b}" for a, b in zip(words, words[1:], strict=False)])
    return list(feats)


def text_length(text: str) -> int:
    """Characters of ``text`` other than white space (the stack's length input)."""
    return sum(1 for ch in text if not ch.isspace())


@dataclass(frozen=True)
class SplineTerm:
    """A cubic spline of one input: one polynomial per interval between knots, constant beyond the ends.

    ``coefs[i]`` are ``(c3, c2, c1, c0)`` of ``c3·d³ + c2·d² + c1·d + c0`` with ``d = x − breaks[i]``.

    >>> SplineTerm((0.0, 1.0, 2.0), ((0.0, 0.0, 1.0, 0.0), (0.0, 0.0, -1.0, 1.0)))(1.5)
    0.5
    """

    breaks: tuple[float, ...]
    coefs: tuple[tuple[float, float, float, float], ...]

    def __call__(self, x: float) -> float:
        b = self.breaks
        if x <= b[0]:
            x, i = b[0], 0
        elif x >= b[-1]:
            x, i = b[-1], len(b) - 2
        else:
            i = bisect_right(b, x) - 1
        d = x - b[i]
        c3, c2, c1, c0 = self.coefs[i]
        return ((c3 * d + c2) * d + c1) * d + c0


@dataclass(frozen=True)
class AdditiveStack:
    """``z = intercept + Σ term_k(input_k)``; an input whose training values were all equal has no term."""

    intercept: float
    terms: tuple[SplineTerm | None, ...]

    def __call__(self, inputs: Sequence[float]) -> float:
        if len(inputs) != len(self.terms):
            raise ValueError(f"{len(inputs)} inputs for a stack of {len(self.terms)} terms")
        return self.intercept + sum(t(x) for t, x in zip(self.terms, inputs, strict=True) if t is not None)

    def to_json(self) -> dict[str, Any]:
        return {
            "intercept": self.intercept,
            "terms": [
                None if t is None else {"breaks": list(t.breaks), "coefs": [list(c) for c in t.coefs]}
                for t in self.terms
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AdditiveStack:
        terms = tuple(
            None if t is None else SplineTerm(tuple(map(float, t["breaks"])), tuple(map(_cubic, t["coefs"])))
            for t in data["terms"]
        )
        return cls(float(data["intercept"]), terms)

    @classmethod
    def fit(cls, inputs: Any, y: Any, *, knots: int = _KNOTS, c: float = 1.0) -> tuple[AdditiveStack, Any]:
        """Penalised logistic regression (inverse L2 strength ``c``) on clamped cubic B-spline bases with
        ``knots`` knots at the quantiles of each column of ``inputs``; returns the stack and its log-odds
        on ``inputs``."""
        import numpy as np
        from scipy.interpolate import BSpline, PPoly
        from sklearn.linear_model import LogisticRegression

        inputs = np.asarray(inputs, dtype=float)
        blocks: list[Any] = []
        bases: list[tuple[Any, Any] | None] = []
        for column in inputs.T:
            grid = np.unique(np.quantile(column, np.linspace(0.0, 1.0, knots)))
            if len(grid) < 2:
                bases.append(None)
                continue
            t = np.r_[[grid[0]] * 3, grid, [grid[-1]] * 3]
            blocks.append(BSpline.design_matrix(np.clip(column, grid[0], grid[-1]), t, 3).toarray())
            bases.append((grid, t))
        if not blocks:
            raise ValueError("every stacking input is constant")
        design = np.hstack(blocks)
        fitted = LogisticRegression(C=c, max_iter=5000).fit(design, y)
        beta, at = fitted.coef_[0], 0
        terms: list[SplineTerm | None] = []
        for basis in bases:
            if basis is None:
                terms.append(None)
                continue
            grid, t = basis
            width = len(t) - 4
            pp = PPoly.from_spline(BSpline(t, beta[at : at + width], 3))
            at += width
            cuts = [i for i in range(len(pp.x) - 1) if grid[0] <= pp.x[i] < pp.x[i + 1] <= grid[-1]]
            terms.append(
                SplineTerm(
                    tuple(float(pp.x[i]) for i in cuts) + (float(pp.x[cuts[-1] + 1]),),
                    tuple(_cubic(pp.c[:, i]) for i in cuts),
                )
            )
        return cls(float(fitted.intercept_[0]), tuple(terms)), fitted.decision_function(design)


def _cubic(values: Sequence[float]) -> tuple[float, float, float, float]:
    c3, c2, c1, c0 = map(float, values)
    return c3, c2, c1, c0


@dataclass
class NgramModel:
    """Weights of the n-gram learners and the stacking layer.

    A format-1 model has one weight per feature and the linear stack ``z = a·logit + b·lexicon + c``; a
    format-2 model (``cxlens text train``) has the NB-weighted learner's weights beside them and an
    :class:`AdditiveStack` of ``(logit, nb_logit, lexicon, log(1 + length))``.
    """

    weights: dict[str, float]
    intercept: float
    stack: tuple[float, float, float] = (1.0, 0.0, 0.0)
    info: dict[str, Any] = field(default_factory=dict)
    nb_weights: dict[str, float] | None = None
    nb_intercept: float = 0.0
    additive: AdditiveStack | None = None
    _pairs: dict[str, complex] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # both learners' weights of a feature in one complex number: one look-up per feature scores both
        if self.nb_weights is not None:
            nb = self.nb_weights
            self._pairs = {k: complex(w, nb.get(k, 0.0)) for k, w in self.weights.items()}
            self._pairs.update((k, complex(0.0, v)) for k, v in nb.items() if k not in self.weights)

    def logit(self, feats: Sequence[str]) -> float:
        """Log-odds of positive from the n-gram features alone (the first learner)."""
        return _linear(self.weights, self.intercept, feats)

    def nb_logit(self, feats: Sequence[str]) -> float:
        """Log-odds of positive from the NB-weighted learner (format 2 only)."""
        if self.nb_weights is None:
            raise ValueError("this model has one learner")
        return _linear(self.nb_weights, self.nb_intercept, feats)

    def combine(self, logit: float, lexicon_raw: float) -> float:
        """Stacked log-odds of positive of a format-1 model."""
        a, b, c = self.stack
        return a * logit + b * lexicon_raw + c

    def log_odds(self, feats: Sequence[str], lexicon_raw: float, length: int) -> float:
        """Stacked log-odds of positive of a text with features ``feats``, the lexicon's summed valence
        ``lexicon_raw`` and :func:`text_length` ``length``."""
        if self.additive is None:
            return self.combine(self.logit(feats), lexicon_raw)
        both = sum(map(self._pairs.get, feats, repeat(0j))) / math.sqrt(len(feats)) if feats else 0j
        logits = (self.intercept + both.real, self.nb_intercept + both.imag)
        return self.additive((*logits, lexicon_raw, math.log1p(length)))

    # -- fitting ------------------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        feats: Sequence[Sequence[str]],
        lexicon_raw: Sequence[float],
        labels: Sequence[int],
        *,
        lengths: Sequence[int] | None = None,
        c: float = 1.0,
        min_df: int = 2,
        folds: int = 5,
        seed: int = 0,
        learners: str = "lr",
        info: dict[str, Any] | None = None,
    ) -> NgramModel:
        """Fit on feature lists, lexicon scores, text lengths and 0/1 labels (1 = positive).

        ``learners`` is ``"lr"`` (one logistic regression, L-BFGS, linearly stacked with the lexicon: how
        the shipped model is trained) or ``"lr+nblr"`` (logistic regression and NB-weighted logistic
        regression, both with liblinear's dual solver, in the additive stack with the lexicon and
        ``log(1 + length)``; without ``lengths`` the length term is left out). With fewer than
        :data:`ADDITIVE_MIN_PER_COEFFICIENT` texts per spline coefficient (280 for the four inputs) the
        stack is linear in the learners' log-odds and the lexicon, and collapses into one weight per feature.
        ``c`` is the inverse L2 strength of the learners. ``info["cv_accuracy"]`` (``info["cv_correct"]`` of
        ``info["n_train"]``) is the stacked model's accuracy out of fold: learners' scores and stacking layer
        each fitted without the text they score.
        """
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        if learners not in ("lr", "lr+nblr"):
            raise ValueError(f"learners must be 'lr' or 'lr+nblr', not {learners!r}")
        if len(feats) != len(labels) or len(lexicon_raw) != len(labels):
            raise ValueError(f"{len(feats)} feature lists, {len(lexicon_raw)} lexicon scores, {len(labels)} labels")
        if lengths is not None and len(lengths) != len(labels):
            raise ValueError(f"{len(lengths)} lengths for {len(labels)} labels")
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
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(matrix, y))
        for train, test in splits:
            oof[test] = _scores(_fit(train), test)
        names = [""] * len(vocab)
        for name, j in vocab.items():
            names[j] = name
        (lr, _), *rest = _fit(np.arange(len(y)))
        weights = dict(zip(names, lr.coef_[0].tolist(), strict=True))
        meta: dict[str, Any] = {"n_train": len(y), "n_positive": int(y.sum()), "n_features": len(vocab)}
        meta |= {"learners": learners, "c": c}
        linear_in = np.column_stack([oof, lexicon_raw])  # the stacking layer is cross-validated on the same folds
        if learners == "lr+nblr":
            size = np.zeros(len(y)) if lengths is None else np.asarray(lengths, dtype=float)
            additive_in = np.column_stack([linear_in, np.log1p(size)])
            if len(y) >= ADDITIVE_MIN_PER_COEFFICIENT * additive_in.shape[1] * (_KNOTS + 2):

                def _additive(rows: Any) -> Callable[[Any], Any]:
                    stack = AdditiveStack.fit(additive_in[rows], y[rows])[0]
                    return lambda test: np.array([stack(row) for row in additive_in[test]])

                additive, _ = AdditiveStack.fit(additive_in, y)
                ((nb, r),) = rest
                meta |= {"stacker": "additive cubic splines", **_cv(_stack_cv(splits, y, _additive), len(y))}
                return cls(
                    weights,
                    float(lr.intercept_[0]),
                    info=meta | (info or {}),
                    nb_weights=dict(zip(names, (nb.coef_[0] * r).tolist(), strict=True)),
                    nb_intercept=float(nb.intercept_[0]),
                    additive=additive,
                )

        def _linear_stack(rows: Any) -> Callable[[Any], Any]:
            fitted = LogisticRegression(max_iter=1000).fit(linear_in[rows], y[rows])
            return lambda test: fitted.decision_function(linear_in[test])

        stacker = LogisticRegression(max_iter=1000).fit(linear_in, y)
        *mix, b = stacker.coef_[0].tolist()
        meta |= {"stacker": "linear", "learner_weights": [round(m, 6) for m in mix]}
        meta |= _cv(_stack_cv(splits, y, _linear_stack), len(y))
        if learners == "lr":
            # the shipped model's logit is also used alone (combine="mean"): its weights stay unscaled
            return cls(weights, float(lr.intercept_[0]), (mix[0], b, float(stacker.intercept_[0])), meta | (info or {}))
        # too few texts for the additive stack: the learners' stacked sum collapses into one weight per feature
        ((nb, r),) = rest
        coef = mix[0] * lr.coef_[0] + mix[1] * nb.coef_[0] * r
        intercept = mix[0] * float(lr.intercept_[0]) + mix[1] * float(nb.intercept_[0])
        collapsed = dict(zip(names, coef.tolist(), strict=True))
        return cls(collapsed, intercept, (1.0, b, float(stacker.intercept_[0])), meta | (info or {}))

    # -- storing ------------------------------------------------------------------------------------
    def save(self, path: str | Path, *, prune: float = 0.0) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header: dict[str, Any] = {"format": 1, "intercept": self.intercept, "stack": list(self.stack)}
        if self.additive is not None and self.nb_weights is not None:
            header = {
                "format": 2,
                "intercept": self.intercept,
                "nb_intercept": self.nb_intercept,
                "additive": self.additive.to_json(),
            }
        header["info"] = self.info
        nb = self.nb_weights
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
            fh.write(json.dumps(header, ensure_ascii=False) + "\n")
            for name, w in sorted(self.weights.items()):
                if "\t" in name or "\n" in name:
                    continue
                if nb is None:
                    if abs(w) >= prune:
                        fh.write(f"{name}\t{w:.4g}\n")
                elif max(abs(w), abs(nb.get(name, 0.0))) >= prune:
                    fh.write(f"{name}\t{w:.4g}\t{nb.get(name, 0.0):.4g}\n")
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
        version = header.get("format")
        if version not in (1, 2):
            raise ValueError(f"unsupported sentiment model format {version!r}")
        weights: dict[str, float] = {}
        if version == 1:
            for line in lines:
                name, _, w = line.rstrip("\n").rpartition("\t")
                weights[name] = float(w)
            a, b, c = header["stack"]
            return cls(weights, float(header["intercept"]), (a, b, c), header.get("info", {}))
        nb_weights: dict[str, float] = {}
        for line in lines:
            name, w, v = line.rstrip("\n").rsplit("\t", 2)
            weights[name] = float(w)
            nb_weights[name] = float(v)
        return cls(
            weights,
            float(header["intercept"]),
            info=header.get("info", {}),
            nb_weights=nb_weights,
            nb_intercept=float(header["nb_intercept"]),
            additive=AdditiveStack.from_json(header["additive"]),
        )


def _stack_cv(splits: Sequence[tuple[Any, Any]], y: Any, fit: Callable[[Any], Callable[[Any], Any]]) -> int:
    """How many texts the stacking layer gets right when fitted without them (the learners' scores are
    already out of fold): an honest accuracy for the whole stacked model. ``fit(rows)`` returns a function
    from rows to log-odds."""
    import numpy as np

    return sum(int(np.sum((fit(train)(test) > 0) == (y[test] == 1))) for train, test in splits)


def _cv(right: int, n: int) -> dict[str, Any]:
    return {"cv_accuracy": round(right / n, 4), "cv_correct": right}


def _linear(weights: dict[str, float], intercept: float, feats: Sequence[str]) -> float:
    if not feats:
        return intercept
    return intercept + sum(map(weights.get, feats, repeat(0.0))) / math.sqrt(len(feats))


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
