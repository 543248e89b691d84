"""``cxlens survey …``: create survey forms from YAML, publish them to a public link, invite, print QR codes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cxlens.cli_common import _fail, _lang, _print_json
from cxlens.config import read_yaml_mapping
from cxlens.exceptions import ConfigurationError, CxlensError
from cxlens.export import SafeDictWriter
from cxlens.i18n import label

__all__ = ["survey_app"]

survey_app = typer.Typer(
    no_args_is_help=True, help="Survey forms: create from YAML, publish to a link, invite, QR codes (问卷发布)."
)
out = Console()
err = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON with stable keys.")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Labels in zh or en (default: CXLENS_LANG or LANG).")]
DirArg = Annotated[Path, typer.Argument(help="The workspace folder.")]
CodeArg = Annotated[str, typer.Argument(help="The survey form's code.")]
BaseOpt = Annotated[
    str, typer.Option("--base-url", help="Where `cxlens serve` is reached by respondents (links start with it).")
]
BASE_URL = "http://127.0.0.1:8000"


def _info(form: Any, base_url: str) -> dict[str, Any]:
    from cxlens.surveys import survey_link

    return {
        "code": form.code,
        "title": form.title,
        "access": form.access,
        "is_open": form.is_open,
        "version": form.version,
        "survey_code": form.survey_code,
        "published_at": form.published_at,
        "responses": form.responses,
        "slug": form.slug,
        "link": survey_link(base_url, form.slug),
    }


def _show(forms: list[dict[str, Any]], lang: str) -> None:
    table = Table(
        label("survey_form", lang),
        label("survey_title", lang),
        label("survey_access", lang),
        label("survey_open", lang),
        label("survey_version", lang),
        label("survey_stored_as", lang),
        label("responses", lang),
        label("survey_link", lang),
    )
    for f in forms:
        title = f["title"].get(lang) or next(iter(f["title"].values()), "")
        table.add_row(
            f["code"],
            title,
            label(f"survey_{f['access']}", lang),
            "✓" if f["is_open"] else "—",
            str(f["version"] or "—"),
            f["survey_code"] or "—",
            f"{f['responses']:,}",
            f["link"] if f["version"] else "—",
        )
    out.print(table)


@survey_app.command("create")
def create(
    path: DirArg,
    from_file: Annotated[
        Path | None, typer.Option("--from", help="A survey definition in YAML (the `--kind survey` import format).")
    ] = None,
    from_survey: Annotated[
        str | None, typer.Option("--from-survey", help="Make the form from a survey already in the workspace.")
    ] = None,
    access: Annotated[str, typer.Option(help="Who may answer: anonymous (anyone with the link) or invitation.")] = (
        "anonymous"
    ),
    publish_now: Annotated[bool, typer.Option("--publish", help="Publish it at once.")] = False,
    base_url: BaseOpt = BASE_URL,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Create a survey form (questions, dimensions, weights, skip logic, zh/en texts) from a YAML file."""
    from cxlens.store import Workspace
    from cxlens.surveys import create_form, form_from_survey, publish

    try:
        if (from_file is None) == (from_survey is None):
            raise ConfigurationError("give exactly one of --from FILE.yaml or --from-survey CODE")
        with Workspace.open(path) as ws:
            if from_file is not None:
                form = create_form(
                    ws, read_yaml_mapping(from_file, "survey definition", ConfigurationError), access=access
                )
            else:
                form = form_from_survey(ws, str(from_survey), access=access)
            if publish_now:
                form = publish(ws, form.code)
    except CxlensError as e:
        raise _fail(e, as_json) from e
    info = _info(form, base_url)
    if as_json:
        _print_json({"ok": True, "form": info})
    else:
        _show([info], _lang(lang))


@survey_app.command("publish")
def publish_cmd(
    path: DirArg, code: CodeArg, base_url: BaseOpt = BASE_URL, as_json: JsonOpt = False, lang: LangOpt = None
) -> None:
    """Publish the form's definition as its next version and open its public link."""
    from cxlens.store import Workspace
    from cxlens.surveys import publish

    try:
        with Workspace.open(path) as ws:
            form = publish(ws, code)
    except CxlensError as e:
        raise _fail(e, as_json) from e
    info = _info(form, base_url)
    if as_json:
        _print_json({"ok": True, "form": info})
    else:
        _show([info], _lang(lang))


@survey_app.command("close")
def close_cmd(path: DirArg, code: CodeArg, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
    """Stop accepting answers at the form's link (stored answers stay; `publish` reopens it)."""
    from cxlens.store import Workspace
    from cxlens.surveys import close_form

    try:
        with Workspace.open(path) as ws:
            form = close_form(ws, code)
    except CxlensError as e:
        raise _fail(e, as_json) from e
    info = _info(form, BASE_URL)
    if as_json:
        _print_json({"ok": True, "form": info})
    else:
        _show([info], _lang(lang))


@survey_app.command("list")
def list_cmd(path: DirArg, base_url: BaseOpt = BASE_URL, as_json: JsonOpt = False, lang: LangOpt = None) -> None:
    """List the survey forms with their version, link and number of responses."""
    from cxlens.store import Workspace
    from cxlens.surveys import list_forms

    try:
        with Workspace.open(path) as ws:
            forms = [_info(f, base_url) for f in list_forms(ws)]
    except CxlensError as e:
        raise _fail(e, as_json) from e
    if as_json:
        _print_json({"ok": True, "forms": forms})
    else:
        _show(forms, _lang(lang))


@survey_app.command("invite")
def invite(
    path: DirArg,
    code: CodeArg,
    count: Annotated[int | None, typer.Option("--count", help="How many anonymous invitation links.")] = None,
    customers: Annotated[
        Path | None, typer.Option(help="A text file of customer ids, one a line: one invitation each.")
    ] = None,
    channel: Annotated[str | None, typer.Option(help="How the links are sent (sms, email, wechat …).")] = None,
    export: Annotated[Path | None, typer.Option("--out", help="Write the links to this CSV file.")] = None,
    base_url: BaseOpt = BASE_URL,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Create invitation links that admit one response each (the links are shown only now: keep them)."""
    from cxlens.store import Workspace
    from cxlens.surveys import create_invitations, invitation_counts

    lang = _lang(lang)
    try:
        ids = []
        if customers is not None:
            try:
                ids = [line.strip() for line in customers.read_text(encoding="utf-8-sig").splitlines()]
            except OSError as e:
                raise ConfigurationError(f"{customers}: cannot read the customer list: {e}") from e
        with Workspace.open(path) as ws:
            made = create_invitations(ws, code, count, customers=ids, channel=channel, base_url=base_url)
            counts = invitation_counts(ws, code)
    except CxlensError as e:
        raise _fail(e, as_json) from e
    rows = [{"invitation_id": m.id, "customer": m.customer, "link": m.url} for m in made]
    if export is not None:
        with export.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = SafeDictWriter(fh, fieldnames=["invitation_id", "customer", "link"])
            writer.writeheader()
            writer.writerows(rows)
    if as_json:
        _print_json({"ok": True, "form": code, "invitations": rows, **counts})
        return
    if export is not None:
        out.print(label("survey_links_written", lang, count=len(rows), path=export))
    else:
        table = Table("#", label("customers", lang), label("survey_link", lang))
        for r in rows:
            table.add_row(str(r["invitation_id"]), str(r["customer"] or "—"), str(r["link"]))
        out.print(table)
    out.print(
        f"{label('survey_invited', lang)}: {counts['invited']:,}  {label('survey_answered', lang)}: "
        f"{counts['answered']:,}"
    )


@survey_app.command("qr")
def qr(
    path: DirArg,
    code: CodeArg,
    export: Annotated[Path, typer.Option("--out", help="The image to write: FILE.svg or FILE.png.")],
    scale: Annotated[int, typer.Option(min=1, max=64, help="Pixels (SVG units) per module.")] = 8,
    base_url: BaseOpt = BASE_URL,
    as_json: JsonOpt = False,
    lang: LangOpt = None,
) -> None:
    """Write the QR code of the form's public link as SVG or PNG."""
    from cxlens.store import Workspace
    from cxlens.surveys import get_form, qr_png, qr_svg, survey_link

    try:
        suffix = export.suffix.lower()
        if suffix not in (".svg", ".png"):
            raise ConfigurationError(f"--out must end in .svg or .png, not {export.name!r}")
        with Workspace.open(path) as ws:
            form = get_form(ws, code)
        link = survey_link(base_url, form.slug)
        if suffix == ".svg":
            export.write_text(qr_svg(link, scale=scale), encoding="utf-8")
        else:
            export.write_bytes(qr_png(link, scale=scale))
    except CxlensError as e:
        raise _fail(e, as_json) from e
    if as_json:
        _print_json({"ok": True, "form": code, "link": link, "file": str(export)})
    else:
        out.print(label("survey_qr_written", _lang(lang), path=export), f"({link})")
