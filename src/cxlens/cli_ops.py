"""``cxlens backup`` and ``cxlens restore``: a workspace to one archive, and back (cxlens.store.backup)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cxlens.cli_common import _lang
from cxlens.exceptions import CxlensError
from cxlens.i18n import label
from cxlens.store.backup import backup as make_backup
from cxlens.store.backup import restore as restore_backup

__all__ = ["backup", "restore"]

out = Console()
err = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON with stable keys.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Labels in zh or en (default: CXLENS_LANG or LANG).")]


def _fail(error: CxlensError, as_json: bool) -> typer.Exit:
    if as_json:
        sys.stdout.write(json.dumps({"ok": False, "error": type(error).__name__, "message": str(error)}) + "\n")
    else:
        err.print(f"[bold red]error:[/] {error}", markup=True, highlight=False)
    return typer.Exit(code=1)


def _table(title: str, head: list[tuple[str, str]], tables: dict[str, int], lang: str) -> Table:
    table = Table(title=title)
    table.add_column(label("table", lang))
    table.add_column(label("rows", lang), justify="right")
    for name, rows in tables.items():
        if rows:
            table.add_row(name, f"{rows:,}")
    for key, value in head:
        table.caption = (table.caption + "\n" if table.caption else "") + f"{key}: {value}"
    return table


def _done(data: dict[str, Any], as_json: bool, title: str, head: list[tuple[str, str]], lang: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps({"ok": True, **data}, ensure_ascii=False, indent=2) + "\n")
        return
    out.print(_table(title, head, data["tables"], lang))


def backup(
    path: Annotated[Path, typer.Argument(help="The workspace folder.")],
    out_file: Annotated[Path, typer.Option("--out", help="The backup archive to write (.zip; must not exist).")],
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Write a consistent backup of the workspace at PATH (every table, its settings and files) to --out."""
    lang = _lang(lang)
    try:
        report = make_backup(path, out_file)
    except CxlensError as e:
        raise _fail(e, as_json) from e
    data = report.to_dict()
    head = [
        (label("database", lang), report.database),
        (label("schema_revision", lang), report.schema_revision),
        (label("files", lang), str(report.files)),
        (label("size", lang), f"{report.bytes:,} B"),
    ]
    _done(data, as_json, label("backup_written", lang, path=out_file), head, lang)


def restore(
    archive: Annotated[Path, typer.Argument(help="A backup archive written by `cxlens backup`.")],
    path: Annotated[Path, typer.Argument(help="The folder of the new workspace (new or empty).")],
    database_url: Annotated[
        str | None,
        typer.Option(help="Restore the records into this empty database (e.g. postgresql+psycopg://…)."),
    ] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Restore ARCHIVE as a new workspace in PATH: checksums, schema revision and row counts are verified."""
    lang = _lang(lang)
    try:
        report = restore_backup(archive, path, database_url=database_url)
    except CxlensError as e:
        raise _fail(e, as_json) from e
    head = [
        (label("database", lang), f"{report.source_database} → {report.database}"),
        (label("schema_revision", lang), f"{report.backup_revision} → {report.schema_revision}"),
        (label("files", lang), str(report.files)),
        (label("verified", lang), ", ".join(report.verified)),
    ]
    _done(report.to_dict(), as_json, label("restored", lang, path=path), head, lang)
