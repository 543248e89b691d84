"""The one import path: read → map → stage (type and check) → store, in one transaction.

A failure anywhere, or a kill, leaves the workspace exactly as it was: every row of a file is written in a
single database transaction, which DuckDB and PostgreSQL both discard unless it commits. Rows are keyed by
their natural ids (or a content hash), so importing the same file again adds nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from cxlens.config import check_timezone, load_settings
from cxlens.exceptions import InvalidRowsError, MappingError
from cxlens.ingest.adapters import Adapted, adapt, read_survey_file
from cxlens.ingest.facts import add_answer_facts, refresh_customer_facts
from cxlens.ingest.fields import FIELDS, KINDS, Kind
from cxlens.ingest.kinds import Written, stage_records, write_attributes, write_records
from cxlens.ingest.mapping import Mapping, infer_mapping
from cxlens.ingest.readers import FORMATS, ROW, RawTable, read_table
from cxlens.ingest.report import ImportReport
from cxlens.ingest.responses import definition_tables, load_questions, stage_responses, write_responses
from cxlens.ingest.stage import Stage, Staged
from cxlens.ingest.surveys import SurveyDef, install_survey, load_survey
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


def _stage(
    ws: Workspace, raw: RawTable, mapping: Mapping, tz: str, date_format: str | None, pending: SurveyDef | None
) -> Staged:
    stage = Stage(raw, mapping, tz, date_format)
    try:
        if mapping.kind == "responses":
            if pending is not None:
                questions, choices = definition_tables(pending)
            else:
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


def _merge(base: Mapping, user: Mapping | None) -> Mapping:
    """The adapter's mapping with what the user's mapping file says on top."""
    if user is None:
        return base
    if user.kind != base.kind:
        raise MappingError(f"the mapping is for {user.kind}, but the file holds {base.kind}")
    return dataclasses.replace(
        base,
        columns={**base.columns, **user.columns},
        questions=user.questions or base.questions,
        values={**base.values, **user.values},
        constants={**base.constants, **user.constants},
        ignore=sorted(set(base.ignore) | set(user.ignore)),
        survey=user.survey or base.survey,
        timezone=user.timezone or base.timezone,
    )


def _survey_exists(ws: Workspace, code: str) -> bool:
    with ws.begin() as conn:
        return conn.execute(sa.select(t.surveys.c.id).where(t.surveys.c.code == code)).first() is not None


def _plan_adapted(
    ws: Workspace, adapted: Adapted, mapping: Mapping | None, survey: str | None
) -> tuple[Mapping, SurveyDef | None]:
    """The mapping for an adapted file, and the survey definition derived from it (None when ``survey``
    names a survey already stored, whose questions are then matched by code)."""
    plan = _merge(adapted.mapping, mapping)
    if adapted.kind != "responses" or adapted.survey is None:
        plan.check(adapted.raw.columns, adapted.raw.file)
        return plan, None
    code = survey or (mapping.survey if mapping else None)
    if code and _survey_exists(ws, code):
        plain = dataclasses.replace(plan, questions=mapping.questions if mapping else {})
        return plan_mapping(ws, adapted.raw, "responses", plain, code), None
    code = code or adapted.survey.code
    plan.survey = code
    plan.check(adapted.raw.columns, adapted.raw.file)
    return plan, dataclasses.replace(adapted.survey, code=code)


def _with_constants(raw: RawTable, plan: Mapping) -> tuple[RawTable, Mapping]:
    """Fill the fields given under ``constants`` (where their column is empty or absent) for staging."""
    if not plan.constants:
        return raw, plan
    table = raw.table
    columns = dict(plan.columns)
    for name, value in plan.constants.items():
        filled = pa.array([value] * table.num_rows, pa.string())
        if name in columns:  # the file's own column, its empty cells filled
            index = table.column_names.index(columns[name])
            src = table[columns[name]]
            filled = pc.if_else(pc.equal(pc.utf8_trim_whitespace(src), ""), filled, src)
            table = table.set_column(index, columns[name], filled)
        else:
            columns[name] = f"{name} (constant)"
            table = table.append_column(columns[name], filled)
    return dataclasses.replace(raw, table=table), dataclasses.replace(plan, columns=columns)


def _masked(raw: RawTable, plan: Mapping, settings: dict[str, object]) -> RawTable:
    """With the workspace's ``mask_pii`` on, personal data in every text cell is masked (and the
    ``pii_columns`` replaced by pseudonyms) before anything is checked or stored."""
    if not settings.get("mask_pii"):
        return raw
    from cxlens.text.pii import find, mask, pseudonym

    names = settings.get("pii_columns")
    whole = {str(c) for c in names} if isinstance(names, list) else set()
    typed = {f.name for f in FIELDS[plan.kind] if f.type in ("timestamp", "number", "integer")}
    skip = {col for name, col in plan.columns.items() if name in typed}
    # an id that is itself personal data (an e-mail as contact id) becomes a pseudonym, so records still join
    ids = {col for name, col in plan.columns.items() if name in {f.name for f in FIELDS[plan.kind] if f.type == "id"}}
    table = raw.table
    for index, name in enumerate(table.column_names):
        if name == ROW or name in skip:
            continue
        column = table[name]
        uniques = [v for v in pc.unique(column).to_pylist() if v]
        if name in whole:
            masked = {v: pseudonym(v) for v in uniques}
        elif name in ids:
            masked = {v: pseudonym(v) for v in uniques if find(v)}
        else:
            masked = {v: mask(v) for v in uniques}
        changed = {k: v for k, v in masked.items() if k != v}
        if changed:
            keys, values = pa.array(list(changed), pa.string()), pa.array(list(changed.values()), pa.string())
            at = pc.index_in(column, value_set=keys)
            table = table.set_column(index, name, pc.if_else(pc.is_valid(at), pc.take(values, at), column))
    return dataclasses.replace(raw, table=table)


def _masked_survey(survey: SurveyDef) -> SurveyDef:
    """A definition derived from a file whose cells were masked: its choices (taken from those cells) and
    texts masked the same way, so they still match and hold no personal data."""
    from cxlens.text.pii import mask

    questions = []
    for q in survey.questions:
        choices = {mask(c.code): c for c in q.choices}
        masked = tuple(
            dataclasses.replace(c, code=code, text={k: mask(v) for k, v in c.text.items()})
            for code, c in choices.items()
        )
        questions.append(dataclasses.replace(q, text={k: mask(v) for k, v in q.text.items()}, choices=masked))
    return dataclasses.replace(survey, questions=tuple(questions))


def import_file(
    ws: Workspace,
    path: str | Path,
    kind: str | None = None,
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

    A vendor export (Qualtrics, SurveyMonkey, 问卷星, LimeSurvey, Google Forms, SPSS, Stata, Zendesk,
    Freshdesk, Jira Service Management) is recognised from its content, or named by ``format``; ``kind``
    may then be left out. A survey export imported without ``survey`` (or naming a survey not stored yet)
    creates the survey from the file, and a later export of it adds its new questions and options.

    Raises :class:`~cxlens.exceptions.InvalidRowsError` when a row fails validation, unless
    ``skip_invalid``; nothing is stored then. ``dry_run`` checks everything and stores nothing.
    """
    started = time.perf_counter()
    if kind is not None and kind not in KINDS:
        raise MappingError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)} or survey")
    file = Path(path)
    progress("read", 0, 1)
    adapted = adapt(file, format, sheet=sheet, encoding=encoding)
    pending: SurveyDef | None = None
    if adapted is not None:
        if kind is not None and kind != adapted.kind:
            raise MappingError(f"{file.name} is a {adapted.raw.format} export of {adapted.kind}, not {kind}")
        raw, kind = adapted.raw, adapted.kind
        plan, pending = _plan_adapted(ws, adapted, mapping, survey)
    else:
        if kind is None:
            raise MappingError(f"{file.name}: say what the file holds with --kind ({', '.join(KINDS)})")
        raw = read_table(file, format=format if format in FORMATS else None, sheet=sheet, encoding=encoding)
        plan = plan_mapping(ws, raw, kind, mapping, survey)
    raw = _masked(raw, plan, ws.settings)
    if pending is not None and ws.settings.get("mask_pii"):
        pending = _masked_survey(pending)
    tz = check_timezone(timezone or plan.timezone or load_settings().timezone)
    progress("check", 0, raw.num_rows)
    staged = _stage(ws, *_with_constants(raw, plan), tz, date_format, pending)
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
            if pending is not None:
                extend_survey(conn, pending)
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
            add_answer_facts(target, run_id)
        else:
            written = write_records(target, plan.kind, run_id, now)
            if "stg_attributes" in staged.tables:
                write_attributes(target)
            if plan.kind == "customers" and written.updated:
                refresh_customer_facts(target)
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


def extend_survey(conn: sa.Connection, survey: SurveyDef) -> int:
    """Store a survey derived from an export; if it is stored already, add the questions and choices it
    lacks (a later export of the same survey). Existing questions are never changed. Returns its id."""
    existing = conn.execute(sa.select(t.surveys.c.id).where(t.surveys.c.code == survey.code)).scalar()
    if existing is None:
        return install_survey(conn, survey)[0]
    q, c = t.questions, t.choices
    stored = {r.code: int(r.id) for r in conn.execute(sa.select(q.c.code, q.c.id).where(q.c.survey_id == existing))}
    position = len(stored)
    for question in survey.questions:
        if question.code not in stored:
            values = dict(survey_id=existing, code=question.code, type=question.type, position=position)
            values |= dict(scale_min=question.scale[0] if question.scale else None, required=False)
            values |= dict(scale_max=question.scale[1] if question.scale else None)
            stored[question.code] = int(conn.execute(q.insert().values(**values).returning(q.c.id)).scalar_one())
            _texts(conn, "question", stored[question.code], question.text)
            position += 1
        have = set(conn.execute(sa.select(c.c.code).where(c.c.question_id == stored[question.code])).scalars())
        for n, choice in enumerate(ch for ch in question.choices if ch.code not in have):
            values = dict(question_id=stored[question.code], code=choice.code, position=len(have) + n)
            cid = int(conn.execute(c.insert().values(**values, score=choice.score).returning(c.c.id)).scalar_one())
            _texts(conn, "choice", cid, choice.text)
    return int(existing)


def _texts(conn: sa.Connection, entity: str, entity_id: int, texts: dict[str, str]) -> None:
    rows = [{"entity": entity, "entity_id": entity_id, "language": k, "text": v} for k, v in texts.items()]
    conn.execute(t.texts.insert(), rows)


def import_survey(ws: Workspace, path: str | Path) -> ImportReport:
    """Import a survey definition: a cxlens survey YAML, a Qualtrics .qsf, or a LimeSurvey .lss, structure
    export (.txt) or R syntax file (.R). Importing it again changes nothing."""
    started = time.perf_counter()
    survey = read_survey_file(path) if Path(path).suffix.lower() not in (".yaml", ".yml") else None
    survey = survey or load_survey(path)
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
