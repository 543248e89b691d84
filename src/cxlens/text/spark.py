"""The text pipeline as a batch job on Spark: millions of comments, analysed where the data lives.

:func:`analyze_spark` maps a Spark DataFrame of ``(id, text)`` to ``(id, language, label, score, aspects)``
with ``mapInPandas``. Spark hands each Python worker whole Arrow batches, by default 10,000 rows; the
``spark.sql.execution.arrow.maxRecordsPerBatch`` setting changes that. Each worker builds the
:class:`~cxlens.text.analyzer.Analyzer` once per :class:`~cxlens.text.pipeline.AnalyzerSpec` and keeps
it while Spark reuses the worker. The analysis is the same code as the in-process pipeline
(:func:`cxlens.text.pipeline.analyze_texts`), so the results are the same row for row: the same labels,
languages and aspect mentions, and scores equal to within 1e-12 (a Python worker with another hash seed
may add the same terms in another order).

``aspects`` is a JSON list of ``{"aspect", "term", "label", "score"}`` objects, one per aspect mention, in
the order the text mentions them. A null or empty text gives a null language, label and score, and ``[]``.
A workspace's own model and lexicons (``AnalyzerSpec(folder=…)``) must be readable at the same path on
every executor: a shared file system, or local mode.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from cxlens.text.analyzer import AnalysisResult, Analyzer
from cxlens.text.pipeline import AnalyzerSpec

__all__ = ["RESULT_SCHEMA", "analyze_frame", "analyze_spark", "result_row"]

#: the DDL schema of :func:`analyze_spark`'s result
RESULT_SCHEMA = "id string, language string, label string, score double, aspects string"
_ANALYZERS: dict[AnalyzerSpec, Analyzer] = {}


def _analyzer(spec: AnalyzerSpec) -> Analyzer:
    if spec not in _ANALYZERS:
        _ANALYZERS[spec] = spec.build()
    return _ANALYZERS[spec]


def result_row(result: AnalysisResult | None) -> dict[str, Any]:
    """One result as the job's columns (``id`` aside): what the Spark job and the in-process check share."""
    if result is None:
        return {"language": None, "label": None, "score": math.nan, "aspects": "[]"}
    aspects = [{"aspect": a.aspect, "term": a.term, "label": a.label, "score": a.score} for a in result.aspects]
    return {
        "language": result.language,
        "label": result.label,
        "score": float(result.score),
        "aspects": json.dumps(aspects, ensure_ascii=False),
    }


def analyze_frame(frame: pd.DataFrame, spec: AnalyzerSpec | None = None) -> pd.DataFrame:
    """Analyse one pandas batch of ``(id, text)``: the function each Spark task runs, usable alone too."""
    analyzer = _analyzer(spec or AnalyzerSpec())
    rows = []
    for text in frame["text"]:
        valid = isinstance(text, str) and text.strip() != ""
        rows.append(result_row(analyzer.analyze(text) if valid else None))
    out = pd.DataFrame(rows, columns=["language", "label", "score", "aspects"])
    out.insert(0, "id", frame["id"].astype("string").to_numpy(dtype=object))
    out["score"] = out["score"].astype("float64")
    return out


def _job(spec: AnalyzerSpec) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield analyze_frame(batch, spec)

    return run


def analyze_spark(frame: Any, spec: AnalyzerSpec | None = None, *, id_col: str = "id", text_col: str = "text") -> Any:
    """Analyse every text of Spark DataFrame ``frame`` in batches; a lazy DataFrame of :data:`RESULT_SCHEMA`.

    ``id_col`` and ``text_col`` name the input columns (ids are carried as strings). Nothing runs until
    the result is written or collected.

    Examples
    --------
    >>> from cxlens.metrics.engines import spark_session            # doctest: +SKIP
    >>> spark = spark_session()                                      # doctest: +SKIP
    >>> texts = spark.createDataFrame([("1", "物流太慢了,客服态度很好")], "id string, text string")  # doctest: +SKIP
    >>> analyze_spark(texts).select("id", "label").collect()           # doctest: +SKIP
    """
    from pyspark.sql import functions as F

    for column in (id_col, text_col):
        if column not in frame.columns:
            raise ValueError(f"the DataFrame has no column {column!r}; its columns are {', '.join(frame.columns)}")
    data = frame.select(F.col(id_col).cast("string").alias("id"), F.col(text_col).cast("string").alias("text"))
    return data.mapInPandas(_job(spec or AnalyzerSpec()), schema=RESULT_SCHEMA)
