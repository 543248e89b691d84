"""A tiny workspace whose every criterion value and score is computed by hand in test_score.py, built through
the ordinary import path, and a scoring model with fixed normalisations for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cxlens.ingest import import_file, import_survey
from cxlens.quality.model import ScoringModel, parse_model
from cxlens.store import Workspace

SURVEY = """\
code: s
title: tiny
dimensions:
  - {code: customisation, name: 定制化}
  - {code: d2, name: 价格}
questions:
  - {code: nps, type: nps, text: 推荐}
  - {code: csat, type: csat, scale: [1, 5], text: 满意}
  - {code: q1, type: likert, scale: [1, 5], dimension: customisation, text: 定制}
"""
FILES = {
    "customers.csv": "customer_id,segment,region,signed_up_at\n"
    "C1,A,N,2024-01-01\nC2,B,S,2024-01-01\nC3,A,S,2024-01-01\nC4,B,N,2024-01-01\n",
    "responses.csv": "response_id,customer_id,submitted_at,nps,csat,q1\n"
    "R1,C1,2025-01-10 10:00,10,5,5\nR2,C2,2025-01-20 10:00,6,3,2\nR3,C3,2025-02-05 10:00,8,4,\n",
    "tickets.csv": "ticket_id,customer_id,team,created_at,first_response_at,resolved_at\n"
    "T1,C1,a,2025-01-01 00:00,2025-01-01 01:00,2025-01-01 05:00\n"
    "T2,C2,a,2025-01-02 00:00,2025-01-02 03:00,\n"
    "T3,C3,b,2025-01-03 00:00,,\n"
    "T4,C1,b,2025-02-01 00:00,2025-02-01 00:30,2025-02-01 02:00\n",
    "orders.csv": "order_id,customer_id,ordered_at,amount,category\n"
    "O1,C1,2025-01-05,100,X\nO2,C1,2025-01-25,50,Y\nO3,C2,2025-01-10,30,X\nO4,C3,2025-03-01,20,X\n",
}

MODEL = {
    "name": "tiny",
    "criteria": {
        "satisfaction": {"indicator": "satisfaction", "normalise": {"method": "minmax", "range": [0, 100]}},
        "response_speed": {
            "indicator": "first_response_hours",
            "normalise": {"method": "target", "target": 0.5, "floor": 3.5},
        },
        "customisation": {
            "indicator": "dimension_score",
            "params": {"dimension": "customisation"},
            "normalise": {"method": "minmax", "range": [0, 100]},
        },
        "problem_solving": {"indicator": "resolution_rate", "normalise": {"method": "minmax", "range": [0, 100]}},
        "loyalty": {"indicator": "order_frequency", "normalise": "minmax"},
    },
    "weights": {
        "use": "direct",
        "direct": {"satisfaction": 40, "response_speed": 20, "customisation": 20, "problem_solving": 10, "loyalty": 10},
    },
    "tiers": {"strategic": 90, "healthy": 70, "watch": 50},
    "min_coverage": 0.5,
}


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("quality")
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "s.yaml").write_text(SURVEY, encoding="utf-8")
    ws = Workspace.init(folder / "ws")
    import_survey(ws, folder / "s.yaml")
    for kind in ("customers", "responses", "tickets", "orders"):
        import_file(ws, folder / f"{kind}.csv", kind, survey="s" if kind == "responses" else None)
    yield ws
    ws.close()


@pytest.fixture
def model() -> ScoringModel:
    return parse_model(MODEL, "tiny.yaml")
