"""The command line, through Typer's CliRunner: every command works and ``--json`` keys are stable."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cxlens.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_init_status_import_round_trip(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    code, out = run("init", ws, "--json")
    assert code == 0 and json.loads(out)["database"] == "duckdb"
    csv = tmp_path / "orders.csv"
    csv.write_text("订单号,客户编号,下单时间,金额\nO1,C1,2025-01-02,10\nO2,C2,2025-01-03,20\n", encoding="utf-8")
    code, out = run("import", ws, str(csv), "--kind", "orders", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and (report["inserted"], report["customers_created"]) == (2, 2)
    assert set(report) >= {"file", "kind", "rows_read", "inserted", "rejected", "issues", "mapping", "run_id"}
    code, out = run("status", ws, "--json")
    info = json.loads(out)
    assert info["counts"]["orders"] == 2 and info["periods"]["orders"][0].startswith("2025-01-02")
    code, out = run("status", ws, "--lang", "zh")
    assert code == 0 and "订单" in out


def test_invalid_rows_exit_1_with_located_issues(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    run("init", ws)
    csv = tmp_path / "bad.csv"
    csv.write_text("order_id,customer_id,ordered_at,amount\nO1,C1,2025-01-02,ten\n", encoding="utf-8")
    code, out = run("import", ws, str(csv), "--kind", "orders", "--json")
    body = json.loads(out)
    assert code == 1 and body["ok"] is False and body["error"] == "InvalidRowsError"
    assert body["issues"] == [
        {"file": "bad.csv", "row": 2, "column": "amount", "value": "ten", "reason": "not a number"}
    ]
    code, out = run("status", ws, "--json")
    assert json.loads(out)["counts"]["orders"] == 0


def test_mapping_prints_an_editable_yaml(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    run("init", ws)
    csv = tmp_path / "t.csv"
    csv.write_text("工单号,创建时间,状态\nT1,2025-01-01,已解决\n", encoding="utf-8")
    code, out = run("mapping", ws, str(csv), "--kind", "tickets")
    assert code == 0 and "ticket_id: 工单号" in out and "created_at: 创建时间" in out
    code, out = run("mapping", ws, str(csv), "--kind", "tickets", "--json")
    assert json.loads(out)["preview"] == [{"工单号": "T1", "创建时间": "2025-01-01", "状态": "已解决"}]


def test_errors_are_clear_and_exit_1(tmp_path: Path) -> None:
    code, out = run("status", str(tmp_path / "none"), "--json")
    assert code == 1 and "cxlens init" in json.loads(out)["message"]
    run("init", str(tmp_path / "ws"))
    code, out = run("init", str(tmp_path / "ws"), "--json")
    assert code == 1 and json.loads(out)["error"] == "WorkspaceExistsError"


def test_survey_then_responses(tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    run("init", ws)
    (tmp_path / "s.yaml").write_text(
        "code: rnps\ntitle: NPS\nquestions:\n  - {code: nps, type: nps, text: 推荐意愿}\n", encoding="utf-8"
    )
    code, out = run("import", ws, str(tmp_path / "s.yaml"), "--kind", "survey", "--json")
    assert code == 0 and json.loads(out)["inserted"] == 1
    (tmp_path / "r.csv").write_text("submitted_at,nps\n2025-01-01,10\n2025-01-02,6\n", encoding="utf-8")
    code, out = run("import", ws, str(tmp_path / "r.csv"), "--kind", "responses", "--survey", "rnps", "--json")
    assert code == 0 and json.loads(out)["inserted"] == 2


def test_demo_builds_a_small_company(tmp_path: Path) -> None:
    code, out = run("demo", str(tmp_path / "demo"), "--no-serve", "--scale", "0.02", "--json")
    assert code == 0, out
    info = json.loads(out)
    assert info["counts"]["surveys"] == 4 and info["counts"]["responses"] > 0
    assert set(info["feedback_languages"]) == {"zh", "en"}
    assert all(step["inserted"] > 0 for step in info["imports"])
