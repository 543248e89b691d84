"""``cxlens reliability``, ``factors``, ``csi`` and ``anomalies``: questionnaire quality, exploratory factor
analysis, satisfaction-index models and metric anomalies of a workspace, as tables or ``--json``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from cxlens.cli_common import _lang
from cxlens.exceptions import CxlensError
from cxlens.i18n import label
from cxlens.store import Workspace

__all__ = ["anomalies", "csi", "factors", "reliability"]

out = Console()
err = Console(stderr=True, soft_wrap=True)

DirArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
SurveyOpt = Annotated[str, typer.Option("--survey", help="The survey code.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON with stable keys.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Labels in zh or en (default: CXLENS_LANG or LANG).")]


def _plain(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        return _records(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _emit(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps({"ok": True, **_plain(data)}, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def _workspace(path: Path, as_json: bool) -> Iterator[Workspace]:
    try:
        with Workspace.open(path) as ws:
            yield ws
    except (CxlensError, ValueError) as e:
        if as_json:
            sys.stdout.write(
                json.dumps({"ok": False, "error": type(e).__name__, "message": str(e)}, ensure_ascii=False) + "\n"
            )
        else:
            err.print(f"[bold red]error:[/] {e}", highlight=False)
        raise typer.Exit(code=1) from e


def _fmt(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "✓" if value else "✗"
    if isinstance(value, float | np.floating):
        return "—" if not np.isfinite(value) else f"{value:,.3f}"
    if isinstance(value, pd.Timestamp):
        return str(value.strftime("%Y-%m-%d"))
    return str(value)


def _show(frame: pd.DataFrame | None, title: str, columns: list[str] | None = None) -> None:
    if frame is None or frame.empty:
        return
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    table = Table(title=title, title_justify="left")
    for c in cols:
        table.add_column(c, justify="right" if pd.api.types.is_numeric_dtype(frame[c]) else "left")
    for row in frame[cols].itertuples(index=False):
        table.add_row(*[_fmt(v) for v in row])
    out.print(table)


def reliability(
    path: DirArg,
    survey: SurveyOpt,
    by: Annotated[
        str | None, typer.Option(help="Compare respondents with the customer base on this attribute (none: skip).")
    ] = "region",
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Questionnaire quality: Cronbach's α per dimension, item analysis, KMO/Bartlett, response rate and
    representativeness of respondents."""
    from cxlens.stats.reliability import questionnaire_quality

    with _workspace(path, as_json) as ws:
        result = questionnaire_quality(ws, survey, by=by if by and by != "none" else None)
    if as_json:
        _emit(result)
        return
    lang = _lang(lang)
    out.print(f"{survey}: n = {result['n_responses']:,}")
    if result["alpha"] is None:
        out.print("[yellow]no dimension with numeric items: reliability and factor checks do not apply[/]")
    _show(result["alpha"], label("alpha_by_dimension", lang))
    _show(result["items"], label("item_analysis", lang))
    if result["kmo"] is not None:
        overall = result["kmo"].iloc[-1]
        b = result["bartlett"].iloc[0]
        out.print(
            f"[bold]{label('sampling_adequacy', lang)}[/]: KMO = {overall.kmo:.3f} ({overall.label}); "
            f"Bartlett χ² = {b.chi2:,.1f}, df = {int(b.dof)}, p = {b.p_val:.3g}, n = {int(b.n)}"
        )
    _show(result["response_rate"], label("response_rate", lang))
    rep = result["representativeness"]
    if rep is not None:
        _show(
            rep,
            label("representativeness", lang),
            ["category", "observed", "expected", "observed_pct", "population_pct", "adj_residual", "flag"],
        )
        r = rep.iloc[0]
        out.print(f"χ² = {r.chi2:.2f}, df = {int(r.dof)}, p = {r.p_val:.3g}, Cramér's V = {r.cramers_v:.3f}")
    for dim, reason in result["skipped"].items():
        out.print(f"[yellow]{dim}[/]: {reason}")


def factors(
    path: DirArg,
    survey: SurveyOpt,
    n_factors: Annotated[
        int | None, typer.Option(help="Number of factors (default: the survey's dimensions, else parallel analysis).")
    ] = None,
    method: Annotated[str, typer.Option(help="pa (principal axis) or ml (maximum likelihood).")] = "pa",
    rotation: Annotated[str, typer.Option(help="varimax, promax or none.")] = "varimax",
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Exploratory factor analysis of a survey's dimension items: do the declared dimensions hold?"""
    from cxlens.stats.data import survey_frame, survey_questions
    from cxlens.stats.factor import efa
    from cxlens.stats.reliability import _dimension_items

    with _workspace(path, as_json) as ws:
        dims = _dimension_items(survey_questions(ws, survey))
        if not dims:
            raise ValueError(f"survey {survey!r} has no dimension items to factor")
        frame = survey_frame(ws, survey, questions=[i for items in dims.values() for i in items])
        result = efa(frame, dimensions=dims, n_factors=n_factors, method=method, rotation=rotation)
    result.pop("model")
    if as_json:
        _emit(result)
        return
    lang = _lang(lang)
    wide = result["loadings"].pivot(index="item", columns="factor", values="loading")
    wide = wide.reindex([i for items in dims.values() for i in items]).reset_index()
    checked = result["dimensions"].set_index("item")
    wide.insert(1, "dimension", wide["item"].map(checked["dimension"]))
    wide["communality"] = wide["item"].map(result["loadings"].drop_duplicates("item").set_index("item")["communality"])
    wide["holds"] = wide["item"].map(checked["holds"])
    _show(wide, f"{label('factor_loadings', lang)} ({method}, {rotation}; n = {result['n']:,})")
    _show(result["variance"], label("variance_explained", lang))
    pa = int(result["parallel"]["retain"].sum())
    out.print(
        f"{label('dimensions_hold', lang)}: {_fmt(result['dimensions_hold'])}  ·  parallel analysis suggests {pa} "
        f"factor(s); {result['n_factors']} extracted"
    )


def csi(
    path: DirArg,
    survey: SurveyOpt,
    mapping: Annotated[Path, typer.Option("--mapping", help="YAML file mapping constructs to question codes.")],
    template: Annotated[str, typer.Option(help="acsi, ecsi or ccsi (China CSI).")] = "ecsi",
    by: Annotated[list[str] | None, typer.Option(help="Index per customer dimension (repeatable).")] = None,
    every: Annotated[str | None, typer.Option(help="Index per month, quarter or year.")] = None,
    scheme: Annotated[str | None, typer.Option(help="Inner weighting: path, centroid or factorial.")] = None,
    boot: Annotated[int, typer.Option(help="Bootstrap resamples for the intervals (0: none).")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed of the bootstrap.")] = 0,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Customer satisfaction index model (ACSI / ECSI / China CSI) by PLS path modelling, with 0–100 indices."""
    from cxlens.stats.csi import csi as run

    with _workspace(path, as_json) as ws:
        result = run(ws, survey, template, mapping, by=by or (), every=every, scheme=scheme, n_boot=boot, seed=seed)
    if as_json:
        _emit(result.to_dict())
        return
    lang = _lang(lang)
    m = result.model
    out.print(
        f"{result.template.name}: n = {m.n_:,}, scheme {m.scheme}, {m.n_iter_} iterations, GoF {m.gof_:.3f}"
        + (f"; not mapped: {', '.join(result.dropped)}" if result.dropped else "")
    )
    paths = m.path_coefficients_.merge(m.r2_[["construct", "r2"]], left_on="target", right_on="construct", how="left")
    _show(paths, label("path_coefficients", lang), ["source", "target", "estimate", "ci_low", "ci_high", "p_val", "r2"])
    _show(m.quality_, label("construct_quality", lang))
    _show(m.discriminant_, label("discriminant_validity", lang))
    _show(result.index, label("csi_index", lang))


def anomalies(
    path: DirArg,
    metric: Annotated[str, typer.Option(help="Metric name (see `cxlens metrics`).")] = "nps",
    by: Annotated[list[str] | None, typer.Option(help="Slice by this dimension (repeatable).")] = None,
    every: Annotated[str, typer.Option(help="day, week, month, quarter or year.")] = "month",
    survey: Annotated[str | None, typer.Option(help="Only this survey.")] = None,
    method: Annotated[str, typer.Option(help="auto, stl or robust (baseline).")] = "auto",
    alpha: Annotated[float, typer.Option(help="Two-sided level of a flag.")] = 0.01,
    show_all: Annotated[bool, typer.Option("--all", help="Show every point, not only the flagged ones.")] = False,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Anomalies of a metric series (robust z-scores against a seasonal or rolling baseline) and level shifts."""
    from cxlens.metrics import compute
    from cxlens.stats.trend import _SEASON, change_points, detect_anomalies

    keys = list(by or ())
    with _workspace(path, as_json) as ws:
        series = compute(ws, metric, by=keys, every=every, survey=survey)
        points = detect_anomalies(series, by=keys, method=method, period=_SEASON.get(every), alpha=alpha)
        shifts = change_points(series, by=keys)
    flagged = points[points["flag"]]
    if as_json:
        _emit(
            {
                "metric": metric,
                "every": every,
                "by": keys,
                "n_points": len(points),
                "n_flagged": len(flagged),
                "anomalies": points if show_all else flagged,
                "change_points": shifts,
            }
        )
        return
    lang = _lang(lang)
    shown = points if show_all else flagged
    cols = [*keys, "period", "value", "n", "expected", "z", "p_val", "direction", "method"]
    out.print(f"{metric} by {', '.join(keys) or '—'} every {every}: {len(flagged)} of {len(points)} points flagged")
    if shown.empty:
        out.print(f"{label('anomalies', lang)}: {label('none_found', lang)}")
    _show(shown, label("anomalies", lang), cols)
    if shifts.empty:
        out.print(f"{label('change_points', lang)}: {label('none_found', lang)}")
    _show(shifts, label("change_points", lang))
