from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from cxlens.ingest import import_file, import_survey
from cxlens.store import Workspace
from cxlens.text.report import text_overview
from cxlens.text.store import analyze_workspace, analyzer_id, pending_count

SURVEY = """code: pulse
title: {zh: 脉搏调查, en: Pulse}
default_language: zh
status: in_progress
questions:
- code: nps
  type: nps
  text: {zh: 推荐意愿, en: 'Recommend?'}
  scale: [0, 10]
- code: comment
  type: text
  text: {zh: 意见, en: Comments}
"""


def _csv(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _fill(ws: Workspace, tmp_path: Path) -> None:
    feedback = [["feedback_id", "text", "collected_at", "source_type"]]
    for i in range(12):
        month = "2025-01" if i < 6 else "2025-02"
        text = "送餐太慢了，等了一个小时，电话13812345678" if i % 2 else "服务态度很好，非常满意"
        feedback.append([f"F{i}", text, f"{month}-{10 + i:02d} 10:00:00", "review"])
    feedback.append(["F99", "The app keeps crashing, terrible", "2025-02-20 10:00:00", "review"])
    import_file(ws, _csv(tmp_path / "f.csv", feedback), "feedback")
    tickets = [
        ["ticket_id", "created_at", "description"],
        ["T1", "2025-01-03 08:00:00", "门锁掉线，客服一直没回复"],
        ["T2", "2025-01-04 08:00:00", ""],
    ]
    import_file(ws, _csv(tmp_path / "t.csv", tickets), "tickets")
    (tmp_path / "s.yaml").write_text(SURVEY, encoding="utf-8")
    import_survey(ws, tmp_path / "s.yaml")
    answers = [
        ["response_id", "submitted_at", "nps", "comment"],
        ["R1", "2025-01-05 08:00:00", "9", "安装师傅很专业"],
        ["R2", "2025-01-06 08:00:00", "3", ""],
    ]
    import_file(ws, _csv(tmp_path / "r.csv", answers), "responses", survey="pulse")


def _rows(ws: Workspace, sql: str) -> list[tuple[object, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


def test_analyze_stores_results_for_every_source_and_resumes(workspace: Workspace, tmp_path: Path) -> None:
    _fill(workspace, tmp_path)
    assert pending_count(workspace) == (15, 15)
    seen: list[tuple[int, int]] = []
    report = analyze_workspace(workspace, workers=1, progress=lambda d, t: seen.append((d, t)))
    assert (report.analyzed, report.already_current) == (15, 0) and seen[-1] == (15, 15)
    counts = _rows(workspace, "SELECT source, count(*) FROM text_results GROUP BY source ORDER BY source")
    assert counts == [("answer", 1), ("feedback", 13), ("ticket", 1)]
    labels = dict(
        _rows(
            workspace,
            "SELECT f.external_id, r.label FROM text_results r JOIN feedback f ON f.id = r.source_id "
            "WHERE r.source = 'feedback' AND f.external_id IN ('F0', 'F1', 'F99')",
        )
    )
    assert labels == {"F0": "positive", "F1": "negative", "F99": "negative"}
    aspects = _rows(workspace, "SELECT DISTINCT aspect FROM text_aspects WHERE source = 'ticket' ORDER BY aspect")
    assert ("service_attitude",) in aspects and ("response_speed",) in aspects
    assert _rows(workspace, "SELECT count(*) FROM text_sentences")[0][0] >= 15
    # a second run finds nothing to do; a changed text is analysed again, and only that one
    again = analyze_workspace(workspace, workers=1)
    assert (again.analyzed, again.already_current) == (0, 15)
    with workspace.begin() as conn:
        conn.execute(sa.text("UPDATE feedback SET text = '太差了' WHERE external_id = 'F0'"))
    third = analyze_workspace(workspace, workers=1)
    assert third.analyzed == 1
    assert _rows(workspace, "SELECT count(*) FROM text_results")[0][0] == 15
    label = _rows(
        workspace,
        "SELECT r.label FROM text_results r JOIN feedback f ON f.id = r.source_id "
        "WHERE r.source = 'feedback' AND f.external_id = 'F0'",
    )
    assert label == [("negative",)]


def test_a_new_analyzer_makes_results_stale(workspace: Workspace, tmp_path: Path) -> None:
    _fill(workspace, tmp_path)
    analyze_workspace(workspace, workers=1)
    before = analyzer_id(workspace.path)
    (workspace.path / "text").mkdir(exist_ok=True)
    (workspace.path / "text" / "userdict.txt").write_text("极光音箱\n", encoding="utf-8")
    assert analyzer_id(workspace.path) != before
    assert pending_count(workspace)[0] == 15
    assert analyze_workspace(workspace, workers=1).analyzed == 15
    assert _rows(workspace, "SELECT count(*) FROM text_results")[0][0] == 15
    assert analyze_workspace(workspace, workers=1, redo=True).analyzed == 15


def test_overview_reads_stored_results(workspace: Workspace, tmp_path: Path) -> None:
    _fill(workspace, tmp_path)
    analyze_workspace(workspace, workers=1)
    info = text_overview(workspace, source="feedback", every="month", label=None, n_themes=2)
    assert info["texts"] == 13
    assert {k["term"] for k in info["keywords"][:5]} & {"送餐", "太慢", "服务态度"}
    assert sum(t["size"] for t in info["themes"]) == 13
    quotes = [q for t in info["themes"] for q in t["quotes"]]
    assert any("[PHONE]" in q for q in quotes) and not any("13812345678" in q for q in quotes)
    months = {row["period"] for row in info["aspects"]}
    assert months == {"2025-01", "2025-02"}
    with pytest.raises(ValueError, match="every"):
        text_overview(workspace, every="decade")
