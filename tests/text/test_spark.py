"""The text pipeline as a Spark batch job equals the in-process pipeline, row for row."""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from cxlens.text.pipeline import AnalyzerSpec, analyze_texts
from cxlens.text.spark import analyze_frame, analyze_spark, result_row

HAS_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None

TEXTS = [
    "物流太慢了,等了一个星期才到,客服态度倒是很好",
    "价格便宜,质量也不错,下次还会买",
    "安装师傅迟到两个小时,很不专业",
    "The delivery was late and support never answered my emails.",
    "Great product, easy setup, friendly staff!",
    "还行吧",
    "",
    "退款流程太复杂了!!!",
    "屏幕有划痕,要求换货被拒绝,非常失望",
    "服务热情周到,点赞",
]


def expected(texts: list[str | None]) -> pd.DataFrame:
    results = iter(analyze_texts([t for t in texts if t], workers=1))
    rows = [result_row(next(results) if t else None) for t in texts]
    frame = pd.DataFrame(rows)
    frame.insert(0, "id", [str(i) for i in range(len(texts))])
    return frame


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a = a.sort_values("id", key=lambda s: s.astype(int)).reset_index(drop=True)
    b = b.sort_values("id", key=lambda s: s.astype(int)).reset_index(drop=True)
    assert list(a["id"]) == list(b["id"])
    assert list(a["label"]) == list(b["label"]) and list(a["language"]) == list(b["language"])
    for x, y in zip(a["score"], b["score"], strict=True):
        assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, abs=1e-12)
    # the same mentions, labels and terms; scores to 1e-12 (another process may sum in another order)
    for x, y in zip(a["aspects"], b["aspects"], strict=True):
        xs, ys = json.loads(x), json.loads(y)
        assert [{**m, "score": None} for m in xs] == [{**m, "score": None} for m in ys]
        assert [m["score"] for m in xs] == pytest.approx([m["score"] for m in ys], abs=1e-12)


def test_one_batch_equals_the_in_process_pipeline() -> None:
    texts: list[str | None] = [*TEXTS, None]
    frame = pd.DataFrame({"id": range(len(texts)), "text": texts})
    got = analyze_frame(frame)
    same(got, expected(texts))
    assert got.loc[len(texts) - 1, "aspects"] == "[]" and pd.isna(got.loc[len(texts) - 1, "label"])
    assert any(json.loads(a) for a in got["aspects"])  # aspects are found, not just empty lists


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if not HAS_SPARK:
        pytest.skip("pyspark or java is not installed")
    from cxlens.metrics.engines import spark_session

    session = spark_session()
    yield session
    session.stop()


@pytest.mark.spark
@pytest.mark.slow
def test_spark_job_equals_the_in_process_pipeline(spark: Any) -> None:
    texts: list[str | None] = [*(TEXTS * 30), None]
    rows = [(i, t) for i, t in enumerate(texts)]
    frame = spark.createDataFrame(rows, "n long, comment string").repartition(3)
    result = analyze_spark(frame, AnalyzerSpec(template="generic"), id_col="n", text_col="comment")
    assert result.columns == ["id", "language", "label", "score", "aspects"]
    got = result.toPandas()
    assert len(got) == len(texts)
    same(got, expected(texts))


@pytest.mark.spark
def test_spark_job_names_a_missing_column(spark: Any) -> None:
    frame = spark.createDataFrame([("1", "好")], "id string, body string")
    with pytest.raises(ValueError, match="no column 'text'"):
        analyze_spark(frame)
