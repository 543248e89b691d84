"""``cxlens metric-distribution``: a question's score distribution in the terminal (zh / en) and as JSON with
stable keys — the numbers ``cxlens.metrics.distribution`` computes.

By hand: nps answers 10, 6, 8, 9 → n = 4, one each at 6, 8, 9, 10 (25 %, Wilson 95 % 4.56–69.94 %);
csat 5, 3.5, 4 → n = 3, 3.5 between points (off_scale 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.ingest import import_file, import_survey
from cxlens.store import Workspace

runner = CliRunner()

SURVEY = """\
code: s
title: tiny
questions:
  - {code: nps, type: nps, text: 推荐}
  - {code: csat, type: csat, scale: [1, 5], text: 满意}
  - {code: comment, type: text, text: 说明}
"""
CUSTOMERS = "customer_id,segment\nC1,A\nC2,B\nC3,A\n"
RESPONSES = (
    "response_id,customer_id,submitted_at,nps,csat,comment\n"
    "R1,C1,2025-01-10 10:00,10,5,好\nR2,C2,2025-01-20 10:00,6,3.5,\n"
    "R3,C3,2025-02-05 10:00,8,4,\nR4,,2025-02-10 10:00,9,,\n"
)


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("cli_dist")
    (folder / "s.yaml").write_text(SURVEY, encoding="utf-8")
    (folder / "c.csv").write_text(CUSTOMERS, encoding="utf-8")
    (folder / "r.csv").write_text(RESPONSES, encoding="utf-8")
    with Workspace.init(folder / "ws") as workspace:
        import_survey(workspace, folder / "s.yaml")
        import_file(workspace, folder / "c.csv", "customers")
        import_file(workspace, folder / "r.csv", "responses", survey="s")
    return str(folder / "ws")


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_json_has_stable_keys_and_the_hand_computed_numbers(ws: str) -> None:
    code, out = run("metric-distribution", ws, "nps", "--json")
    assert code == 0
    body = json.loads(out)
    assert set(body) == {"ok", "question", "type", "scale_min", "scale_max", "surveys", "rows"}
    assert (body["type"], body["scale_min"], body["scale_max"], body["surveys"]) == ("nps", 0.0, 10.0, ["s"])
    rows = body["rows"]
    assert [r["score"] for r in rows] == list(range(11))
    assert set(rows[0]) == {"question", "score", "band", "count", "n", "share", "ci_low", "ci_high", "off_scale"}
    nine = rows[9]
    assert (nine["count"], nine["n"], nine["band"]) == (1, 4, "promoter")
    assert nine["share"] == pytest.approx(25.0)
    assert (nine["ci_low"], nine["ci_high"]) == pytest.approx((4.56, 69.94), abs=0.005)
    assert rows[0]["count"] == 0 and rows[0]["share"] == 0.0 and rows[0]["ci_low"] == 0.0


def test_slices_and_periods(ws: str) -> None:
    code, out = run("metric-distribution", ws, "nps", "--by", "segment", "--every", "month", "--json")
    rows = json.loads(out)["rows"]
    assert code == 0 and {r["period"] for r in rows} == {"2025-01-01T00:00:00", "2025-02-01T00:00:00"}
    a_feb = [r for r in rows if r["segment"] == "A" and r["period"].startswith("2025-02")]
    assert [r["score"] for r in a_feb if r["count"]] == [8] and {r["n"] for r in a_feb} == {1}
    code, out = run("metric-distribution", ws, "nps", "--filter", "segment=A", "--json")
    assert code == 0 and {r["n"] for r in json.loads(out)["rows"]} == {2}


def test_table_in_english_and_chinese(ws: str) -> None:
    code, out = run("metric-distribution", ws, "nps", "--lang", "en")
    assert code == 0
    assert "nps: score distribution (nps, 0–10)" in out and "promoter" in out and "4.6–69.9" in out
    code, out = run("metric-distribution", ws, "nps", "--lang", "zh")
    assert code == 0 and "评分分布" in out and "推荐者" in out and "贬损者" in out
    code, out = run("metric-distribution", ws, "csat", "--lang", "en")
    assert code == 0 and "1 answers between scale points" in out and "group" not in out


def test_errors_exit_1_with_a_clear_message(ws: str) -> None:
    code, out = run("metric-distribution", ws, "comment", "--json")
    body = json.loads(out)
    assert code == 1 and body["ok"] is False and body["error"] == "ValueError"
    assert "'comment' is a 'text' question" in body["message"]
    code, out = run("metric-distribution", ws, "nope", "--json")
    assert code == 1 and "unknown question 'nope'" in json.loads(out)["message"]
    code, _ = run("metric-distribution", str(Path(ws).parent / "missing"), "nps")
    assert code == 1
