"""The trainable sentiment pipeline (``cxlens text train``) on waimai_10k (../shared/data, see its SOURCES.md):
trained on four fifths, scored on the held-out fifth of bench/text_accuracy.py's first fold; skipped without
the data. waimai_10k has no licence: it is a test set here, never shipped or trained on for the package."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest

from cxlens.text.analyzer import Analyzer
from cxlens.text.training import train

WAIMAI = Path(__file__).resolve().parents[3] / "shared" / "data" / "sentiment_zh" / "waimai_10k.csv"
pytestmark = pytest.mark.skipif(not WAIMAI.is_file(), reason="../shared/data is not present")


def test_trainable_pipeline_on_a_held_out_fold() -> None:
    """Issue #7: the 5-fold accuracy of the whole bench is 0.9045 (TF-IDF + LR 0.8944); on this fold the
    pipeline measured 0.9124 (n=2,398), the earlier recipe (one logistic regression stacked with the lexicon)
    0.9099."""
    from sklearn.model_selection import StratifiedKFold

    with WAIMAI.open(encoding="utf-8") as fh:
        rows = [(int(r["label"]), r["review"]) for r in csv.DictReader(fh)]
    texts, y = [r[1] for r in rows], np.array([r[0] for r in rows])
    tr, te = next(iter(StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y)))
    started = time.perf_counter()
    model = train([texts[i] for i in tr], y[tr].tolist())
    seconds = time.perf_counter() - started
    analyzer = Analyzer(model)
    predicted = np.array([analyzer.analyze(texts[i]).score > 0 for i in te])
    accuracy = float(np.mean(predicted == (y[te] == 1)))
    assert accuracy >= 0.905, accuracy
    assert model.info["learners"] == "lr+nblr" and 0.88 < model.info["cv_accuracy"] < 0.93
    assert seconds < 120, seconds
