"""The ticket_events import kind: a plain CSV of what happened to each ticket, keyed so that importing it again
adds nothing, and the per-ticket counts it implies."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from cxlens.exceptions import InvalidRowsError
from cxlens.ingest import import_file
from cxlens.store import Workspace

TICKETS = "ticket_id,created_at\nK1,2025-05-05 08:00\nK2,2025-05-05 08:00\n"
EVENTS = """ticket_id,at,event,from_status,to_status,actor
K1,2025-05-05 08:05,reply,,,a7
K1,2025-05-05 08:30,solved,open,solved,a7
K1,2025-05-06 08:00,reopen,,,c1
K1,2025-05-06 09:00,agent reply,,,a7
K1,2025-05-06 09:00,closed,,,a7
K2,2025-05-05 09:00,customer reply,,,c2
"""


def _rows(ws: Workspace, sql: str) -> list[tuple[object, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql)).all()]


def test_events_are_stored_once_and_recount_their_tickets(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(TICKETS, encoding="utf-8")
    (tmp_path / "e.csv").write_text(EVENTS, encoding="utf-8")
    import_file(workspace, tmp_path / "t.csv", "tickets")
    first = import_file(workspace, tmp_path / "e.csv", "ticket_events")
    again = import_file(workspace, tmp_path / "e.csv", "ticket_events")
    assert (first.kind, first.inserted, again.inserted, again.already_stored) == ("ticket_events", 6, 0, 6)
    kinds = _rows(workspace, "SELECT kind, count(*) FROM ticket_events GROUP BY kind ORDER BY kind")
    assert kinds == [("agent_reply", 2), ("customer_reply", 1), ("reopened", 1), ("resolved", 2)]
    got = _rows(
        workspace,
        "SELECT external_id, reopen_count, agent_replies, CAST(first_response_at AS TEXT), CAST(resolved_at AS TEXT) "
        "FROM tickets ORDER BY 1",
    )
    # K1: replies at 08:05 and 09:00 (the reply and the close at 09:00 are one contact), reopened once, solved
    # again at 09:00; K2: only a customer reply, so no agent reply yet
    assert (
        got[0][:3] == ("K1", 1, 2)
        and got[0][3].startswith("2025-05-05 08:05")
        and got[0][4].startswith("2025-05-06 09:00")
    )
    assert got[1][:4] == ("K2", 0, 0, None)


def test_unknown_events_and_dates_are_refused_with_their_rows(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(TICKETS, encoding="utf-8")
    import_file(workspace, tmp_path / "t.csv", "tickets")
    (tmp_path / "e.csv").write_text("ticket_id,at,event\nK1,2025-05-05 08:05,teleported\nK1,soon,reply\n")
    with pytest.raises(InvalidRowsError) as err:
        import_file(workspace, tmp_path / "e.csv", "ticket_events")
    text = str(err.value)
    assert "row 2" in text and "teleported" in text and "row 3" in text and "soon" in text
