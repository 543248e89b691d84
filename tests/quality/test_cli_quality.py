"""``cxlens score …`` and ``cxlens template …`` through the CLI runner, on the tiny workspace."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.quality.model import ScoringModel
from cxlens.store import Workspace

runner = CliRunner()


def _model_file(tmp_path: Path, model: ScoringModel) -> str:
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(dict(model.raw), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def _json(args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_score_is_short_for_score_customers(tiny: Workspace, model: ScoringModel, tmp_path: Path) -> None:
    file = _model_file(tmp_path, model)
    data = _json(["score", str(tiny.path), "--model", file, "--json"])
    assert list(data)[:6] == ["ok", "model", "method", "weights", "window", "tiers"]
    rows = {r["customer_id"]: r for r in data["customers"]}  # type: ignore[attr-defined]
    assert round(rows["C2"]["score"], 3) == 31.333 and rows["C2"]["tier"] == "at_risk"
    assert rows["C2"]["weakest"] == "satisfaction" and rows["C4"]["score"] is None
    assert [r["customer_id"] for r in data["customers"]][:3] == ["C2", "C3", "C1"]  # type: ignore[attr-defined]
    same = _json(["score", "customers", str(tiny.path), "--model", file, "--json"])
    assert same["customers"] == data["customers"]
    table = runner.invoke(app, ["score", str(tiny.path), "--model", file, "--lang", "zh"])
    assert table.exit_code == 0 and "风险" in table.stdout and "C2" in table.stdout


def test_score_by_segment_every_period_and_one_customer(tiny: Workspace, model: ScoringModel, tmp_path: Path) -> None:
    file = _model_file(tmp_path, model)
    seg = _json(["score", str(tiny.path), "--model", file, "--by", "segment", "--json"])
    assert [s["segment"] for s in seg["segments"]] == ["A", "B"]  # type: ignore[index]
    per = _json(["score", str(tiny.path), "--model", file, "--every", "month", "--json"])
    # March holds only C3's order (coverage 0.1 < 0.5): no one is scored, so the period is absent
    assert [p["period"][:7] for p in per["periods"]] == ["2025-01", "2025-02"]  # type: ignore[attr-defined]
    assert per["overall_trend"] == {"n_periods": 2}
    one = _json(["score", str(tiny.path), "--model", file, "--customer", "C2", "--json"])
    assert one["evidence"][0]["criterion"] == "satisfaction"  # type: ignore[index]
    table = runner.invoke(app, ["score", str(tiny.path), "--model", file, "--every", "month", "--by", "segment"])
    assert table.exit_code == 0, table.output


def test_weights_and_sensitivity(tiny: Workspace, model: ScoringModel, tmp_path: Path) -> None:
    file = _model_file(tmp_path, model)
    w = _json(["score", "weights", str(tiny.path), "--model", file, "--json"])
    assert w["methods"]["direct"]["ok"] is True and w["methods"]["ahp"]["ok"] is False  # type: ignore[index]
    assert [r["criterion"] for r in w["weights"]] == model.codes  # type: ignore[attr-defined]
    table = runner.invoke(app, ["score", "weights", str(tiny.path), "--model", file])
    assert table.exit_code == 0 and "entropy" in table.stdout
    s = _json(["score", "sensitivity", str(tiny.path), "--model", file, "--json"])
    assert len(s["sensitivity"]) == 10 and s["step"] == 0.1  # type: ignore[arg-type]
    table = runner.invoke(app, ["score", "sensitivity", str(tiny.path), "--model", file])
    assert table.exit_code == 0 and "Kendall" in table.stdout


def test_errors_exit_cleanly(tiny: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("criteria: {x: {indicator: nope}}\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(tiny.path), "--model", str(bad), "--json"])
    assert result.exit_code == 1
    error = json.loads(result.stdout)
    assert error["ok"] is False and error["error"] == "ModelError" and "criteria.x.indicator" in error["message"]
    result = runner.invoke(app, ["score", "weights", str(tiny.path), "--method", "vote"])
    assert result.exit_code == 1 and "unknown method" in result.output
    assert runner.invoke(app, ["score", str(tmp_path / "nowhere")]).exit_code == 1


def test_template_commands(tmp_path: Path) -> None:
    listed = _json(["template", "list", "--json"])
    assert [t["name"] for t in listed["templates"]] == ["generic", "healthcare", "technology", "retail", "education"]  # type: ignore[attr-defined]
    shown = _json(["template", "show", "training", "--json"])
    assert shown["name"] == "education" and "course_content" in str(shown["survey"])
    assert runner.invoke(app, ["template", "show", "retail", "--lang", "zh"]).exit_code == 0
    assert runner.invoke(app, ["init", str(tmp_path / "ws")]).exit_code == 0
    done = _json(["template", "apply", str(tmp_path / "ws"), "healthcare", "--json"])
    assert done["survey_created"] is True and "csat" in done["targets_set"]  # type: ignore[operator]
    again = _json(["template", "apply", str(tmp_path / "ws"), "healthcare", "--json"])
    assert again["survey_created"] is False and again["targets_set"] == [] and len(again["kept"]) == 2  # type: ignore[arg-type]
    unknown = runner.invoke(app, ["template", "show", "bakery"])
    assert unknown.exit_code == 1 and "unknown template" in unknown.output
