from __future__ import annotations

import threading
import warnings
from datetime import datetime

import pytest
import sqlalchemy as sa

from cxlens.exceptions import InvitationError, SubmissionInvalidError, SurveyClosedError
from cxlens.metrics import Analytics, compute
from cxlens.model import tables as t
from cxlens.store import Workspace
from cxlens.surveys import (
    Pending,
    Stored,
    Version,
    close_form,
    create_invitations,
    enter_interview,
    invitation_counts,
    load_version,
    submit,
    submit_many,
    update_form,
)


def _count(ws: Workspace, table: sa.Table) -> int:
    with ws.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_submission_becomes_response_answers_and_facts(ws: Workspace, version: Version) -> None:
    stored = submit(
        ws,
        version,
        {"nps": "4", "why_low": "排队太久", "bought": ["tv", "fridge"], "tv_ok": "2", "visited": "north"},
        key="web:n1",
        language="zh",
    )
    assert stored.created
    with ws.engine.connect() as conn:
        resp = conn.execute(sa.select(t.responses)).one()
        answers = conn.execute(
            sa.select(t.questions.c.code, t.answers.c.value_number, t.answers.c.value_text, t.choices.c.code)
            .join(t.questions, t.questions.c.id == t.answers.c.question_id)
            .outerjoin(t.choices, t.choices.c.id == t.answers.c.choice_id)
            .order_by(t.questions.c.position, t.choices.c.position)
        ).all()
        facts = conn.execute(sa.select(sa.func.count()).select_from(t.answer_facts)).scalar_one()
    assert (resp.channel, resp.language, resp.finished, resp.idempotency_key) == ("web", "zh", True, "web:n1")
    assert resp.import_run_id is None and resp.entered_by is None
    assert [tuple(a) for a in answers] == [
        ("nps", 4.0, None, None),
        ("why_low", None, "排队太久", None),
        ("visited", None, None, "north"),
        ("bought", None, None, "tv"),
        ("bought", None, None, "fridge"),
        ("tv_ok", 2.0, None, None),
    ]
    assert facts == 6


def test_resubmitting_the_same_form_never_adds_a_second_response(ws: Workspace, version: Version) -> None:
    first = submit(ws, version, {"nps": "9"}, key="web:same")
    again = submit(ws, version, {"nps": "9"}, key="web:same")
    edited = submit(ws, version, {"nps": "2"}, key="web:same")  # back button, edit, resubmit
    assert first.created and not again.created and not edited.created
    assert first.response_id == again.response_id == edited.response_id
    assert _count(ws, t.responses) == 1 and _count(ws, t.answer_facts) == 1


def test_concurrent_double_submit_stores_one(ws: Workspace, version: Version) -> None:
    results: list[bool] = []

    def post() -> None:
        results.append(submit(ws, version, {"nps": "7"}, key="web:race").created)

    threads = [threading.Thread(target=post) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == [False] * 7 + [True]
    assert _count(ws, t.responses) == 1


def test_invalid_submissions_store_nothing(ws: Workspace, version: Version) -> None:
    with pytest.raises(SubmissionInvalidError):
        submit(ws, version, {"nps": "3"}, key="web:bad")  # why_low is required when nps ≤ 6
    assert _count(ws, t.responses) == 0 and _count(ws, t.answers) == 0


def test_closed_survey_refuses_the_public_but_not_staff(ws: Workspace, version: Version) -> None:
    close_form(ws, "visit")
    closed = load_version(ws, version.id)
    with pytest.raises(SurveyClosedError):
        submit(ws, closed, {"nps": "9"}, key="web:c")
    assert submit(ws, closed, {"nps": "9"}, key="entry:c", channel="phone", entered_by="agent1").created


def test_invitations_admit_one_response_each(ws: Workspace, version: Version) -> None:
    update_form(ws, "visit", access="invitation")
    version = load_version(ws, version.id)
    links = create_invitations(ws, "visit", customers=["C-9", "C-10"], channel="sms", base_url="https://cx.example/")
    assert links[0].url == f"https://cx.example/s/{version.slug}?i={links[0].token}"
    with pytest.raises(InvitationError) as info:
        submit(ws, version, {"nps": "9"}, key="web:none")
    assert info.value.reason == "invitation_required"
    with pytest.raises(InvitationError) as info:
        submit(ws, version, {"nps": "9"}, key="web:forged", invitation="forged-token")
    assert info.value.reason == "invitation_unknown"
    first = submit(ws, version, {"nps": "9"}, key="web:i1", invitation=links[0].token)
    again = submit(ws, version, {"nps": "9"}, key="web:i1", invitation=links[0].token)  # same form resubmitted
    assert first.created and not again.created
    with pytest.raises(InvitationError) as info:
        submit(ws, version, {"nps": "8"}, key="web:i2", invitation=links[0].token)  # a second response
    assert info.value.reason == "invitation_used"
    assert invitation_counts(ws, "visit") == {"invited": 2, "answered": 1}
    with ws.engine.connect() as conn:
        row = conn.execute(
            sa.select(t.responses.c.channel, t.customers.c.external_id).join(
                t.customers, t.customers.c.id == t.responses.c.customer_id
            )
        ).one()
        stored_hashes = list(conn.execute(sa.select(t.invitations.c.token_hash)).scalars())
    assert tuple(row) == ("sms", "C-9")
    assert links[0].token not in stored_hashes and len(stored_hashes[0]) == 64


def test_invitation_counts_need_a_form(ws: Workspace) -> None:
    from cxlens.exceptions import ConfigurationError, SurveyNotFoundError

    with pytest.raises(SurveyNotFoundError):
        invitation_counts(ws, "nope")
    with pytest.raises(SurveyNotFoundError):
        create_invitations(ws, "nope", 2)
    with pytest.raises(ConfigurationError, match="from 1 to"):
        create_invitations(ws, "nope", 0)


def test_submissions_count_in_metrics_at_once(ws: Workspace, version: Version) -> None:
    if ws.dialect != "duckdb":
        pytest.skip("metrics read PostgreSQL workspaces through Spark (tests/metrics covers that)")
    an = Analytics.for_workspace(ws)
    submit(ws, version, {"nps": "10"}, key="web:m1")
    assert compute(an, "nps", survey="visit")["value"].iloc[0] == 100.0
    submit(ws, version, {"nps": "0", "why_low": "slow"}, key="web:m2")
    submit(ws, version, {"nps": "8"}, key="web:m3")
    row = compute(an, "nps", survey="visit").iloc[0]  # the same Analytics: no stale cached result
    assert (row["value"], row["n"]) == (0.0, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        by_channel = compute(ws, "nps", by=["channel"])
    assert by_channel["channel"].tolist() == ["web"]


def test_durable_before_returning(ws: Workspace, version: Version) -> None:
    submit(ws, version, {"nps": "6", "why_low": "x"}, key="web:d")
    ws.close()
    reopened = Workspace.open(ws.path)
    try:
        assert reopened.counts()["responses"] == 1
    finally:
        reopened.close()


def test_a_batch_stores_each_item_once_and_refuses_only_the_bad_ones(ws: Workspace, version: Version) -> None:
    update_form(ws, "visit", access="invitation")
    version = load_version(ws, version.id)
    [invite] = create_invitations(ws, "visit", 1)
    items = [
        Pending(version, {"nps": "9"}, "web:a", invitation=invite.token),
        Pending(version, {"nps": "9"}, "web:a", invitation=invite.token),  # the same form twice in one batch
        Pending(version, {"nps": "12"}, "web:bad", invitation=invite.token),  # invalid: refused alone
        Pending(version, {"nps": "8"}, "web:b", invitation=invite.token),  # a second response, same invitation
        Pending(version, {"nps": "7"}, "web:c"),  # no invitation on an invitation-only form
        Pending(version, {"nps": "3", "why_low": "x"}, "entry:d", channel="phone", entered_by="agent"),
    ]
    out = submit_many(ws, items)
    assert isinstance(out[0], Stored) and out[0].created
    assert out[1] == Stored(out[0].response_id, False)
    assert isinstance(out[2], SubmissionInvalidError)
    assert isinstance(out[3], InvitationError) and out[3].reason == "invitation_used"
    assert isinstance(out[4], InvitationError) and out[4].reason == "invitation_required"
    assert isinstance(out[5], Stored) and out[5].created
    assert _count(ws, t.responses) == 2
    again = submit_many(ws, items[:1])
    assert again == [Stored(out[0].response_id, False)]


def test_facts_of_submissions_equal_a_rebuild(ws: Workspace, version: Version) -> None:
    from cxlens.ingest.facts import rebuild_answer_facts
    from cxlens.ingest.target import Target

    submit(ws, version, {"nps": "4", "why_low": "慢", "bought": ["tv", "fridge"], "csat": "5"}, key="web:f1")
    submit(ws, version, {"nps": "9", "visited": "south"}, key="web:f2", customer="C-7", language="en")
    enter_interview(ws, version, {"nps": "10"}, key="entry:f3", entered_by="a", interviewed_at=datetime(2025, 2, 3))
    cols = [c for c in t.answer_facts.c]

    def facts() -> list[tuple[object, ...]]:
        with ws.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.select(*cols).order_by(*cols)).all()]

    written = facts()
    with ws.begin() as conn:
        rebuild_answer_facts(Target(conn))
    assert written == facts() and len(written) == 8


def test_a_large_batch_stores_every_answer_under_its_own_response(ws: Workspace, version: Version) -> None:
    """One batch of many submissions (the group commit's largest): ids from the sequence, each answer and
    fact row under the response it belongs to, customers and languages kept, later single writes go on."""
    items = [
        Pending(
            version,
            {"nps": str(i % 11), **({"why_low": f"n{i}"} if i % 11 <= 6 else {})},
            f"web:big{i}",
            language="zh" if i % 2 else "en",
            customer=f"C-{i % 7}" if i % 3 == 0 else None,
        )
        for i in range(300)
    ]
    out = submit_many(ws, items)
    assert all(isinstance(o, Stored) and o.created for o in out)
    ids = [o.response_id for o in out if isinstance(o, Stored)]
    assert len(set(ids)) == 300
    r, a, q, cu = t.responses, t.answers, t.questions, t.customers
    with ws.engine.connect() as conn:
        rows = conn.execute(
            sa.select(r.c.id, r.c.idempotency_key, r.c.language, cu.c.external_id, a.c.value_number, a.c.value_text)
            .join(a, a.c.response_id == r.c.id)
            .join(q, q.c.id == a.c.question_id)
            .outerjoin(cu, cu.c.id == r.c.customer_id)
            .where(q.c.code.in_(["nps", "why_low"]))
        ).all()
        facts = conn.execute(
            sa.select(t.answer_facts.c.response_id, t.answer_facts.c.value_number, t.answer_facts.c.language)
            .join(q, q.c.id == t.answer_facts.c.question_id)
            .where(q.c.code == "nps")
        ).all()
    by_key = {row.idempotency_key: row.id for row in rows}
    assert [by_key[f"web:big{i}"] for i in range(300)] == ids
    for row in rows:
        i = int(row.idempotency_key.removeprefix("web:big"))
        assert row.language == ("zh" if i % 2 else "en")
        assert row.external_id == (f"C-{i % 7}" if i % 3 == 0 else None)
        if row.value_text is not None:
            assert row.value_text == f"n{i}"
        else:
            assert row.value_number == i % 11
    assert len(facts) == 300
    assert {(f.response_id, f.value_number, f.language) for f in facts} == {
        (ids[i], i % 11, "zh" if i % 2 else "en") for i in range(300)
    }
    later = submit(ws, version, {"nps": "10"}, key="web:after")
    assert later.created and later.response_id not in set(ids)


def test_the_same_key_in_two_surveys_is_two_responses(ws: Workspace, version: Version) -> None:
    from survey_definition import DEFINITION

    from cxlens.surveys import create_form, publish, resolve_link

    create_form(ws, {**DEFINITION, "code": "other"}, by="alice")
    other = resolve_link(ws, publish(ws, "other", by="alice").slug)
    first = submit_many(ws, [Pending(version, {"nps": "9"}, "api:1"), Pending(other, {"nps": "8"}, "api:1")])
    assert all(isinstance(o, Stored) and o.created for o in first)
    again = submit_many(ws, [Pending(other, {"nps": "8"}, "api:1"), Pending(version, {"nps": "9"}, "api:1")])
    assert again == [Stored(first[1].response_id, False), Stored(first[0].response_id, False)]  # type: ignore[union-attr]
    assert _count(ws, t.responses) == 2
