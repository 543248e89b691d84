"""Stored theme runs: ``cxlens text themes`` keeps its themes and members; pages read them back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.ingest import import_file
from cxlens.store import Workspace
from cxlens.text.report import latest_theme_run, stored_themes, text_overview
from cxlens.text.store import analyze_workspace

runner = CliRunner()

SLOW = "送餐太慢了，骑手迟到一个小时"
COLD = "饭菜送到都凉了，汤也洒了"
GOOD = "味道很好，分量足"


def _workspace(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    folder = tmp_path / "ws"
    file = tmp_path / "f.csv"
    with file.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["feedback_id", "text", "collected_at", "source_type"])
        out.writerows([f"F{i}", text, at, "review"] for i, (text, at, _) in enumerate(rows))
    with Workspace.init(folder) as ws:
        import_file(ws, file, "feedback")
        analyze_workspace(ws, workers=1)
    return folder


def test_a_run_stores_every_clustered_text_once_and_counts_by_period(tmp_path: Path) -> None:
    rows = [(SLOW, "2025-01-10 09:00:00", "slow")] * 12 + [(COLD, "2025-02-10 09:00:00", "cold")] * 8
    rows += [(SLOW, "2025-02-11 09:00:00", "slow")] * 4 + [(GOOD, "2025-02-12 09:00:00", "good")] * 6
    folder = _workspace(tmp_path, rows)
    with Workspace.open(folder) as ws:
        assert latest_theme_run(ws) is None
        with pytest.raises(ValueError, match="text themes"):
            stored_themes(ws)
        info = text_overview(ws, label=None, n_themes=3)
        run = latest_theme_run(ws)
        assert run is not None and run["id"] == info["run_id"] and not run["stale"]
        assert run["n_texts"] == 30 and run["n_themes"] == len(info["themes"])
        frame = stored_themes(ws, every="month")
        with ws.engine.connect() as conn:
            members = conn.exec_driver_sql("SELECT count(*), count(DISTINCT source_id) FROM text_theme_members").one()
    assert tuple(members) == (30, 30)
    # the stored sizes are the clustered ones, and the per-period counts add up to them
    sizes = {t["theme"]: t["size"] for t in info["themes"]}
    assert frame.groupby("theme")["n"].sum().to_dict() == sizes
    slow = frame[frame["label"].str.contains("慢") | frame["terms"].str.contains("骑手")]
    assert set(slow["period"]) == {"2025-01", "2025-02"}
    assert slow.set_index("period")["n"].to_dict() == {"2025-01": 12, "2025-02": 4}
    assert slow["negative_share"].min() == 1.0


def test_new_analysed_texts_make_the_run_stale_and_no_save_stores_nothing(tmp_path: Path) -> None:
    rows = [(SLOW, "2025-01-10 09:00:00", "slow")] * 10 + [(GOOD, "2025-01-12 09:00:00", "good")] * 10
    folder = _workspace(tmp_path, rows)
    with Workspace.open(folder) as ws:
        assert text_overview(ws, label=None, save=False)["run_id"] is None
        assert latest_theme_run(ws) is None
        text_overview(ws, label=None)
        more = tmp_path / "more.csv"
        more.write_text("feedback_id,text,collected_at,source_type\nN1,包装破了,2025-03-01 10:00:00,review\n")
        import_file(ws, more, "feedback")
        analyze_workspace(ws, workers=1)
        run = latest_theme_run(ws)
        assert run is not None and run["stale"]


def test_cli_shows_the_stored_run(tmp_path: Path) -> None:
    rows = [(SLOW, "2025-01-10 09:00:00", "slow")] * 10 + [(COLD, "2025-02-10 09:00:00", "cold")] * 10
    folder = _workspace(tmp_path, rows)
    made = runner.invoke(app, ["text", "themes", str(folder), "--label", "all", "--json"])
    assert made.exit_code == 0, made.output
    run_id = json.loads(made.stdout)["run_id"]
    shown = runner.invoke(app, ["text", "themes", str(folder), "--stored", "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["run"]["id"] == run_id and sum(r["n"] for r in data["rows"]) == 20
    table = runner.invoke(app, ["text", "themes", str(folder), "--stored"])
    assert table.exit_code == 0 and f"theme run {run_id}" in table.stdout
    fresh = tmp_path / "empty"
    Workspace.init(fresh).close()
    refused = runner.invoke(app, ["text", "themes", str(fresh), "--stored", "--json"])
    assert refused.exit_code == 1 and "text themes" in json.loads(refused.stdout)["message"]
