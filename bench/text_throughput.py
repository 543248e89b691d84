"""How fast is the text pipeline on Chinese comments? (issue #7)

Generates 100,000 short Chinese customer comments (seeded, written to a temporary folder and read back)
and times, on all cores with a process pool:

* cxlens: ``analyze_texts`` — normalisation, language detection, jieba segmentation, document and
  sentence sentiment, aspects with their clause sentiment, keywords;
* the floor: jieba segmentation alone (``jieba.lcut``) in the same kind of pool.

Floor: jieba segmentation alone (jieba.lcut), on the same comments, in the same process pool.

Prints comments/s for both and their ratio, the median of 3 runs after a warm-up.

    python bench/text_throughput.py [--quick]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from cxlens.text.pipeline import AnalyzerSpec, analyze_texts, default_workers

PRODUCTS = ["极光音箱", "智能门锁", "扫地机器人", "摄像头", "这家店", "外卖", "快递", "客服", "App", "安装师傅"]
OPENERS = ["", "第二次买了，", "双十一下单的，", "用了一个月，", "朋友推荐的，", "说实话，"]
GOOD = ["质量很好", "送货很快", "服务态度非常好", "性价比高", "操作很方便", "味道不错", "包装完好", "安装很专业"]
BAD = ["连不上网", "发货特别慢", "态度很差", "太贵了", "经常掉线", "退款一直没到账", "送餐太慢了", "App老是闪退"]
CLOSERS = ["", "，好评！", "，推荐购买。", "，不会再买了。", "，太失望了！", "，希望改进。", "，还行吧。"]


def comments(n: int, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        parts = [OPENERS[rng.integers(len(OPENERS))], PRODUCTS[rng.integers(len(PRODUCTS))]]
        for _ in range(rng.integers(1, 4)):
            pool = GOOD if rng.random() < 0.5 else BAD
            parts.append(pool[rng.integers(len(pool))] + "，")
        out.append("".join(parts).rstrip("，") + CLOSERS[rng.integers(len(CLOSERS))])
    return out


def _jieba_batch(texts: Sequence[str]) -> int:
    import jieba

    jieba.setLogLevel(60)
    return sum(len(jieba.lcut(t)) for t in texts)


def jieba_only(texts: list[str], workers: int) -> float:
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        batches = [texts[i : i + 500] for i in range(0, len(texts), 500)]
        sum(pool.map(_jieba_batch, batches))
    return time.perf_counter() - started


def cxlens_pipeline(texts: list[str], workers: int) -> float:
    started = time.perf_counter()
    results = list(analyze_texts(texts, AnalyzerSpec(template="retail"), workers=workers))
    assert len(results) == len(texts)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 comments instead of 100,000")
    args = parser.parse_args()
    n = 10_000 if args.quick else 100_000
    workers = default_workers()
    folder = Path(tempfile.mkdtemp(prefix="cxlens-text-bench-"))
    try:
        path = folder / "comments.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([["text"], *([c] for c in comments(n))])
        with path.open(encoding="utf-8") as fh:
            texts = [row["text"] for row in csv.DictReader(fh)]
        print(f"{n:,} comments, mean {np.mean([len(t) for t in texts]):.1f} characters, {workers} worker processes")
        cxlens_pipeline(texts[:2000], workers)  # warm-up (jieba's dictionary cache, imports)
        jieba_only(texts[:2000], workers)
        ours, floor = [], []
        for _ in range(3):
            ours.append(cxlens_pipeline(texts, workers))
            floor.append(jieba_only(texts, workers))
        ours_rate, floor_rate = n / statistics.median(ours), n / statistics.median(floor)
        print(f"cxlens pipeline: {ours_rate:,.0f} comments/s; jieba segmentation alone: {floor_rate:,.0f} comments/s")
        print(
            f"BENCH text_pipeline_zh_vs_jieba_alone cxlens={ours_rate:.0f} baseline={floor_rate:.0f} "
            f"unit=comments/s ratio={ours_rate / floor_rate:.3f} n={n}"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
