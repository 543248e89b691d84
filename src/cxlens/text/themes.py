"""Themes: keywords (TF-IDF and TextRank), emerging topics, and clustering similar texts into labelled
themes with representative quotes — qualitative text turned into counts and sentiment over time.

All functions take texts as token lists (what :class:`~cxlens.text.analyzer.Analyzer` and the stored
``text_results.keywords`` give), so nothing is segmented twice.

>>> docs = [["送餐", "太慢"], ["送餐", "慢死了"], ["送餐", "凉了"], ["味道", "不错"]]
>>> tfidf_keywords(docs, top=2)
[('送餐', 1.8347), ('不错', 0.9581)]
>>> textrank(["送餐", "太慢", "送餐", "凉了", "骑手", "送餐"], top=1)[0][0]
'送餐'
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from cxlens.text.tokenize import is_stop_word

__all__ = ["Emerging", "Theme", "cluster_themes", "emerging_terms", "textrank", "tfidf_keywords"]


def _content(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if len(t) > 1 and not is_stop_word(t)]


def tfidf_keywords(docs: Sequence[Sequence[str]], top: int = 20) -> list[tuple[str, float]]:
    """The ``top`` terms of a set of texts by summed TF-IDF (each text's term frequencies, times the
    smoothed inverse document frequency ``log((1 + n) / (1 + df)) + 1`` over the same texts)."""
    n = len(docs)
    df: Counter[str] = Counter()
    tf: list[Counter[str]] = []
    for doc in docs:
        counts = Counter(_content(doc))
        tf.append(counts)
        df.update(counts.keys())
    totals: dict[str, float] = {}
    for counts in tf:
        length = sum(counts.values()) or 1
        for term, c in counts.items():
            totals[term] = totals.get(term, 0.0) + c / length * (math.log((1 + n) / (1 + df[term])) + 1)
    return [(t, round(s, 4)) for t, s in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def textrank(tokens: Sequence[str], top: int = 10, window: int = 5, damping: float = 0.85) -> list[tuple[str, float]]:
    """TextRank keywords (Mihalcea & Tarau 2004): PageRank over the co-occurrence graph of content words
    within ``window`` tokens of each other, 50 power iterations."""
    words = _content(tokens)
    neighbours: dict[str, Counter[str]] = {}
    for i, w in enumerate(words):
        for other in words[i + 1 : i + window]:
            if other != w:
                neighbours.setdefault(w, Counter())[other] += 1
                neighbours.setdefault(other, Counter())[w] += 1
    if not neighbours:
        return [(w, 1.0) for w, _ in Counter(words).most_common(top)]
    rank = dict.fromkeys(neighbours, 1.0)
    out_weight = {w: sum(n.values()) for w, n in neighbours.items()}
    for _ in range(50):
        rank = {
            w: (1 - damping) + damping * sum(rank[o] * c / out_weight[o] for o, c in neighbours[w].items())
            for w in neighbours
        }
    return [(w, round(r, 4)) for w, r in sorted(rank.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


@dataclass(frozen=True, slots=True)
class Emerging:
    """A term (keyword or aspect) that grew unusually: its count now and expected from the baseline."""

    term: str
    count: int
    expected: float
    ratio: float
    z: float


def emerging_terms(
    current: Sequence[Sequence[str]],
    baseline: Sequence[Sequence[str]],
    *,
    min_count: int = 5,
    min_z: float = 3.0,
) -> list[Emerging]:
    """Terms whose share of texts this period exceeds their baseline share by more than ``min_z`` standard
    errors (two-proportion z-test, pooled), seen in at least ``min_count`` current texts; largest z first.

    A term new this period (baseline count 0) gets the baseline share of ½ a text (a continuity
    correction), so brand-new complaints surface instead of dividing by zero.
    """
    n1, n0 = len(current), len(baseline)
    if n1 == 0 or n0 == 0:
        return []
    now = Counter(t for doc in current for t in set(_content(doc)))
    before = Counter(t for doc in baseline for t in set(_content(doc)))
    found = []
    for term, c1 in now.items():
        if c1 < min_count:
            continue
        c0 = before.get(term, 0) or 0.5
        p1, p0 = c1 / n1, c0 / n0
        pooled = (c1 + c0) / (n1 + n0)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0)) or 1e-12
        z = (p1 - p0) / se
        if z >= min_z:
            found.append(Emerging(term, c1, round(p0 * n1, 2), round(p1 / p0, 2), round(z, 2)))
    return sorted(found, key=lambda e: -e.z)


@dataclass(slots=True)
class Theme:
    """A cluster of similar texts: a label from its top terms, its size, mean sentiment, quotes."""

    theme: int
    label: str
    terms: list[str]
    size: int
    mean_score: float
    quotes: list[str] = field(default_factory=list)
    members: list[int] = field(default_factory=list)


def cluster_themes(
    docs: Sequence[Sequence[str]],
    texts: Sequence[str],
    scores: Sequence[float] | None = None,
    *,
    n_themes: int = 8,
    quotes: int = 3,
    seed: int = 0,
) -> list[Theme]:
    """Cluster texts (TF-IDF of their tokens, k-means on the unit sphere) into at most ``n_themes``
    themes; each is labelled by its three heaviest centroid terms and quoted by the texts nearest the
    centroid. Themes come largest first; ``members`` are indexes into ``docs``."""
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    keep = [i for i, d in enumerate(docs) if _content(d)]
    if len(keep) < 2:
        return []
    vec = TfidfVectorizer(analyzer=_content, min_df=2 if len(keep) >= 50 else 1, sublinear_tf=True)
    try:
        matrix = vec.fit_transform([docs[i] for i in keep])
    except ValueError:  # no term in two texts
        return []
    distinct = len({tuple(sorted(set(_content(docs[i])))) for i in keep})
    k = max(1, min(n_themes, len(keep) // 5 or 1, matrix.shape[1], distinct))
    km = KMeans(k, n_init=4, random_state=seed).fit(matrix)
    vocab = np.array(vec.get_feature_names_out())
    themes = []
    for c in range(k):
        rows = np.flatnonzero(km.labels_ == c)
        if rows.size == 0:
            continue
        centre = km.cluster_centers_[c]
        terms = vocab[np.argsort(-centre)[:3]].tolist()
        closeness = np.asarray(matrix[rows] @ centre).ravel()
        order = rows[np.argsort(-closeness)]
        members = [keep[i] for i in rows]
        mean = float(np.mean([scores[i] for i in members])) if scores is not None else float("nan")
        quoted = list(dict.fromkeys(texts[keep[i]] for i in order))[:quotes]
        themes.append(Theme(0, " / ".join(terms), terms, len(members), round(mean, 4), quoted, members))
    themes.sort(key=lambda t: -t.size)
    for i, theme in enumerate(themes, 1):
        theme.theme = i
    return themes
