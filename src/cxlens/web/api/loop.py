"""``/api/v1/alerts``, ``/cases``, ``/plans``, ``/benchmark``, ``/team``, ``/journey``: closing the loop as JSON —
the same results as ``cxlens … --json`` (``cxlens.loop``), and notes on a case."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from cxlens.loop._common import records
from cxlens.loop.alerts import list_alerts, list_rules
from cxlens.loop.benchmark import benchmark
from cxlens.loop.cases import add_note, get_case, list_cases, set_status
from cxlens.loop.journey import journey_map
from cxlens.loop.plans import evaluate_plan, get_plan, list_plans
from cxlens.loop.team import bottlenecks, scorecards
from cxlens.web.accounts import User
from cxlens.web.api.schemas import ErrorOut
from cxlens.web.deps import Db, actor, require

router = APIRouter(
    tags=["loop"], responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 404: {"model": ErrorOut}}
)
Json = dict[str, Any]


@router.get("/alerts")
def alerts(
    ws: Db,
    user: Annotated[User, require("dashboard.view")],
    status: Annotated[str | None, Query(pattern="^(open|acknowledged|closed)$")] = None,
) -> Json:
    """Stored alerts (newest first) and the alert rules."""
    frame = list_alerts(ws, status=status).drop(columns=["detail_json"])
    rules = [{"id": i, "name": r.name, "kind": r.kind, "metric": r.metric, **r.spec()} for i, r in list_rules(ws)]
    return {"alerts": records(frame), "rules": rules}


@router.get("/cases")
def cases(
    ws: Db,
    user: Annotated[User, require("records.read")],
    status: Annotated[str | None, Query(pattern="^(open|in_progress|resolved|closed)$")] = None,
    overdue: bool = False,
) -> Json:
    """Follow-up cases with owner, due date, status and ``overdue``."""
    frame = list_cases(ws, status=status, overdue=overdue)
    return {"count": len(frame), "cases": records(frame)}


@router.get("/cases/{case_id}")
def case(ws: Db, user: Annotated[User, require("records.read")], case_id: int) -> Json:
    """One case with its notes and the customer's history."""
    return get_case(ws, case_id)


class NoteIn(BaseModel):
    text: str = Field(min_length=1)
    status: str | None = Field(default=None, description="also move the case: in_progress, resolved or closed")


@router.post("/cases/{case_id}/notes", status_code=201)
def case_note(
    request: Request, ws: Db, user: Annotated[User, require("entry.create")], case_id: int, note: NoteIn
) -> Json:
    """Add a note to a case (and move it along its workflow)."""
    who = actor(request, user).name
    note_id = add_note(ws, case_id, note.text, author=who)
    if note.status:
        set_status(ws, case_id, note.status, author=who)
    return {"case_id": case_id, "note_id": note_id, "status": get_case(ws, case_id)["case"]["status"]}


@router.get("/plans")
def plans(ws: Db, user: Annotated[User, require("dashboard.view")]) -> Json:
    """Action plans with their baselines, targets and timelines."""
    return {"plans": records(list_plans(ws))}


@router.get("/plans/{name}")
def plan(ws: Db, user: Annotated[User, require("dashboard.view")], name: str) -> Json:
    """One plan evaluated: tracking, before/after, difference-in-differences and verdict."""
    get_plan(ws, name)
    return evaluate_plan(ws, name).to_dict()


@router.get("/benchmark")
def competitor_benchmark(ws: Db, user: Annotated[User, require("dashboard.view")]) -> Json:
    """Our scores and the competitor's by dimension with each gap's test; review sentiment by aspect."""
    return benchmark(ws).to_dict()


@router.get("/team")
def team(
    ws: Db,
    user: Annotated[User, require("dashboard.view")],
    every: Annotated[str | None, Query(pattern="^(day|week|month|quarter|year)$")] = None,
) -> Json:
    """Scorecards per agent with the mix-adjusted comparison, and the process bottlenecks."""
    return {"scorecards": records(scorecards(ws, every=every)), "bottlenecks": records(bottlenecks(ws))}


@router.get("/journey")
def journey(ws: Db, user: Annotated[User, require("dashboard.view")]) -> Json:
    """The customer-journey map: touchpoints per stage with volume, satisfaction, sentiment and pain points."""
    return journey_map(ws).to_dict()
