"""Workspaces for the closing-the-loop tests: tiny hand-built ones whose every alert, case and effect is known,
and the demo company (docs/demo.md), built once through the ordinary import path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cxlens.ingest import import_file, import_survey
from cxlens.store import Workspace

SURVEY = """\
code: s
title: tiny
questions:
  - {code: nps, type: nps, text: 推荐}
  - {code: csat, type: csat, scale: [1, 5], text: 满意}
"""

#: NPS answers per month (Jan–Jun 2025) and region, as (promoters 9, passives 7/8, detractors 3) of 20:
#: N is flat at +30; S drops to −45 in May; W declines 40 → 30 → 20 → 10, then 10, 15
MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
NPS_PLAN = {
    "N": [(10, 6, 4)] * 6,
    "S": [(10, 6, 4)] * 4 + [(3, 5, 12), (10, 6, 4)],
    "W": [(10, 8, 2), (10, 6, 4), (8, 8, 4), (6, 10, 4), (6, 10, 4), (7, 9, 4)],
}
#: complaints per month (Jan–Jul 2025): service complaints plus one logistics complaint a month, then a burst
COMPLAINTS = {"2025-01": 2, "2025-02": 3, "2025-03": 2, "2025-04": 3, "2025-05": 2, "2025-06": 3}
BURST = 12


def nps_scores(p: int, m: int, d: int) -> list[int]:
    return [9] * p + [8 if i % 2 else 7 for i in range(m)] + [3] * d


def _alerts_files() -> dict[str, str]:
    customers = ["customer_id,segment,region"]
    responses = ["response_id,customer_id,submitted_at,nps,csat"]
    k = 0
    for region, plan in NPS_PLAN.items():
        for i in range(20):
            customers.append(f"{region}{i:02d},consumer,{region}")
        for month, counts in zip(MONTHS, plan, strict=True):
            for i, score in enumerate(nps_scores(*counts)):
                k += 1
                responses.append(f"R{k:04d},{region}{i:02d},{month}-{10 + i % 15:02d} 10:00,{score},{4 + (score > 8)}")
    feedback = ["feedback_id,customer_id,source_type,collected_at,text"]
    k = 0
    for month, n in COMPLAINTS.items():
        for i in range(n):
            k += 1
            feedback.append(f"F{k:03d},N{i:02d},complaint,{month}-{5 + i:02d} 09:00,客服态度太差了，非常不满意")
        k += 1
        feedback.append(f"F{k:03d},S{k % 20:02d},complaint,{month}-20 09:00,快递太慢了，物流很差")
    for i in range(BURST):
        k += 1
        feedback.append(f"F{k:03d},S{i:02d},complaint,2025-07-{3 + i:02d} 09:00,快递太慢了，物流很差，等了十天")
    return {
        "customers.csv": "\n".join(customers) + "\n",
        "responses.csv": "\n".join(responses) + "\n",
        "feedback.csv": "\n".join(feedback) + "\n",
    }


def build(folder: Path, files: dict[str, str], survey: str | None = SURVEY) -> Workspace:
    """A workspace in ``folder`` holding ``files`` (kind ← file name), imported the ordinary way."""
    folder.mkdir(parents=True, exist_ok=True)
    ws = Workspace.init(folder / "ws")
    if survey is not None:
        (folder / "s.yaml").write_text(survey, encoding="utf-8")
        import_survey(ws, folder / "s.yaml")
    for kind in ("customers", "orders", "tickets", "feedback", "responses", "ticket_events"):
        name = f"{kind}.csv"
        if name in files:
            (folder / name).write_text(files[name], encoding="utf-8")
            import_file(ws, folder / name, kind, **({"survey": "s"} if kind == "responses" else {}))
    return ws


@pytest.fixture
def builder(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Workspace]]:
    opened: list[Workspace] = []

    def make(files: dict[str, str], survey: str | None = SURVEY) -> Workspace:
        ws = build(tmp_path / f"w{len(opened)}", files, survey)
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()


@pytest.fixture(scope="module")
def module_builder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Workspace]]:
    """Like ``builder``, for workspaces shared by a test module."""
    opened: list[Workspace] = []

    def make(files: dict[str, str], survey: str | None = SURVEY) -> Workspace:
        ws = build(tmp_path_factory.mktemp("mod"), files, survey)
        opened.append(ws)
        return ws

    yield make
    for ws in opened:
        ws.close()


@pytest.fixture(scope="module")
def alerts_files() -> dict[str, str]:
    return _alerts_files()


@pytest.fixture(scope="module")
def alerts_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = build(tmp_path_factory.mktemp("alerts"), _alerts_files())
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The default demo company (seed 2026, scale 1; ~20 s), whose planted effects docs/demo.md lists."""
    from cxlens.datasets.build import build_demo

    ws = build_demo(Path(tmp_path_factory.mktemp("loop-demo")) / "demo", seed=2026, scale=1.0)
    yield ws
    ws.close()
