"""Reports in the web app: choose a template, period, language and format, and download the same report
``cxlens report`` renders (HTML, PDF or Excel); the workspace's e-mail schedules are listed. The page
calls :mod:`cxlens.report`; nothing is computed here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxlens.report.builder import TEMPLATE_NAMES
from cxlens.report.labels import TEMPLATES
from cxlens.report.period import parse_period
from cxlens.report.schedule import FORMATS, list_schedules, render
from cxlens.web import audit
from cxlens.web.accounts import User
from cxlens.web.deps import Db, actor, lang_of, require
from cxlens.web.deps import render as render_page
from cxlens.web.i18n import add_messages
from cxlens.web.nav import NavItem

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.reports", "/reports", "data.export", order=70)]
add_messages(
    {
        "nav.reports": ("分析报告", "Reports"),
        "reports.title": ("分析报告", "Analysis reports"),
        "reports.intro": (
            "报告按“目标 → 方法 → 发现 → 建议 → 行动计划”组织,数字均来自指标、统计、文本、价值与关系质量模块。",
            "Reports follow objective → method → findings → recommendations → action plans; every number comes "
            "from the metric, statistics, text, value and relationship-quality layers.",
        ),
        "reports.template": ("模板", "Template"),
        "reports.period": (
            "报告期(如 2026-Q3、2026-07、2026-W27;留空为最近完整季度)",
            "Period (e.g. 2026-Q3, 2026-07, 2026-W27; empty: the last complete quarter)",
        ),
        "reports.language": ("语言", "Language"),
        "reports.format": ("格式", "Format"),
        "reports.download": ("生成并下载", "Build and download"),
        "reports.schedules": ("定时发送", "Schedules"),
        "reports.no_schedules": (
            "尚无定时报告(cxlens report schedule add)。",
            "No scheduled reports (cxlens report schedule add).",
        ),
        "reports.every": ("频率", "Every"),
        "reports.to": ("收件人", "To"),
        "reports.next_run": ("下次发送", "Next run"),
    }
)


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, ws: Db, user: Annotated[User, require("data.export")]) -> HTMLResponse:
    lang = lang_of(request)
    context = {
        "templates": [(k, TEMPLATES[k](lang)) for k in TEMPLATE_NAMES],
        "formats": list(FORMATS),
        "schedules": list_schedules(ws),
    }
    return render_page(request, "reports/index.html", context)


@router.get("/reports/download")
def download(
    request: Request,
    ws: Db,
    user: Annotated[User, require("data.export")],
    template: Annotated[str, Query(pattern="^(satisfaction|service|relationship|industry)$")] = "satisfaction",
    period: Annotated[str | None, Query(max_length=10)] = None,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
    format: Annotated[str, Query(pattern="^(html|pdf|xlsx)$")] = "html",
) -> Response:
    chosen = parse_period(period) if period else None  # a bad period is a ValueError: a 400 page
    data = render(ws, template, chosen, lang, format)
    mime, ext = FORMATS[format]
    name = f"cxlens-{template}-{chosen.label if chosen else 'latest'}.{ext}"
    audit.record_now(
        ws, actor(request, user), "data.export", f"report:{template}", {"period": period, "format": format}
    )
    return Response(data, media_type=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})
