"""Early-warning alerts: the stored alerts (newest first) and the rules that raise them (``cxlens.loop.alerts``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from cxlens.loop.alerts import list_alerts, list_rules
from cxlens.web.accounts import User
from cxlens.web.deps import Db, render, require
from cxlens.web.i18n import add_messages
from cxlens.web.nav import NavItem
from cxlens.web.pages._dash import records

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.alerts", "/alerts", "dashboard.view", order=40)]
add_messages(
    {
        "nav.alerts": ("预警", "Alerts"),
        "loop.alerts.title": ("预警", "Alerts"),
        "loop.alerts.rules": ("预警规则", "Alert rules"),
        "loop.alerts.none": (
            "还没有预警。用 `cxlens alerts run` 评估规则。",
            "No alerts yet: `cxlens alerts run` evaluates the rules.",
        ),
        "loop.col.rule": ("规则", "Rule"),
        "loop.col.kind": ("类型", "Kind"),
        "loop.col.metric": ("指标", "Metric"),
        "loop.col.period": ("期间", "Period"),
        "loop.col.severity": ("级别", "Severity"),
        "loop.col.status": ("状态", "Status"),
        "loop.col.message": ("说明", "Message"),
        "loop.col.test": ("检验", "Test"),
        "loop.col.alpha": ("显著性水平 α", "α"),
    }
)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    ws: Db,
    user: Annotated[User, require("dashboard.view")],
    status: Annotated[str | None, Query(pattern="^(open|acknowledged|closed)$")] = None,
) -> HTMLResponse:
    alerts = list_alerts(ws, status=status).drop(columns=["detail_json"]).head(500)
    rules = [
        {"name": r.name, "kind": r.kind, "metric": r.metric, "by": ", ".join(r.by), "every": r.every,
         "test": r.test if r.kind == "significant_drop" else "", "alpha": r.alpha, "severity": r.severity}
        for _, r in list_rules(ws)
    ]  # fmt: skip
    return render(request, "loop/alerts.html", {"alerts": records(alerts), "rules": rules, "status": status})
