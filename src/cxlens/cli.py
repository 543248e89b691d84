"""The ``cxlens`` command. Each command is a thin call into the library; ``--json`` prints stable keys."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cxlens import (
    __version__,
    cli_loop,
    cli_metric,
    cli_models,
    cli_ops,
    cli_value_models,  # noqa: F401  (registers `value clv` and `value churn`)
    cli_web,
)
from cxlens.cli_common import _lang, _print_json
from cxlens.cli_quality import score_app, template_app
from cxlens.cli_report import export_app, report_app
from cxlens.cli_stats import drivers as drivers_command
from cxlens.cli_stats import stats_app
from cxlens.cli_surveys import survey_app
from cxlens.cli_text import text_app
from cxlens.cli_value import value_app
from cxlens.config import set_engine_override
from cxlens.exceptions import CxlensError, InvalidRowsError
from cxlens.i18n import label
from cxlens.ingest.adapters import ALL_FORMATS
from cxlens.ingest.fields import KINDS
from cxlens.ingest.importer import import_file, import_survey, plan_mapping
from cxlens.ingest.mapping import Mapping, load_mapping
from cxlens.ingest.readers import read_table
from cxlens.ingest.report import ImportReport
from cxlens.store import Workspace
from cxlens.store.summary import summarise

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="cxlens: customer-experience analytics (客户体验分析). Run `cxlens COMMAND --help`.",
)
out = Console()
err = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON with stable keys.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Labels in zh or en (default: CXLENS_LANG or LANG).")]
DirArg = Annotated[Path, typer.Argument(help="The workspace folder.")]


def _fail(error: CxlensError, as_json: bool) -> typer.Exit:
    if as_json:
        _print_json({"ok": False, "error": type(error).__name__, "message": str(error)})
    else:
        err.print(f"[bold red]error:[/] {error}", markup=True, highlight=False)
    return typer.Exit(code=1)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="Run metrics, driver analysis and scoring on duckdb, postgres or pyspark (default: CXLENS_ENGINE, "
            "else the workspace setting analytics.engine, else the records' database).",
        ),
    ] = None,
) -> None:
    try:
        set_engine_override(engine)
    except CxlensError as e:
        raise typer.BadParameter(str(e), param_hint="--engine") from e
    if version:
        out.print(__version__)
        raise typer.Exit()


@app.command()
def init(
    path: DirArg,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="Keep records in this database (e.g. postgresql+psycopg://…) instead of the folder's DuckDB file."
        ),
    ] = None,
    mask_pii: Annotated[
        bool,
        typer.Option(help="Mask personal data (phones, ID numbers, e-mails, bank cards, IPs) on every import."),
    ] = False,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Create an empty workspace in PATH."""
    try:
        with Workspace.init(path, database_url=database_url) as ws:
            if mask_pii:
                ws.set_setting("mask_pii", True)
            info = {
                "ok": True,
                "workspace": ws.name,
                "path": str(path),
                "database": ws.dialect,
                "schema_revision": ws.schema_revision(),
            }
    except CxlensError as e:
        raise _fail(e, as_json) from e
    if as_json:
        _print_json(info)
    else:
        out.print(f"{label('created', _lang(lang))}: {path} ({info['database']})")


def _report_table(report: ImportReport, lang: str) -> Table:
    table = Table(title=f"{report.file} → {report.kind}", show_header=False)
    for key in (
        "read",
        "inserted",
        "updated",
        "duplicates_in_file",
        "already_stored",
        "rejected",
        "customers_created",
    ):
        value = report.rows_read if key == "read" else getattr(report, key)
        if value or key in ("read", "inserted"):
            table.add_row(label(key, lang), f"{value:,}")
    return table


def _print_report(report: ImportReport, lang: str) -> None:
    out.print(_report_table(report, lang))
    if report.same_file_as_run is not None:
        out.print(label("same_file", lang, run=report.same_file_as_run))
    for issue in report.issues[:20]:
        out.print(f"  [yellow]{issue}[/]", highlight=False)
    if report.issue_count > 20:
        out.print(f"  … {report.issue_count - 20} more")
    if report.dry_run:
        import yaml

        sys.stdout.write(yaml.safe_dump(report.mapping, allow_unicode=True, sort_keys=False))
        out.print(f"[bold]{label('dry_run', lang)}[/]")


@app.command("import")
def import_(
    path: DirArg,
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV, TSV, XLSX, XLS, SAV or DTA file, or a vendor export (detected); a survey YAML, "
            "Qualtrics .qsf or LimeSurvey .lss / structure .txt / R syntax .R with --kind survey."
        ),
    ],
    kind: Annotated[
        str | None,
        typer.Option(help=f"What the file holds: {', '.join(KINDS)} or survey (optional for vendor exports)."),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(help=f"Force the file format: {', '.join(ALL_FORMATS)} (default: detected)."),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="Column mapping YAML (default: guessed from the header).")
    ] = None,
    survey: Annotated[str | None, typer.Option(help="Survey code, for --kind responses.")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name (default: the first).")] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding (default: detected).")] = None,
    timezone: Annotated[str | None, typer.Option(help="Time zone of timestamps without an offset.")] = None,
    date_format: Annotated[str | None, typer.Option(help="strptime format for dates, e.g. %d/%m/%Y.")] = None,
    skip_invalid: Annotated[bool, typer.Option(help="Import the valid rows and report the invalid ones.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Check everything, store nothing.")] = False,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Import FILE into the workspace at PATH, all or nothing; importing it again adds nothing."""
    lang = _lang(lang)
    try:
        with Workspace.open(path) as ws:
            if kind == "survey":
                report = import_survey(ws, file)
            else:
                plan = load_mapping(mapping) if mapping else None
                report = _import_with_progress(
                    ws,
                    file,
                    kind,
                    plan,
                    as_json,
                    survey=survey,
                    format=format,
                    sheet=sheet,
                    encoding=encoding,
                    timezone=timezone,
                    date_format=date_format,
                    skip_invalid=skip_invalid,
                    dry_run=dry_run,
                )
    except InvalidRowsError as e:
        if as_json:
            _print_json(
                {
                    "ok": False,
                    "error": "InvalidRowsError",
                    "message": str(e).split("\n", 1)[0],
                    "rejected": e.rejected_rows,
                    "issues": [vars_issue(i) for i in e.issues],
                }
            )
            raise typer.Exit(code=1) from e
        raise _fail(e, False) from e
    except CxlensError as e:
        raise _fail(e, as_json) from e
    if as_json:
        _print_json({"ok": True, **report.to_dict()})
    else:
        _print_report(report, lang)


def vars_issue(issue: Any) -> dict[str, Any]:
    return {
        "file": issue.file,
        "row": issue.row,
        "column": issue.column,
        "value": issue.value,
        "reason": issue.reason,
    }


def _import_with_progress(
    ws: Workspace, file: Path, kind: str | None, plan: Mapping | None, quiet: bool, **options: Any
) -> ImportReport:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=quiet or not err.is_terminal,
    ) as bar:
        task = bar.add_task(f"{file.name}", total=4)
        steps = {"read": 0, "check": 1, "write": 2, "done": 4}

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(
                task,
                completed=steps[stage] + (done / total if total else 0),
                description=f"{file.name}: {stage}",
            )

        return import_file(ws, file, kind, mapping=plan, progress=progress, **options)


@app.command()
def mapping(
    path: DirArg,
    file: Annotated[Path, typer.Argument(help="The file whose header to read.")],
    kind: Annotated[str, typer.Option(help=f"One of {', '.join(KINDS)}.")],
    survey: Annotated[str | None, typer.Option(help="Survey code, for --kind responses.")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Show the column mapping cxlens would use for FILE, as YAML to save, edit and pass to --mapping."""
    lang = _lang(lang)
    try:
        with Workspace.open(path) as ws:
            raw = read_table(file)
            plan = plan_mapping(ws, raw, kind, None, survey)  # type: ignore[arg-type]
    except CxlensError as e:
        raise _fail(e, as_json) from e
    if as_json:
        _print_json(
            {
                "ok": True,
                "mapping": plan.to_dict(),
                "columns": raw.columns,
                "preview": raw.table.slice(0, 5).drop(["__row"]).to_pylist(),
            }
        )
        return
    table = Table(label("field", lang), label("column", lang), "e.g.")
    first = raw.table.slice(0, 1).to_pylist()
    for fld, col in {**plan.columns, **plan.questions}.items():
        table.add_row(fld, col, str(first[0][col]) if first else "")
    out.print(table)
    sys.stdout.write("\n" + plan.to_yaml())


@app.command()
def status(path: DirArg, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
    """Show what the workspace at PATH holds."""
    try:
        with Workspace.open(path) as ws:
            info = summarise(ws)
    except CxlensError as e:
        raise _fail(e, as_json) from e
    if as_json:
        _print_json({"ok": True, **info})
    else:
        _print_summary(info, _lang(lang))


def _print_summary(info: dict[str, Any], lang: str) -> None:
    table = Table(title=f"{label('workspace', lang)} {info['workspace']} ({info['database']})")
    table.add_column(label("table", lang))
    table.add_column(label("rows", lang), justify="right")
    table.add_column(label("period", lang))
    for name, count in info["counts"].items():
        span = info["periods"].get(name)
        period = f"{span[0][:10]} … {span[1][:10]}" if span and span[0] else ""
        table.add_row(label(name, lang), f"{count:,}", period)
    out.print(table)
    if info["responses_per_survey"]:
        out.print(
            f"{label('responses', lang)}: " + ", ".join(f"{k} {v:,}" for k, v in info["responses_per_survey"].items())
        )
    if info["feedback_languages"]:
        out.print(
            f"{label('languages', lang)}: " + ", ".join(f"{k} {v:,}" for k, v in info["feedback_languages"].items())
        )
        out.print(f"{label('sources', lang)}: " + ", ".join(f"{k} {v:,}" for k, v in info["feedback_sources"].items()))


@app.command()
def demo(
    path: Annotated[Path, typer.Argument(help="Folder for the demo workspace (must not hold one yet).")] = Path("demo"),
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Only build the workspace.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same company.")] = 2026,
    scale: Annotated[float, typer.Option(help="Multiply every row count (1 = the full demo).")] = 1.0,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Build the bilingual demo company (极光智能 / Aurora Smart Home) in PATH and summarise it."""
    from cxlens.datasets.build import build_demo

    lang = _lang(lang)
    steps: list[dict[str, Any]] = []

    def on_step(description: str, report: ImportReport) -> None:
        steps.append({"step": description, "inserted": report.inserted, "seconds": round(report.seconds, 2)})
        if not as_json:
            err.print(
                f"  {description}: {report.inserted:,} {label('inserted', lang)} ({report.seconds:.1f}s)",
                highlight=False,
            )

    try:
        with build_demo(path, seed=seed, scale=scale, on_step=on_step) as ws:
            info = summarise(ws)
    except CxlensError as e:
        raise _fail(e, as_json) from e
    if as_json:
        _print_json({"ok": True, "imports": steps, **info})
        return
    _print_summary(info, lang)
    out.print(f"`cxlens status {path}` shows this again; the source files are in {path / 'demo-data'}.")
    if not no_serve:
        from cxlens.cli_web import serve_demo

        serve_demo(path, lang)


app.command("metric")(cli_metric.metric)
app.command("serve")(cli_web.serve)
app.add_typer(cli_web.users_app, name="users", help="Web users and roles: add, list.")
app.add_typer(cli_web.tokens_app, name="tokens", help="API tokens for scripts: create, list, revoke.")
app.command("metrics")(cli_metric.metrics)
app.command("metric-distribution")(cli_metric.metric_distribution)
app.command("reliability")(cli_models.reliability)
app.command("factors")(cli_models.factors)
app.command("csi")(cli_models.csi)
app.command("anomalies")(cli_models.anomalies)
app.command("drivers")(drivers_command)
app.add_typer(stats_app, name="stats", help="Survey statistics: describe, crosstab, compare, correlate, regress.")
app.add_typer(text_app, name="text", help="Sentiment, aspects and themes of free text (中文 / English).")
app.add_typer(score_app, name="score")
app.add_typer(template_app, name="template")
app.add_typer(value_app, name="value", help="Customer value: RFM, cohorts, segments, lifecycle, CLV, churn.")
app.add_typer(survey_app, name="survey", help="Survey forms: create from YAML, publish to a link, invite, QR codes.")
app.add_typer(report_app, name="report")
app.add_typer(export_app, name="export")
app.add_typer(cli_loop.alerts_app, name="alerts")
app.add_typer(cli_loop.cases_app, name="cases")
app.add_typer(cli_loop.plans_app, name="plans")
app.command("benchmark")(cli_loop.benchmark_command)
app.command("team")(cli_loop.team_command)
app.command("journey")(cli_loop.journey_command)
app.command("backup")(cli_ops.backup)
app.command("restore")(cli_ops.restore)


def main() -> None:
    app()
