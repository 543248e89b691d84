"""Data import in the browser: upload → preview (detected format, encoding, kind, column mapping, sample
rows, the rows that would be rejected and why) → fix the mapping and check again → import, with the
import report. Every import is written to the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse

from cxlens.exceptions import CxlensError, InvalidRowsError
from cxlens.i18n import label
from cxlens.store.summary import summarise
from cxlens.web import audit, imports
from cxlens.web.accounts import User
from cxlens.web.deps import Db, actor, lang_of, render, require
from cxlens.web.nav import NavItem
from cxlens.web.records import survey_codes

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.import", "/import", "data.import", order=50)]

Text = Annotated[str | None, Form(max_length=100_000)]


def _form_context(ws: Db) -> dict[str, object]:
    info = summarise(ws)
    return {
        "kinds": imports.KIND_CHOICES,
        "surveys": survey_codes(ws),
        "recent": info["recent_imports"],
        "counts": info["counts"],
    }


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, ws: Db, user: Annotated[User, require("data.import")]) -> HTMLResponse:
    return render(request, "imports/form.html", _form_context(ws))


@router.post("/import/preview", response_class=HTMLResponse)
def import_preview(
    request: Request,
    ws: Db,
    user: Annotated[User, require("data.import")],
    file: Annotated[UploadFile | None, File()] = None,
    upload: Annotated[str | None, Form(max_length=100)] = None,
    kind: Annotated[str | None, Form(max_length=40)] = None,
    survey: Annotated[str | None, Form(max_length=200)] = None,
    mapping: Text = None,
) -> HTMLResponse:
    if kind and kind not in imports.KIND_CHOICES:
        raise ValueError(f"unknown kind {kind!r}")
    if upload is None:
        if file is None or not file.filename:
            return render(request, "imports/form.html", {**_form_context(ws), "error": "no file"}, status_code=400)
        upload = imports.save_upload(ws, file.filename, file.file)
    result = imports.preview(ws, upload, kind or None, survey or None, mapping)
    return render(request, "imports/preview.html", {"p": result, "surveys": survey_codes(ws)})


@router.post("/import/run", response_class=HTMLResponse)
def import_run(
    request: Request,
    ws: Db,
    user: Annotated[User, require("data.import")],
    upload: Annotated[str, Form(max_length=100)],
    kind: Annotated[str | None, Form(max_length=40)] = None,
    survey: Annotated[str | None, Form(max_length=200)] = None,
    mapping: Text = None,
    skip_invalid: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    try:
        report, name = imports.run(ws, upload, kind or None, survey or None, mapping, skip_invalid)
    except InvalidRowsError as err:
        result = imports.preview(ws, upload, kind or None, survey or None, mapping)
        result.error = str(err).split("\n", 1)[0]
        return render(request, "imports/preview.html", {"p": result, "surveys": survey_codes(ws)}, status_code=422)
    except CxlensError as err:
        result = imports.preview(ws, upload, kind or None, survey or None, mapping)
        result.error = str(err)
        return render(request, "imports/preview.html", {"p": result, "surveys": survey_codes(ws)}, status_code=422)
    audit.record_now(
        ws,
        actor(request, user),
        "data.import",
        f"file:{name}",
        {"kind": report.kind, "inserted": report.inserted, "rejected": report.rejected, "run_id": report.run_id},
    )
    lang = lang_of(request)
    rows = [{"k": label("read", lang), "v": report.rows_read}] + [
        {"k": label(key, lang), "v": getattr(report, key)}
        for key in ("inserted", "updated", "duplicates_in_file", "already_stored", "rejected", "customers_created")
    ]
    return render(request, "imports/done.html", {"report": report, "name": name, "rows": rows})
