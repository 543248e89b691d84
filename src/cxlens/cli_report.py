"""``cxlens report …`` and ``cxlens export …``: analysis reports (HTML, PDF, Excel) of a workspace, their
weekly / monthly schedules with e-mail delivery, and SPSS / Excel exports.

``cxlens report DIR --template satisfaction --period 2026-Q3 --lang zh --format pdf --out FILE`` renders a
report (``report render`` is the same command by its name). Each command is a thin call into
:mod:`cxlens.report`; with ``--json`` it prints one JSON object with stable keys (``ok`` first).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from cxlens.cli_common import _lang, _print_json
from cxlens.exceptions import CxlensError
from cxlens.store import Workspace

__all__ = ["export_app", "report_app"]


class _RenderByDefault(TyperGroup):
    """``cxlens report DIR …`` runs ``cxlens report render DIR …``: a first argument that is not a
    sub-command name (nor an option) is the workspace folder of ``render``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["render", *args]
        return super().parse_args(ctx, args)


report_app = typer.Typer(
    cls=_RenderByDefault,
    no_args_is_help=True,
    help="Analysis reports (HTML, PDF, Excel) with charts and recommendations; schedules by e-mail. "
    "`cxlens report DIR --lang zh --format pdf --out FILE` is `cxlens report render DIR …`.",
)
schedule_app = typer.Typer(no_args_is_help=True, help="Weekly or monthly reports e-mailed to a list of addresses.")
report_app.add_typer(schedule_app, name="schedule")
export_app = typer.Typer(no_args_is_help=True, help="Exports for analysts' tools: SPSS .sav, Excel .xlsx.")

out = Console()
err = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON with stable keys.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Report language: zh or en (default: CXLENS_LANG).")]
DirArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
TemplateOpt = Annotated[str, typer.Option("--template", help="satisfaction, service, relationship or industry.")]
PeriodOpt = Annotated[
    str | None,
    typer.Option(
        "--period", help="2026-W27, 2026-07, 2026-Q3 or 2026 (default: the last complete quarter of the data)."
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", help="html, pdf or xlsx.")]


@contextmanager
def _workspace(path: Path, as_json: bool) -> Iterator[Workspace]:
    """Open the workspace; a cxlens error or a ValueError (bad input) becomes exit code 1 with a message."""
    try:
        with Workspace.open(path) as ws:
            yield ws
    except (CxlensError, ValueError) as e:
        if as_json:
            _print_json({"ok": False, "error": type(e).__name__, "message": str(e)})
        else:
            err.print(f"[bold red]error:[/] {e}", markup=True, highlight=False)
        raise typer.Exit(code=1) from e


@report_app.command("render")
def render(
    path: DirArg,
    template: TemplateOpt = "satisfaction",
    period: PeriodOpt = None,
    lang: LangOpt = None,
    format: FormatOpt = "html",
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here (default: report-PERIOD.FORMAT).")] = None,
    survey: Annotated[str | None, typer.Option(help="The survey for drivers and reliability.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Render a report: objective, method, findings, recommendations, action plans."""
    from cxlens.report.builder import build_report
    from cxlens.report.schedule import FORMATS

    language = _lang(lang)
    with _workspace(path, as_json) as ws:
        if format not in FORMATS:
            raise ValueError(f"--format must be one of {', '.join(FORMATS)}, not {format!r}")
        report = build_report(ws, template, period, lang=language, survey=survey)
        data = _rendered(report, format)
        target = out_file or Path(f"report-{template}-{report.period.label}.{FORMATS[format][1]}")
        target.write_bytes(data)
    if as_json:
        _print_json({"ok": True, "file": str(target), "bytes": len(data), **report.to_dict()})
        return
    table = Table(title=f"{report.title(language)} · {report.period.label_in(language)}")
    for name in ("#", "rule", "recommendation"):
        table.add_column(name)
    for i, r in enumerate(report.recommendations, 1):
        table.add_row(str(i), r.rule, r.text(language))
    out.print(table)
    out.print(f"wrote {target} ({len(data):,} bytes)")


def _rendered(report: Any, format: str) -> bytes:
    if format == "html":
        from cxlens.report.render_html import render_html

        return render_html(report).encode("utf-8")
    if format == "pdf":
        from cxlens.report.render_pdf import render_pdf

        return render_pdf(report)
    from cxlens.report.render_xlsx import render_xlsx

    return render_xlsx(report)


@schedule_app.command("add")
def schedule_add(
    path: DirArg,
    every: Annotated[str, typer.Option("--every", help="week or month.")],
    to: Annotated[list[str], typer.Option("--to", help="Recipient e-mail address (repeatable, or comma-separated).")],
    template: TemplateOpt = "satisfaction",
    lang: LangOpt = None,
    format: FormatOpt = "pdf",
    as_json: JsonOpt = False,
) -> None:
    """Add a schedule: the report of each past week or month, e-mailed by `cxlens report run-due`."""
    from cxlens.report.schedule import add_schedule

    addresses = [a.strip() for item in to for a in item.split(",") if a.strip()]
    with _workspace(path, as_json) as ws:
        s = add_schedule(ws, template=template, every=every, to=addresses, lang=_lang(lang), format=format)
    if as_json:
        _print_json({"ok": True, "schedule": vars(s)})
    else:
        out.print(f"schedule {s.id}: {s.template} every {s.every} → {', '.join(s.to)} (first run due now)")


@schedule_app.command("list")
def schedule_list(path: DirArg, as_json: JsonOpt = False) -> None:
    """List the workspace's report schedules."""
    from cxlens.report.schedule import list_schedules

    with _workspace(path, as_json) as ws:
        schedules = list_schedules(ws)
    if as_json:
        _print_json({"ok": True, "schedules": [vars(s) for s in schedules]})
        return
    table = Table(title="report schedules")
    for name in ("id", "template", "every", "format", "lang", "to", "next run", "last period"):
        table.add_column(name)
    for s in schedules:
        table.add_row(
            str(s.id), s.template, s.every, s.format, s.lang, ", ".join(s.to), s.next_run, s.last_period or "—"
        )
    out.print(table)


@schedule_app.command("remove")
def schedule_remove(
    path: DirArg, schedule_id: Annotated[int, typer.Argument(help="The schedule's id.")], as_json: JsonOpt = False
) -> None:
    """Remove a report schedule."""
    from cxlens.report.schedule import remove_schedule

    with _workspace(path, as_json) as ws:
        remove_schedule(ws, schedule_id)
    if as_json:
        _print_json({"ok": True, "removed": schedule_id})
    else:
        out.print(f"removed schedule {schedule_id}")


@report_app.command("run-due")
def run_due(path: DirArg, as_json: JsonOpt = False) -> None:
    """Render every due scheduled report and e-mail it (SMTP server: CXLENS_SMTP_URL)."""
    from cxlens.report.schedule import run_due as run

    with _workspace(path, as_json) as ws:
        sent = run(ws)
    if as_json:
        _print_json({"ok": True, "sent": sent})
        return
    table = Table(title="reports sent")
    for name in ("schedule", "period", "to", "file", "bytes"):
        table.add_column(name)
    for s in sent:
        table.add_row(str(s["schedule"]), s["period"], ", ".join(s["to"]), s["file"], f"{s['bytes']:,}")
    out.print(table if sent else "no report is due")


@export_app.command("spss")
def export_spss(
    path: DirArg,
    survey: Annotated[str, typer.Option("--survey", help="The survey code.")],
    out_file: Annotated[Path, typer.Option("--out", help="The .sav file to write.")],
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A survey's responses as SPSS .sav, with variable labels and value labels."""
    from cxlens.report.spss import export_spss as export

    with _workspace(path, as_json) as ws:
        target = export(ws, survey, out_file, lang=_lang(lang))
    size = target.stat().st_size
    if as_json:
        _print_json({"ok": True, "file": str(target), "bytes": size, "survey": survey})
    else:
        out.print(f"wrote {target} ({size:,} bytes)")


@export_app.command("xlsx")
def export_xlsx(
    path: DirArg,
    out_file: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
    template: TemplateOpt = "satisfaction",
    period: PeriodOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A report's tables as an Excel workbook: one sheet per table, native charts, pivot-ready data."""
    from cxlens.report.builder import build_report
    from cxlens.report.render_xlsx import render_xlsx

    with _workspace(path, as_json) as ws:
        report = build_report(ws, template, period, lang=_lang(lang))
        data = render_xlsx(report)
        out_file.write_bytes(data)
    if as_json:
        _print_json({"ok": True, "file": str(out_file), "bytes": len(data), "period": report.period.label})
    else:
        out.print(f"wrote {out_file} ({len(data):,} bytes)")
