"""Imports through the browser and the API: keep the uploaded file, preview it (a dry run of the real import:
detected format and encoding, the column mapping, the rows that would be rejected and why), then import it
with the mapping the user confirmed — all through ``cxlens.ingest.import_file``, the one import path."""

from __future__ import annotations

import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from cxlens.exceptions import CxlensError, MappingError
from cxlens.ingest.adapters import adapt
from cxlens.ingest.fields import KINDS
from cxlens.ingest.importer import import_file, import_survey
from cxlens.ingest.mapping import Mapping, mapping_from_dict
from cxlens.ingest.readers import read_table
from cxlens.ingest.report import ImportReport
from cxlens.store import Workspace

__all__ = [
    "KIND_CHOICES",
    "MAX_UPLOAD_BYTES",
    "Preview",
    "find_upload",
    "parse_mapping",
    "preview",
    "run",
    "save_upload",
]

KIND_CHOICES = ("", *KINDS, "survey")
UPLOADS = "uploads"
MAX_UPLOAD_BYTES = 512 * 1024 * 1024
_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def save_upload(ws: Workspace, name: str, stream: BinaryIO) -> str:
    """Keep an uploaded file (under its own name, so reports name it) in ``uploads/<id>/`` of the workspace;
    returns the id. Files over ``MAX_UPLOAD_BYTES`` or empty ones raise ``ValueError``."""
    base = _UNSAFE.sub("_", Path(name or "upload").name).strip("._") or "upload"
    upload_id = secrets.token_urlsafe(18)
    folder = ws.path / UPLOADS / upload_id
    folder.mkdir(parents=True)
    target = folder / base[-120:]
    written = 0
    with target.open("wb") as out:
        while chunk := stream.read(1 << 20):
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                break
            out.write(chunk)
    if written == 0 or written > MAX_UPLOAD_BYTES:
        shutil.rmtree(folder)
        raise ValueError(
            "the uploaded file is empty" if written == 0 else f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB"
        )
    return upload_id


def find_upload(ws: Workspace, upload_id: str) -> Path:
    """The file of an upload id; unknown or malformed ids raise ``LookupError``."""
    if not _ID.match(upload_id):
        raise LookupError("no such upload")
    folder = ws.path / UPLOADS / upload_id
    found = sorted(folder.iterdir()) if folder.is_dir() else []
    if not found:
        raise LookupError("no such upload (it was imported already, or never uploaded)")
    return found[0]


def discard(ws: Workspace, upload_id: str) -> None:
    if _ID.match(upload_id):
        shutil.rmtree(ws.path / UPLOADS / upload_id, ignore_errors=True)


def parse_mapping(text: str | None, kind: str | None) -> Mapping | None:
    """A mapping from YAML (or JSON) text; empty text → None (cxlens guesses). Errors name the problem."""
    if not text or not text.strip():
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise MappingError(f"the mapping is not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise MappingError("the mapping must be a YAML mapping (key: value lines)")
    if kind and "kind" not in data:
        data["kind"] = kind
    return mapping_from_dict(data, "mapping")


@dataclass
class Preview:
    """What the preview page shows."""

    upload_id: str
    file: str
    kind: str | None
    survey: str | None
    columns: list[str] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)
    report: ImportReport | None = None
    mapping_yaml: str = ""
    error: str | None = None


def _sample(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    adapted = adapt(path)
    raw = adapted.raw if adapted is not None else read_table(path)
    rows = raw.table.slice(0, 5).to_pylist()
    return raw.columns, [{k: v for k, v in r.items() if not k.startswith("__")} for r in rows]


def preview(ws: Workspace, upload_id: str, kind: str | None, survey: str | None, mapping_text: str | None) -> Preview:
    """Dry-run the import (nothing stored) and collect what the user needs to confirm or fix it."""
    path = find_upload(ws, upload_id)
    result = Preview(upload_id, path.name, kind, survey, mapping_yaml=mapping_text or "")
    if kind == "survey":
        return result
    try:
        result.columns, result.sample = _sample(path)
        mapping = parse_mapping(mapping_text, kind)
        report = import_file(
            ws, path, kind or None, mapping=mapping, survey=survey or None, skip_invalid=True, dry_run=True
        )
    except CxlensError as err:
        result.error = str(err)
        if not result.mapping_yaml and kind:
            result.mapping_yaml = yaml.safe_dump({"kind": kind, "columns": {}}, allow_unicode=True, sort_keys=False)
        return result
    result.report = report
    result.kind = report.kind
    if not result.mapping_yaml:
        result.mapping_yaml = yaml.safe_dump(report.mapping, allow_unicode=True, sort_keys=False)
    return result


def run(
    ws: Workspace,
    upload_id: str,
    kind: str | None,
    survey: str | None,
    mapping_text: str | None,
    skip_invalid: bool,
    dry_run: bool = False,
) -> tuple[ImportReport, str]:
    """Import the upload (all or nothing unless ``skip_invalid``); returns the report and the file's name.
    The uploaded copy is deleted once its rows are stored."""
    path = find_upload(ws, upload_id)
    name = path.name
    if kind == "survey":
        report = import_survey(ws, path)
    else:
        report = import_file(
            ws,
            path,
            kind or None,
            mapping=parse_mapping(mapping_text, kind),
            survey=survey or None,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
        )
    if not dry_run:
        discard(ws, upload_id)
    return report, name


def import_stream(
    ws: Workspace,
    name: str,
    stream: BinaryIO,
    *,
    kind: str | None,
    survey: str | None,
    mapping_text: str | None,
    skip_invalid: bool,
    dry_run: bool,
) -> tuple[ImportReport, str]:
    """Save and import in one step (the API). A refused or dry-run import leaves no copy behind."""
    upload_id = save_upload(ws, name, stream)
    try:
        return run(ws, upload_id, kind, survey, mapping_text, skip_invalid, dry_run)
    finally:
        discard(ws, upload_id)
