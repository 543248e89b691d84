"""Service KPIs per agent or team: first-response and resolution times (median with its interval),
resolution rate, SLA attainment and ticket CSAT — each from ``cxlens.metrics.compute``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from cxlens.metrics import get_metric
from cxlens.web.accounts import User
from cxlens.web.deps import Db, render, require
from cxlens.web.nav import NavItem
from cxlens.web.pages._dash import Selection, ask, records, selection, spec_bars
from cxlens.web.pages.overview import filter_fields

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.service", "/service", "dashboard.view", order=30)]

SERVICE = ("first_response_time", "resolution_time", "resolution_rate", "sla_attainment", "ticket_csat")


@router.get("/service", response_class=HTMLResponse)
def service(
    request: Request,
    ws: Db,
    user: Annotated[User, require("dashboard.view")],
    sel: Annotated[Selection, Depends(selection)],
    per: Annotated[str, Query(pattern="^(agent|team)$")] = "team",
) -> HTMLResponse:
    panels: list[dict[str, Any]] = []
    for name in SERVICE:
        frame, ignored = ask(ws, name, sel, every=False, by=[per])
        frame = frame[frame["n"] > 0]
        unit = get_metric(name).unit
        panels.append(
            {
                "metric": name,
                "unit": unit,
                "ignored": ignored,
                "rows": records(frame),
                "chart": spec_bars(frame, per, name, unit),
                "extra": [c for c in ("p90", "mean") if c in frame],
            }
        )
    return render(
        request,
        "dashboards/service.html",
        {
            "panels": panels,
            "per": per,
            "sel": sel,
            "fields": filter_fields(request, ws, sel, slices=()),
        },
    )
