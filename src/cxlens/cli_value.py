"""``cxlens value …``: RFM, cohorts, segments, lifecycle stages and satisfaction × value of a workspace.

Each command is a thin call into :mod:`cxlens.value`, printing rich tables or, with ``--json``, one JSON
object with stable keys (``ok`` first; on failure ``ok: false``, ``error`` and ``message``).
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

from cxlens.cli_common import _fail, _lang, _print_json, records
from cxlens.exceptions import CxlensError
from cxlens.i18n import label
from cxlens.store import Workspace

__all__ = ["value_app"]

value_app = typer.Typer(
    no_args_is_help=True, help="Customer value: RFM, cohorts, segments, lifecycle, satisfaction × value (客户价值)."
)
out = Console()
err = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON with stable keys.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Labels in zh or en (default: CXLENS_LANG or LANG).")]
DirArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
AsOfOpt = Annotated[
    datetime | None,
    typer.Option("--as-of", help="Analyse as of this UTC instant (default: the midnight after the last order)."),
]


@contextmanager
def _workspace(path: Path, as_json: bool) -> Iterator[Workspace]:
    """Open the workspace; a cxlens error or a ValueError (bad input) becomes a clean exit with a message."""
    try:
        with Workspace.open(path) as ws:
            yield ws
    except (CxlensError, ValueError) as e:
        raise _fail(e, as_json) from e


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, pd.Timestamp):
        return str(value.strftime("%Y-%m-%d"))
    return str(value)


def show(frame: pd.DataFrame, title: str, columns: list[str] | None = None, digits: int = 2) -> None:
    """Print ``frame`` (the given columns) as a rich table, floats with ``digits`` decimals."""
    shown = columns or [str(c) for c in frame.columns]
    table = Table(title=title)
    for column in shown:
        numeric = pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left")
    for row in frame[shown].itertuples(index=False):
        table.add_row(*[_fmt(v, digits) for v in row])
    out.print(table)


@value_app.command()
def rfm(
    path: DirArg,
    as_of: AsOfOpt = None,
    monetary: Annotated[str, typer.Option(help="Monetary value: total or mean order amount.")] = "total",
    rules: Annotated[Path | None, typer.Option(help="YAML segment rule table (default: the usual R × F grid).")] = None,
    customers: Annotated[bool, typer.Option("--customers", help="Also list every customer's scores.")] = False,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """RFM scores (1–5, rank-based quintiles) and named segments, with each segment's profile."""
    from cxlens.value.rfm import DEFAULT_RULES, default_as_of, load_rules, rfm_profiles
    from cxlens.value.rfm import rfm as compute_rfm

    lang = _lang(lang)
    with _workspace(path, as_json) as ws:
        table = load_rules(rules) if rules else DEFAULT_RULES
        scores = compute_rfm(ws, as_of=as_of, monetary=monetary, rules=table, lang=lang)
        profiles = rfm_profiles(scores, lang)
        cutoff = as_of or default_as_of(_an(ws))
    if as_json:
        data: dict[str, Any] = {"ok": True, "as_of": cutoff.isoformat(), "monetary": monetary}
        data |= {"customers_scored": len(scores), "segments": records(profiles)}
        data["rules"] = {k: {a: list(r) for a, r in v.items()} for k, v in table.items()}
        if customers:
            data["customers"] = records(scores)
        _print_json(data)
        return
    title = label("rfm_title", lang, as_of=f"{cutoff:%Y-%m-%d %H:%M}", n=len(scores))
    cols = ["label", "n", "share", "recency_days", "frequency", "monetary", "revenue_share"]
    show(profiles, title, cols)
    if customers:
        cols = ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"]
        show(scores, label("rfm_customers", lang), [*cols, "segment_label"])


def _an(ws: Workspace) -> Any:
    from cxlens.metrics.engines import Analytics

    return Analytics.for_workspace(ws)


@value_app.command()
def cohorts(
    path: DirArg,
    measure: Annotated[
        str,
        typer.Option(
            help="Cell value: retention, active, orders, revenue, revenue_per_customer or "
            "cumulative_revenue_per_customer."
        ),
    ] = "retention",
    as_of: AsOfOpt = None,
    timezone: Annotated[
        str | None, typer.Option(help="Month boundaries in this fixed-offset zone (default: CXLENS_TIMEZONE, UTC).")
    ] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Monthly acquisition cohorts × months since first purchase, and repeat customers per cohort."""
    from cxlens.value.cohorts import cohort_matrix, cohort_pivot, repeat_customers

    lang = _lang(lang)
    with _workspace(path, as_json) as ws:
        matrix = cohort_matrix(ws, as_of=as_of, timezone=timezone)
        wide = cohort_pivot(matrix, measure)
        repeat = repeat_customers(ws, as_of=as_of, timezone=timezone)
    if as_json:
        _print_json({"ok": True, "measure": measure, "matrix": records(matrix), "repeat": records(repeat)})
        return
    shown = wide.iloc[:, : min(wide.shape[1], 14)].reset_index()
    shown["cohort"] = shown["cohort"].dt.strftime("%Y-%m")
    shown.columns = [str(c) for c in shown.columns]
    show(shown, label("cohort_title", lang, measure=measure), digits=1)
    total = repeat.iloc[-1]
    text = (
        "复购客户 {r:,} / {n:,} = {p:.1f}%(95% CI {lo:.1f}–{hi:.1f}),首次到第二次购买中位数 {d:.1f} 天"
        if lang == "zh"
        else "repeat customers {r:,} of {n:,} = {p:.1f}% (95% CI {lo:.1f}–{hi:.1f}); "
        "median {d:.1f} days to 2nd purchase"
    )
    out.print(
        text.format(
            r=int(total["repeat_customers"]),
            n=int(total["customers"]),
            p=total["repeat_pct"],
            lo=total["ci_low"],
            hi=total["ci_high"],
            d=total["days_median"],
        )
    )


@value_app.command()
def segments(
    path: DirArg,
    feature: Annotated[
        list[str] | None, typer.Option(help="Feature to cluster on (repeatable; default recency, frequency, …).")
    ] = None,
    method: Annotated[str, typer.Option(help="kmeans (k by silhouette) or gmm (k by BIC).")] = "kmeans",
    k: Annotated[int | None, typer.Option(help="Number of segments (default: chosen automatically).")] = None,
    by: Annotated[
        str | None, typer.Option(help="Instead: profile customers by this attribute (region, age, member_tier …).")
    ] = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Behavioural/attitudinal segments (k-means or Gaussian mixture), or a demographic profile with --by."""
    from cxlens.value.segments import DEFAULT_FEATURES, demographic_profile, segment_customers

    lang = _lang(lang)
    with _workspace(path, as_json) as ws:
        if by is not None:
            prof = demographic_profile(ws, by, as_of=as_of)
            if as_json:
                _print_json({"ok": True, "attribute": by, "profile": records(prof)})
            else:
                cols = [by, "customers", "share", "buyers_pct", "revenue_per_customer", "nps"]
                show(prof, label("profile_by", lang, by=by), cols)
            return
        result = segment_customers(ws, feature or DEFAULT_FEATURES, method=method, k=k, as_of=as_of, lang=lang)
    if as_json:
        data = {"ok": True, "method": method, "k": result.model.k_, "features": result.model.features_}
        data |= {"left_out": result.left_out, "scores": records(result.scores), "profiles": records(result.profiles)}
        data["assignments"] = records(result.assignments)
        _print_json(data)
        return
    show(result.scores, label("k_choice", lang, method=method))
    cols = ["segment", "label", "n", "share", *result.model.features_]
    show(result.profiles, label("segments_title", lang, k=result.model.k_), cols)
    if result.left_out:
        out.print(label("left_out", lang, n=result.left_out))


@value_app.command()
def lifecycle(
    path: DirArg,
    as_of: AsOfOpt = None,
    months: Annotated[int, typer.Option(help="Months of stage counts to show.")] = 12,
    top: Annotated[int, typer.Option(help="High-value and potential-high-value customers to list.")] = 10,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Lifecycle stages (potential → new → active → loyal → declining → churned) by month; high-value customers.

    Also lists the potential-high-value customers, each with the reason."""
    from cxlens.value.lifecycle import STAGES, high_value_customers, lifecycle_counts, rules_dict, stage_label
    from cxlens.value.lifecycle import lifecycle as stages

    lang = _lang(lang)
    with _workspace(path, as_json) as ws:
        table = stages(ws, as_of=as_of, lang=lang)
        history = lifecycle_counts(ws, end=as_of, lang=lang)
        valuable = high_value_customers(ws, as_of=as_of, lang=lang)
    counts = table["stage"].value_counts().reindex(list(STAGES), fill_value=0)
    now = pd.DataFrame({"stage": counts.index, "stage_label": [stage_label(s, lang) for s in counts.index]})
    now["customers"] = counts.to_numpy()
    if as_json:
        data = {"ok": True, "rules": rules_dict(), "stages": records(now), "history": records(history)}
        data["high_value"] = records(valuable)
        _print_json(data)
        return
    show(now, label("stages_now", lang))
    wide = history.pivot(index="period", columns="stage_label", values="customers").tail(months).reset_index()
    wide["period"] = wide["period"].dt.strftime("%Y-%m")
    wide.columns = [str(c) for c in wide.columns]
    show(wide, label("stages_history", lang))
    for kind in ("high_value", "potential_high_value"):
        part = valuable[valuable["kind"] == kind].head(top)
        show(part, label(kind, lang), ["customer_id", "stage", "revenue_365", "reason"])


@value_app.command()
def matrix(
    path: DirArg,
    measure: Annotated[str, typer.Option(help="Satisfaction measure: nps (0–10) or csat (0–100).")] = "nps",
    value_days: Annotated[int, typer.Option(help="Value = revenue in this many days before --as-of.")] = 365,
    value_pct: Annotated[float, typer.Option(help="High value at or above this percentile.")] = 80.0,
    satisfied_at: Annotated[
        float | None, typer.Option(help="High satisfaction at or above this (default: NPS 7, CSAT 75).")
    ] = None,
    value_file: Annotated[
        Path | None, typer.Option("--value", help="CSV with customer_id,value (e.g. CLV) to use as value.")
    ] = None,
    top: Annotated[int, typer.Option(help="Customers to list per quadrant.")] = 10,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Satisfaction × value: who to protect, grow, fix or deprioritise."""
    from cxlens.value.matrix import quadrant_label, satisfaction_value_matrix

    lang = _lang(lang)
    with _workspace(path, as_json) as ws:
        given = pd.read_csv(value_file, dtype={"customer_id": str}) if value_file else None
        result = satisfaction_value_matrix(
            ws,
            measure=measure,
            value=given,
            value_days=value_days,
            value_pct=value_pct,
            satisfied_at=satisfied_at,
            as_of=as_of,
            lang=lang,
        )
    ranked = result.customers.sort_values(["value", "customer_key"], ascending=[False, True])
    if as_json:
        lists = {q: ranked.loc[ranked["quadrant"] == q, "customer_id"].tolist() for q in result.summary["quadrant"]}
        data = {"ok": True, "thresholds": result.thresholds, "without_answer": result.without_answer}
        data |= {"summary": records(result.summary), "customers": lists}
        _print_json(data)
        return
    show(result.summary, label("matrix_title", lang, measure=measure), ["label", "n", "share", "value_share", "action"])
    out.print(
        ", ".join(f"{k}: {_fmt(v)}" for k, v in result.thresholds.items())
        + f"; {label('without_answer', lang)}: {result.without_answer:,}"
    )
    cols = ["customer_id", "satisfaction", "value"]
    for quadrant in ("fix", "protect"):
        part = ranked[ranked["quadrant"] == quadrant].head(top)
        show(part, label("quadrant_top", lang, quadrant=quadrant_label(quadrant, lang), top=top), cols)
