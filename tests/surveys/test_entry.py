from __future__ import annotations

import warnings
from datetime import datetime

import pytest
import sqlalchemy as sa

from cxlens.exceptions import SubmissionInvalidError
from cxlens.metrics import compute
from cxlens.model import tables as t
from cxlens.store import Workspace
from cxlens.surveys import Version, enter_feedback, enter_interview


def test_a_phone_interview_is_a_response_entered_by_staff(ws: Workspace, version: Version) -> None:
    when = datetime(2025, 3, 1, 9, 30)
    stored = enter_interview(
        ws,
        version,
        {"nps": "10", "visited": "north"},
        key="entry:1",
        entered_by="agent7",
        customer="C-1",
        interviewed_at=when,
        language="zh",
    )
    again = enter_interview(ws, version, {"nps": "10"}, key="entry:1", entered_by="agent7")
    assert stored.created and not again.created
    with ws.engine.connect() as conn:
        row = conn.execute(sa.select(t.responses)).one()
    assert (row.channel, row.entered_by, row.submitted_at, row.language) == ("phone", "agent7", when, "zh")
    if ws.dialect == "duckdb":  # (metrics read PostgreSQL through Spark: tests/metrics covers that)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = compute(ws, "nps", by=["channel"])
        assert result[["channel", "value", "n"]].values.tolist() == [["phone", 100.0, 1]]


def test_interview_rules(ws: Workspace, version: Version) -> None:
    with pytest.raises(ValueError, match="channel must be one of phone, interview"):
        enter_interview(ws, version, {"nps": "1"}, key="entry:x", entered_by="a", channel="web")
    with pytest.raises(ValueError, match="entered_by"):
        enter_interview(ws, version, {"nps": "1"}, key="entry:x", entered_by="")
    with pytest.raises(SubmissionInvalidError):
        enter_interview(ws, version, {}, key="entry:x", entered_by="a", channel="interview")


def test_complaints_suggestions_and_calls_land_in_feedback(ws: Workspace) -> None:
    complaint = enter_feedback(
        ws, "complaint", "送货太慢了,等了一周", key="entry:f1", entered_by="agent7", customer="C-1"
    )
    call = enter_feedback(
        ws,
        "call",
        "Customer asked about the warranty.",
        key="entry:f2",
        entered_by="agent7",
        rating=9,
        source="hotline",
        collected_at=datetime(2025, 3, 2, 8, 0),
    )
    repeat = enter_feedback(ws, "complaint", "送货太慢了,等了一周", key="entry:f1", entered_by="agent7")
    assert complaint.created and call.created and not repeat.created
    assert repeat.feedback_id == complaint.feedback_id
    with ws.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                t.feedback.c.source_type,
                t.feedback.c.language,
                t.feedback.c.rating,
                t.feedback.c.entered_by,
                t.feedback.c.source,
            ).order_by(t.feedback.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("complaint", "zh", None, "agent7", None),
        ("call", "en", 9.0, "agent7", "hotline"),
    ]


@pytest.mark.parametrize(
    ("kind", "text", "rating", "field", "message"),
    [
        ("review", "ok", None, "source_type", "Choose a valid option."),
        ("complaint", "   ", None, "text", "Please enter the text."),
        ("call", "ok", 11, "rating", "The rating must be from 0 to 10."),
        ("suggestion", "x" * 20_001, None, "text", "Keep your answer under 20000 characters."),
    ],
)
def test_feedback_rules(ws: Workspace, kind: str, text: str, rating: float | None, field: str, message: str) -> None:
    with pytest.raises(SubmissionInvalidError) as info:
        enter_feedback(ws, kind, text, key="entry:bad", entered_by="a", rating=rating)
    assert info.value.messages("en") == {field: message}
    assert ws.counts()["feedback"] == 0
