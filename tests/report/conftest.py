"""The demo company (scale 1, seed 2026; docs/demo.md) with its texts analysed and targets set, and the
reports built on it once per session (each template in Chinese, the satisfaction one in English too)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from cxlens.loop.plans import create_plan
from cxlens.report import Report, build_report
from cxlens.store import Workspace

#: the quarter of the planted 华南 dip (docs/demo.md §3)
DIP = "2026-Q2"
TARGETS = "csat: {target: 80}\nnps: {target: 30, benchmark: 25}\nticket_csat: {target: 4.2}\n"


@pytest.fixture(scope="session")
def report_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    from cxlens.datasets.build import build_demo
    from cxlens.text.store import analyze_workspace

    ws = build_demo(Path(tmp_path_factory.mktemp("report-demo")) / "demo", seed=2026, scale=1.0)
    (ws.path / "targets.yaml").write_text(TARGETS, encoding="utf-8")
    analyze_workspace(ws, workers=1)
    # the demo's after-sales plan (docs/demo.md §7): resolution times × 0.7 from 2026-01-01, 技术支持 untouched
    create_plan(
        ws,
        "售后提速",
        "resolution_time",
        start=datetime(2026, 1, 1),
        filters={"team": "售后服务"},
        comparison={"team": "技术支持"},
        target=20.0,
        owner="王经理",
        measures="增派工程师,备件前置",
    )
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def reports(report_ws: Workspace) -> dict[tuple[str, str], Report]:
    """Built lazily: ``reports[(template, lang)]``."""

    class Lazy(dict[tuple[str, str], Report]):
        def __missing__(self, key: tuple[str, str]) -> Report:
            self[key] = build_report(report_ws, key[0], DIP, lang=key[1])
            return self[key]

    return Lazy()
