"""A small hand-made orders workspace whose RFM scores, cohorts, stages and quadrants were computed by hand
(the expected values live in the tests), imported through the ordinary import path; the engines it is
computed on; and the demo workspace for sanity checks.

Orders (UTC; analysed as of ``AS_OF`` = 2025-07-01 00:00):

====  ===========================================================  ======  =====  ========
cust  orders (date: amount)                                        orders  total  recency
====  ===========================================================  ======  =====  ========
C1    2025-01-05: 100, 2025-03-10: 50, 2025-05-15: 20, 06-29: 30       4    200       2
C2    2025-01-20: 200                                                   1    200     162
C3    2024-10-01: 20, 2024-11-15: 20                                    2     40     228
C4    2025-06-20: 500                                                   1    500      11
C5    2024-03-01: 10                                                    1     10     487
C6    2025-01-31 23:30: 60, 2025-02-01 00:30: 40 (a month boundary)     2    100     150
C7    no orders (a potential customer)
====  ===========================================================  ======  =====  ========
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from cxlens.ingest import import_file, import_survey
from cxlens.metrics import Analytics
from cxlens.store import Workspace

AS_OF = datetime(2025, 7, 1)

SURVEY = """\
code: s
title: tiny
questions:
  - {code: nps, type: nps, text: 推荐}
  - {code: csat, type: csat, scale: [1, 5], text: 满意}
"""
FILES = {
    "customers.csv": "customer_id,region,signed_up_at,member_tier\n"
    "C1,N,2024-12-01,gold\nC2,S,2024-12-01,silver\nC3,N,2024-09-01,silver\nC4,S,2025-06-01,gold\n"
    "C5,N,2024-01-01,\nC6,S,2025-01-01,silver\nC7,N,2025-05-01,gold\n",
    "orders.csv": "order_id,customer_id,ordered_at,amount,category\n"
    "O1,C1,2025-01-05,100,X\nO2,C1,2025-03-10,50,Y\nO3,C1,2025-05-15,20,X\nO4,C1,2025-06-29,30,X\n"
    "O5,C2,2025-01-20,200,X\nO6,C3,2024-10-01,20,Y\nO7,C3,2024-11-15,20,Y\nO8,C4,2025-06-20,500,Z\n"
    "O9,C5,2024-03-01,10,X\nO10,C6,2025-01-31 23:30,60,X\nO11,C6,2025-02-01 00:30,40,Y\n",
    "responses.csv": "response_id,customer_id,submitted_at,nps,csat\n"
    "R1,C1,2025-03-01 10:00,9,5\nR2,C1,2025-06-01 10:00,4,\nR3,C2,2025-02-01 10:00,10,2\n"
    "R4,C3,2025-01-10 10:00,3,1\nR5,C4,2025-06-25 10:00,8,4\nR6,C5,2024-05-01 10:00,6,3\n"
    "R7,C7,2025-05-10 10:00,10,5\nR8,,2025-05-11 10:00,0,1\n",
    "tickets.csv": "ticket_id,customer_id,created_at,first_response_at\n"
    "T1,C1,2025-02-01 00:00,2025-02-01 02:00\nT2,C1,2025-03-01 00:00,2025-03-01 04:00\nT3,C3,2025-01-01 00:00,\n",
    "feedback.csv": "feedback_id,customer_id,collected_at,source_type,text\n"
    "F1,C3,2025-01-02 09:00,complaint,发货太慢\nF2,C1,2025-01-03 09:00,review,很好\n",
}

HAS_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None
ROOT = Path(__file__).resolve().parents[2]


def build_tiny(folder: Path) -> Workspace:
    """The hand-made workspace of this module's docstring, in ``folder/ws``."""
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "s.yaml").write_text(SURVEY, encoding="utf-8")
    ws = Workspace.init(folder / "ws")
    import_survey(ws, folder / "s.yaml")
    for kind in ("customers", "orders", "tickets", "feedback"):
        import_file(ws, folder / f"{kind}.csv", kind)
    import_file(ws, folder / "responses.csv", "responses", survey="s")
    return ws


@pytest.fixture(scope="session")
def orders_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = build_tiny(tmp_path_factory.mktemp("value-tiny"))
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def value_spark_session() -> Iterator[object]:
    from cxlens.metrics.engines import spark_session as make

    session = make()
    yield session
    session.stop()


_CACHE: dict[str, Analytics] = {}


@pytest.fixture(params=["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def value_engine(request: pytest.FixtureRequest, orders_ws: Workspace) -> Analytics:
    """The hand-made workspace on each engine (one Spark copy per test run: a session costs ~8 s)."""
    name = str(request.param)
    if name == "pyspark" and not HAS_SPARK:
        pytest.skip("pyspark or java is not installed")
    if name not in _CACHE:
        session = request.getfixturevalue("value_spark_session") if name == "pyspark" else None
        _CACHE[name] = Analytics.for_workspace(orders_ws, name, session)
    return _CACHE[name]


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The demo company at a quarter of its size (about 600 customers, 14,000 orders; ~3 s to build)."""
    from cxlens.datasets.build import build_demo

    with build_demo(tmp_path_factory.mktemp("value-demo") / "ws", seed=2026, scale=0.25) as ws:
        yield ws
