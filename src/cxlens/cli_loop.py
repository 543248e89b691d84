"""``cxlens alerts / cases / plans / benchmark / team / journey``: closing the loop from the terminal.

Each command is a thin call into :mod:`cxlens.loop`, printing rich tables or, with ``--json``, one JSON
object with stable keys (``ok`` first; on failure ``ok: false``, ``error`` and ``message``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from cxlens.cli_common import _fail, _lang, _print_json, _workspace
from cxlens.loop._common import records

__all__ = ["alerts_app", "benchmark_command", "cases_app", "journey_command", "plans_app", "team_command"]

alerts_app = typer.Typer(no_args_is_help=True, help="Early-warning alert rules and alerts (预警).")
rules_app = typer.Typer(no_args_is_help=True, help="Alert rules: add, list.")
alerts_app.add_typer(rules_app, name="rules")
cases_app = typer.Typer(no_args_is_help=True, help="Closed-loop follow-up cases (闭环工单): open, list, note, close.")
plans_app = typer.Typer(no_args_is_help=True, help="Action plans (改进计划): create, list, evaluate.")
out = Console()
err = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON with stable keys.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Labels in zh or en (default: CXLENS_LANG or LANG).")]
DirArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
FilterOpt = Annotated[
    list[str] | None, typer.Option("--filter", help="Keep rows where column=value (or value1,value2); repeatable.")
]

_L: dict[str, tuple[str, str]] = {
    "rules": ("预警规则", "Alert rules"),
    "new_alerts": ("新预警", "New alerts"),
    "alerts": ("预警", "Alerts"),
    "cases": ("闭环工单", "Cases"),
    "plans": ("改进计划", "Action plans"),
    "tracking": ("指标跟踪", "Tracking"),
    "benchmark": ("竞品对标（调研）", "Competitor benchmark (surveys)"),
    "reviews": ("竞品评论情感（按方面）", "Competitor review sentiment by aspect"),
    "team": ("客服绩效记分卡", "Service-team scorecards"),
    "bottlenecks": ("服务流程瓶颈", "Service-process bottlenecks"),
    "journey": ("客户旅程地图", "Customer-journey map"),
    "verdict": ("结论", "Verdict"),
    "none": ("无", "none"),
}


def _t(key: str, lang: str) -> str:
    zh, en = _L.get(key, (key, key))
    return zh if lang == "zh" else en


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 0.01 and value != 0 else f"{value:,.2f}"
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.hour or value.minute else value.strftime("%Y-%m-%d")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)[:80]
    return str(value)


def _show(frame: pd.DataFrame, columns: Sequence[str], title: str) -> None:
    table = Table(title=title)
    cols = [c for c in columns if c in frame.columns]
    for c in cols:
        table.add_column(c, justify="right" if pd.api.types.is_numeric_dtype(frame[c]) else "left")
    for row in frame[cols].itertuples(index=False):
        table.add_row(*[_fmt(v) for v in row])
    out.print(table)


def _filters(values: list[str] | None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in values or []:
        if "=" not in item:
            raise typer.BadParameter(f"--filter takes column=value, not {item!r}")
        key, _, value = item.partition("=")
        found.setdefault(key.strip(), []).extend(v.strip() for v in value.split(","))
    return found


# -- alerts -----------------------------------------------------------------------------------------------------
@rules_app.command("add")
def rules_add(
    path: DirArg,
    name: Annotated[str, typer.Argument(help="A unique name for the rule.")],
    kind: Annotated[
        str, typer.Option("--kind", help="threshold, target_miss, significant_drop, decline, spike or at_risk.")
    ],
    metric: Annotated[str | None, typer.Option("--metric", help="The metric (cxlens metrics lists them).")] = None,
    by: Annotated[list[str] | None, typer.Option("--by", help="Slice by this dimension; repeatable.")] = None,
    every: Annotated[str, typer.Option("--every", help="Period: day, week, month, quarter, year.")] = "month",
    filters: FilterOpt = None,
    survey: Annotated[str | None, typer.Option("--survey", help="Survey code (survey metrics).")] = None,
    question: Annotated[str | None, typer.Option("--question", help="Question code (question metrics).")] = None,
    threshold: Annotated[float | None, typer.Option("--threshold", help="threshold: the limit.")] = None,
    op: Annotated[str, typer.Option("--op", help="threshold: below, above or auto (the metric's bad side).")] = "auto",
    target: Annotated[
        float | None, typer.Option("--target", help="target_miss: the target (else targets.yaml).")
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="target_miss: only misses significant at alpha.")] = False,
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level of the rule's test.")] = 0.05,
    test: Annotated[str, typer.Option("--test", help="significant_drop: previous or seasonal.")] = "previous",
    correction: Annotated[str, typer.Option("--correction", help="Multiplicity: none, bonferroni, holm.")] = "none",
    periods: Annotated[int, typer.Option("--periods", help="decline: worsenings in a row.")] = 3,
    min_n: Annotated[int, typer.Option("--min-n", help="Ignore periods with fewer observations.")] = 10,
    lookback: Annotated[int | None, typer.Option("--lookback", help="Only the latest N periods.")] = None,
    source: Annotated[str, typer.Option("--source", help="spike: complaints or aspect.")] = "complaints",
    aspect: Annotated[str | None, typer.Option("--aspect", help="spike: the text aspect (e.g. logistics).")] = None,
    baseline: Annotated[int, typer.Option("--baseline", help="spike: previous periods as baseline.")] = 6,
    min_count: Annotated[int, typer.Option("--min-count", help="spike: least count that can alert.")] = 5,
    risk: Annotated[float, typer.Option("--risk", help="at_risk: least churn probability.")] = 0.5,
    value_quantile: Annotated[float, typer.Option("--value-quantile", help="at_risk: CLV quantile.")] = 0.8,
    severity: Annotated[str, typer.Option("--severity", help="info, warning or critical.")] = "warning",
    email: Annotated[list[str] | None, typer.Option("--email", help="Send alerts to this address; repeatable.")] = None,
    webhook: Annotated[list[str] | None, typer.Option("--webhook", help="POST alerts to this URL; repeatable.")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a rule of the same name.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add an alert rule (a metric, slice and test, or a complaint/aspect spike, or at-risk customers)."""
    from cxlens.loop.alerts import AlertRule, add_rule

    notify: list[dict[str, Any]] = [{"type": "email", "to": list(email)}] if email else []
    notify += [{"type": "webhook", "url": url} for url in webhook or []]
    with _workspace(path, as_json) as ws:
        rule = AlertRule(
            name=name, kind=kind, metric=metric, by=list(by or []), every=every, filters=_filters(filters),
            survey=survey, question=question, threshold=threshold, op=op, target=target, strict=strict, alpha=alpha,
            test=test, correction=correction, periods=periods, min_n=min_n, lookback=lookback, source=source,
            aspect=aspect, baseline=baseline, min_count=min_count, risk=risk, value_quantile=value_quantile,
            severity=severity, notify=notify,
        )  # fmt: skip
        rule_id = add_rule(ws, rule, replace=replace)
    if as_json:
        _print_json({"ok": True, "id": rule_id, "rule": {"name": name, "kind": kind, **rule.spec()}})
    else:
        out.print(f"alert rule {name!r} saved (id {rule_id})")


@rules_app.command("list")
def rules_list(path: DirArg, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
    """List the alert rules."""
    from cxlens.loop.alerts import list_rules

    with _workspace(path, as_json) as ws:
        rules = list_rules(ws)
    rows = [
        {"id": i, "name": r.name, "kind": r.kind, "metric": r.metric, "by": r.by, "every": r.every,
         "alpha": r.alpha, "test": r.test, "severity": r.severity, "active": r.active, "notify": r.notify,
         "spec": r.spec()}
        for i, r in rules
    ]  # fmt: skip
    if as_json:
        _print_json({"ok": True, "rules": rows})
        return
    cols = ["id", "name", "kind", "metric", "by", "every", "alpha", "test", "severity"]
    _show(pd.DataFrame(rows, columns=cols), cols, _t("rules", _lang(lang)))


@alerts_app.command("run")
def alerts_run(
    path: DirArg,
    notify: Annotated[bool, typer.Option("--notify", help="Send new alerts to each rule's e-mail/webhook.")] = False,
    rule: Annotated[list[str] | None, typer.Option("--rule", help="Run only this rule; repeatable.")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Evaluate the alert rules; store (and with --notify send) the alerts not seen before."""
    from cxlens.loop.alerts import run_alerts

    with _workspace(path, as_json) as ws:
        run = run_alerts(ws, rules=rule or None, notify=notify)
    if as_json:
        _print_json({"ok": True, **run.to_dict()})
        return
    lg = _lang(lang)
    frame = run.new if not run.new.empty else pd.DataFrame(columns=["id", "rule", "severity", "message"])
    _show(frame, ["id", "rule", "severity", "message"], f"{_t('new_alerts', lg)}: {len(run.new)}")
    out.print(f"rules {run.rules} · already stored {run.existing} · notified {run.notified}")
    for problem in run.errors:
        err.print(f"[yellow]notification failed:[/] {problem}", markup=True, highlight=False)


@alerts_app.command("list")
def alerts_list(
    path: DirArg,
    status: Annotated[str | None, typer.Option("--status", help="open, acknowledged or closed.")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """List the stored alerts, newest first."""
    from cxlens.loop.alerts import list_alerts

    with _workspace(path, as_json) as ws:
        frame = list_alerts(ws, status=status)
    if as_json:
        _print_json({"ok": True, "alerts": records(frame.drop(columns=["detail_json"]))})
        return
    _show(frame, ["id", "rule", "period", "severity", "status", "message"], _t("alerts", _lang(lang)))


# -- cases ------------------------------------------------------------------------------------------------------
DateOpt = Annotated[datetime | None, typer.Option(help="UTC date or time.")]


@cases_app.command("open")
def cases_open(
    path: DirArg,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="complaint, detractor, low_csat, low_ticket_csat (default all).")
    ] = None,
    since: Annotated[datetime | None, typer.Option("--since", help="Only records from this UTC date.")] = None,
    until: Annotated[datetime | None, typer.Option("--until", help="Only records before this UTC date.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Owner of the new cases.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Open a follow-up case for each detractor, low CSAT and complaint that has none yet (idempotent)."""
    from dataclasses import replace

    from cxlens.loop.cases import DEFAULT_CASE_RULES, open_cases

    chosen = [r for r in DEFAULT_CASE_RULES if not rule or r.name in rule]
    unknown = sorted(set(rule or []) - {r.name for r in DEFAULT_CASE_RULES})
    with _workspace(path, as_json) as ws:
        if unknown:
            raise _fail(ValueError(f"unknown case rule(s) {', '.join(unknown)}"), as_json)
        if owner:
            chosen = [replace(r, owner=owner) for r in chosen]
        report = open_cases(ws, chosen, since=since, until=until)
    if as_json:
        _print_json({"ok": True, **report})
    else:
        for name, count in report["opened"].items():
            out.print(f"{name}: {count} opened")
        out.print(f"already open: {report['already']}")


@cases_app.command("list")
def cases_list(
    path: DirArg,
    status: Annotated[str | None, typer.Option("--status", help="open, in_progress, resolved, closed.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's cases.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only cases past their due date.")] = False,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many (table only).")] = 50,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """List follow-up cases with owner, due date and status."""
    from cxlens.loop.cases import list_cases

    with _workspace(path, as_json) as ws:
        frame = list_cases(ws, status=status, owner=owner, overdue=overdue)
    if as_json:
        _print_json({"ok": True, "count": len(frame), "cases": records(frame)})
        return
    cols = ["id", "rule", "customer", "title", "owner", "status", "due_at", "overdue"]
    _show(frame.head(limit), cols, f"{_t('cases', _lang(lang))}: {len(frame)}")


@cases_app.command("show")
def cases_show(
    path: DirArg, case_id: Annotated[int, typer.Argument(help="The case id.")], as_json: JsonOpt = False
) -> None:
    """One case with its notes and the customer's history."""
    from cxlens.loop.cases import get_case

    with _workspace(path, as_json) as ws:
        case = get_case(ws, case_id)
    if as_json:
        _print_json({"ok": True, **case})
        return
    for key, value in case["case"].items():
        out.print(f"{key}: {_fmt(value)}", highlight=False)
    for note in case["notes"]:
        out.print(f"  [{note['created_at']}] {note['author']}: {note['text']}", highlight=False)
    for name, rows in case["history"].items():
        out.print(f"{name}: {len(rows)}")


@cases_app.command("note")
def cases_note(
    path: DirArg,
    case_id: Annotated[int, typer.Argument(help="The case id.")],
    text: Annotated[str, typer.Argument(help="The note.")],
    author: Annotated[str, typer.Option("--author", help="Who writes the note.")] = "cli",
    status: Annotated[str | None, typer.Option("--status", help="Also move the case to in_progress/resolved.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a note to a case (and optionally move it along its workflow)."""
    from cxlens.loop.cases import add_note, set_status

    with _workspace(path, as_json) as ws:
        note_id = add_note(ws, case_id, text, author=author)
        if status:
            set_status(ws, case_id, status, author=author)
    if as_json:
        _print_json({"ok": True, "case_id": case_id, "note_id": note_id, "status": status})
    else:
        out.print(f"note {note_id} added to case {case_id}")


@cases_app.command("close")
def cases_close(
    path: DirArg,
    case_id: Annotated[int, typer.Argument(help="The case id.")],
    note: Annotated[str | None, typer.Option("--note", help="How it was resolved.")] = None,
    author: Annotated[str, typer.Option("--author", help="Who closes it.")] = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Resolve and close a case."""
    from cxlens.loop.cases import close_case

    with _workspace(path, as_json) as ws:
        close_case(ws, case_id, author=author, note=note)
    if as_json:
        _print_json({"ok": True, "case_id": case_id, "status": "closed"})
    else:
        out.print(f"case {case_id} closed")


# -- plans ------------------------------------------------------------------------------------------------------
@plans_app.command("create")
def plans_create(
    path: DirArg,
    name: Annotated[str, typer.Argument(help="A unique name for the plan.")],
    metric: Annotated[str, typer.Option("--metric", help="The goal metric.")],
    start: Annotated[datetime, typer.Option("--start", help="When the measures start (UTC).")],
    filters: FilterOpt = None,
    compare: Annotated[
        list[str] | None, typer.Option("--compare", help="Comparison slice column=value for the DiD; repeatable.")
    ] = None,
    survey: Annotated[str | None, typer.Option("--survey", help="Survey code (survey metrics).")] = None,
    question: Annotated[str | None, typer.Option("--question", help="Question code.")] = None,
    target: Annotated[float | None, typer.Option("--target", help="The value to reach.")] = None,
    due: Annotated[
        datetime | None, typer.Option("--due", help="Due date (UTC); the follow-up window ends here.")
    ] = None,
    baseline_days: Annotated[float, typer.Option("--baseline-days", help="Baseline window before start.")] = 90,
    measures: Annotated[str, typer.Option("--measures", help="What will be done.")] = "",
    owner: Annotated[str | None, typer.Option("--owner", help="Who is responsible.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an action plan and measure its baseline now."""
    from cxlens.loop.plans import create_plan

    with _workspace(path, as_json) as ws:
        plan = create_plan(
            ws, name, metric, start=start, filters=_filters(filters), comparison=_filters(compare) or None,
            survey=survey, question=question, target=target, due=due, baseline_days=baseline_days,
            measures=measures, owner=owner,
        )  # fmt: skip
    if as_json:
        _print_json({"ok": True, "plan": plan})
    else:
        out.print(
            f"plan {name!r}: baseline {metric} = {_fmt(plan['baseline_value'])} (n = {plan['baseline_n']}, 95 % CI "
            f"{_fmt(plan['baseline_ci_low'])}–{_fmt(plan['baseline_ci_high'])})",
            highlight=False,
        )


@plans_app.command("list")
def plans_list(path: DirArg, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
    """List the action plans with their baselines and targets."""
    from cxlens.loop.plans import list_plans

    with _workspace(path, as_json) as ws:
        frame = list_plans(ws)
    if as_json:
        _print_json({"ok": True, "plans": records(frame)})
        return
    cols = ["id", "name", "metric", "baseline_value", "baseline_n", "target", "owner", "start_at", "due_at", "status"]
    _show(frame, cols, _t("plans", _lang(lang)))


@plans_app.command("evaluate")
def plans_evaluate(
    path: DirArg,
    name: Annotated[str, typer.Argument(help="The plan.")],
    every: Annotated[str, typer.Option("--every", help="Tracking period.")] = "month",
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level.")] = 0.05,
    end: Annotated[datetime | None, typer.Option("--end", help="End of the follow-up window (UTC).")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Track a plan's metric and evaluate its effect: before/after, difference-in-differences, verdict."""
    from cxlens.loop.plans import evaluate_plan

    with _workspace(path, as_json) as ws:
        result = evaluate_plan(ws, name, every=every, alpha=alpha, end=end)
    if as_json:
        _print_json({"ok": True, **result.to_dict()})
        return
    lg = _lang(lang)
    _show(result.tracking, ["period", "phase", "value", "n", "ci_low", "ci_high"], f"{_t('tracking', lg)}: {name}")
    if result.did:
        d = result.did
        out.print(
            f"DiD {d['did']:+.3g} (SE {d['se']:.3g}, 95 % CI {d['ci_low']:.3g}–{d['ci_high']:.3g}, "
            f"p = {d['p_val']:.3g})"
        )
    out.print(f"{_t('verdict', lg)}: {result.verdict} — {result.summary}", highlight=False)


# -- benchmark, team, journey -----------------------------------------------------------------------------------
def benchmark_command(
    path: DirArg,
    competitor: Annotated[str | None, typer.Option("--competitor", help="Competitor code.")] = None,
    ours: Annotated[
        str | None, typer.Option("--ours", help="Our survey to compare (default: most shared items).")
    ] = None,
    all_items: Annotated[
        bool, typer.Option("--all-items", help="Our whole dimensions, not only shared items.")
    ] = False,
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level.")] = 0.05,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Competitor benchmark: our scores and theirs by dimension with each gap's test; review sentiment by aspect."""
    from cxlens.loop.benchmark import benchmark

    with _workspace(path, as_json) as ws:
        result = benchmark(ws, competitor=competitor, alpha=alpha, ours=ours, same_items=not all_items)
    if as_json:
        _print_json({"ok": True, **result.to_dict()})
        return
    lg = _lang(lang)
    if not result.surveys.empty:
        cols = ["item", "ours", "ours_n", "theirs", "theirs_n", "gap", "ci_low", "ci_high", "p_holm", "better"]
        _show(result.surveys, cols, _t("benchmark", lg))
    if not result.reviews.empty:
        cols = ["aspect", "ours_n", "ours_net", "theirs_n", "theirs_net", "gap", "p_holm", "significant"]
        _show(result.reviews, cols, _t("reviews", lg))


def team_command(
    path: DirArg,
    every: Annotated[str | None, typer.Option("--every", help="Scorecards per period (month, quarter …).")] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level of the fair comparison.")] = 0.05,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Service-team scorecards per agent with mix-adjusted comparisons, and the process bottlenecks."""
    from cxlens.loop.team import bottlenecks, scorecards

    with _workspace(path, as_json) as ws:
        cards = scorecards(ws, every=every, alpha=alpha)
        stages = bottlenecks(ws)
    if as_json:
        _print_json({"ok": True, "scorecards": records(cards), "bottlenecks": records(stages)})
        return
    lg = _lang(lang)
    cols = ["period", "team", "agent_id", "agent", "tickets", "first_response_time", "resolution_time",
            "ticket_csat", "frt_ratio", "csat_diff", "concerns"]  # fmt: skip
    _show(cards, cols, _t("team", lg))
    _show(stages, ["team", "stage", "n", "median_hours", "mean_hours", "share_pct"], _t("bottlenecks", lg))


def journey_command(path: DirArg, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
    """The customer-journey map: touchpoints per stage with volume, satisfaction, sentiment and pain points."""
    from cxlens.loop.journey import journey_map

    with _workspace(path, as_json) as ws:
        result = journey_map(ws)
    if as_json:
        _print_json({"ok": True, **result.to_dict()})
        return
    frame = result.touchpoints.copy()
    frame["pain_points"] = [", ".join(p["aspect"] for p in pains) for pains in frame["pain_points"]]
    cols = ["stage", "touchpoint", "volume", "satisfaction_metric", "satisfaction", "satisfaction_n", "sentiment",
            "negative_pct", "pain_points"]  # fmt: skip
    _show(frame, cols, _t("journey", _lang(lang)))
