"""The scores are engine-independent: the same model on the tiny workspace gives the same numbers on Spark as
on DuckDB (the indicators are Ibis expressions over the metric layer's views)."""

from __future__ import annotations

import importlib.util
import shutil

import pandas as pd
import pytest

from cxlens.metrics import Analytics
from cxlens.quality.model import ScoringModel
from cxlens.quality.score import score_customers
from cxlens.store import Workspace

HAS_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None


@pytest.mark.spark
@pytest.mark.skipif(not HAS_SPARK, reason="pyspark or java is not installed")
def test_spark_scores_equal_duckdb_scores(tiny: Workspace, model: ScoringModel) -> None:
    from cxlens.metrics.engines import spark_session

    session = spark_session()
    try:
        spark = score_customers(Analytics.for_workspace(tiny, "pyspark", session), model)
    finally:
        session.stop()
    duck = score_customers(tiny, model)
    assert spark.window == duck.window
    pd.testing.assert_frame_equal(
        spark.raw.sort_index(), duck.raw.sort_index(), check_dtype=False, check_exact=False, rtol=1e-9
    )
    assert spark.customers["score"].tolist() == pytest.approx(duck.customers["score"].tolist(), nan_ok=True)
