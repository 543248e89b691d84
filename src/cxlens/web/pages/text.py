"""Text analytics over time, from the results ``cxlens text analyze`` stored: aspect sentiment and mentions
per period, themes of negative feedback with masked quotes and their counts per period, keywords and
emerging terms — all from ``cxlens.text.report.text_overview``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from cxlens.text.report import text_overview
from cxlens.web.accounts import User
from cxlens.web.deps import Db, render, require
from cxlens.web.nav import NavItem

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.text", "/text", "text.view", order=40)]

TOP_ASPECTS = 8
TOP_THEMES = 6


def _series_by_period(rows: list[dict[str, Any]], key: str, value: str, keep: list[str]) -> dict[str, Any]:
    periods = sorted({r["period"] for r in rows})
    series = []
    for name in keep:
        by = {r["period"]: r[value] for r in rows if r[key] == name}
        series.append({"name": name, "data": [by.get(p) for p in periods]})
    return {"kind": "line", "x": periods, "series": series}


def _aspect_charts(aspects: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    totals: dict[str, int] = {}
    for row in aspects:
        totals[row["aspect"]] = totals.get(row["aspect"], 0) + int(row["count"])
    keep = sorted(totals, key=lambda a: -totals[a])[:TOP_ASPECTS]
    sentiment = _series_by_period(aspects, "aspect", "mean_score", keep)
    mentions = _series_by_period(aspects, "aspect", "count", keep)
    mentions["kind"] = "stack"
    return sentiment, mentions, keep


@router.get("/text", response_class=HTMLResponse)
def text_page(
    request: Request,
    ws: Db,
    user: Annotated[User, require("text.view")],
    every: Annotated[str, Query(pattern="^(week|month|quarter|year)$")] = "month",
    source: Annotated[str | None, Query(pattern="^(feedback|ticket|answer)$")] = None,
) -> HTMLResponse:
    result = text_overview(ws, every=every, source=source)
    context: dict[str, Any] = {"result": result, "every": every, "source": source, "workspace_path": str(ws.path)}
    if result["texts"]:
        sentiment, mentions, keep = _aspect_charts(result["aspects"])
        themes = result["themes"][:TOP_THEMES]
        theme_rows = [
            {"theme": th["theme"], "period": p["period"], "count": p["count"]} for th in themes for p in th["by_period"]
        ]
        context.update(
            aspect_sentiment=sentiment,
            aspect_mentions=mentions,
            aspects_kept=keep,
            theme_trend=_series_by_period(theme_rows, "theme", "count", [th["theme"] for th in themes]),
        )
    return render(request, "dashboards/text.html", context)
