"""Closed-loop cases: the list (with overdue ones marked), one case with its notes and the customer's history,
and a form to add a note or move the case along its workflow (``cxlens.loop.cases``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from cxlens.loop.cases import TRANSITIONS, add_note, close_case, get_case, list_cases, set_status
from cxlens.web.accounts import User
from cxlens.web.deps import Db, actor, render, require
from cxlens.web.i18n import add_messages
from cxlens.web.nav import NavItem
from cxlens.web.pages._dash import records

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.cases", "/cases", "records.read", order=41)]
add_messages(
    {
        "nav.cases": ("闭环工单", "Cases"),
        "loop.cases.title": ("闭环跟进工单", "Follow-up cases"),
        "loop.cases.none": (
            "没有工单。用 `cxlens cases open` 按规则开单。",
            "No cases: `cxlens cases open` opens them by rule.",
        ),
        "loop.cases.notes": ("备注", "Notes"),
        "loop.cases.history": ("客户历史", "Customer history"),
        "loop.cases.add_note": ("添加备注", "Add a note"),
        "loop.cases.move": ("同时变更状态为", "And move to"),
        "loop.cases.keep": ("(不变)", "(unchanged)"),
        "loop.cases.save": ("保存", "Save"),
        "loop.col.title": ("标题", "Title"),
        "loop.col.owner": ("负责人", "Owner"),
        "loop.col.due": ("到期", "Due"),
        "loop.col.overdue": ("已逾期", "Overdue"),
        "loop.col.customer": ("客户", "Customer"),
    }
)


@router.get("/cases", response_class=HTMLResponse)
def cases_page(
    request: Request,
    ws: Db,
    user: Annotated[User, require("records.read")],
    status: Annotated[str | None, Query(pattern="^(open|in_progress|resolved|closed)$")] = None,
) -> HTMLResponse:
    frame = list_cases(ws, status=status).head(500)
    return render(request, "loop/cases.html", {"cases": records(frame), "status": status})


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, ws: Db, user: Annotated[User, require("records.read")], case_id: int) -> HTMLResponse:
    case = get_case(ws, case_id)
    moves = TRANSITIONS[case["case"]["status"]]
    tables = [
        {"name": name, "rows": rows, "columns": [(k, k) for k in (rows[0] if rows else {})]}
        for name, rows in case["history"].items()
    ]
    return render(request, "loop/case.html", {**case, "moves": moves, "history_tables": tables})


@router.post("/cases/{case_id}/note")
def case_note(
    request: Request,
    ws: Db,
    user: Annotated[User, require("entry.create")],
    case_id: int,
    text: Annotated[str, Form()],
    status: Annotated[str, Form()] = "",
) -> RedirectResponse:
    who = actor(request, user).name
    add_note(ws, case_id, text, author=who)
    if status == "closed":
        close_case(ws, case_id, author=who)
    elif status:
        set_status(ws, case_id, status, author=who)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)
