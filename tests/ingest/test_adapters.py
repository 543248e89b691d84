"""Adapters on small hand-written exports: detection, vendor quirks, privacy at the door."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from cxlens.exceptions import ReadError
from cxlens.ingest import import_file
from cxlens.ingest.adapters import adapt
from cxlens.store import Workspace


def write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def q(ws: Workspace, sql: str) -> list[tuple[object, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


WJX = [
    ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、您的性别", "2、您喜欢的水果", "3、意见"],
    ["1", "2025/3/1 10:00:00", "60秒", "手机提交", "直接访问", "1.2.3.4(北京)", "男", "苹果┋香蕉", "电话13812345678"],
    ["2", "2025/3/1 11:00:00", "60秒", "微信", "N/A", "5.6.7.8(上海)", "(跳过)", "其他〖榴莲〗", "很好"],
    ["3", "2025/3/2 09:00:00", "60秒", "微信", "N/A", "5.6.7.9(上海)", "女", "-3", "(跳过)"],
]


def test_wjx_gbk_csv_skips_are_not_zeros_and_ip_is_dropped(workspace: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "问卷星_gbk.csv", WJX, encoding="gbk")
    report = import_file(workspace, path, timezone="Asia/Shanghai")
    assert (report.kind, report.inserted, report.rejected) == ("responses", 3, 0)
    assert "来自IP" in report.ignored_columns
    assert q(
        workspace, "SELECT count(*) FROM answers a JOIN questions x ON x.id = a.question_id WHERE x.code = 'q1'"
    ) == [(2,)]
    other = q(
        workspace,
        "SELECT a.value_text FROM answers a JOIN questions x ON x.id = a.question_id WHERE x.code = 'q2_other'",
    )
    assert other == [("榴莲",)]
    assert q(workspace, "SELECT count(*) FROM answers WHERE value_text LIKE '%1.2.3.4%'") == [(0,)]
    again = import_file(workspace, path, timezone="Asia/Shanghai")
    assert (again.inserted, again.already_stored) == (0, 3)


def test_a_changed_re_export_adds_only_new_responses_and_options(workspace: Workspace, tmp_path: Path) -> None:
    import_file(workspace, write(tmp_path / "survey.csv", WJX))
    grown = [*WJX, ["4", "2025/3/3 09:00:00", "1", "微信", "", "", "女", "西瓜", "好"]]
    report = import_file(workspace, write(tmp_path / "survey.csv", grown))
    assert (report.inserted, report.already_stored) == (1, 3)
    assert ("西瓜",) in q(
        workspace, "SELECT c.code FROM choices c JOIN questions x ON x.id = c.question_id WHERE x.code = 'q2'"
    )


def test_masking_on_means_no_raw_phone_reaches_the_database(workspace: Workspace, tmp_path: Path) -> None:
    workspace.set_setting("mask_pii", True)
    import_file(workspace, write(tmp_path / "w.csv", WJX))
    assert q(workspace, "SELECT count(*) FROM answers WHERE value_text LIKE '%13812345678%'") == [(0,)]
    assert q(workspace, "SELECT count(*) FROM texts WHERE text LIKE '%13812345678%'") == [(0,)]
    assert q(workspace, "SELECT count(*) FROM choices WHERE code LIKE '%13812345678%'") == [(0,)]
    chosen = q(
        workspace,
        "SELECT c.code FROM answers a JOIN choices c ON c.id = a.choice_id "
        "JOIN questions x ON x.id = a.question_id WHERE x.code = 'q3'",
    )
    assert ("电话[PHONE]",) in chosen
    with Workspace.open(workspace.path) as reopened:
        assert reopened.settings["mask_pii"] is True


def test_zendesk_export_maps_reply_minutes_and_satisfaction(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        [
            "Id",
            "Requester",
            "Requester id",
            "Created at",
            "Solved at",
            "Assignee",
            "Group",
            "Via",
            "Status",
            "Priority",
            "Satisfaction Score",
            "First reply time in minutes",
            "Requester email",
        ],
        [
            "101",
            "Ann",
            "9001",
            "2025-03-01 10:00:00",
            "2025-03-01 12:00:00",
            "Bob",
            "Support",
            "email",
            "Solved",
            "High",
            "Good",
            "30",
            "ann@example.com",
        ],
        [
            "102",
            "Cy",
            "9002",
            "2025-03-02 10:00:00",
            "",
            "Bob",
            "Support",
            "web",
            "Open",
            "Low",
            "Offered",
            "",
            "cy@example.com",
        ],
    ]
    report = import_file(workspace, write(tmp_path / "zendesk.csv", rows))
    assert (report.kind, report.inserted) == ("tickets", 2)
    assert "Requester email" in report.ignored_columns
    got = q(workspace, "SELECT external_id, status, csat, first_response_at FROM tickets ORDER BY 1")
    assert [(r[0], r[1], r[2]) for r in got] == [("101", "resolved", 5.0), ("102", "open", None)]
    assert str(got[0][3]) == "2025-03-01 10:30:00"


def test_plain_csv_still_needs_a_kind_and_format_can_force(workspace: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "plain.csv", [["a", "b"], ["1", "2"]])
    assert adapt(path) is None
    with pytest.raises(Exception, match="--kind"):
        import_file(workspace, path)
    with pytest.raises(ReadError, match="unknown format"):
        adapt(path, "nope")
    assert adapt(write(tmp_path / "w.csv", WJX), "csv") is None
