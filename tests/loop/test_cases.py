"""Closed-loop cases on a hand-built workspace: which records open a case (once), the status workflow, notes,
the customer's history, and time-to-close as a metric computed by the metric layer.

Records: R1 (C1, NPS 3 → detractor, CSAT 5), R2 (C2, NPS 9, CSAT 1 → low CSAT), R3 (C3, NPS 10, CSAT 4);
tickets T1 (C1, CSAT 2 → low ticket CSAT) and T2 (C2, CSAT 5); feedback F1 (C3, complaint) and F2 (C1, review).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np
import pytest

from cxlens.loop.cases import (
    CaseRule,
    add_note,
    assign,
    close_case,
    get_case,
    list_cases,
    open_cases,
    set_status,
)
from cxlens.metrics import compute
from cxlens.metrics.intervals import wilson_interval
from cxlens.store import Workspace

FILES = {
    "customers.csv": "customer_id,segment,region\nC1,consumer,N\nC2,vip,S\nC3,consumer,S\n",
    "responses.csv": "response_id,customer_id,submitted_at,nps,csat\n"
    "R1,C1,2025-03-01 10:00,3,5\nR2,C2,2025-03-02 10:00,9,1\nR3,C3,2025-03-03 10:00,10,4\n",
    "tickets.csv": "ticket_id,customer_id,agent_id,agent_name,team,created_at,first_response_at,resolved_at,csat\n"
    "T1,C1,A1,李雷,support,2025-03-04 09:00,2025-03-04 09:30,2025-03-04 12:00,2\n"
    "T2,C2,A2,韩梅,support,2025-03-05 09:00,2025-03-05 09:10,2025-03-05 10:00,5\n",
    "feedback.csv": "feedback_id,customer_id,source_type,collected_at,text\n"
    "F1,C3,complaint,2025-03-06 08:00,门锁坏了三次，客服一直推脱\nF2,C1,review,2025-03-07 08:00,还不错\n",
    "orders.csv": "order_id,customer_id,ordered_at,amount,product\nO1,C1,2025-02-01,199,音箱\n",
}
NOW = datetime(2025, 4, 1, 9, 0)


@pytest.fixture
def ws(builder: Callable[[dict[str, str]], Workspace]) -> Workspace:
    return builder(FILES)


def test_rules_open_one_case_per_record_idempotently(ws: Workspace) -> None:
    first = open_cases(ws, now=NOW)
    assert first["opened"] == {"complaint": 1, "detractor": 1, "low_csat": 1, "low_ticket_csat": 1}
    again = open_cases(ws, now=NOW + timedelta(days=1))
    assert again["total_opened"] == 0 and again["already"] == 4
    cases = list_cases(ws, now=NOW)
    assert sorted(cases["dedup_key"]) == ["feedback:1", "response:1", "response:2", "ticket:1"]
    by_rule = cases.set_index("rule")
    assert by_rule.loc["complaint", "customer"] == "C3" and by_rule.loc["complaint", "priority"] == "high"
    assert by_rule.loc["complaint", "due_at"] == NOW + timedelta(hours=24)
    assert by_rule.loc["detractor", "due_at"] == NOW + timedelta(hours=48)
    assert by_rule.loc["low_ticket_csat", "owner"] == "李雷"  # the ticket's agent follows up
    assert (cases["status"] == "open").all() and not cases["overdue"].any()
    assert list_cases(ws, overdue=True, now=NOW + timedelta(hours=30))["rule"].tolist() == ["complaint"]


def test_a_since_window_and_custom_rules(ws: Workspace) -> None:
    rules = [CaseRule("passive_or_worse", "nps_answer", max_score=8, sla_hours=12)]
    assert open_cases(ws, rules, since=datetime(2025, 3, 2), now=NOW)["opened"] == {"passive_or_worse": 0}
    assert open_cases(ws, rules, now=NOW)["opened"] == {"passive_or_worse": 1}
    with pytest.raises(ValueError, match="max_score"):
        open_cases(ws, [CaseRule("x", "nps_answer")])
    with pytest.raises(ValueError, match="source must be"):
        open_cases(ws, [CaseRule("x", "tweets")])


def test_workflow_notes_and_history(ws: Workspace) -> None:
    open_cases(ws, now=NOW)
    case_id = int(list_cases(ws).set_index("rule").loc["detractor", "id"])
    with pytest.raises(ValueError, match="can move to in_progress, resolved, not 'closed'"):
        set_status(ws, case_id, "closed")
    assign(ws, case_id, "王经理", now=NOW)
    set_status(ws, case_id, "in_progress", author="王经理", now=NOW + timedelta(hours=1))
    add_note(ws, case_id, "已电话回访，客户抱怨门锁掉线", author="王经理", now=NOW + timedelta(hours=2))
    set_status(ws, case_id, "resolved", author="王经理", now=NOW + timedelta(hours=3))
    set_status(ws, case_id, "in_progress", author="王经理", note="客户仍不满意", now=NOW + timedelta(hours=4))
    close_case(ws, case_id, author="王经理", note="更换门锁", now=NOW + timedelta(hours=10))
    case = get_case(ws, case_id)
    assert case["case"]["status"] == "closed" and case["case"]["owner"] == "王经理"
    assert case["case"]["closed_at"] == (NOW + timedelta(hours=10)).isoformat()
    assert [n["text"] for n in case["notes"]] == [
        "status open → in_progress",
        "已电话回访，客户抱怨门锁掉线",
        "status in_progress → resolved",
        "status resolved → in_progress: 客户仍不满意",
        "status in_progress → resolved: 更换门锁",
        "status resolved → closed",
    ]
    history = case["history"]
    assert [r["nps"] for r in history["responses"]] == [3.0]
    assert [t["ticket_id"] for t in history["tickets"]] == ["T1"]
    assert [o["order_id"] for o in history["orders"]] == ["O1"]
    assert [f["source_type"] for f in history["feedback"]] == ["review"]
    with pytest.raises(ValueError, match="it is closed"):
        set_status(ws, case_id, "in_progress")
    with pytest.raises(LookupError, match="no case"):
        add_note(ws, 999, "x", author="a")
    with pytest.raises(ValueError, match="needs text"):
        add_note(ws, case_id, "  ", author="a")


def test_time_to_close_is_a_metric(ws: Workspace) -> None:
    open_cases(ws, now=NOW)
    ids = list_cases(ws).set_index("rule")["id"]
    close_case(ws, int(ids["complaint"]), now=NOW + timedelta(hours=20))  # within its 24 h
    close_case(ws, int(ids["detractor"]), now=NOW + timedelta(hours=60))  # 48 h SLA missed
    close_case(ws, int(ids["low_csat"]), now=NOW + timedelta(hours=30))  # within 48 h
    # low_ticket_csat (72 h) stays open; the latest activity (NOW + 60 h) is before its due date: undecided
    ttc = compute(ws, "case_time_to_close")
    assert ttc["n"].iloc[0] == 3 and ttc["value"].iloc[0] == pytest.approx(30.0)
    assert ttc["mean"].iloc[0] == pytest.approx(np.mean([20, 60, 30]))
    sla = compute(ws, "case_closed_in_sla", by=["rule"]).set_index("rule")
    assert sla["n"].to_dict() == {"complaint": 1, "detractor": 1, "low_csat": 1, "low_ticket_csat": 0}
    assert sla["value"].dropna().to_dict() == {"complaint": 100.0, "detractor": 0.0, "low_csat": 100.0}
    total = compute(ws, "case_closed_in_sla").iloc[0]
    value, low, high = wilson_interval(np.array([2.0]), np.array([3.0]))
    assert (total["value"], total["ci_low"], total["ci_high"]) == pytest.approx((value[0], low[0], high[0]))
    # a later update (a note 100 h on) makes the open ticket case overdue: a miss
    add_note(ws, int(ids["low_ticket_csat"]), "等待配件", author="a", now=NOW + timedelta(hours=100))
    later = compute(ws, "case_closed_in_sla").iloc[0]
    assert (later["n"], later["value"]) == (4, pytest.approx(50.0))
