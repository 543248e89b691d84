"""Action plans: the list with baselines and targets, and one plan's tracking chart, before/after test,
difference-in-differences and plain verdict (``cxlens.loop.plans``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cxlens.loop.plans import evaluate_plan, get_plan, list_plans
from cxlens.metrics import get_metric
from cxlens.web.accounts import User
from cxlens.web.deps import Db, render, require
from cxlens.web.i18n import add_messages
from cxlens.web.nav import NavItem
from cxlens.web.pages._dash import records, spec_line

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.plans", "/plans", "dashboard.view", order=42)]
add_messages(
    {
        "nav.plans": ("改进计划", "Action plans"),
        "loop.plans.title": ("改进计划", "Action plans"),
        "loop.plans.none": (
            "还没有改进计划。用 `cxlens plans create` 创建。",
            "No plans yet: `cxlens plans create` makes one.",
        ),
        "loop.plans.baseline": ("基线", "Baseline"),
        "loop.plans.target": ("目标", "Target"),
        "loop.plans.before_after": ("前后对比", "Before / after"),
        "loop.plans.did": ("双重差分（对照组）", "Difference-in-differences (comparison group)"),
        "loop.plans.verdict": ("结论", "Verdict"),
        "loop.plans.tracking": ("实施以来的指标", "The metric since the start"),
    }
)


@router.get("/plans", response_class=HTMLResponse)
def plans_page(request: Request, ws: Db, user: Annotated[User, require("dashboard.view")]) -> HTMLResponse:
    return render(request, "loop/plans.html", {"plans": records(list_plans(ws))})


@router.get("/plans/{name}", response_class=HTMLResponse)
def plan_page(request: Request, ws: Db, user: Annotated[User, require("dashboard.view")], name: str) -> HTMLResponse:
    get_plan(ws, name)  # 404 before any computing
    result = evaluate_plan(ws, name)
    chart = spec_line(result.tracking, "month", result.plan["metric"], get_metric(result.plan["metric"]).unit)
    return render(
        request,
        "loop/plan.html",
        {"plan": result.plan, "ba": result.before_after, "did": result.did, "verdict": result.verdict,
         "summary": result.summary, "chart": chart, "tracking": records(result.tracking, "month")},
    )  # fmt: skip
