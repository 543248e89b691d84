"""Competitor benchmark, service-team scorecards and the customer-journey map (``cxlens.loop.benchmark``,
``cxlens.loop.team``, ``cxlens.loop.journey``). A workspace without the data a page needs gets its message."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cxlens.loop.benchmark import benchmark
from cxlens.loop.journey import journey_map
from cxlens.loop.team import bottlenecks, scorecards
from cxlens.web.accounts import User
from cxlens.web.deps import Db, render, require
from cxlens.web.i18n import add_messages
from cxlens.web.nav import NavItem
from cxlens.web.pages._dash import records

router = APIRouter(include_in_schema=False)
NAV = [
    NavItem("nav.team", "/team", "dashboard.view", order=43),
    NavItem("nav.benchmark", "/benchmark", "dashboard.view", order=44),
    NavItem("nav.journey", "/journey", "dashboard.view", order=45),
]
add_messages(
    {
        "nav.team": ("客服绩效", "Team performance"),
        "nav.benchmark": ("竞品对标", "Competitors"),
        "nav.journey": ("客户旅程", "Customer journey"),
        "loop.team.title": ("客服绩效记分卡", "Service-team scorecards"),
        "loop.team.fair": (
            "按渠道×优先级结构调整后与团队中位客服相比（比值 1 = 相同）",
            "Against the team's median agent, adjusted for the channel × priority mix (ratio 1 = same)",
        ),
        "loop.team.bottlenecks": ("服务流程瓶颈（时间花在哪里）", "Bottlenecks: where the time goes"),
        "loop.bench.title": ("竞品对标", "Competitor benchmark"),
        "loop.bench.reviews": ("竞品评论情感（按方面）", "Competitor review sentiment by aspect"),
        "loop.journey.title": ("客户旅程地图", "Customer-journey map"),
        "loop.unavailable": ("暂无数据：{reason}", "Not available: {reason}"),
    }
)  # fmt: skip


def _bars(rows: list[dict[str, Any]], key: str, value: str, name: str, unit: str) -> dict[str, Any]:
    return {
        "kind": "bar",
        "unit": unit,
        "horizontal": False,
        "categories": [str(r[key]) for r in rows],
        "series": [{"name": name, "data": [r[value] for r in rows]}],
    }


@router.get("/team", response_class=HTMLResponse)
def team_page(request: Request, ws: Db, user: Annotated[User, require("dashboard.view")]) -> HTMLResponse:
    try:
        cards, stages = records(scorecards(ws)), records(bottlenecks(ws))
    except ValueError as err:
        return render(request, "loop/insight.html", {"title": "loop.team.title", "reason": str(err)})
    chart = _bars(cards, "agent", "frt_ratio", "first response O/E", "×")
    return render(request, "loop/team.html", {"cards": cards, "stages": stages, "chart": chart})


@router.get("/benchmark", response_class=HTMLResponse)
def benchmark_page(request: Request, ws: Db, user: Annotated[User, require("dashboard.view")]) -> HTMLResponse:
    try:
        result = benchmark(ws)
    except ValueError as err:
        return render(request, "loop/insight.html", {"title": "loop.bench.title", "reason": str(err)})
    surveys, reviews = records(result.surveys), records(result.reviews)
    chart = {
        "kind": "bar",
        "unit": "",
        "horizontal": True,
        "categories": [str(r["item"]) for r in surveys],
        "series": [{"name": "gap", "data": [r["gap"] for r in surveys], "low": [r["ci_low"] for r in surveys],
                    "high": [r["ci_high"] for r in surveys]}],
    }  # fmt: skip
    return render(request, "loop/benchmark.html", {"surveys": surveys, "reviews": reviews, "chart": chart})


@router.get("/journey", response_class=HTMLResponse)
def journey_page(request: Request, ws: Db, user: Annotated[User, require("dashboard.view")]) -> HTMLResponse:
    result = journey_map(ws)
    rows = records(result.touchpoints)
    for row in rows:
        row["pains"] = ", ".join(f"{p['aspect']} ({p['mentions']})" for p in row["pain_points"])
        row["label"] = f"{row['stage']} · {row['touchpoint']}"
    chart = _bars(rows, "label", "negative_pct", "% negative", "%")
    return render(request, "loop/journey.html", {"rows": rows, "stages": result.stages, "chart": chart})
