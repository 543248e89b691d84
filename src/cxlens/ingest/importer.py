"""The one import path: read → map → stage (type and check) → store, in one transaction.

A failure anywhere, or a kill, leaves the workspace exactly as it was: every row of a file is written in a
single database transaction, which DuckDB and PostgreSQL both discard unless it commits. Rows are keyed by
their natural ids (or a content hash), so importing the same file again adds nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from cxlens.config import check_timezone, load_settings
from cxlens.exceptions import InvalidRowsError, MappingError
from cxlens.ingest.fields import KINDS, Kind
from cxlens.ingest.kinds import Written, stage_records, write_attributes, write_records
from cxlens.ingest.mapping import Mapping, infer_mapping
from cxlens.ingest.readers import RawTable, read_table
from cxlens.ingest.report import ImportReport
from cxlens.ingest.responses import load_questions, stage_responses, write_responses
from cxlens.ingest.stage import Stage, Staged
from cxlens.ingest.surveys import install_survey, load_survey
from cxlens.ingest.target import Target
from cxlens.model import tables as t
from cxlens.store import Workspace

__all__ = ["Progress", "import_file", "import_survey", "plan_mapping"]

#: ``progress(stage, done, total)``; stages are read, check, write, done
Progress = Callable[[str, int, int], None]


def _noop(stage: str, done: int, total: int) -> None:
    return None


def source_hash(path: Path, kind: str, mapping: Mapping) -> str:
    digest = hashlib.sha256(f"{kind}\n{mapping.fingerprint()}\n".encode())
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def plan_mapping(ws: Workspace, raw: RawTable, kind: Kind, mapping: Mapping | None, survey: str | None) -> Mapping:
    """The mapping an import will use: the one given (checked against the file), else a guess."""
    if mapping is not None and mapping.kind != kind:
        raise MappingError(f"the mapping is for {mapping.kind}, but the import is of {kind}")
    survey = survey or (mapping.survey if mapping else None)
    codes: list[str] = []
    if kind == "responses":
        if not survey:
            raise MappingError(
                "importing responses needs the survey's code: --survey CODE (or `survey:` in the mapping)"
            )
        with ws.begin() as conn:
            _, questions, _ = load_questions(conn, survey)
        codes = [str(c) for c in questions.column("code").to_pylist()]
    guess = infer_mapping(raw.columns, kind, question_codes=codes, survey=survey)
    if mapping is None:
        chosen = guess
    else:
        chosen = mapping
        chosen.survey = survey
        if kind == "responses" and not chosen.questions:
            chosen.questions = guess.questions
        if kind == "customers" and not chosen.attributes:
            used = set(chosen.columns.values()) | set(chosen.ignore)
            chosen.attributes = [c for c in raw.columns if c not in used]
    chosen.check(raw.columns, raw.file)
    return chosen


def _stage(ws: Workspace, raw: RawTable, mapping: Mapping, tz: str, date_format: str | None) -> Staged:
    stage = Stage(raw, mapping, tz, date_format)
    try:
        if mapping.kind == "responses":
            with ws.begin() as conn:
                _, questions, choices = load_questions(conn, str(mapping.survey))
            return stage_responses(stage, questions, choices)
        return stage_records(stage, mapping.kind)
    finally:
        stage.close()


def _refuse(report: ImportReport) -> InvalidRowsError:
    shown = "\n".join(f"  {i}" for i in report.issues[:20])
    more = f"\n  … and {report.issue_count - 20} more" if report.issue_count > 20 else ""
    return InvalidRowsError(
        f"{report.file}: {report.rejected} of {report.rows_read} rows failed validation, so nothing was "
        f"imported (an import is all or nothing). Fix the rows below, or pass --skip-invalid to import the "
        f"{report.rows_read - report.rejected} valid rows and record the rest in the import report.\n{shown}{more}",
        report.issues,
        report.rejected,
    )


def import_file(
    ws: Workspace,
    path: str | Path,
    kind: str,
    *,
    mapping: Mapping | None = None,
    survey: str | None = None,
    format: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    timezone: str | None = None,
    date_format: str | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Progress = _noop,
) -> ImportReport:
    """Import one file of ``kind`` (customers, orders, tickets, feedback, responses) into ``ws``.

    Raises :class:`~cxlens.exceptions.InvalidRowsError` when a row fails validation, unless
    ``skip_invalid``; nothing is stored then. ``dry_run`` checks everything and stores nothing.
    """
    started = time.perf_counter()
    if kind not in KINDS:
        raise MappingError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)} or survey")
    file = Path(path)
    progress("read", 0, 1)
    raw = read_table(file, format=format, sheet=sheet, encoding=encoding)
    plan = plan_mapping(ws, raw, kind, mapping, survey)
    tz = check_timezone(timezone or plan.timezone or load_settings().timezone)
    progress("check", 0, raw.num_rows)
    staged = _stage(ws, raw, plan, tz, date_format)
    report = ImportReport(
        raw.file,
        kind,
        raw.format,
        raw.encoding,
        plan.to_dict(),
        rows_read=staged.rows_read,
        duplicates_in_file=staged.rows_duplicate_in_file,
        rejected=staged.rows_rejected,
        issue_count=staged.issue_count,
        issues=staged.issues,
        ignored_columns=plan.ignore,
        dry_run=dry_run,
    )
    if report.rejected and not skip_invalid:
        raise _refuse(report)
    digest = source_hash(file, kind, plan)
    with ws.begin() as conn:
        prior = conn.execute(sa.select(sa.func.min(t.import_runs.c.id)).where(t.import_runs.c.source_hash == digest))
        report.same_file_as_run = prior.scalar()
        if not dry_run:
            progress("write", 0, 2)
            _store(conn, report, staged, plan, digest)
            progress("write", 1, 2)
    progress("done", 1, 1)
    report.seconds = time.perf_counter() - started
    return report


def _store(conn: sa.Connection, report: ImportReport, staged: Staged, plan: Mapping, digest: str) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    run_id = int(
        conn.execute(
            t.import_runs.insert()
            .values(
                kind=report.kind,
                file_name=report.file,
                source_hash=digest,
                format=report.format,
                encoding=report.encoding,
                mapping_json=plan.fingerprint(),
                started_at=now,
                finished_at=now,
                rows_read=report.rows_read,
                rows_inserted=0,
                rows_updated=0,
                rows_duplicate=0,
                rows_rejected=report.rejected,
            )
            .returning(t.import_runs.c.id)
        ).scalar_one()
    )
    target = Target(conn)
    try:
        for name, table in staged.tables.items():
            target.load(name, table)
        if plan.kind == "responses":
            survey_id = conn.execute(sa.select(t.surveys.c.id).where(t.surveys.c.code == plan.survey)).scalar_one()
            written = write_responses(target, int(survey_id), run_id, now)
        else:
            written = write_records(target, plan.kind, run_id, now)
            if "stg_attributes" in staged.tables:
                write_attributes(target)
    finally:
        target.release()
    _finish_run(conn, report, written, run_id)


def _finish_run(conn: sa.Connection, report: ImportReport, written: Written, run_id: int) -> None:
    report.run_id = run_id
    report.inserted, report.updated = written.inserted, written.updated
    report.already_stored, report.customers_created = written.already_stored, written.customers_created
    conn.execute(
        t.import_runs.update()
        .where(t.import_runs.c.id == run_id)
        .values(
            finished_at=datetime.now(UTC).replace(tzinfo=None),
            rows_inserted=written.inserted,
            rows_updated=written.updated,
            rows_duplicate=report.duplicates_in_file + written.already_stored,
        )
    )
    if report.issues:
        conn.execute(
            t.import_rejects.insert(),
            [
                {
                    "import_run_id": run_id,
                    "row_number": i.row,
                    "column_name": i.column,
                    "value": i.value,
                    "reason": i.reason,
                }
                for i in report.issues
            ],
        )


def import_survey(ws: Workspace, path: str | Path) -> ImportReport:
    """Import a survey definition (cxlens survey YAML). Importing it again changes nothing."""
    started = time.perf_counter()
    survey = load_survey(path)
    with ws.begin() as conn:
        _, created = install_survey(conn, survey)
    report = ImportReport(
        Path(path).name,
        "survey",
        "yaml",
        "utf-8",
        {"kind": "survey", "code": survey.code},
        rows_read=1,
        inserted=int(created),
        already_stored=int(not created),
    )
    report.seconds = time.perf_counter() - started
    return report
