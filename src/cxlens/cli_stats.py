"""``cxlens drivers`` and ``cxlens stats …``: key drivers, descriptives, cross tables, group comparisons,
correlations and regressions of a workspace survey.

Each command builds the survey's response table (:func:`cxlens.stats.survey_frame`, with dimension scores
and any customer dimension named), calls one function of :mod:`cxlens.stats` and prints a rich table, or,
with ``--json``, one JSON object with stable keys (``ok`` first; on failure ``ok: false``, ``error`` and
``message``). Columns can be question codes, dimension codes (scored as the mean of their items), the
response's ``channel`` / ``language`` or a customer dimension (``segment``, ``region``, ``industry``, or
an attribute such as ``member_tier``).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from cxlens.cli_common import _lang
from cxlens.exceptions import CxlensError
from cxlens.i18n import label
from cxlens.store import Workspace

__all__ = ["drivers", "stats_app"]

stats_app = typer.Typer(
    no_args_is_help=True,
    help="Statistics of a survey: describe, crosstab, compare, correlate, regress (统计分析).",
)
out = Console()
err = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON with stable keys.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Labels in zh or en (default: CXLENS_LANG or LANG).")]
DirArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
SurveyOpt = Annotated[str, typer.Option("--survey", help="The survey code.")]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(_clean(data), ensure_ascii=False, indent=2, default=str) + "\n")


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return list(_clean(frame.astype(object).where(frame.notna(), None).to_dict(orient="records")))


@contextmanager
def _workspace(path: Path, as_json: bool) -> Iterator[Workspace]:
    """Open the workspace; a cxlens error or a ValueError (bad input) becomes a clean exit with a message."""
    try:
        with Workspace.open(path) as ws:
            yield ws
    except (CxlensError, ValueError) as e:
        if as_json:
            _print_json({"ok": False, "error": type(e).__name__, "message": str(e)})
        else:
            err.print(f"[bold red]error:[/] {e}", markup=True, highlight=False)
        raise typer.Exit(code=1) from e


def _frame(ws: Workspace, survey: str, names: Sequence[str]) -> pd.DataFrame:
    """The survey's responses with dimension scores and the customer dimensions among ``names``."""
    from cxlens.stats import survey_frame, survey_questions

    questions = survey_questions(ws, survey)
    known = {c for cols in questions["columns"] for c in cols} | set(questions["dimension"].dropna())
    known |= {"response_id", "customer_id", "submitted_at", "channel", "language"}
    by = [n for n in dict.fromkeys(names) if n not in known]
    return survey_frame(ws, survey, by=by, dimensions=True, text=False)


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != 0 and abs(value) < 10 ** (-digits):
            return f"{value:.1e}"
        return f"{value:,.{digits}f}"
    return str(value)


def _table(frame: pd.DataFrame, title: str, columns: Sequence[str], digits: int = 3) -> Table:
    table = Table(title=title)
    shown = [c for c in columns if c in frame.columns]
    for c in shown:
        table.add_column(c, justify="left" if frame[c].dtype == object else "right")
    for row in frame[shown].astype(object).itertuples(index=False):
        table.add_row(*[_fmt(v, digits) for v in row])
    return table


# -- cxlens drivers ---------------------------------------------------------------------------------------


def drivers(
    path: DirArg,
    survey: Annotated[
        str | None, typer.Option("--survey", help="The survey code (default: the one with OUTCOME).")
    ] = None,
    outcome: Annotated[str, typer.Option("--outcome", help="The outcome question's code.")] = "overall",
    driver: Annotated[
        list[str] | None, typer.Option("--driver", help="A driver: dimension or question code (repeatable).")
    ] = None,
    boot: Annotated[int, typer.Option("--boot", help="Bootstrap resamples for 95 % intervals (0 = none).")] = 0,
    thresholds: Annotated[str, typer.Option(help="Split the matrix at the 'mean' or 'median'.")] = "mean",
    start: Annotated[datetime | None, typer.Option(help="Only responses from this time (UTC, inclusive).")] = None,
    end: Annotated[datetime | None, typer.Option(help="Only responses before this time (UTC).")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Key-driver analysis: what drives OUTCOME (LMG / Shapley shares of R², Johnson's relative weights)
    and the importance–performance matrix (concentrate here, keep up, low priority, possible overkill)."""
    from cxlens.stats import drivers as run

    lang = _lang(lang)
    with _workspace(path, as_json) as ws:
        result = run(ws, outcome, survey, driver or None, start=start, end=end, thresholds=thresholds, n_boot=boot)
    if as_json:
        _print_json({"ok": True, **result.to_dict()})
        return
    t = result.table.copy()
    names = {
        k: label(k, lang) for k in ("st_driver", "st_importance", "st_rel_weight", "st_performance", "st_quadrant")
    }
    t["quadrant"] = [label(q, lang) for q in t["quadrant"]]
    if "lmg_pct_ci_low" in t:
        t["95% CI"] = [f"{lo:.1f}–{hi:.1f}" for lo, hi in zip(t["lmg_pct_ci_low"], t["lmg_pct_ci_high"], strict=True)]
    t = t.rename(
        columns={
            "driver": names["st_driver"],
            "lmg_pct": names["st_importance"],
            "rel_weight_pct": names["st_rel_weight"],
            "mean": names["st_performance"],
            "quadrant": names["st_quadrant"],
        }
    )
    cols = [names["st_driver"], names["st_importance"], "95% CI", names["st_rel_weight"]]
    cols += [names["st_performance"], names["st_quadrant"]]
    title = f"{label('st_drivers', lang)}: {result.fit['survey']} → {outcome}"
    out.print(_table(t, title, cols, digits=2))
    fit, cuts = result.fit, result.fit["thresholds"]
    out.print(
        label(
            "st_fit", lang, outcome=outcome, r2=fit["r2"], n=fit["n"], imp=cuts["importance"], perf=cuts["performance"]
        )
    )


# -- cxlens stats … ---------------------------------------------------------------------------------------


@stats_app.command()
def describe(
    path: DirArg,
    survey: SurveyOpt,
    columns: Annotated[list[str] | None, typer.Argument(help="Questions or dimensions (default: all numeric).")] = None,
    by: Annotated[str | None, typer.Option(help="Describe each group of this column.")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """n, missing, mean (95 % CI), sd, median, quartiles and top/bottom-2 box of survey questions."""
    from cxlens.stats import descriptives, survey_questions

    lang = _lang(lang)
    with _workspace(path, as_json) as ws:
        questions = survey_questions(ws, survey)
        numeric = questions[questions["scale_max"].notna() | questions["type"].eq("number")]
        names = list(columns or numeric["code"])
        frame = _frame(ws, survey, [*names, *([by] if by else [])])
        result = descriptives(frame, names, by=by, scale=_scales(numeric))
    if as_json:
        _print_json({"ok": True, "survey": survey, "rows": _records(result)})
        return
    result["95% CI"] = [f"{lo:.2f}–{hi:.2f}" for lo, hi in zip(result["ci_low"], result["ci_high"], strict=True)]
    result["top 2 box %"] = result["top_box"]
    cols = ["variable", *([by] if by else []), "n", "missing", "mean", "95% CI", "sd", "median", "top 2 box %"]
    out.print(_table(result, f"{label('st_describe', lang)}: {survey}", cols, digits=2))


def _scales(questions: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Each scaled question's (min, max); a dimension gets its items' scale when they share one."""
    scales = {r.code: (r.scale_min, r.scale_max) for r in questions.itertuples() if not math.isnan(r.scale_max)}
    for dim, items in questions.dropna(subset=["dimension"]).groupby("dimension"):
        pairs = {(r.scale_min, r.scale_max) for r in items.itertuples() if not math.isnan(r.scale_max)}
        if len(pairs) == 1:
            scales[str(dim)] = pairs.pop()
    return scales


@stats_app.command("crosstab")
def crosstab_cmd(
    path: DirArg,
    survey: SurveyOpt,
    row: Annotated[str, typer.Argument(help="Row variable (question, channel, segment, region …).")],
    col: Annotated[str, typer.Argument(help="Column variable.")],
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Counts, row / column %, χ² test, Cramér's V and adjusted residuals (* = |r| > 1.96)."""
    from cxlens.stats import crosstab

    lang = _lang(lang)
    with _workspace(path, as_json) as ws:
        result = crosstab(_frame(ws, survey, [row, col]), row, col)
    if as_json:
        _print_json({"ok": True, "survey": survey, **result.to_dict()})
        return
    cells = result.cells
    cells = cells.assign(
        cell=[
            f"{n:,.0f} ({p:.1f}%){' *' if s else ''}"
            for n, p, s in zip(cells["n"], cells["row_pct"], cells["significant"], strict=True)
        ]
    )
    wide = cells.pivot(index=row, columns=col, values="cell")
    table = Table(title=f"{label('st_crosstab', lang)}: {row} × {col} (n, row %)")
    table.add_column(row)
    for c in wide.columns:
        table.add_column(str(c), justify="right")
    for key, values in wide.iterrows():
        table.add_row(str(key), *[str(v) for v in values])
    out.print(table)
    t = result.test.iloc[0]
    out.print(
        f"χ²({t['dof']}) = {t['chi2']:.2f}, p = {_fmt(float(t['p_val']))}, n = {t['n']:,}; "
        f"Cramér's V = {t['cramers_v']:.3f} [{t['ci_low']:.3f}, {t['ci_high']:.3f}]"
    )
    if t["warning"]:
        err.print(f"[yellow]warning:[/] {t['warning']}", highlight=False)


@stats_app.command()
def compare(
    path: DirArg,
    survey: SurveyOpt,
    dv: Annotated[str, typer.Argument(help="The outcome (question or dimension).")],
    by: Annotated[str, typer.Option("--by", help="The grouping column (segment, region, channel, a question …).")],
    method: Annotated[str, typer.Option(help="'auto' or a test name (student_t, welch_t, kruskal …).")] = "auto",
    correction: Annotated[str, typer.Option(help="Pairwise correction: holm, fdr_bh, bonferroni, none.")] = "holm",
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Compare DV between groups with the test chosen from the data, and say why."""
    from cxlens.stats import compare as run

    lang = _lang(lang)
    with _workspace(path, as_json) as ws:
        result = run(_frame(ws, survey, [dv, by]), dv, by, method=method, correction=correction)
    if as_json:
        _print_json({"ok": True, "survey": survey, **result.to_dict()})
        return
    t = result.test.iloc[0]
    out.print(_table(result.groups, f"{label('st_compare', lang)}: {dv} by {by}", list(result.groups.columns), 2))
    out.print(
        f"[bold]{t['test']}[/]: {t['statistic_name']} = {t['statistic']:.3f}, p = {_fmt(float(t['p_val']))}; "
        f"{t['effect_size_name']} = {t['effect_size']:.3f} [{_fmt(t['ci_low'])}, {_fmt(t['ci_high'])}]",
        highlight=False,
    )
    out.print(f"{label('st_why', lang)}: {t['method_reason']}", highlight=False)
    if not result.posthoc.empty:
        pairs = result.posthoc.copy()
        pairs["95% CI"] = [
            "—" if math.isnan(lo) else f"{lo:.2f}–{hi:.2f}"
            for lo, hi in zip(pairs["diff_ci_low"], pairs["diff_ci_high"], strict=True)
        ]
        cols = ["a", "b", "difference", "95% CI", "effect_size", "p_corr", "significant"]
        out.print(_table(pairs, f"pairwise: {pairs['test'].iloc[0]}, {correction}", cols))


@stats_app.command()
def correlate(
    path: DirArg,
    survey: SurveyOpt,
    columns: Annotated[
        list[str] | None, typer.Argument(help="Questions or dimensions (default: the dimensions).")
    ] = None,
    method: Annotated[str, typer.Option(help="pearson or spearman.")] = "pearson",
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Pairwise correlations with n, 95 % CI and p-value (pairwise deletion)."""
    from cxlens.stats import correlation, survey_questions

    lang = _lang(lang)
    with _workspace(path, as_json) as ws:
        questions = survey_questions(ws, survey)
        names = list(columns or dict.fromkeys(questions["dimension"].dropna()))
        if not names:
            names = list(questions.loc[questions["scale_max"].notna(), "code"])
        result = correlation(_frame(ws, survey, names), names, method=method, correction="holm")
    if as_json:
        _print_json({"ok": True, "survey": survey, "rows": _records(result)})
        return
    cols = ["x", "y", "n", "r", "ci_low", "ci_high", "p_val", "p_corr"]
    out.print(_table(result, f"{label('st_correlate', lang)} ({method}): {survey}", cols))


@stats_app.command()
def regress(
    path: DirArg,
    survey: SurveyOpt,
    dv: Annotated[str, typer.Argument(help="The outcome.")],
    ivs: Annotated[list[str], typer.Argument(help="The predictors (questions, dimensions, segment …).")],
    logistic: Annotated[bool, typer.Option("--logit", help="Logistic regression of a binary outcome.")] = False,
    cov: Annotated[str, typer.Option(help="Standard errors: HC3 (default), HC2, HC1, HC0, nonrobust.")] = "HC3",
    success: Annotated[str | None, typer.Option(help="With --logit: the outcome value modelled as 1.")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """OLS (or logistic) regression with robust (HC3) standard errors."""
    from cxlens.stats import logit, ols

    lang = _lang(lang)
    with _workspace(path, as_json) as ws:
        frame = _frame(ws, survey, [dv, *ivs])
        result = logit(frame, dv, ivs, cov_type=cov, success=success) if logistic else ols(frame, dv, ivs, cov_type=cov)
    if as_json:
        _print_json({"ok": True, "survey": survey, **result.to_dict()})
        return
    extra = ["odds_ratio"] if logistic else ["beta", "vif"]
    cols = ["term", "coef", "se", "statistic", "p_val", "ci_low", "ci_high", *extra]
    out.print(_table(result.coef, f"{label('st_regress', lang)}: {dv} ({result.fit['cov_type']} SE)", cols))
    fit = result.fit
    if logistic:
        out.print(
            f"{dv} = {fit['success']!r} modelled as 1; n = {fit['n']:,}, McFadden R² = {fit['pseudo_r2']:.3f}, "
            f"AUC = {fit['auc']:.3f}, AIC = {fit['aic']:.1f}"
        )
    else:
        out.print(
            f"n = {fit['n']:,}, R² = {fit['r2']:.3f}, adj. R² = {fit['adj_r2']:.3f}, "
            f"F = {fit['f']:.2f} (p = {_fmt(fit['f_p_val'])}), AIC = {fit['aic']:.1f}"
        )
