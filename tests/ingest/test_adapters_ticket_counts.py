"""Help-desk exports carry the counts first-contact resolution and the reopen rate read: Zendesk's Reopens and
Replies, Freshdesk's Agent interactions."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

from cxlens.ingest import import_file
from cxlens.metrics import Analytics, compute
from cxlens.store import Workspace


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_zendesk_reopens_and_replies_feed_fcr(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        ["Id", "Requester", "Created at", "Solved at", "Assignee", "Via", "Status", "Reopens", "Replies"],
        ["1", "Ann", "2025-03-01 10:00:00", "2025-03-01 12:00:00", "Bob", "email", "Solved", "0", "1"],
        ["2", "Cy", "2025-03-01 10:00:00", "2025-03-02 12:00:00", "Bob", "web", "Closed", "2", "4"],
        ["3", "Di", "2025-03-01 10:00:00", "", "Bob", "web", "Open", "0", "0"],
    ]
    report = import_file(workspace, write(tmp_path / "zendesk.csv", rows))
    assert (report.kind, report.inserted) == ("tickets", 3)
    with workspace.engine.connect() as conn:
        got = conn.execute(sa.text("SELECT external_id, reopen_count, agent_replies FROM tickets ORDER BY 1")).all()
    assert [tuple(r) for r in got] == [("1", 0, 1), ("2", 2, 4), ("3", 0, 0)]
    if workspace.dialect != "duckdb":
        return  # the metric layer reads a PostgreSQL workspace through Spark (tests/metrics)
    an = Analytics.for_workspace(workspace)
    assert compute(an, "fcr")["value"].iloc[0] == 50.0  # ticket 1 of the resolved 1 and 2
    assert compute(an, "reopen_rate")["value"].iloc[0] == 50.0


def test_freshdesk_agent_interactions_are_agent_replies(workspace: Workspace, tmp_path: Path) -> None:
    rows = [
        ["Ticket ID", "Subject", "Status", "Created time", "Resolved time", "Agent interactions", "Contact ID"],
        ["7", "Login", "Resolved", "2025-03-01 10:00:00", "2025-03-01 11:00:00", "2", "c@example.com"],
    ]
    import_file(workspace, write(tmp_path / "freshdesk.csv", rows))
    with workspace.engine.connect() as conn:
        got = conn.execute(sa.text("SELECT reopen_count, agent_replies FROM tickets")).one()
    assert tuple(got) == (None, 2)
