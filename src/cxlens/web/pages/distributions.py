"""NPS, CSAT and CES distributions: the NPS mix (promoters / passives / detractors) per period, a histogram of
every selected question's scale points (count, share and 95 % Wilson interval per point, n in the title,
NPS points coloured by group), and each satisfaction KPI per question with its interval — all from the
metric layer (``cxlens.metrics.compute`` and ``cxlens.metrics.distribution``).

Also ``/distributions.csv``: the numbers behind one histogram (the same ``distribution`` call)."""

from __future__ import annotations

import io
import warnings
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxlens.exceptions import UndefinedMetricWarning
from cxlens.export import frame_to_csv
from cxlens.metrics import get_metric
from cxlens.metrics.distributions import distribution, question_scale, scored_questions
from cxlens.metrics.sources import DIMENSIONS
from cxlens.store import Workspace
from cxlens.web import audit
from cxlens.web.accounts import User
from cxlens.web.deps import Db, actor, lang_of, render, require
from cxlens.web.i18n import add_messages, translate
from cxlens.web.nav import NavItem
from cxlens.web.pages._dash import Selection, _num, ask, period_label, records, selection, spec_bars
from cxlens.web.pages.overview import filter_fields

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.distributions", "/distributions", "dashboard.view", order=20)]

#: the KPIs shown per question
PER_QUESTION = ("nps", "csat", "csat_mean", "ces", "ces_easy")
#: the question types whose histograms the page shows unless the reader picks questions
DEFAULT_TYPES = ("nps", "csat", "ces")
#: at most this many histograms on one page
MAX_HISTOGRAMS = 12
#: NPS groups' colours (the palette's red, yellow and green, as in static/cxlens.js)
BAND_COLOURS = {"detractor": "#ee6666", "passive": "#fac858", "promoter": "#3ba272"}

add_messages(
    {
        "dist.histograms": ("评分分布(各分值人数)", "score distributions (answers per scale point)"),
        "dist.questions": ("题目", "Questions"),
        "dist.survey": ("问卷", "Survey"),
        "dist.score": ("分值", "score"),
        "dist.band": ("类别", "group"),
        "dist.count": ("人数", "count"),
        "dist.share": ("占比 %", "share %"),
        "dist.detractor": ("贬损者 (0–6)", "detractors (0–6)"),
        "dist.passive": ("被动者 (7–8)", "passives (7–8)"),
        "dist.promoter": ("推荐者 (9–10)", "promoters (9–10)"),
        "dist.histogram_title": ("{question}:n = {n}", "{question}: n = {n}"),
        "dist.off_scale": (
            "{n} 个答案不在整数刻度上(计入 n,不计入任何分值)",
            "{n} answers between scale points (counted in n, at no point)",
        ),
        "dist.no_questions": ("没有可画分布的评分题", "No rating questions to draw"),
        "dist.ci_note": (
            "误差线:各分值占比的 95% Wilson 置信区间",
            "error bars: each point's share with its 95% Wilson interval",
        ),
    }
)


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


def question_choices(ws: Workspace, survey: str | None) -> list[dict[str, Any]]:
    """The questions a histogram can be drawn for, one entry per code: its type, scale and surveys."""
    frame = scored_questions(ws, survey)
    choices: list[dict[str, Any]] = []
    for code, group in frame.groupby("question", sort=False):
        first = group.iloc[0]
        choices.append(
            {
                "code": str(code),
                "type": str(first["type"]),
                "scale": f"{first['scale_min']:g}–{first['scale_max']:g}",
                "surveys": sorted(set(group["survey"])),
            }
        )
    return choices


def _filters(sel: Selection) -> dict[str, str]:
    return {k: v for k, v in sel.filters.items() if k in DIMENSIONS["answers"]}


def ask_distribution(ws: Workspace, question: str, sel: Selection, survey: str | None) -> pd.DataFrame:
    """``distribution`` over the selection's range with its filters (an empty selection gives n = 0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return distribution(ws, question, start=sel.start_at, end=sel.end_at, filters=_filters(sel), survey=survey)


def spec_histogram(frame: pd.DataFrame, title: str, lang: str) -> dict[str, Any]:
    """Vertical bars of each scale point's share (%) with its Wilson interval as error bars; NPS points are
    coloured by group."""
    series: dict[str, Any] = {
        "name": translate("dist.share", lang),
        "data": [_num(v) for v in frame["share"]],
        "low": [_num(v) for v in frame["ci_low"]],
        "high": [_num(v) for v in frame["ci_high"]],
    }
    if frame["band"].notna().any():
        series["colors"] = [BAND_COLOURS.get(str(b)) for b in frame["band"]]
    return {
        "kind": "bar",
        "unit": "%",
        "horizontal": False,
        "title": title,
        "categories": [str(v) for v in frame["score"]],
        "series": [series],
    }


def histogram(ws: Workspace, question: str, sel: Selection, survey: str | None, lang: str) -> dict[str, Any]:
    """One question's histogram, table rows and n — or the reason it cannot be drawn (e.g. a code that
    surveys define with different scales, without a survey chosen)."""
    try:
        scale = question_scale(ws, question, survey)
        frame = ask_distribution(ws, question, sel, survey)
    except ValueError as err:
        return {"question": question, "error": str(err)}
    n = int(frame["n"].iloc[0]) if len(frame) else 0
    title = translate("dist.histogram_title", lang, question=question, n=f"{n:,}")
    return {
        "question": question,
        "type": scale.type,
        "scale": f"{scale.low:g}–{scale.high:g}",
        "n": n,
        "off_scale": int(frame["off_scale"].iloc[0]) if len(frame) else 0,
        "nps": scale.type == "nps",
        "rows": records(frame),
        "chart": spec_histogram(frame, title, lang),
        "error": None,
    }


@router.get("/distributions", response_class=HTMLResponse)
def distributions(
    request: Request,
    ws: Db,
    user: Annotated[User, require("dashboard.view")],
    sel: Annotated[Selection, Depends(selection)],
    question: Annotated[list[str], Query(description="draw these questions' histograms (repeatable)")] = [],  # noqa: B006
    survey: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    lang = lang_of(request)
    survey = survey or None
    choices = question_choices(ws, survey)
    chosen = [q for q in question if q] or [c["code"] for c in choices if c["type"] in DEFAULT_TYPES]
    histograms = [histogram(ws, q, sel, survey, lang) for q in chosen[:MAX_HISTOGRAMS]]
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
    surveys = sorted({s for c in question_choices(ws, None) for s in c["surveys"]})
    return render(
        request,
        "dashboards/distributions.html",
        {
            "mix": nps_mix(ws, sel, lang),
            "per_question": per_question,
            "histograms": histograms,
            "choices": choices,
            "chosen": chosen,
            "survey": survey,
            "surveys": surveys,
            "band_colours": BAND_COLOURS,
            "sel": sel,
            "fields": filter_fields(request, ws, sel, slices=()),
        },
    )


@router.get("/distributions.csv")
def distributions_csv(
    request: Request,
    ws: Db,
    user: Annotated[User, require("dashboard.view")],
    sel: Annotated[Selection, Depends(selection)],
    question: Annotated[str, Query(max_length=200)],
    survey: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The numbers behind one histogram: every scale point's count, n, share and Wilson interval."""
    frame = ask_distribution(ws, question, sel, survey or None)
    buffer = io.StringIO()
    frame_to_csv(frame, buffer)  # formula cells neutralised (cxlens.export)
    audit.record_now(
        ws, actor(request, user), "data.export", f"distribution:{question}", {"query": sel.query(), "survey": survey}
    )
    return Response(
        "\ufeff" + buffer.getvalue(),  # a BOM so Excel reads the UTF-8 (Chinese) labels correctly
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_safe(question)}-distribution.csv"'},
    )


def _safe(name: str) -> str:
    """A question code as a file name (header-safe: letters, digits, - and _ only)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in name) or "question"
