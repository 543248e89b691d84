"""``cxlens score …`` (relationship-quality scores, weights, sensitivity) and ``cxlens template …`` (industry
templates). Each command is a thin call into :mod:`cxlens.quality` or :mod:`cxlens.templates`, printing rich
tables or, with ``--json``, one JSON object with stable keys (``ok`` first; on failure ``ok: false``,
``error`` and ``message``).

``cxlens score DIR`` is short for ``cxlens score customers DIR``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from cxlens.cli_common import _fail, _lang, _print_json
from cxlens.cli_common import records as _records
from cxlens.exceptions import CxlensError
from cxlens.i18n import LABELS, label
from cxlens.store import Workspace

__all__ = ["score_app", "template_app"]


class _DefaultGroup(TyperGroup):
    """A command group whose first argument, when it is not a subcommand, goes to ``customers``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["customers", *args]
        return super().parse_args(ctx, args)


score_app = typer.Typer(
    cls=_DefaultGroup,
    no_args_is_help=True,
    help="Relationship-quality scores (客户关系质量评估): per customer, segment and period; weights; sensitivity. "
    "`cxlens score DIR` = `cxlens score customers DIR`.",
)
template_app = typer.Typer(
    no_args_is_help=True, help="Industry templates (行业模板): list, show, apply to a workspace."
)
out = Console()
err = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON with stable keys.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Labels in zh or en (default: CXLENS_LANG or LANG).")]
DirArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
ModelOpt = Annotated[
    Path | None, typer.Option("--model", help="Scoring model YAML (default: DIR/quality/model.yaml, else the default).")
]
TemplateOpt = Annotated[str | None, typer.Option("--template", help="Use this industry template's scoring model.")]
MethodOpt = Annotated[
    str | None,
    typer.Option("--method", help="Weights: direct, ahp, entropy, regression or benchmark (default: the model's)."),
]


def _l(key: str, lang: str) -> str:
    """The label of ``key`` (``q_`` keys of cxlens.i18n), or the key itself."""
    return label(f"q_{key}", lang) if f"q_{key}" in LABELS else key


@contextmanager
def _guard(as_json: bool) -> Iterator[None]:
    try:
        yield
    except (CxlensError, ValueError, KeyError) as e:
        raise _fail(e, as_json) from e


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, pd.Timestamp):
        return str(value.strftime("%Y-%m-%d"))
    return str(value)


def _model(ws: Workspace, model: Path | None, template: str | None) -> Any:
    from cxlens.quality.model import default_model, load_model

    if model is not None and template is not None:
        raise ValueError("give --model or --template, not both")
    if model is not None:
        return load_model(model)
    if template is not None:
        from cxlens.templates import load

        return load(template).scoring
    own = ws.path / "quality" / "model.yaml"
    return load_model(own) if own.is_file() else default_model()


def _criterion__l(model: Any, code: str, lang: str) -> str:
    try:
        return str(model.criterion(code).title(lang))
    except KeyError:
        return code


# -- cxlens score ---------------------------------------------------------------------------------------------
@score_app.command()
def customers(
    path: DirArg,
    model: ModelOpt = None,
    template: TemplateOpt = None,
    method: MethodOpt = None,
    by: Annotated[str | None, typer.Option(help="Aggregate by segment, region or industry.")] = None,
    every: Annotated[
        str | None, typer.Option(help="Score per period: month, quarter or year (with the trend).")
    ] = None,
    customer: Annotated[str | None, typer.Option(help="Show one customer's evidence: each criterion's pull.")] = None,
    start: Annotated[datetime | None, typer.Option(help="Score the data from this time (UTC, inclusive).")] = None,
    end: Annotated[datetime | None, typer.Option(help="Score the data up to this time (UTC, exclusive).")] = None,
    limit: Annotated[int, typer.Option(help="Rows to print, lowest scores first (--json prints all).")] = 20,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Every customer's relationship-quality score (0–100), tier and the criterion that pulled it down most."""
    from cxlens.quality.score import score_customers, score_periods, segment_scores

    lang = _lang(lang)
    with _guard(as_json), Workspace.open(path) as ws:
        m = _model(ws, model, template)
        if every is not None:
            ps = score_periods(ws, m, every=every, start=start, end=end, method=method)
            _print_periods(ps, by, as_json, lang)
            return
        sc = score_customers(ws, m, start=start, end=end, method=method)
        if customer is not None:
            from cxlens.quality.score import customer_quotes

            quotes = customer_quotes(ws, customer, sc.window)
            _print_evidence(sc, customer, quotes, as_json, lang)
        elif by is not None:
            _print_segments(sc, segment_scores(sc, by), by, as_json, lang)
        else:
            _print_customers(sc, limit, as_json, lang)


def _head(sc: Any) -> dict[str, Any]:
    return {
        "ok": True,
        "model": sc.model.name,
        "method": sc.method,
        "weights": {k: float(v) for k, v in sc.weights.items()},
        "window": {"start": sc.window.start.isoformat(), "end": sc.window.end.isoformat()},
        "tiers": dict(sc.model.tiers),
    }


def _print_customers(sc: Any, limit: int, as_json: bool, lang: str) -> None:
    frame = sc.customers.sort_values("score", na_position="last")
    if as_json:
        rows = frame[
            ["customer_id", "segment", "region", "industry", "score", "tier", "coverage", "criteria", "weakest"]
        ]
        _print_json(
            {
                **_head(sc),
                "tier_counts": _records(sc.tier_counts()),
                "coverage": _records(sc.coverage()),
                "notes": sc.notes,
                "customers": _records(rows),
            }
        )
        return
    table = Table(title=f"{_l('quality_score', lang)} · {sc.model.label.get(lang, sc.model.name)} ({sc.method})")
    for column in ("customer", "segment", "score", "tier", "coverage", "weakest"):
        table.add_column(_l(column, lang), justify="right" if column in ("score", "coverage") else "left")
    for row in frame.head(limit).itertuples():
        weakest = _criterion__l(sc.model, row.weakest, lang) if row.weakest else ""
        table.add_row(
            row.customer_id, _fmt(row.segment), _fmt(row.score), _l(row.tier, lang), f"{row.coverage:.0%}", weakest
        )
    out.print(table)
    counts = sc.tier_counts()
    out.print(", ".join(f"{_l(r.tier, lang)} {r.customers:,}" for r in counts.itertuples()))
    out.print(
        f"{_l('weights', lang)}: "
        + ", ".join(f"{_criterion__l(sc.model, k, lang)} {v:.0%}" for k, v in sc.weights.items())
    )
    for note in sc.notes:
        out.print(f"[yellow]{note}[/]", highlight=False)


def _print_evidence(sc: Any, customer: str, quotes: pd.DataFrame, as_json: bool, lang: str) -> None:
    row = sc.customers[sc.customers["customer_id"] == customer]
    if row.empty:
        raise ValueError(f"unknown customer {customer!r}")
    info = _records(row[["customer_id", "segment", "score", "tier", "coverage", "weakest"]])[0]
    ev = sc.evidence(customer) if pd.notna(row["score"].iloc[0]) else pd.DataFrame()
    if as_json:
        _print_json({**_head(sc), "customer": info, "evidence": _records(ev), "quotes": _records(quotes)})
        return
    out.print(
        f"{customer}: {_fmt(info['score'])} · {_l(info['tier'], lang)} · {_l('coverage', lang)} {info['coverage']:.0%}"
    )
    table = Table(title=_l("evidence", lang))
    for column in ("criterion", "raw", "n", "score", "mean_score", "weight", "contribution"):
        table.add_column(_l(column, lang), justify="left" if column == "criterion" else "right")
    for r in ev.itertuples():
        table.add_row(
            _criterion__l(sc.model, r.criterion, lang),
            _fmt(r.raw, 2),
            str(r.n),
            _fmt(r.score),
            _fmt(r.mean_score),
            f"{r.weight:.0%}",
            f"{r.contribution:+.2f}",
        )
    out.print(table)
    for q in quotes.itertuples():
        when = pd.Timestamp(q.collected_at).strftime("%Y-%m-%d")
        out.print(f"  {when} {q.source_type}: “{str(q.text)[:120]}”", highlight=False)


def _print_segments(sc: Any, frame: pd.DataFrame, by: str, as_json: bool, lang: str) -> None:
    if as_json:
        _print_json({**_head(sc), "by": by, "segments": _records(frame)})
        return
    table = Table(title=f"{_l('quality_score', lang)} · {by}")
    columns = [by, "n", "score", "ci_low", "ci_high", "strategic_pct", "at_risk_pct"]
    for column in columns:
        table.add_column(_l(column, lang), justify="left" if column == by else "right")
    for r in frame[columns].itertuples(index=False):
        table.add_row(*[_fmt(v) for v in r])
    out.print(table)


def _print_periods(ps: Any, by: str | None, as_json: bool, lang: str) -> None:
    frame = ps.summary if by is None else ps.by(by)
    deteriorating = ps.trend[ps.trend["slope"] < 0]
    if as_json:
        _print_json(
            {
                "ok": True,
                "model": ps.model.name,
                "every": ps.every,
                "weights": {k: float(v) for k, v in ps.weights.items()},
                "periods": _records(frame),
                "overall_trend": ps.overall,
                "customers": _records(ps.trend),
            }
        )
        return
    table = Table(title=f"{_l('quality_score', lang)} · {ps.every}")
    columns = ["period", *([by] if by else []), "n", "score", "ci_low", "ci_high", "strategic_pct", "at_risk_pct"]
    for column in columns:
        table.add_column(_l(column, lang), justify="left" if column in ("period", by) else "right")
    for r in frame[columns].itertuples(index=False):
        table.add_row(*[_fmt(v) for v in r])
    out.print(table)
    if "slope" in ps.overall:
        o = ps.overall
        out.print(f"{_l('trend', lang)}: {o['slope']:+.2f} / {ps.every}, p = {o['p_val']:.3g} (n = {o['n_periods']})")
    out.print(f"{_l('deteriorating', lang)}: {len(deteriorating):,} / {len(ps.trend):,}")


@score_app.command()
def weights(
    path: DirArg,
    model: ModelOpt = None,
    template: TemplateOpt = None,
    method: Annotated[
        list[str] | None, typer.Option("--method", help="Only these methods (repeatable; default: all five).")
    ] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Criterion weights set four ways, side by side: expert (direct, AHP + CR), data (entropy, regression), peers."""
    from cxlens.quality.score import compare_weights
    from cxlens.quality.weights import METHODS

    lang = _lang(lang)
    methods = method or list(METHODS)
    with _guard(as_json), Workspace.open(path) as ws:
        unknown = [x for x in methods if x not in METHODS]
        if unknown:
            raise ValueError(f"unknown method {unknown[0]!r}; methods are {', '.join(METHODS)}")
        m = _model(ws, model, template)
        table_frame, info = compare_weights(ws, m, methods)
    if as_json:
        _print_json({"ok": True, "model": m.name, "methods": info, "weights": _records(table_frame)})
        return
    table = Table(title=f"{_l('weights', lang)} · {m.label.get(lang, m.name)}")
    table.add_column(_l("criterion", lang))
    for x in methods:
        table.add_column(_l(f"method_{x}", lang), justify="right")
    for r in table_frame.itertuples(index=False):
        values = [getattr(r, x) for x in methods]
        table.add_row(_criterion__l(m, r.criterion, lang), *[_fmt(100 * v if v == v else v) + "%" for v in values])
    out.print(table)
    for x in methods:
        d = info[x]
        if not d["ok"]:
            out.print(f"[yellow]{x}: {d['error']}[/]", highlight=False)
        elif x == "ahp":
            out.print(f"ahp: λ_max = {d['lambda_max']:.3f}, CI = {d['ci']:.4f}, CR = {d['cr']:.4f} (≤ 0.1)")
        elif x == "regression":
            out.print(f"regression: outcome {d['outcome']}, R² = {d['r2']:.3f}, n = {d['n']:,}, cut-off {d['cutoff']}")


@score_app.command()
def sensitivity(
    path: DirArg,
    model: ModelOpt = None,
    template: TemplateOpt = None,
    method: MethodOpt = None,
    step: Annotated[float, typer.Option(help="Relative change of each weight (0.1 = ±10 %).")] = 0.1,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """How the customers' ranking moves when each weight moves ±10 %: Kendall τ, Spearman ρ, tier changes."""
    from cxlens.quality.score import score_customers
    from cxlens.quality.score import sensitivity as run

    lang = _lang(lang)
    with _guard(as_json), Workspace.open(path) as ws:
        m = _model(ws, model, template)
        sc = score_customers(ws, m, method=method)
        frame = run(sc, step)
    if as_json:
        _print_json({**_head(sc), "step": step, "sensitivity": _records(frame)})
        return
    table = Table(title=f"{_l('sensitivity', lang)} (±{step:.0%})")
    for column in ("criterion", "change", "weight", "kendall_tau", "spearman_rho", "tier_changes", "max_rank_shift"):
        table.add_column(_l(column, lang), justify="left" if column == "criterion" else "right")
    for r in frame.itertuples():
        table.add_row(
            _criterion__l(m, r.criterion, lang),
            f"{r.change:+.0%}",
            f"{r.weight:.1%}",
            f"{r.kendall_tau:.4f}",
            f"{r.spearman_rho:.4f}",
            f"{r.tier_changes:,}",
            f"{r.max_rank_shift:,}",
        )
    out.print(table)
    if len(frame):
        out.print(f"n = {int(frame['n'].iloc[0]):,}")


# -- cxlens template ------------------------------------------------------------------------------------------
@template_app.command("list")
def list_(as_json: JsonOpt = False, lang: LangOpt = None) -> None:
    """The industry templates: questionnaire, dimensions, KPIs and scoring criteria of each."""
    from cxlens.templates import list_templates

    lang = _lang(lang)
    with _guard(as_json):
        frame = list_templates(lang)
    if as_json:
        _print_json({"ok": True, "templates": _records(frame)})
        return
    table = Table(_l("template", lang), _l("label", lang), _l("survey", lang), _l("dimensions", lang))
    for r in frame.itertuples():
        table.add_row(r.name, r.label, f"{r.survey} ({r.questions})", r.dimensions)
    out.print(table)


@template_app.command()
def show(
    name: Annotated[str, typer.Argument(help="Template name, e.g. retail.")],
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """One template in full: questions, KPI targets, aspects and scoring criteria with weights."""
    from cxlens.templates import load

    lang = _lang(lang)
    with _guard(as_json):
        t = load(name)
        weights = t.scoring.estimator(t.scoring.weights.use).fit().weights_
    if as_json:
        _print_json(
            {
                "ok": True,
                "name": t.name,
                "label": dict(t.label),
                "survey": t.raw["survey"],
                "kpis": dict(t.kpis),
                "aspects": sorted(t.lexicon().aspects),
                "scoring": t.scoring.raw if not isinstance(t.raw["scoring"], str) else t.raw["scoring"],
                "weights": {k: float(v) for k, v in weights.items()},
            }
        )
        return
    out.print(f"[bold]{t.title(lang)}[/] ({t.name}) — {t.description.get(lang, '')}")
    q = Table(_l("question", lang), "type", _l("dimension", lang), title=t.survey.code)
    for question in t.survey.questions:
        q.add_row(question.text.get(lang, question.code), question.type, question.dimension or "")
    out.print(q)
    k = Table("KPI", _l("target", lang), _l("benchmark", lang))
    for metric, goal in t.kpis.items():
        k.add_row(metric, _fmt(goal.get("target")), _fmt(goal.get("benchmark")))
    out.print(k)
    out.print(f"{_l('aspects', lang)}: " + ", ".join(a.label(lang) for a in t.lexicon().aspects.values()))
    out.print(
        f"{_l('weights', lang)}: " + ", ".join(f"{c.title(lang)} {weights[c.code]:.0%}" for c in t.scoring.criteria)
    )


@template_app.command("apply")
def apply_(
    path: DirArg,
    name: Annotated[str, typer.Argument(help="Template name: generic, healthcare, technology, retail, education.")],
    force: Annotated[bool, typer.Option(help="Replace existing targets, aspects.yaml and quality/model.yaml.")] = False,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Load a template into PATH: survey (draft), KPI targets, text/aspects.yaml and quality/model.yaml."""
    from cxlens.templates import apply

    lang = _lang(lang)
    with _guard(as_json), Workspace.open(path) as ws:
        done = apply(ws, name, force=force)
    if as_json:
        _print_json({"ok": True, **done})
        return
    created = _l("created_survey", lang) if done["survey_created"] else _l("survey_exists", lang)
    out.print(f"{done['template']}: {created} {done['survey']}")
    out.print(f"{_l('targets_set', lang)}: {', '.join(done['targets_set']) or '—'}")
    for key in ("aspects_file", "model_file"):
        if done[key]:
            out.print(f"{_l('wrote', lang)} {done[key]}")
    for kept in done["kept"]:
        out.print(f"[yellow]{_l('kept', lang)} {kept} (--force)[/]", highlight=False)
