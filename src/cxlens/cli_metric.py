"""``cxlens metric`` and ``cxlens metrics``: any metric, sliced and bucketed, in the terminal or as JSON."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from cxlens.exceptions import CxlensError
from cxlens.store import Workspace

__all__ = ["metric", "metric_distribution", "metrics"]

out = Console()


def _parse_filters(values: list[str]) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for item in values:
        if "=" not in item:
            raise typer.BadParameter(f"--filter takes column=value, not {item!r}")
        key, _, value = item.partition("=")
        filters.setdefault(key.strip(), []).extend(v.strip() for v in value.split(","))
    return filters


def _number_or_text(value: str) -> Any:
    try:
        return float(value)
    except ValueError:
        return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    rows = clean.to_dict(orient="records")
    for row in rows:
        for key, value in row.items():
            if isinstance(value, pd.Timestamp | datetime):
                row[key] = value.isoformat()
    return rows


def _table(frame: pd.DataFrame, title: str) -> Table:
    table = Table(title=title)
    core = ("value", "n", "ci_low", "ci_high", "change", "p_val", "significant", "target", "attained")
    shown = [c for c in frame.columns if c != "metric" and (c in core or frame.columns.get_loc(c) < 2 + _keys(frame))]
    for column in shown:
        table.add_column(column, justify="right" if column in ("value", "n", "ci_low", "ci_high") else "left")
    for row in frame[shown].itertuples(index=False):
        table.add_row(*[_fmt(v) for v in row])
    return table


def _keys(frame: pd.DataFrame) -> int:
    return list(frame.columns).index("value") - 1


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "—" if pd.isna(value) else f"{value:,.2f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return str(value)


def metric(
    name: Annotated[str, typer.Argument(help="Metric name (see `cxlens metrics`).")],
    path: Annotated[Path, typer.Argument(help="The workspace folder.")],
    by: Annotated[list[str] | None, typer.Option(help="Slice by this dimension (repeatable).")] = None,
    every: Annotated[str | None, typer.Option(help="Bucket by day, week, month, quarter or year.")] = None,
    survey: Annotated[str | None, typer.Option(help="Only this survey (CSI needs it).")] = None,
    question: Annotated[str | None, typer.Option(help="Only this question (top/bottom box need it).")] = None,
    filter: Annotated[
        list[str] | None, typer.Option(help="Keep rows where column=value[,value…] (repeatable).")
    ] = None,
    start: Annotated[datetime | None, typer.Option(help="From this time (UTC, inclusive).")] = None,
    end: Annotated[datetime | None, typer.Option(help="Up to this time (UTC, exclusive).")] = None,
    option: Annotated[list[str] | None, typer.Option(help="A metric option, e.g. target_hours=2.")] = None,
    change: Annotated[bool, typer.Option(help="Add each period's change and whether it is significant.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with stable keys.")] = False,
) -> None:
    """Compute one metric, sliced and bucketed, with n and its 95 % interval."""
    from cxlens.metrics import compute

    options: dict[str, Any] = {k: _number_or_text(v[0]) for k, v in _parse_filters(option or []).items()}
    try:
        with Workspace.open(path) as ws:
            frame = compute(
                ws,
                name,
                by=by or (),
                every=every,
                start=start,
                end=end,
                filters=_parse_filters(filter or []),
                survey=survey,
                question=question,
                change=change,
                **options,
            )
    except (CxlensError, ValueError) as e:
        if as_json:
            sys.stdout.write(
                json.dumps({"ok": False, "error": type(e).__name__, "message": str(e)}, ensure_ascii=False) + "\n"
            )
        else:
            Console(stderr=True).print(f"[bold red]error:[/] {e}", highlight=False)
        raise typer.Exit(code=1) from e
    if as_json:
        sys.stdout.write(
            json.dumps({"ok": True, "metric": name, "rows": _records(frame)}, ensure_ascii=False, indent=2) + "\n"
        )
    else:
        out.print(_table(frame, name))


def metrics(as_json: Annotated[bool, typer.Option("--json", help="Print JSON with stable keys.")] = False) -> None:
    """List every metric with its definition."""
    from cxlens.metrics import list_metrics

    frame = list_metrics()
    if as_json:
        sys.stdout.write(json.dumps(_records(frame), ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("name", "family", "unit", "definition")
    for row in frame.itertuples(index=False):
        table.add_row(row.name, row.family, row.unit, row.definition)
    out.print(table)


def _pct(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1f}"


def _dist_table(frame: pd.DataFrame, keys: list[str], title: str, lang: str) -> Table:
    """One row per slice and scale point: count, share with a bar, its Wilson interval, and the slice's n
    (the NPS group column only for NPS questions)."""
    from rich import box

    from cxlens.i18n import label

    banded = bool(frame["band"].notna().any())
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for key in keys:
        table.add_column(key, no_wrap=True)
    names = ("dist_score", *(("dist_band",) if banded else ()), "dist_count", "dist_share", "", "dist_ci", "n")
    for name in names:
        heading = label(name, lang) if name.startswith("dist_") else name
        table.add_column(heading, justify="left" if name in ("", "dist_band") else "right", no_wrap=True)
    for row in frame.to_dict(orient="records"):
        share = row["share"]
        table.add_row(
            *[_fmt(row[k]) for k in keys],
            _fmt(row["score"]),
            *((label(row["band"], lang),) if banded else ()),
            f"{row['count']:,}",
            _pct(share),
            "" if pd.isna(share) else "█" * round(share / 10),
            f"{_pct(row['ci_low'])}–{_pct(row['ci_high'])}",
            f"{row['n']:,}",
        )
    return table


def metric_distribution(
    path: Annotated[Path, typer.Argument(help="The workspace folder.")],
    question: Annotated[str, typer.Argument(help="The question's code (nps, csat, ces, rating, likert or number).")],
    by: Annotated[list[str] | None, typer.Option(help="Slice by this dimension (repeatable).")] = None,
    every: Annotated[str | None, typer.Option(help="Bucket by day, week, month, quarter or year.")] = None,
    survey: Annotated[str | None, typer.Option(help="Only this survey's question of that code.")] = None,
    filter: Annotated[
        list[str] | None, typer.Option(help="Keep rows where column=value[,value…] (repeatable).")
    ] = None,
    start: Annotated[datetime | None, typer.Option(help="From this time (UTC, inclusive).")] = None,
    end: Annotated[datetime | None, typer.Option(help="Up to this time (UTC, exclusive).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with stable keys.")] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Labels in zh or en (default: CXLENS_LANG or LANG).")
    ] = None,
) -> None:
    """How many answered each point of a question's scale: count, share and its 95 % Wilson interval."""
    from cxlens.cli_common import _fail, _lang
    from cxlens.i18n import label
    from cxlens.metrics.distributions import distribution, question_scale

    keys = [*(by or []), *(["period"] if every else [])]
    try:
        with Workspace.open(path) as ws:
            scale = question_scale(ws, question, survey)
            frame = distribution(
                ws,
                question,
                by=by or (),
                every=every,
                start=start,
                end=end,
                filters=_parse_filters(filter or []),
                survey=survey,
            )
    except (CxlensError, ValueError) as e:
        raise _fail(e, as_json) from e
    if as_json:
        payload = {
            "ok": True,
            "question": question,
            "type": scale.type,
            "scale_min": scale.low,
            "scale_max": scale.high,
            "surveys": list(scale.surveys),
            "rows": _records(frame),
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    lang = _lang(lang)
    title = label("dist_title", lang, question=question, type=scale.type, low=scale.low, high=scale.high)
    out.print(_dist_table(frame, keys, title, lang))
    off = int(frame.groupby(keys, dropna=False)["off_scale"].first().sum()) if keys else int(frame["off_scale"].max())
    if off:
        out.print(label("dist_off_scale", lang, n=off))
