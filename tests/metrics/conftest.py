"""A tiny workspace whose every metric was computed by hand (see test_metrics.py), built through the
ordinary import path; and the engines it is computed on."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator

import pytest

from cxlens.ingest import import_file, import_survey
from cxlens.metrics import Analytics
from cxlens.store import Workspace

SURVEY = """\
code: s
title: tiny
dimensions:
  - {code: d1, name: 服务, weight: 0.6}
  - {code: d2, name: 价格, weight: 0.4}
questions:
  - {code: nps, type: nps, text: 推荐}
  - {code: csat, type: csat, scale: [1, 5], text: 满意}
  - {code: ces, type: ces, scale: [1, 7], text: 省力}
  - {code: q1, type: likert, scale: [1, 5], dimension: d1, text: 服务好}
  - {code: q2, type: likert, scale: [1, 5], dimension: d2, text: 价格好}
"""
FILES = {
    "customers.csv": "customer_id,segment,region\nC1,A,N\nC2,B,S\nC3,A,S\n",
    "responses.csv": "response_id,customer_id,submitted_at,nps,csat,ces,q1,q2\n"
    "R1,C1,2025-01-10 10:00,10,5,7,5,1\nR2,C2,2025-01-20 10:00,6,3,4,3,3\n"
    "R3,C3,2025-02-05 10:00,8,4,5,,5\nR4,,2025-02-10 10:00,9,,2,1,1\n",
    "tickets.csv": "ticket_id,customer_id,team,created_at,first_response_at,resolved_at\n"
    "T1,C1,a,2025-01-01 00:00,2025-01-01 01:00,2025-01-01 05:00\n"
    "T2,C2,a,2025-01-02 00:00,2025-01-02 03:00,\n"
    "T3,C3,b,2025-01-03 00:00,,\n"
    "T4,C1,b,2025-02-01 00:00,2025-02-01 00:30,2025-02-01 02:00\n",
    "orders.csv": "order_id,customer_id,ordered_at,amount,category,fulfilled_at\n"
    "O1,C1,2025-01-05,100,X,2025-01-06\nO2,C1,2025-01-25,50,Y,\n"
    "O3,C2,2025-01-10,30,X,2025-01-13\nO4,C3,2025-03-01,20,X,2025-03-02\n",
}

HAS_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("tiny")
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "s.yaml").write_text(SURVEY, encoding="utf-8")
    ws = Workspace.init(folder / "ws")
    import_survey(ws, folder / "s.yaml")
    import_file(ws, folder / "customers.csv", "customers")
    import_file(ws, folder / "responses.csv", "responses", survey="s")
    import_file(ws, folder / "tickets.csv", "tickets")
    import_file(ws, folder / "orders.csv", "orders")
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def spark_session() -> Iterator[object]:
    from cxlens.metrics.engines import spark_session as make

    session = make()
    yield session
    session.stop()


_CACHE: dict[str, Analytics] = {}


@pytest.fixture(params=["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest, tiny: Workspace) -> Analytics:
    """The tiny workspace on each engine (one Spark copy per test run: a session costs ~8 s)."""
    name = str(request.param)
    if name == "pyspark" and not HAS_SPARK:
        pytest.skip("pyspark or java is not installed")
    if name not in _CACHE:
        session = request.getfixturevalue("spark_session") if name == "pyspark" else None
        _CACHE[name] = Analytics.for_workspace(tiny, name, session)
    return _CACHE[name]
