"""The KPI overview: each headline KPI's latest period with n, 95 % interval, change from the period before
and whether it is significant, target attainment, its trend, and — with ``by`` — the KPI per slice.

Also ``/metrics.csv``: the numbers behind any dashboard chart as CSV (the same ``compute`` call)."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxlens.export import frame_to_csv
from cxlens.metrics import get_metric
from cxlens.web import audit
from cxlens.web.accounts import User
from cxlens.web.deps import Db, actor, render, require
from cxlens.web.nav import NavItem
from cxlens.web.pages._dash import FILTER_DIMS, Selection, ask, records, safe_kpi, selection, sliced, spec_bars
from cxlens.web.records import filter_options

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.overview", "/overview", "dashboard.view", order=10)]

#: the headline KPIs, in display order
OVERVIEW = (
    "nps",
    "csat",
    "ces",
    "complaint_rate",
    "first_response_time",
    "resolution_rate",
    "retention_rate",
)
#: the dimensions the overview can slice every KPI by
SLICES = ("segment", "region", "industry", "channel")

Sel = Annotated[Selection, Depends(selection)]


def filter_fields(
    request: Request, ws: Db, sel: Selection, slices: tuple[str, ...] = SLICES
) -> list[dict[str, object]]:
    """The filter form's fields, in the reader's language, with the workspace's values as options."""
    from cxlens.web.deps import lang_of
    from cxlens.web.i18n import translate

    lang = lang_of(request)
    options = filter_options(ws)
    every = [(e, translate(f"every.{e}", lang)) for e in ("week", "month", "quarter", "year")]
    fields: list[dict[str, object]] = [
        {"name": "every", "label": translate("filter.every", lang), "options": every, "value": sel.every},
        {"name": "start", "label": translate("filter.start", lang), "type": "date", "value": sel.start or ""},
        {"name": "end", "label": translate("filter.end", lang), "type": "date", "value": sel.end or ""},
    ]
    for dim in FILTER_DIMS:
        choices = [("", translate("filter.all", lang))] + [(v, v) for v in options[dim]]
        fields.append(
            {"name": dim, "label": translate(f"dim.{dim}", lang), "options": choices, "value": sel.filters.get(dim, "")}
        )
    if slices:
        by = [("", translate("filter.none", lang))] + [(d, translate(f"dim.{d}", lang)) for d in slices]
        fields.append({"name": "by", "label": translate("filter.by", lang), "options": by, "value": sel.by or ""})
    return fields


@router.get("/overview", response_class=HTMLResponse)
def overview(request: Request, ws: Db, user: Annotated[User, require("dashboard.view")], sel: Sel) -> HTMLResponse:
    if sel.by is not None and sel.by not in SLICES:
        raise ValueError(f"the overview slices by {', '.join(SLICES)}, not {sel.by!r}")
    cards = [safe_kpi(ws, name, sel) for name in OVERVIEW]
    slices = []
    if sel.by:
        for name in OVERVIEW:
            try:
                result = sliced(ws, name, sel, sel.by)
            except ValueError as err:  # the metric's own limits (e.g. retention slices by customer fields only)
                slices.append({"metric": name, "unsupported": True, "reason": str(err)})
                continue
            if result is None:
                slices.append({"metric": name, "unsupported": True, "reason": None})
                continue
            frame, ignored = result
            if "period" in frame:  # a per-period metric: its latest period per slice
                frame = frame[frame["period"] == frame["period"].max()] if len(frame) else frame
            slices.append(
                {
                    "metric": name,
                    "unsupported": False,
                    "ignored": ignored,
                    "chart": spec_bars(frame, sel.by, name, get_metric(name).unit),
                    "rows": records(frame, sel.every),
                }
            )
    return render(
        request,
        "dashboards/overview.html",
        {"cards": cards, "slices": slices, "sel": sel, "fields": filter_fields(request, ws, sel)},
    )


@router.get("/metrics.csv")
def metrics_csv(
    request: Request,
    ws: Db,
    user: Annotated[User, require("dashboard.view")],
    sel: Sel,
    metric: Annotated[str, Query(max_length=60)],
    per_period: Annotated[bool, Query(alias="periods")] = True,
) -> Response:
    """The numbers behind a chart: ``metric`` per period (``periods=1``) or over the range, sliced by ``by``."""
    get_metric(metric)
    frame, _ = ask(
        ws,
        metric,
        sel,
        every=per_period or "periodic" in get_metric(metric).options,
        by=[sel.by] if sel.by else None,
        change=per_period,
    )
    buffer = io.StringIO()
    frame_to_csv(frame, buffer)  # formula cells neutralised (cxlens.export)
    audit.record_now(ws, actor(request, user), "data.export", f"metric:{metric}", {"query": sel.query()})
    return Response(
        "\ufeff" + buffer.getvalue(),  # a BOM so Excel reads the UTF-8 (Chinese) labels correctly
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{metric}.csv"'},
    )
