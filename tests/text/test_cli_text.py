from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.ingest import import_file
from cxlens.store import Workspace

runner = CliRunner()


def _csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_score_a_file_without_a_workspace(tmp_path: Path) -> None:
    file = _csv(
        tmp_path / "in.csv", [["id", "评论"], ["1", "医生很耐心，但是排队太久"], ["2", "Great service!"], ["3", ""]]
    )
    result = runner.invoke(app, ["text", "score", str(file), "--column", "评论", "--template", "healthcare", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert [r["row"] for r in rows] == [1, 2, 3]
    assert {a["aspect"] for a in rows[0]["aspects"]} == {"doctor_nurse", "service_attitude", "waiting_time"}
    assert rows[1]["label"] == "positive" and rows[2]["label"] == "neutral"
    assert set(rows[0]) == {"row", "language", "label", "score", "aspects", "keywords"}
    table = runner.invoke(app, ["text", "score", str(file), "--column", "评论"])
    assert table.exit_code == 0 and "positive" in table.stdout


def test_traditional_chinese_is_simplified_on_request(tmp_path: Path) -> None:
    file = _csv(tmp_path / "in.csv", [["text"], ["醫生很耐心，但是排隊太久了"]])
    args = ["text", "score", str(file), "--template", "healthcare", "--json"]
    as_is = json.loads(runner.invoke(app, args).stdout)["rows"][0]
    simplified = json.loads(runner.invoke(app, [*args, "--simplified"]).stdout)["rows"][0]
    assert {a["aspect"] for a in simplified["aspects"]} == {"doctor_nurse", "service_attitude", "waiting_time"}
    assert {a["aspect"] for a in as_is["aspects"]} < {a["aspect"] for a in simplified["aspects"]}
    assert "医生" in simplified["keywords"]


def test_score_names_a_missing_column(tmp_path: Path) -> None:
    file = _csv(tmp_path / "in.csv", [["id", "text"], ["1", "好"]])
    result = runner.invoke(app, ["text", "score", str(file), "--column", "comment"])
    assert result.exit_code == 2 and "comment" in result.output


def test_analyze_train_aspects_and_themes_on_a_workspace(tmp_path: Path) -> None:
    ws_dir = tmp_path / "ws"
    with Workspace.init(ws_dir) as ws:
        rows = [["feedback_id", "text", "collected_at", "source_type"]]
        rows += [
            [f"F{i}", "送餐太慢了" if i % 2 else "味道很好", f"2025-0{1 + i % 3}-05 10:00:00", "review"]
            for i in range(30)
        ]
        import_file(ws, _csv(tmp_path / "f.csv", rows), "feedback")
    result = runner.invoke(app, ["text", "analyze", str(ws_dir), "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["analyzed"] == 30
    again = json.loads(runner.invoke(app, ["text", "analyze", str(ws_dir), "--json"]).stdout)
    assert (again["analyzed"], again["already_current"]) == (0, 30)
    simplified = json.loads(runner.invoke(app, ["text", "analyze", str(ws_dir), "--simplified", "--json"]).stdout)
    assert simplified["analyzed"] == 30 and simplified["analyzer"] != again["analyzer"]

    copied = runner.invoke(app, ["text", "aspects", str(ws_dir), "--template", "retail", "--json"])
    assert copied.exit_code == 0 and "taste" in {a["aspect"] for a in json.loads(copied.stdout)["aspects"]}
    assert (ws_dir / "text" / "aspects.yaml").is_file()
    refused = runner.invoke(app, ["text", "aspects", str(ws_dir), "--template", "education", "--json"])
    assert refused.exit_code == 1 and "--force" in json.loads(refused.stdout)["message"]

    labelled = [["text", "label"]] + [["送货真快", "positive"], ["太慢了", "negative"], ["还行", "neutral"]] * 10
    trained = runner.invoke(app, ["text", "train", str(ws_dir), str(_csv(tmp_path / "l.csv", labelled)), "--json"])
    assert trained.exit_code == 0, trained.output
    info = json.loads(trained.stdout)
    assert (info["trained_on"], info["skipped"]) == (20, 10) and info["cv_accuracy"] > 0.9
    assert info["stacker"] == "linear" and info["cv_ci_low"] < info["cv_accuracy"] <= info["cv_ci_high"] <= 1
    assert (ws_dir / "text" / "sentiment.model.gz").is_file()
    rescored = json.loads(runner.invoke(app, ["text", "analyze", str(ws_dir), "--json"]).stdout)
    assert rescored["analyzed"] == 30  # the new model and aspects make every stored result stale

    themes = runner.invoke(app, ["text", "themes", str(ws_dir), "--label", "all", "--every", "month", "--json"])
    assert themes.exit_code == 0, themes.output
    data = json.loads(themes.stdout)
    assert data["texts"] == 30 and data["themes"] and data["keywords"]
    assert runner.invoke(app, ["text", "themes", str(ws_dir)]).exit_code == 0


def test_train_refuses_bad_labels(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "ws").close()
    file = _csv(tmp_path / "l.csv", [["text", "label"], ["好", "maybe"]])
    result = runner.invoke(app, ["text", "train", str(tmp_path / "ws"), str(file), "--json"])
    assert result.exit_code == 1 and "not a sentiment label" in json.loads(result.stdout)["message"]
