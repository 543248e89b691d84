"""The loop commands end to end through the CLI (CliRunner): JSON with stable keys, tables, and clean errors."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.store import Workspace

TEAM = {
    "customers.csv": "customer_id,region\nC1,N\nC2,S\n",
    "tickets.csv": "ticket_id,customer_id,agent_id,agent_name,team,channel,created_at,first_response_at,"
    "resolved_at,csat\n"
    + "".join(
        f"T{i},C{1 + i % 2},A{i % 3},A{i % 3},t,{'phone' if i % 2 else 'email'},2025-03-{1 + i:02d} 09:00,"
        f"2025-03-{1 + i:02d} {10 + i % 3}:00,2025-03-{1 + i:02d} 18:00,{1 + i % 5}\n"
        for i in range(24)
    ),
}


def _run(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    assert data["ok"] is True
    return data


@pytest.fixture
def path(alerts_ws: Workspace, tmp_path: Path, alerts_files: dict[str, str]) -> str:
    copy = tmp_path / "ws"
    shutil.copytree(alerts_ws.path, copy)
    return str(copy)


def test_alerts_commands(path: str) -> None:
    added = _run("alerts", "rules", "add", path, "drop", "--kind", "significant_drop", "--metric", "nps",
                 "--by", "region", "--alpha", "0.05", "--severity", "critical")  # fmt: skip
    assert added["rule"]["by"] == ["region"] and added["rule"]["alpha"] == 0.05
    rules = _run("alerts", "rules", "list", path)["rules"]
    assert [r["name"] for r in rules] == ["drop"] and rules[0]["kind"] == "significant_drop"
    run = _run("alerts", "run", path)
    assert run["new_count"] == 1 and run["new"][0]["slice"] == {"region": "S"}
    assert run["new"][0]["period"] == "2025-05-01T00:00:00" and run["new"][0]["severity"] == "critical"
    assert _run("alerts", "run", path)["new_count"] == 0
    listed = _run("alerts", "list", path)["alerts"]
    assert len(listed) == 1 and listed[0]["status"] == "open"
    table = CliRunner().invoke(app, ["alerts", "run", path, "--lang", "en"])
    assert table.exit_code == 0 and "New alerts: 0" in table.output
    bad = CliRunner().invoke(app, ["alerts", "rules", "add", path, "x", "--kind", "vibes", "--json"])
    assert bad.exit_code == 1 and "kind must be one of" in json.loads(bad.output)["message"]


def test_cases_commands(path: str) -> None:
    opened = _run("cases", "open", path, "--rule", "complaint", "--since", "2025-07-01")
    assert opened["opened"] == {"complaint": 12} and opened["already"] == 0
    assert _run("cases", "open", path, "--rule", "complaint", "--since", "2025-07-01")["already"] == 12
    cases = _run("cases", "list", path)
    assert cases["count"] == 12 and cases["cases"][0]["status"] == "open"
    first = cases["cases"][0]["id"]
    assert _run("cases", "note", path, str(first), "已回电", "--status", "in_progress")["note_id"] >= 1
    assert _run("cases", "close", path, str(first), "--note", "已补发")["status"] == "closed"
    shown = _run("cases", "show", path, str(first))
    assert shown["case"]["status"] == "closed" and len(shown["notes"]) == 4
    assert set(shown["history"]) == {"responses", "tickets", "orders", "feedback"}
    assert _run("cases", "list", path, "--status", "closed")["count"] == 1
    missing = CliRunner().invoke(app, ["cases", "close", path, "999", "--json"])
    assert missing.exit_code == 1 and "no case" in json.loads(missing.output)["message"]


def test_plans_commands(path: str) -> None:
    created = _run("plans", "create", path, "south", "--metric", "nps", "--filter", "region=S", "--compare",
                   "region=N", "--start", "2025-06-01", "--baseline-days", "31", "--target", "20")  # fmt: skip
    assert created["plan"]["baseline_value"] == pytest.approx(-45.0) and created["plan"]["baseline_n"] == 20
    assert [p["name"] for p in _run("plans", "list", path)["plans"]] == ["south"]
    result = _run("plans", "evaluate", path, "south")
    assert result["before_after"]["after"] == pytest.approx(30.0)
    assert result["did"]["did"] == pytest.approx(75.0) and result["verdict"] == "target_reached"
    table = CliRunner().invoke(app, ["plans", "evaluate", path, "south", "--lang", "zh"])
    assert table.exit_code == 0 and "结论" in table.output


def test_team_benchmark_journey_commands(builder: Callable[..., Workspace], path: str) -> None:
    ws = builder(TEAM, survey=None)
    team = _run("team", str(ws.path))
    assert {c["agent"] for c in team["scorecards"]} == {"A0", "A1", "A2"}
    assert {b["stage"] for b in team["bottlenecks"]} == {"waiting_first_response", "working_to_resolution"}
    monthly = _run("team", str(ws.path), "--every", "month")
    assert {c["period"] for c in monthly["scorecards"]} == {"2025-03-01T00:00:00"}
    journey = _run("journey", path)
    assert journey["stages"][0] == "awareness" and len(journey["touchpoints"]) == 8
    nothing = CliRunner().invoke(app, ["benchmark", path, "--json"])
    assert nothing.exit_code == 1 and "nothing to benchmark" in json.loads(nothing.output)["message"]
    table = CliRunner().invoke(app, ["journey", path, "--lang", "en"])
    assert table.exit_code == 0 and "Customer-journey map" in table.output
