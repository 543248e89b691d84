"""PostgreSQL as the analytics engine: every registered metric, computed through Ibis on a PostgreSQL workspace
holding the tiny data of conftest.py, equals the same metric on DuckDB (the engine the hand-computed tests of
test_metrics.py pin). Runs when CXLENS_TEST_POSTGRES_URL names a server (scripts/pg.sh starts one)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from cxlens.ingest import import_file, import_survey
from cxlens.metrics import Analytics, compute, list_metrics
from cxlens.store import Workspace

PG_URL = os.environ.get("CXLENS_TEST_POSTGRES_URL")
pytestmark = pytest.mark.postgres

#: the arguments each metric needs on the tiny data (periodic metrics need every=)
ARGS: dict[str, dict[str, object]] = {
    "csi": {"survey": "s"},
    "top_box": {"question": "q1"},
    "bottom_box": {"question": "q2"},
    "choice_share": {"question": "q1", "choice": "5"},
    "category_uptake": {"category": "X"},
    "retention_rate": {"every": "month", "active_days": 45},
    "churn_rate": {"every": "month", "active_days": 45},
    "backlog": {"every": "month"},
    "complaint_rate": {"every": "month"},
    "satisfaction_conversion": {"every": "month"},
}
SLICES: dict[str, dict[str, object]] = {
    "nps": {"by": ["segment"], "every": "month"},
    "first_response_time": {"by": ["team"]},
    "resolution_rate": {"by": ["team"], "every": "month"},
}


@pytest.fixture(scope="module")
def engines(tiny: Workspace) -> Iterator[tuple[Analytics, Analytics]]:
    if not PG_URL:
        pytest.skip("CXLENS_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server)")
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    folder = tiny.path.parent  # the tiny fixture's source files
    ws = Workspace.init(folder / "ws_pg", database_url=PG_URL)
    import_survey(ws, folder / "s.yaml")
    import_file(ws, folder / "customers.csv", "customers")
    import_file(ws, folder / "responses.csv", "responses", survey="s")
    import_file(ws, folder / "tickets.csv", "tickets")
    import_file(ws, folder / "orders.csv", "orders")
    pg = Analytics.for_workspace(ws, "postgres")
    yield Analytics.for_workspace(tiny), pg
    pg.backend.disconnect()
    ws.close()


def _both(engines: tuple[Analytics, Analytics], metric: str, kw: dict[str, object]) -> list[pd.DataFrame]:
    frames = []
    for an in engines:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # empty selections warn alike on both
            frames.append(compute(an, metric, **kw))  # type: ignore[arg-type]
    return frames


@pytest.mark.parametrize("metric", sorted(set(list_metrics()["name"])))
def test_every_metric_equals_duckdb(engines: tuple[Analytics, Analytics], metric: str) -> None:
    for kw in (ARGS.get(metric, {}), SLICES.get(metric)):
        if kw is None:
            continue
        duck, pg = _both(engines, metric, kw)
        assert list(pg.columns) == list(duck.columns)
        assert len(pg) == len(duck)
        for column in duck.columns:
            if pd.api.types.is_numeric_dtype(duck[column]):
                np.testing.assert_allclose(
                    pg[column].to_numpy(float), duck[column].to_numpy(float), rtol=1e-6
                )  # DuckDB reads REAL weights as float32
            else:
                assert pg[column].tolist() == duck[column].tolist(), column


@pytest.mark.parametrize("metric", ["first_response_time", "resolution_time", "sla_attainment"])
def test_business_hours_equal_duckdb(engines: tuple[Analytics, Analytics], metric: str) -> None:
    duck, pg = _both(engines, metric, {"business_hours": True, "by": ["team"]})
    assert len(duck) == len(pg) > 0
    np.testing.assert_allclose(pg["value"].to_numpy(float), duck["value"].to_numpy(float), rtol=1e-9)


def test_the_postgres_engine_needs_a_postgres_workspace(tiny: Workspace) -> None:
    with pytest.raises(ValueError, match="PostgreSQL workspaces"):
        Analytics.for_workspace(tiny, "postgres")
