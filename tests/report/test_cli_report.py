from __future__ import annotations

import json
from pathlib import Path

import pyreadstat
from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.report.schedule import list_schedules, remove_schedule
from cxlens.store import Workspace

runner = CliRunner()


def test_report_exact_command_form_writes_a_pdf(report_ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    args = ["report", str(report_ws.path), "--lang", "zh", "--format", "pdf", "--out", str(out)]
    result = runner.invoke(app, [*args, "--period", "2026-Q2", "--template", "service"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")


def test_report_json(report_ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    result = runner.invoke(
        app,
        ["report", "render", str(report_ws.path), "--template", "service", "--period", "2026-Q2", "--lang", "en"]
        + ["--format", "xlsx", "--out", str(out), "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["period"] == "2026-Q2" and data["file"] == str(out)
    assert {s["key"] for s in data["sections"]} >= {"objective", "method", "kpis", "teams"}


def test_bad_period_is_a_clean_error(report_ws: Workspace) -> None:
    result = runner.invoke(app, ["report", str(report_ws.path), "--period", "Q3", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["ok"] is False and "period" in json.loads(result.stdout)["message"]


def test_export_spss(report_ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "s.sav"
    result = runner.invoke(app, ["export", "spss", str(report_ws.path), "--survey", "post_ticket", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data, meta = pyreadstat.read_sav(str(out))
    assert len(data) == 5000 and meta.variable_value_labels["csat"]


def test_schedule_add_and_list(report_ws: Workspace) -> None:
    try:
        result = runner.invoke(
            app,
            ["report", "schedule", "add", str(report_ws.path), "--every", "week", "--to", "a@b.cn,c@d.cn", "--json"],
        )
        assert result.exit_code == 0, result.output
        added = json.loads(result.stdout)["schedule"]
        assert added["to"] == ["a@b.cn", "c@d.cn"] and added["every"] == "week"
        listed = json.loads(runner.invoke(app, ["report", "schedule", "list", str(report_ws.path), "--json"]).stdout)
        assert [s["id"] for s in listed["schedules"]] == [added["id"]]
    finally:
        for s in list_schedules(report_ws):
            remove_schedule(report_ws, s.id)
