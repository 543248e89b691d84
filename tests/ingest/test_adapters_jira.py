"""Jira Service Management CSV exports: repeated headers, Jira dates, SLA cells, localised headers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from cxlens.exceptions import InvalidRowsError
from cxlens.ingest import import_file
from cxlens.ingest.adapters import adapt, detect
from cxlens.ingest.adapters.base import read_head
from cxlens.ingest.adapters.jira import parse_jira_date, parse_sla
from cxlens.store import Workspace

# a JSM "Export Excel CSV (all fields)" as Jira Cloud writes it: one header per value of Labels/Components
HEADER = [
    "Summary",
    "Issue key",
    "Issue id",
    "Issue Type",
    "Status",
    "Priority",
    "Assignee",
    "Reporter",
    "Created",
    "Updated",
    "Resolved",
    "Components",
    "Components",
    "Labels",
    "Labels",
    "Labels",
    "Watchers",
    "Watchers",
    "Description",
    "Custom field (Request Type)",
    "Custom field (Satisfaction rating)",
    "Custom field (Time to first response)",
    "Custom field (Time to resolution)",
]
ROWS = [
    [
        "VPN drops every hour",
        "SD-101",
        "10101",
        "Incident",
        "Resolved",
        "High",
        "Li Wei",
        "ann.customer",
        "01/Mar/24 9:15 AM",
        "02/Mar/24 10:00 AM",
        "01/Mar/24 3:40 PM",
        "Network",
        "Remote access",
        "vpn",
        "outage",
        "",
        "Li Wei",
        "Bob Admin",
        "Since Monday the VPN\ndisconnects, see log",
        "Report a system problem",
        "4",
        "2024-03-01 09:47",
        "-2h 30m",
    ],
    [
        "New laptop request",
        "SD-102",
        "10102",
        "Service Request",
        "Waiting for customer",
        "Medium",
        "Zhang Min",
        "bo.customer",
        "2024-03-02 14:05",
        "2024-03-02 14:05",
        "",
        "Hardware",
        "",
        "laptop",
        "",
        "",
        "Zhang Min",
        "",
        "Need a laptop for new hire",
        "Request new hardware",
        "",
        "5h 12m",
        "3d 4h",
    ],
    [
        "Printer jam",
        "SD-103",
        "10103",
        "Incident",
        "Done",
        "Lowest",
        "Li Wei",
        "cy.customer",
        "04/Mar/24 12:05 PM",
        "04/Mar/24 1:00 PM",
        "04/Mar/24 12:30 PM",
        "",
        "",
        "printer",
        "floor-3",
        "urgent-fix",
        "",
        "",
        "",
        "Report a system problem",
        "5 stars",
        "04/Mar/24 12:10 PM",
        "",
    ],
]
MESSY = [
    "Password reset",
    "SD-104",
    "10104",
    "Service Request",
    "Open",
    "Low",
    "Li Wei",
    "dee.customer",
    "yesterday 9 AM",  # a hand-edited cell: not a date
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "Reset my password",
    "",
    "",
    "",
]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def q(ws: Workspace, sql: str) -> list[tuple[object, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


def test_jira_dates_and_sla_cells() -> None:
    assert parse_jira_date("01/Mar/24 9:15 AM") == "2024-03-01 09:15:00"
    assert parse_jira_date("01/Mar/24 12:05 AM") == "2024-03-01 00:05:00"
    assert parse_jira_date("4/Mar/2024 1:00 PM") == "2024-03-04 13:00:00"
    assert parse_jira_date("01/三月/24 9:15 下午") == "2024-03-01 21:15:00"
    assert parse_jira_date("31/Feb/24 9:15 AM") is None
    assert parse_jira_date("2024-03-01 09:15") is None  # ISO-like: read by the import as it is
    assert (parse_sla("5h 12m"), parse_sla("-2h 30m"), parse_sla("3d 4h"), parse_sla("45m")) == (312, -150, 4560, 45)
    assert parse_sla("2024-03-01 09:47") is None and parse_sla("") is None


def test_jira_export_is_detected_and_repeated_headers_are_joined(tmp_path: Path) -> None:
    path = write(tmp_path / "Jira.csv", [HEADER, *ROWS])
    found = detect(read_head(path))
    assert found is not None and found.name == "jira"
    adapted = adapt(path)
    assert adapted is not None and adapted.kind == "tickets"
    assert adapted.raw.table["Labels"].to_pylist() == ["vpn;outage", "laptop", "printer;floor-3;urgent-fix"]
    assert adapted.raw.table["Components"].to_pylist() == ["Network;Remote access", "Hardware", ""]
    assert not [c for c in adapted.raw.columns if c.startswith(("Labels.", "Components.", "Watchers."))]
    assert "Watchers" in adapted.dropped and "Labels" in adapted.mapping.ignore


def test_jira_import_maps_tickets_agents_csat_and_first_response(workspace: Workspace, tmp_path: Path) -> None:
    report = import_file(workspace, write(tmp_path / "Jira.csv", [HEADER, *ROWS]), timezone="UTC")
    assert (report.kind, report.inserted, report.rejected) == ("tickets", 3, 0)
    assert {"Watchers", "Labels", "Custom field (Time to resolution)"} <= set(report.ignored_columns)
    got = q(
        workspace,
        "SELECT external_id, status, priority, csat, category, team, created_at, resolved_at, first_response_at "
        "FROM tickets ORDER BY 1",
    )
    assert [r[:6] for r in got] == [
        ("SD-101", "resolved", "high", 4.0, "Report a system problem", "Network;Remote access"),
        ("SD-102", "pending", "normal", None, "Request new hardware", "Hardware"),
        ("SD-103", "resolved", "low", 5.0, "Report a system problem", None),
    ]
    assert [str(r[6]) for r in got] == ["2024-03-01 09:15:00", "2024-03-02 14:05:00", "2024-03-04 12:05:00"]
    assert str(got[0][7]) == "2024-03-01 15:40:00" and got[1][7] is None
    # SLA timestamp = first response; a remaining time ("5h 12m") is not a response time
    assert [str(r[8]) if r[8] else None for r in got] == ["2024-03-01 09:47:00", None, "2024-03-04 12:10:00"]
    assert len(q(workspace, "SELECT * FROM agents")) == 2
    again = import_file(workspace, write(tmp_path / "Jira.csv", [HEADER, *ROWS]), timezone="UTC")
    assert (again.inserted, again.already_stored) == (0, 3)


def test_a_messy_jira_row_is_refused_with_its_place(workspace: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path / "Jira.csv", [HEADER, *ROWS, MESSY])
    with pytest.raises(InvalidRowsError, match="not a date/time") as caught:
        import_file(workspace, path, timezone="UTC")
    # row 5 of the sheet (row 2 spans two lines but is one record) — the header is row 1
    assert [(i.row, i.column, i.value) for i in caught.value.issues] == [(5, "Created", "yesterday 9 AM")]
    assert q(workspace, "SELECT count(*) FROM tickets") == [(0,)]
    report = import_file(workspace, path, timezone="UTC", skip_invalid=True)
    assert (report.inserted, report.rejected) == (3, 1)


def test_chinese_headers_and_forced_format(workspace: Workspace, tmp_path: Path) -> None:
    header = [
        "问题关键字",
        "摘要",
        "问题类型",
        "状态",
        "优先级",
        "经办人",
        "报告人",
        "创建日期",
        "已解决",
        "标签",
        "标签",
    ]
    rows = [
        [
            "IT-7",
            "无法登录",
            "事件",
            "已解决",
            "高",
            "王芳",
            "客户甲",
            "2024-03-01 09:15",
            "01/三月/24 5:00 下午",
            "登录",
            "紧急",
        ],
        ["IT-8", "申请权限", "服务请求", "等待客户", "最低", "王芳", "客户乙", "02/3月/24 10:00 上午", "", "", ""],
    ]
    path = write(tmp_path / "导出.csv", [header, *rows])
    assert adapt(path, "jira") is not None
    report = import_file(workspace, path, timezone="Asia/Shanghai")
    assert (report.kind, report.inserted) == ("tickets", 2)
    got = q(
        workspace, "SELECT external_id, status, priority, agent_id IS NOT NULL, resolved_at FROM tickets ORDER BY 1"
    )
    assert got[0][:4] == ("IT-7", "resolved", "high", True) and str(got[0][4]) == "2024-03-01 09:00:00"
    assert got[1][:3] == ("IT-8", "pending", "low")
    assert "标签" in report.ignored_columns
