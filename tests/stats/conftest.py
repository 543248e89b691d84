"""Workspaces for the statistics tests: a tiny survey whose every cell is known, and the demo company
(small scale), both built through the ordinary import path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cxlens.ingest import import_file, import_survey
from cxlens.store import Workspace

SURVEY = """\
code: tiny
title: tiny
dimensions:
  - {code: service, name: 服务, weight: 0.6}
  - {code: price, name: 价格, weight: 0.4}
questions:
  - {code: overall, type: rating, scale: [1, 10], text: {zh: 总体满意度, en: Overall}}
  - {code: s1, type: likert, scale: [1, 5], dimension: service, text: 服务好}
  - {code: s2, type: likert, scale: [1, 5], dimension: service, text: 服务快}
  - {code: p1, type: likert, scale: [1, 5], dimension: price, text: 价格合理}
  - code: pref
    type: single
    text: 渠道
    choices: [{code: web, text: 官网}, {code: app, text: App}, {code: store, text: 门店}]
  - code: uses
    type: multi
    text: 功能
    choices: [{code: voice, text: 语音}, {code: remote, text: 远程}]
  - {code: why, type: text, text: 原因}
"""
CUSTOMERS = "customer_id,segment,region,tier\nC1,A,N,gold\nC2,B,S,silver\nC3,A,S,gold\n"
RESPONSES = (
    "response_id,customer_id,submitted_at,channel,overall,s1,s2,p1,pref,uses,why\n"
    "R1,C1,2025-01-10 10:00,web,9,5,4,2,app,voice;remote,很好\n"
    "R2,C2,2025-01-20 10:00,app,4,2,,3,web,remote,\n"
    "R3,C3,2025-02-05 10:00,web,7,4,4,,,,慢\n"
    "R4,,2025-02-10 10:00,sms,6,3,3,4,store,voice,\n"
)


@pytest.fixture(scope="session")
def tiny_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("stats-tiny")
    (folder / "tiny.yaml").write_text(SURVEY, encoding="utf-8")
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (folder / "responses.csv").write_text(RESPONSES, encoding="utf-8")
    ws = Workspace.init(folder / "ws")
    import_survey(ws, folder / "tiny.yaml")
    import_file(ws, folder / "customers.csv", "customers")
    import_file(ws, folder / "responses.csv", "responses", survey="tiny")
    yield ws
    ws.close()


#: the default demo company (docs/demo.md's "observed" values are of this build; ~20 s): at 20 % of the rows
#: the planted β of product_performance (0.50) and delivery (0.40) are too close to rank reliably
DEMO_SCALE = 1.0


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    from cxlens.datasets.build import build_demo

    ws = build_demo(Path(tmp_path_factory.mktemp("stats-demo")) / "demo", seed=2026, scale=DEMO_SCALE)
    yield ws
    ws.close()
