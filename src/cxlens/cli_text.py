"""``cxlens text …``: sentiment, aspects and themes of free text, with or without a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from cxlens.cli_common import _print_json
from cxlens.exceptions import CxlensError

__all__ = ["text_app"]

text_app = typer.Typer(no_args_is_help=True, help="Sentiment, aspects and themes of free text (中文 / English).")
out = Console()
err = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON with stable keys.")]
DirArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
TemplateOpt = Annotated[
    str | None,
    typer.Option(help="Aspect template: generic, healthcare, technology, retail or education (default: generic)."),
]
SimplifiedOpt = Annotated[
    bool,
    typer.Option("--simplified", help="Convert traditional Chinese to simplified first (OpenCC t2s tables)."),
]


def _fail(message: str, as_json: bool, error: str = "Error") -> typer.Exit:
    if as_json:
        _print_json({"ok": False, "error": error, "message": message})
    else:
        err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    return typer.Exit(code=1)


def _column(raw: Any, name: str, option: str) -> list[str]:
    if name not in raw.columns:
        raise typer.BadParameter(f"no column {name!r}; the file has {', '.join(raw.columns)}", param_hint=option)
    return [v or "" for v in raw.table.column(name).to_pylist()]


@text_app.command()
def score(
    file: Annotated[Path, typer.Argument(help="CSV, TSV, XLSX or XLS file.")],
    column: Annotated[str, typer.Option(help="The column holding the text.")] = "text",
    template: TemplateOpt = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name (default: the first).")] = None,
    simplified: SimplifiedOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Score every row of FILE's text column (no workspace needed): label, score (−1…+1) and aspects."""
    from cxlens.ingest.readers import read_table
    from cxlens.text.pipeline import AnalyzerSpec, analyze_texts

    try:
        raw = read_table(file, sheet=sheet)
        texts = _column(raw, column, "--column")
        spec = AnalyzerSpec(template=template, simplified=simplified)
        results = list(analyze_texts(texts, spec, workers=None if len(texts) > 5000 else 1))
    except (CxlensError, ValueError) as e:
        raise _fail(str(e), as_json, type(e).__name__) from e
    rows = [{"row": i + 1, **r.to_dict()} for i, r in enumerate(results)]
    if as_json:
        for row in rows:
            del row["sentences"]
        _print_json({"ok": True, "file": str(file), "column": column, "rows": rows})
        return
    table = Table("row", "label", "score", "aspects", column)
    for row, text in zip(rows, texts, strict=True):
        aspects = ", ".join(f"{a['aspect']}:{a['label']}" for a in row["aspects"])
        table.add_row(str(row["row"]), row["label"], f"{row['score']:+.2f}", aspects, text[:60])
    out.print(table)


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=quiet,
    )


@text_app.command()
def analyze(
    path: DirArg,
    template: TemplateOpt = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: one per core).")] = None,
    redo: Annotated[bool, typer.Option(help="Analyse every text again, not only new or changed ones.")] = False,
    simplified: SimplifiedOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Analyse the workspace's free text (feedback, open answers, ticket descriptions) and store the
    results; stopped runs resume where they left off."""
    from cxlens.store import Workspace
    from cxlens.text.store import analyze_workspace

    try:
        with Workspace.open(path) as ws, _progress(as_json) as bar:
            task = bar.add_task("text analyze", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = analyze_workspace(
                ws, template=template, workers=workers, redo=redo, simplified=simplified, progress=progress
            )
    except (CxlensError, ValueError) as e:
        raise _fail(str(e), as_json, type(e).__name__) from e
    if as_json:
        _print_json({"ok": True, **report.to_dict()})
    else:
        out.print(
            f"analysed {report.analyzed:,} texts in {report.seconds:.1f}s; "
            f"{report.already_current:,} were already current (analyzer {report.analyzer})"
        )


@text_app.command()
def train(
    path: DirArg,
    file: Annotated[Path, typer.Argument(help="CSV/XLSX of labelled feedback.")],
    text_column: Annotated[str, typer.Option(help="Column with the text.")] = "text",
    label_column: Annotated[
        str,
        typer.Option(help="Column with the label: positive/negative (or 1/0, 正面/负面); neutral rows are skipped."),
    ] = "label",
    as_json: JsonOpt = False,
) -> None:
    """Train a sentiment model on your own labelled feedback; the workspace at PATH uses it from now on
    (run `cxlens text analyze PATH` to rescore)."""
    from cxlens.ingest.readers import read_table
    from cxlens.metrics.intervals import wilson_interval
    from cxlens.text.training import WORKSPACE_MODEL, parse_label
    from cxlens.text.training import train as fit

    try:
        if not (path / "workspace.json").is_file():
            raise ValueError(f"{path} is not a cxlens workspace")
        raw = read_table(file)
        texts, labels = _column(raw, text_column, "--text-column"), _column(raw, label_column, "--label-column")
        pairs = [(t, y) for t, v in zip(texts, labels, strict=True) if (y := parse_label(v)) is not None and t.strip()]
        model = fit([p[0] for p in pairs], [p[1] for p in pairs], info={"trained_on": file.name})
        target = model.save(path / WORKSPACE_MODEL)
    except (CxlensError, ValueError) as e:
        raise _fail(str(e), as_json, type(e).__name__) from e
    _, low, high = wilson_interval([model.info["cv_correct"]], [len(pairs)])
    info = {
        "ok": True,
        "model": str(target),
        "trained_on": len(pairs),
        "skipped": len(texts) - len(pairs),
        "stacker": model.info["stacker"],
        "cv_accuracy": model.info["cv_accuracy"],
        "cv_ci_low": round(float(low[0]) / 100, 4),
        "cv_ci_high": round(float(high[0]) / 100, 4),
    }
    if as_json:
        _print_json(info)
    else:
        out.print(
            f"trained on {info['trained_on']:,} texts ({info['skipped']:,} neutral or empty skipped); "
            f"cross-validated accuracy {info['cv_accuracy']:.3f} (95% CI {info['cv_ci_low']:.3f}–"
            f"{info['cv_ci_high']:.3f}, n={info['trained_on']:,}; {info['stacker']} stack); saved {target}"
        )


@text_app.command()
def aspects(
    path: DirArg,
    template: TemplateOpt = None,
    force: Annotated[bool, typer.Option(help="Overwrite the workspace's aspects.yaml.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show the workspace's aspects, or with --template copy an industry template to PATH/text/aspects.yaml
    for you to edit."""
    from cxlens.text.aspects import AspectLexicon

    target = path / "text" / "aspects.yaml"
    try:
        if template:
            if target.exists() and not force:
                raise ValueError(f"{target} exists; pass --force to replace it")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(AspectLexicon.template(template).template_text(), encoding="utf-8")
        lexicon = AspectLexicon.load(target) if target.is_file() else AspectLexicon.template("generic")
    except (OSError, ValueError) as e:
        raise _fail(str(e), as_json, type(e).__name__) from e
    found = list(lexicon.aspects.values())
    if as_json:
        rows = [{"aspect": a.code, "zh": a.label_zh, "en": a.label_en, "terms": list(a.terms)} for a in found]
        _print_json({"ok": True, "file": str(target) if target.is_file() else None, "aspects": rows})
        return
    table = Table("aspect", "中文", "English", "terms", title=str(target) if target.is_file() else "generic template")
    for a in found:
        table.add_row(a.code, a.label_zh, a.label_en, ", ".join(a.terms[:8]) + " …")
    out.print(table)


@text_app.command()
def themes(
    path: DirArg,
    source: Annotated[str | None, typer.Option(help="Only feedback, ticket or answer texts.")] = None,
    every: Annotated[str, typer.Option(help="Period for counts over time: week, month, quarter or year.")] = "month",
    label: Annotated[
        str, typer.Option(help="Cluster texts of this sentiment: negative, neutral, positive or all.")
    ] = "negative",
    n_themes: Annotated[int, typer.Option(help="At most this many themes.")] = 8,
    save: Annotated[bool, typer.Option(help="Store the themes and their texts as a new theme run.")] = True,
    stored: Annotated[
        bool, typer.Option("--stored", help="Show the latest stored theme run per period instead of clustering.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Keywords, themes with quotes, aspects over time and emerging terms, from the stored results."""
    from cxlens.store import Workspace
    from cxlens.text.report import latest_theme_run, stored_themes, text_overview

    try:
        with Workspace.open(path) as ws:
            if stored:
                run = latest_theme_run(ws)
                frame = stored_themes(ws, every=every)
            else:
                info = text_overview(
                    ws,
                    source=source,
                    every=every,
                    n_themes=n_themes,
                    label=None if label == "all" else label,
                    save=save,
                )
    except (CxlensError, ValueError) as e:
        raise _fail(str(e), as_json, type(e).__name__) from e
    if stored and run is not None:
        if as_json:
            rows = frame.drop(columns=["quotes"]).astype(object)
            rows = rows.where(rows.notna(), None)
            _print_json({"ok": True, "run": run, "rows": rows.to_dict("records")})
            return
        note = " (texts were analysed since: run `cxlens text themes` again)" if run["stale"] else ""
        table = Table("theme", "label", "period", "n", "mean score", "negative", title=f"theme run {run['id']}{note}")
        for r in frame.itertuples(index=False):
            table.add_row(
                str(r.theme), r.label, str(r.period), str(r.n), f"{r.mean_score:+.2f}", f"{r.negative_share:.0%}"
            )
        out.print(table)
        return
    if as_json:
        _print_json({"ok": True, **info})
        return
    out.print(f"{info['texts']:,} analysed texts. Keywords: " + ", ".join(k["term"] for k in info["keywords"][:15]))
    table = Table("theme", "label", "size", "mean score", "quote", title=f"themes ({label})")
    for t in info["themes"]:
        table.add_row(
            str(t["theme"]), t["label"], str(t["size"]), f"{t['mean_score']:+.2f}", (t["quotes"] or [""])[0][:60]
        )
    out.print(table)
    for item in info["emerging"]:
        seen = f"{item['count']} vs {item['expected']} expected, z={item['z']}"
        out.print(f"emerging in {item['period']}: {item['term']} ({seen})")
