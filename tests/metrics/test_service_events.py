"""First-contact resolution and reopen rate, by hand, from help-desk counts and from imported ticket events,
on every engine.

Tickets (reopen_count, agent_replies as exported, or derived from events):
- T1 resolved, 1 reply, never reopened → first contact.
- T2 resolved, 3 replies, never reopened → not first contact.
- T3 resolved, 0 replies (closed without a reply), never reopened → first contact (at most one reply).
- T4 resolved, 1 reply, reopened once → not first contact; reopened.
- T5 open, never resolved → not in either n.
- T6 resolved, counts unknown (an export without them) → not in either n.
- E1 (counts from events): created, first response 10:00, customer reply, resolved, reopened by a status change
  resolved → open, agent reply, resolved again → 2 agent replies, 1 reopening; resolved_at filled from the
  last resolving event.
FCR = {T1, T3} of {T1, T2, T3, T4, E1} = 40 %; reopen rate = {T4, E1} of the same five = 40 %.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from cxlens.exceptions import InvalidRowsError
from cxlens.ingest import import_file
from cxlens.metrics import Analytics, compute, list_metrics
from cxlens.metrics.intervals import wilson_interval
from cxlens.store import Workspace

HAS_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None
TICKETS = """ticket_id,team,agent_name,created_at,first_response_at,resolved_at,reopens,replies
T1,a,王伟,2025-01-06 09:00,2025-01-06 09:30,2025-01-06 10:00,0,1
T2,a,王伟,2025-01-06 09:00,2025-01-06 09:30,2025-01-07 10:00,0,3
T3,b,Li,2025-01-06 09:00,,2025-01-06 10:00,0,0
T4,b,Li,2025-01-06 09:00,2025-01-06 09:30,2025-01-08 10:00,1,1
T5,b,Li,2025-01-06 09:00,2025-01-06 11:30,,0,1
T6,a,,2025-01-06 09:00,2025-01-06 09:30,2025-01-06 10:00,,
E1,a,,2025-02-03 09:00,,,,
"""
EVENTS = """工单编号,时间,事件,原状态,新状态,操作人
E1,2025-02-03 09:00,创建,,new,C1
E1,2025-02-03 10:00,首次回复,,,A1
E1,2025-02-03 10:00,客服回复,,,A1
E1,2025-02-03 11:00,客户回复,,,C1
E1,2025-02-03 12:00,已解决,open,resolved,A1
E1,2025-02-04 09:00,状态变更,resolved,open,C1
E1,2025-02-04 10:00,客服回复,,,A1
E1,2025-02-04 11:00,状态变更,open,closed,A1
"""


@pytest.fixture(scope="module")
def events_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("events")
    (folder / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    (folder / "events.csv").write_text(EVENTS, encoding="utf-8")
    ws = Workspace.init(folder / "ws")
    import_file(ws, folder / "tickets.csv", "tickets")
    report = import_file(ws, folder / "events.csv", "ticket_events")
    assert (report.inserted, report.rejected) == (8, 0)
    yield ws
    ws.close()


_ENGINES: dict[str, Analytics] = {}


@pytest.fixture(params=["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def events(request: pytest.FixtureRequest, events_ws: Workspace) -> Analytics:
    name = str(request.param)
    if name == "pyspark" and not HAS_SPARK:
        pytest.skip("pyspark or java is not installed")
    if name not in _ENGINES:
        session = request.getfixturevalue("spark_session") if name == "pyspark" else None
        _ENGINES[name] = Analytics.for_workspace(events_ws, name, session)
    return _ENGINES[name]


def test_events_give_the_per_ticket_counts(events_ws: Workspace) -> None:
    with events_ws.engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT reopen_count, agent_replies, first_response_at, resolved_at FROM tickets "
                "WHERE external_id = 'E1'"
            )
        ).one()
    assert (row[0], row[1]) == (1, 2)
    assert (str(row[2]), str(row[3])) == ("2025-02-03 10:00:00", "2025-02-04 11:00:00")


def test_fcr_and_reopen_rate_by_hand(events: Analytics) -> None:
    fcr = compute(events, "fcr").iloc[0]
    _, low, high = wilson_interval([2], [5])
    assert (fcr["value"], fcr["n"], fcr["first_contact"]) == (pytest.approx(40.0), 5, 2)
    assert (fcr["ci_low"], fcr["ci_high"]) == pytest.approx((low[0], high[0]))
    reopen = compute(events, "reopen_rate").iloc[0]
    assert (reopen["value"], reopen["n"]) == (pytest.approx(40.0), 5)


def test_fcr_slices_by_team_and_month(events: Analytics) -> None:
    by_team = compute(events, "fcr", by=["team"]).set_index("team")
    assert by_team.loc["a", "value"] == pytest.approx(100 / 3)  # T1 of T1, T2, E1
    assert by_team.loc["b", "value"] == pytest.approx(50.0)  # T3 of T3, T4
    monthly = compute(events, "reopen_rate", every="month").set_index("period")
    assert monthly["value"].tolist() == pytest.approx([25.0, 100.0])


def test_slices_by_agent_are_named_after_aggregating(events: Analytics) -> None:
    fcr = compute(events, "fcr", by=["agent"])
    named = fcr.dropna(subset=["agent"]).set_index("agent")
    assert named["value"].to_dict() == {"Li": 50.0, "王伟": 50.0}
    assert fcr["agent"].isna().sum() == 1  # E1 and T6 have no agent: their own slice (E1 only has counts)
    frt = compute(events, "first_response_time", by=["agent"], every="week").set_index("agent")
    assert frt.loc["Li", "value"] == pytest.approx(1.5)  # 0.5 h and 2.5 h; T3 has no response
    assert frt.loc["王伟", "n"] == 2
    filtered = compute(events, "first_response_time", by=["agent"], filters={"agent": "Li"})
    assert filtered["agent"].tolist() == ["Li"] and filtered["value"].iloc[0] == pytest.approx(1.5)


def test_events_of_unknown_tickets_are_refused(events_ws: Workspace, tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "bad.csv"
    path.write_text("ticket_id,occurred_at,event\nNOPE,2025-01-01 10:00,agent_reply\n", encoding="utf-8")
    with pytest.raises(InvalidRowsError, match="NOPE"):
        import_file(events_ws, path, "ticket_events")
    path.write_text("ticket_id,occurred_at,event\nT1,2025-01-01 10:00,status_change\n", encoding="utf-8")
    with pytest.raises(InvalidRowsError, match="to_status"):
        import_file(events_ws, path, "ticket_events")


def test_fcr_and_reopen_rate_are_registered() -> None:
    names = set(list_metrics()["name"])
    assert {"fcr", "reopen_rate"} <= names
