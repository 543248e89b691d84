"""NPS, CSAT and CES distributions: the NPS mix (promoters / passives / detractors) per period, and each
satisfaction KPI per question with its interval — all from ``cxlens.metrics.compute``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from cxlens.metrics import get_metric
from cxlens.web.accounts import User
from cxlens.web.deps import Db, lang_of, render, require
from cxlens.web.i18n import translate
from cxlens.web.nav import NavItem
from cxlens.web.pages._dash import Selection, _num, ask, period_label, records, selection, spec_bars
from cxlens.web.pages.overview import filter_fields

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.distributions", "/distributions", "dashboard.view", order=20)]

#: the KPIs shown per question
PER_QUESTION = ("nps", "csat", "csat_mean", "ces", "ces_easy")


def nps_mix(ws: Any, sel: Selection, lang: str = "en") -> dict[str, Any]:
    """The NPS composition per period (promoters %, passives %, detractors %) as a stacked chart."""
    frame, ignored = ask(ws, "nps", sel, every=True)
    frame = frame[frame["n"] > 0].sort_values("period", ignore_index=True)
    promoters = [_num(v) for v in frame.get("promoters_pct", [])]
    detractors = [_num(v) for v in frame.get("detractors_pct", [])]
    passives = [None if p is None or d is None else 100.0 - p - d for p, d in zip(promoters, detractors, strict=True)]
    rows = records(frame, sel.every)
    for row, passive in zip(rows, passives, strict=True):
        row["passives_pct"] = passive
    return {
        "ignored": ignored,
        "rows": rows,
        "chart": {
            "kind": "stack",
            "unit": "%",
            "max": 100,
            "x": [period_label(p, sel.every) for p in frame["period"]],
            "series": [
                {"name": translate("dist.promoters", lang), "data": promoters},
                {"name": translate("dist.passives", lang), "data": passives},
                {"name": translate("dist.detractors", lang), "data": detractors},
            ],
        },
    }


@router.get("/distributions", response_class=HTMLResponse)
def distributions(
    request: Request,
    ws: Db,
    user: Annotated[User, require("dashboard.view")],
    sel: Annotated[Selection, Depends(selection)],
) -> HTMLResponse:
    per_question = []
    for name in PER_QUESTION:
        frame, ignored = ask(ws, name, sel, every=False, by=["question"])
        frame = frame[frame["n"] > 0]
        per_question.append(
            {
                "metric": name,
                "unit": get_metric(name).unit,
                "ignored": ignored,
                "rows": records(frame),
                "chart": spec_bars(frame, "question", name, get_metric(name).unit),
            }
        )
    return render(
        request,
        "dashboards/distributions.html",
        {
            "mix": nps_mix(ws, sel, lang_of(request)),
            "per_question": per_question,
            "sel": sel,
            "fields": filter_fields(request, ws, sel, slices=()),
        },
    )
