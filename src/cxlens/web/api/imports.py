"""``POST /api/v1/imports``: import a file (multipart) — the same import path as ``cxlens import``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile

from cxlens.web import audit, imports
from cxlens.web.accounts import User
from cxlens.web.api.schemas import ErrorOut, ImportReportOut
from cxlens.web.deps import Db, actor, require

router = APIRouter(tags=["imports"], responses={401: {"model": ErrorOut}, 422: {"model": ErrorOut}})


@router.post("/imports", response_model=ImportReportOut)
def import_one(
    request: Request,
    ws: Db,
    user: Annotated[User, require("data.import")],
    file: Annotated[
        UploadFile, File(description="CSV, XLSX, SAV … or a vendor export; a survey definition with kind=survey")
    ],
    kind: Annotated[str | None, Form(description="customers, orders, tickets, feedback, responses or survey")] = None,
    survey: Annotated[str | None, Form(description="the survey code, for responses")] = None,
    mapping: Annotated[str | None, Form(description="column mapping as YAML or JSON (default: guessed)")] = None,
    skip_invalid: Annotated[bool, Form()] = False,
    dry_run: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Import one file, all or nothing unless ``skip_invalid``; ``dry_run`` checks and stores nothing.
    Invalid rows answer 422 with each rejected row, column, value and reason in ``errors``."""
    if kind and kind not in imports.KIND_CHOICES:
        raise ValueError(f"unknown kind {kind!r}; kinds are {', '.join(k for k in imports.KIND_CHOICES if k)}")
    report, name = imports.import_stream(
        ws,
        file.filename or "upload",
        file.file,
        kind=kind or None,
        survey=survey or None,
        mapping_text=mapping,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
    )
    if not dry_run:
        audit.record_now(
            ws,
            actor(request, user),
            "data.import",
            f"file:{name}",
            {
                "kind": report.kind,
                "inserted": report.inserted,
                "rejected": report.rejected,
                "run_id": report.run_id,
                "via": "api",
            },
        )
    return {"ok": True, **report.to_dict()}
