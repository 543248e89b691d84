"""The one import path, on DuckDB and PostgreSQL: typing, located errors, all-or-nothing, idempotency."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from cxlens.exceptions import InvalidRowsError, MappingError
from cxlens.ingest import import_file, import_survey
from cxlens.ingest.mapping import Mapping
from cxlens.store import Workspace


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def query(ws: Workspace, sql: str) -> list[tuple[object, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


TICKETS = [
    [
        "工单编号",
        "创建时间",
        "客户ID",
        "处理人",
        "班组",
        "状态",
        "优先级",
        "首次响应时间",
        "解决时间",
        "满意度",
    ],
    ["T1", "2025/1/3 8:05", "C1", "张伟", "售后", "已解决", "高", "2025/1/3 8:30", "2025/1/3 12:00", "5"],
    ["T2", "2025-01-04 09:00:00", "C2", "李娜", "售后", "", "normal", "2025-01-04 09:10:00", "", ""],
    ["T3", "2025-01-05T10:00:00+08:00", "C1", "张伟", "售前", "closed", "", "", "2025-01-05 11:00", "4"],
]


def test_tickets_are_typed_and_stored_in_utc(workspace: Workspace, tmp_path: Path) -> None:
    report = import_file(workspace, write_csv(tmp_path / "t.csv", TICKETS), "tickets", timezone="Asia/Shanghai")
    assert (report.rows_read, report.inserted, report.rejected, report.customers_created) == (3, 3, 0, 2)
    rows = query(
        workspace,
        "SELECT external_id, created_at, first_response_at, resolved_at, status, priority, csat "
        "FROM tickets ORDER BY external_id",
    )
    assert rows == [
        (
            "T1",
            datetime(2025, 1, 3, 0, 5),
            datetime(2025, 1, 3, 0, 30),
            datetime(2025, 1, 3, 4, 0),
            "resolved",
            "high",
            5.0,
        ),
        ("T2", datetime(2025, 1, 4, 1, 0), datetime(2025, 1, 4, 1, 10), None, "open", "normal", None),
        ("T3", datetime(2025, 1, 5, 2, 0), None, datetime(2025, 1, 5, 3, 0), "closed", None, 4.0),
    ]
    assert query(workspace, "SELECT external_id, name, team FROM agents ORDER BY name") == [
        ("张伟", "张伟", "售后"),
        ("李娜", "李娜", "售后"),
    ] or query(workspace, "SELECT count(*) FROM agents") == [(2,)]
    assert query(
        workspace,
        "SELECT count(*) FROM tickets t JOIN customers c ON c.id = t.customer_id WHERE c.external_id = 'C1'",
    ) == [(2,)]


def test_bad_rows_abort_the_whole_file_and_say_where(workspace: Workspace, tmp_path: Path) -> None:
    import_file(workspace, write_csv(tmp_path / "ok.csv", TICKETS), "tickets")
    before = workspace.counts()
    bad = TICKETS + [
        ["T4", "yesterday", "C9", "", "", "", "", "", "", ""],
        ["T5", "2025-01-06 10:00", "C9", "", "", "weird", "", "2025-01-06 09:00", "", "11"],
    ]
    with pytest.raises(InvalidRowsError) as caught:
        import_file(workspace, write_csv(tmp_path / "bad.csv", bad), "tickets")
    found = sorted((i.row, i.column, i.value) for i in caught.value.issues)
    assert found == sorted(
        [
            (5, "创建时间", "yesterday"),
            (6, "首次响应时间", "2025-01-06 09:00"),
            (6, "状态", "weird"),
            (6, "满意度", "11"),
        ]
    )
    assert caught.value.rejected_rows == 2
    assert "bad.csv, row 5, column '创建时间': value 'yesterday': not a date/time" in str(caught.value)
    assert workspace.counts() == before  # nothing lost, nothing added


def test_skip_invalid_imports_the_rest_and_records_rejects(workspace: Workspace, tmp_path: Path) -> None:
    bad = TICKETS + [["T4", "yesterday", "C9", "", "", "", "", "", "", ""]]
    report = import_file(workspace, write_csv(tmp_path / "bad.csv", bad), "tickets", skip_invalid=True)
    assert (report.inserted, report.rejected) == (3, 1)
    assert query(workspace, "SELECT row_number, column_name, value FROM import_rejects") == [
        (5, "创建时间", "yesterday")
    ]
    assert workspace.counts()["customers"] == 2  # C9 came only from the rejected row


def test_importing_twice_adds_nothing(workspace: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", TICKETS + [TICKETS[1]])
    first = import_file(workspace, path, "tickets")
    assert (first.inserted, first.duplicates_in_file) == (3, 1)
    counts = workspace.counts()
    second = import_file(workspace, path, "tickets")
    assert (second.inserted, second.already_stored, second.same_file_as_run) == (0, 3, first.run_id)
    assert {k: v for k, v in workspace.counts().items() if k != "import_runs"} == {
        k: v for k, v in counts.items() if k != "import_runs"
    }
    more = write_csv(tmp_path / "more.csv", TICKETS + [["T9", "2025-02-01", "C3", "", "", "", "", "", "", ""]])
    third = import_file(workspace, more, "tickets")
    assert (third.inserted, third.already_stored, third.same_file_as_run) == (1, 3, None)


def test_orders_read_money_and_check_dates(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        ["订单号", "客户编号", "下单时间", "实付金额", "数量", "发货时间"],
        ["O1", "C1", "2025-03-01", "￥1,299.50", "2", "2025-03-03"],
        ["O2", "C1", "2025年3月5日", "88", "1", ""],
    ]
    report = import_file(workspace, write_csv(tmp_path / "o.csv", rows, "gbk"), "orders")
    assert report.encoding == "gb18030" and report.inserted == 2
    assert [(r[0], float(r[1])) for r in query(workspace, "SELECT external_id, amount FROM orders ORDER BY 1")] == [
        ("O1", 1299.5),
        ("O2", 88.0),
    ]
    bad = rows[:2] + [["O3", "C1", "2025-03-05", "abc", "1.5", "2025-03-01"]]
    with pytest.raises(InvalidRowsError) as caught:
        import_file(workspace, write_csv(tmp_path / "bad.csv", bad), "orders")
    assert sorted((i.column, i.reason) for i in caught.value.issues) == [
        ("发货时间", "fulfilled before it was ordered"),
        ("实付金额", "not a number"),
        ("数量", "not a whole number"),
    ]


def test_day_first_dates_need_an_explicit_format(workspace: Workspace, tmp_path: Path) -> None:
    rows = [["order_id", "customer_id", "order_date", "amount"], ["O1", "C1", "03/01/2025", "5"]]
    path = write_csv(tmp_path / "o.csv", rows)
    with pytest.raises(InvalidRowsError):
        import_file(workspace, path, "orders")
    import_file(workspace, path, "orders", date_format="%d/%m/%Y")
    assert query(workspace, "SELECT ordered_at FROM orders") == [(datetime(2025, 1, 3),)]


def test_feedback_without_ids_is_idempotent_by_content(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        ["类型", "来源", "时间", "内容", "评分", "竞品"],
        ["投诉", "热线", "2025-04-01 10:00", "快递太慢了，等了一周", "", ""],
        ["评价", "京东", "2025-04-02 11:00", "Great speaker, easy setup", "5", ""],
        ["评价", "京东", "2025-04-02 12:00", "星辰的门锁便宜一些", "4", "星辰家居"],
    ]
    path = write_csv(tmp_path / "f.csv", rows, "gb18030")
    assert import_file(workspace, path, "feedback").inserted == 3
    assert import_file(workspace, path, "feedback").inserted == 0
    assert query(workspace, "SELECT source_type, language, rating FROM feedback ORDER BY collected_at") == [
        ("complaint", "zh", None),
        ("review", "en", 5.0),
        ("review", "zh", 4.0),
    ]
    assert query(workspace, "SELECT code FROM competitors") == [("星辰家居",)]


def test_customers_update_and_keep_typed_attributes(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        ["客户编号", "姓名", "客户类型", "年龄", "会员等级"],
        ["C1", "张三", "consumer", "34", "金卡"],
        ["C2", "李四", "", "", "银卡"],
    ]
    first = import_file(workspace, write_csv(tmp_path / "c.csv", rows), "customers")
    assert first.inserted == 2
    assert query(
        workspace,
        "SELECT k.key, k.data_type, a.value_number, a.value_text FROM customer_attributes a "
        "JOIN customer_attribute_keys k ON k.id = a.key_id ORDER BY 1, 4",
    ) == [
        ("会员等级", "text", None, "金卡"),
        ("会员等级", "text", None, "银卡"),
        ("年龄", "number", 34.0, "34"),
    ]
    rows[2][2] = "vip"
    second = import_file(workspace, write_csv(tmp_path / "c2.csv", rows), "customers")
    assert (second.inserted, second.updated, second.already_stored) == (0, 1, 1)
    assert query(workspace, "SELECT external_id, segment FROM customers ORDER BY 1") == [
        ("C1", "consumer"),
        ("C2", "vip"),
    ]


SURVEY = """\
code: pulse
title: {zh: 满意度调查, en: Pulse}
default_language: zh
dimensions:
  - {code: service, name: {zh: 服务, en: Service}, weight: 0.6}
questions:
  - {code: nps, type: nps, text: {zh: 推荐意愿, en: Recommend}}
  - {code: q1, type: likert, scale: [1, 5], dimension: service, text: 服务态度}
  - code: channel
    type: single
    text: 渠道
    choices: [{code: web, text: {zh: 官网, en: Website}}, {code: shop, text: {zh: 门店, en: Store}}]
  - code: used
    type: multi
    text: 使用的功能
    choices: [{code: a, text: 语音}, {code: b, text: 远程}, {code: c, text: 定时}]
  - {code: why, type: text, text: 原因}
"""


def _survey(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "pulse.yaml").write_text(SURVEY, encoding="utf-8")
    assert import_survey(workspace, tmp_path / "pulse.yaml").inserted == 1
    assert import_survey(workspace, tmp_path / "pulse.yaml").inserted == 0


def test_responses_become_long_typed_answers(workspace: Workspace, tmp_path: Path) -> None:
    _survey(workspace, tmp_path)
    rows = [
        ["答卷编号", "客户编号", "提交时间", "nps", "q1", "channel", "used", "why"],
        ["R1", "C1", "2025-05-01 10:00", "9", "5", "官网", "a┋c", "很好"],
        ["R2", "", "2025-05-02 10:00", "3", "", "shop", "b", ""],
    ]
    report = import_file(workspace, write_csv(tmp_path / "r.csv", rows), "responses", survey="pulse")
    assert (report.inserted, report.customers_created) == (2, 1)
    got = query(
        workspace,
        """SELECT r.external_id, q.code, a.value_number, a.value_text, c.code
        FROM answers a JOIN responses r ON r.id = a.response_id JOIN questions q ON q.id = a.question_id
        LEFT JOIN choices c ON c.id = a.choice_id ORDER BY 1, q.position, 5""",
    )
    assert got == [
        ("R1", "nps", 9.0, None, None),
        ("R1", "q1", 5.0, None, None),
        ("R1", "channel", None, None, "web"),
        ("R1", "used", None, None, "a"),
        ("R1", "used", None, None, "c"),
        ("R1", "why", None, "很好", None),
        ("R2", "nps", 3.0, None, None),
        ("R2", "channel", None, None, "shop"),
        ("R2", "used", None, None, "b"),
    ]
    assert import_file(workspace, tmp_path / "r.csv", "responses", survey="pulse").inserted == 0


def test_response_answers_are_checked_against_the_question(workspace: Workspace, tmp_path: Path) -> None:
    _survey(workspace, tmp_path)
    rows = [
        ["提交时间", "nps", "q1", "channel", "used"],
        ["2025-05-01", "11", "6", "phone", "a;z"],
        ["2025-05-01", "7.5", "x", "web", ""],
    ]
    with pytest.raises(InvalidRowsError) as caught:
        import_file(workspace, write_csv(tmp_path / "r.csv", rows), "responses", survey="pulse")
    assert sorted((i.row, i.column, i.value, i.reason) for i in caught.value.issues) == [
        (2, "channel", "phone", "not one of the question's choices (by code or text)"),
        (2, "nps", "11", "outside the question's scale"),
        (2, "q1", "6", "outside the question's scale"),
        (2, "used", "z", "not one of the question's choices (by code or text)"),
        (3, "nps", "7.5", "an NPS answer is a whole number from 0 to 10"),
        (3, "q1", "x", "not a number"),
    ]
    assert workspace.counts()["responses"] == 0


def test_responses_need_a_known_survey(workspace: Workspace, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [["submitted_at", "nps"], ["2025-05-01", "9"]])
    with pytest.raises(MappingError, match="--survey"):
        import_file(workspace, path, "responses")
    with pytest.raises(MappingError, match="no survey 'nope'"):
        import_file(workspace, path, "responses", survey="nope")


def test_mapping_values_extend_enumerations(workspace: Workspace, tmp_path: Path) -> None:
    rows = [["id", "opened", "state"], ["T1", "2025-01-01", "处理完毕"]]
    mapping = Mapping(
        "tickets",
        {"ticket_id": "id", "created_at": "opened", "status": "state"},
        values={"status": {"处理完毕": "resolved"}},
    )
    import_file(workspace, write_csv(tmp_path / "t.csv", rows), "tickets", mapping=mapping)
    assert query(workspace, "SELECT status FROM tickets") == [("resolved",)]


def test_dry_run_stores_nothing(workspace: Workspace, tmp_path: Path) -> None:
    report = import_file(workspace, write_csv(tmp_path / "t.csv", TICKETS), "tickets", dry_run=True)
    assert report.dry_run and report.rows_read == 3 and report.inserted == 0
    assert set(workspace.counts().values()) == {0}


def test_a_killed_import_leaves_the_workspace_as_it_was(workspace: Workspace, tmp_path: Path) -> None:
    """SIGKILL after every row is written but before the commit: nothing of the file survives."""
    import_file(workspace, write_csv(tmp_path / "first.csv", TICKETS[:2]), "tickets")
    before = workspace.counts()
    url = workspace.url
    workspace.close()
    script = textwrap.dedent(f"""
        import os, signal
        from cxlens.store import Workspace
        from cxlens.ingest import import_file
        def progress(stage, done, total):
            if stage == "write" and done == 1:
                os.kill(os.getpid(), signal.SIGKILL)
        ws = Workspace.open({str(workspace.path)!r})
        import_file(ws, {str(write_csv(tmp_path / "all.csv", TICKETS))!r}, "tickets", progress=progress)
    """)
    env = {**__import__("os").environ, "CXLENS_DATABASE_URL": url if "postgresql" in url else ""}
    done = subprocess.run([sys.executable, "-c", script], env=env, timeout=120)
    assert done.returncode == -9
    with Workspace.open(workspace.path) as again:
        assert again.counts() == before
