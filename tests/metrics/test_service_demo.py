"""The demo's planted contact pattern (docs/demo.md, *Contacts and reopenings*) is what fcr and reopen_rate
find: 技术支持 tickets reopen about three times as often as the others, 售后服务 tickets twice as often after
the 2026-01-01 action plan, and e-mail tickets take the most agent replies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from cxlens.datasets.demo import generate
from cxlens.ingest import import_file
from cxlens.metrics import Analytics, compute
from cxlens.store import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Analytics]:
    folder = tmp_path_factory.mktemp("demo")
    files = generate(folder / "data", seed=2026, scale=0.5)
    with Workspace.init(folder / "ws") as ws:
        import_file(ws, files.tickets, "tickets")
        yield Analytics.for_workspace(ws)


def test_reopen_rate_by_team_finds_the_planted_rates(demo: Analytics) -> None:
    rate = compute(demo, "reopen_rate", by=["team"], end=datetime(2026, 1, 1)).set_index("team")
    assert rate.loc["技术支持", "value"] == pytest.approx(15.0, abs=2.5)
    others = rate.drop(index="技术支持")
    assert (others["value"] - 5.0).abs().max() < 2.5
    assert (rate.loc["技术支持", "ci_low"] > others["ci_high"]).all()


def test_action_plan_doubles_after_sales_reopens(demo: Analytics) -> None:
    after_sales = {"team": "售后服务"}
    before = compute(demo, "reopen_rate", filters=after_sales, end=datetime(2026, 1, 1)).iloc[0]
    after = compute(demo, "reopen_rate", filters=after_sales, start=datetime(2026, 1, 1)).iloc[0]
    assert after["value"] > 1.5 * before["value"]


def test_fcr_is_lowest_by_email(demo: Analytics) -> None:
    fcr = compute(demo, "fcr", by=["channel"]).set_index("channel")
    assert fcr["value"].idxmin() == "邮件"
    assert int(fcr["n"].sum()) > 0
