"""Text analytics over time, from the results ``cxlens text analyze`` stored: aspect sentiment and mentions
per period, themes of negative feedback with masked quotes and their counts per period, keywords and
emerging terms — all from ``cxlens.text.report.text_overview``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from cxlens.store import Workspace
from cxlens.text.report import text_overview
from cxlens.web.accounts import User
from cxlens.web.deps import Db, get_state, render, require
from cxlens.web.nav import NavItem
from cxlens.web.records import text_version

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.text", "/text", "text.view", order=40)]

TOP_ASPECTS = 8
TOP_THEMES = 6
CACHED = 16


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


def _overview(request: Request, ws: Workspace, every: str, source: str | None) -> dict[str, Any]:
    """``text_overview``, kept while the stored results are unchanged (its themes take seconds to cluster)."""
    cache: dict[Any, dict[str, Any]] = get_state(request).extras.setdefault("text_overview", {})
    key = (every, source, text_version(ws))
    if key not in cache:
        if len(cache) >= CACHED:
            cache.pop(next(iter(cache)))
        cache[key] = text_overview(ws, every=every, source=source)
    return cache[key]


@router.get("/text", response_class=HTMLResponse)
def text_page(
    request: Request,
    ws: Db,
    user: Annotated[User, require("text.view")],
    every: Annotated[str, Query(pattern="^(week|month|quarter|year)$")] = "month",
    source: Annotated[str | None, Query(pattern="^(feedback|ticket|answer)$")] = None,
) -> HTMLResponse:
    result = _overview(request, ws, every, source)
    context: dict[str, Any] = {"result": result, "every": every, "source": source, "workspace_path": str(ws.path)}
    if result["texts"]:
        sentiment, mentions, keep = _aspect_charts(result["aspects"])
        themes = result["themes"][:TOP_THEMES]
        theme_rows = [
            {"theme": str(th["label"]), "period": p["period"], "count": p["count"]}
            for th in themes
            for p in th["by_period"]
        ]
        context.update(
            aspect_sentiment=sentiment,
            aspect_mentions=mentions,
            aspects_kept=keep,
            theme_trend=_series_by_period(theme_rows, "theme", "count", [str(th["label"]) for th in themes]),
        )
    return render(request, "dashboards/text.html", context)
