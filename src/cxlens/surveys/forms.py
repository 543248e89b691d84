"""Survey forms in the workspace: create and edit a definition, publish it as a version at a public link.

A *form* (``survey_forms``) holds the editable definition and the public link's random slug, fixed for the
form's life so that printed QR codes keep working. *Publishing* validates the definition and stores it as
the next *version* (``survey_versions``), bound to the installed survey (``surveys``/``questions``/…,
through ``cxlens.ingest.surveys.install_survey``) whose questions its answers are stored under — the same
rows an imported file's responses use:

- version 1 installs the survey under the form's code, or reuses an installed survey of that code with the
  same questions (a form made from an imported survey answers into it);
- a later version whose survey is unchanged (only the form's description, help texts, scale anchors or
  skip logic changed) reuses the previous version's survey;
- a later version with any other change (questions, their texts, choices, scales, dimensions, weights)
  installs ``CODE_vN``: stored answers keep their questions, and
  metrics can compare the versions as surveys.

A form is answered at ``/s/SLUG`` while it is open, by anyone (``access = anonymous``) or only through an
invitation (``access = invitation``; see ``cxlens.surveys.invitations``).
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from cxlens.exceptions import ConfigurationError, SurveyClosedError, SurveyNotFoundError
from cxlens.ingest.surveys import install_survey, parse_survey
from cxlens.model import tables as t
from cxlens.store import Workspace
from cxlens.surveys.definition import FormDef, definition_from_survey, form_to_dict, parse_form

__all__ = [
    "FormInfo",
    "Version",
    "close_form",
    "create_form",
    "form_from_survey",
    "get_form",
    "list_forms",
    "load_version",
    "open_form",
    "publish",
    "resolve_link",
    "update_form",
]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class FormInfo:
    """A form as listed: its code, link slug, access, whether it is open, and its latest version."""

    id: int
    code: str
    slug: str
    access: str
    is_open: bool
    definition: dict[str, Any]
    updated_at: datetime
    updated_by: str | None
    version: int | None
    version_id: int | None
    survey_code: str | None
    published_at: datetime | None
    responses: int

    @property
    def title(self) -> dict[str, str]:
        title = self.definition.get("title")
        return dict(title) if isinstance(title, Mapping) else {"und": str(title or self.code)}


@dataclass(frozen=True, slots=True)
class Version:
    """A published version: what a public form renders and a submission is checked against."""

    id: int
    form_id: int
    form_code: str
    version: int
    survey_id: int
    slug: str
    access: str
    is_open: bool
    form: FormDef


def _check_access(access: str) -> str:
    if access not in t.SURVEY_ACCESS:
        raise ConfigurationError(f"access must be one of {', '.join(t.SURVEY_ACCESS)}, not {access!r}")
    return access


def create_form(
    ws: Workspace, definition: Mapping[str, Any], *, access: str = "anonymous", by: str | None = None
) -> FormInfo:
    """Store a new form from a definition (validated; see ``cxlens.surveys.definition``)."""
    form = parse_form(definition)
    _check_access(access)
    now = _now()
    with ws.begin() as conn:
        if conn.execute(sa.select(t.survey_forms.c.id).where(t.survey_forms.c.code == form.code)).first():
            raise ConfigurationError(f"a survey form {form.code!r} exists already; edit it or choose another code")
        conn.execute(
            t.survey_forms.insert().values(
                code=form.code,
                slug=secrets.token_urlsafe(9),
                access=access,
                is_open=False,
                definition_json=json.dumps(form_to_dict(form), ensure_ascii=False),
                created_at=now,
                updated_at=now,
                updated_by=by,
            )
        )
    return get_form(ws, form.code)


def form_from_survey(ws: Workspace, survey_code: str, *, access: str = "anonymous", by: str | None = None) -> FormInfo:
    """A form whose definition is an installed survey's (imported from YAML or a vendor's export)."""
    with ws.begin() as conn:
        data = definition_from_survey(conn, survey_code)
    return create_form(ws, data, access=access, by=by)


def update_form(
    ws: Workspace,
    code: str,
    definition: Mapping[str, Any] | None = None,
    *,
    access: str | None = None,
    by: str | None = None,
) -> FormInfo:
    """Replace a form's definition (its code cannot change) and/or its access. Published versions stay."""
    values: dict[str, Any] = {"updated_at": _now(), "updated_by": by}
    if definition is not None:
        form = parse_form(definition)
        if form.code != code:
            raise ConfigurationError(f"a form's code cannot change ({code!r} → {form.code!r}); create a new form")
        values["definition_json"] = json.dumps(form_to_dict(form), ensure_ascii=False)
    if access is not None:
        values["access"] = _check_access(access)
    with ws.begin() as conn:
        done = conn.execute(
            t.survey_forms.update().where(t.survey_forms.c.code == code).values(**values).returning(t.survey_forms.c.id)
        ).all()
        if not done:
            raise SurveyNotFoundError(f"no survey form {code!r} in this workspace")
    return get_form(ws, code)


def _set_open(ws: Workspace, code: str, is_open: bool, by: str | None) -> FormInfo:
    with ws.begin() as conn:
        done = conn.execute(
            t.survey_forms.update()
            .where(t.survey_forms.c.code == code)
            .values(is_open=is_open, updated_at=_now(), updated_by=by)
            .returning(t.survey_forms.c.id)
        ).all()
        if not done:
            raise SurveyNotFoundError(f"no survey form {code!r} in this workspace")
    return get_form(ws, code)


def close_form(ws: Workspace, code: str, *, by: str | None = None) -> FormInfo:
    """Stop accepting answers at the form's link (answers already stored stay)."""
    return _set_open(ws, code, False, by)


def open_form(ws: Workspace, code: str, *, by: str | None = None) -> FormInfo:
    """Accept answers at the link again (the form must have been published)."""
    info = get_form(ws, code)
    if info.version is None:
        raise ConfigurationError(f"survey form {code!r} has not been published yet; publish it first")
    return _set_open(ws, code, True, by)


def _listing(conn: sa.Connection, code: str | None) -> list[FormInfo]:
    f, v, s = t.survey_forms, t.survey_versions, t.surveys
    latest = sa.select(v.c.form_id, sa.func.max(v.c.version).label("version")).group_by(v.c.form_id).subquery()
    counts = (
        sa.select(v.c.form_id, sa.func.count(t.responses.c.id).label("n"))
        .select_from(v.join(t.responses, t.responses.c.survey_id == v.c.survey_id))
        .group_by(v.c.form_id)
        .subquery()
    )
    query = (
        sa.select(
            f, v.c.version, v.c.id.label("version_id"), v.c.published_at, s.c.code.label("survey_code"), counts.c.n
        )
        .select_from(
            f.outerjoin(latest, latest.c.form_id == f.c.id)
            .outerjoin(v, sa.and_(v.c.form_id == f.c.id, v.c.version == latest.c.version))
            .outerjoin(s, s.c.id == v.c.survey_id)
            .outerjoin(counts, counts.c.form_id == f.c.id)
        )
        .order_by(f.c.code)
    )
    if code is not None:
        query = query.where(f.c.code == code)
    return [
        FormInfo(
            int(r.id),
            r.code,
            r.slug,
            r.access,
            bool(r.is_open),
            json.loads(r.definition_json),
            r.updated_at,
            r.updated_by,
            r.version,
            int(r.version_id) if r.version_id is not None else None,
            r.survey_code,
            r.published_at,
            int(r.n or 0),
        )
        for r in conn.execute(query)
    ]


def list_forms(ws: Workspace) -> list[FormInfo]:
    """Every form, by code, with its latest version and the number of responses stored under its surveys."""
    with ws.engine.connect() as conn:
        return _listing(conn, None)


def get_form(ws: Workspace, code: str) -> FormInfo:
    with ws.engine.connect() as conn:
        found = _listing(conn, code)
    if not found:
        raise SurveyNotFoundError(f"no survey form {code!r} in this workspace")
    return found[0]


def _normal(value: Any) -> Any:
    """Floats to 6 significant digits: ``sa.Float`` is single precision on DuckDB (0.6 is read back as
    0.6000000238…), so a stored weight compares equal to the one written."""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    return value


def _same_questions(conn: sa.Connection, survey_code: str, form: FormDef) -> bool:
    stored = parse_survey(definition_from_survey(conn, survey_code), survey_code)
    mine = dataclasses.replace(form.survey, code=survey_code)
    return bool(_normal(dataclasses.asdict(stored)) == _normal(dataclasses.asdict(mine)))


def _survey_for(conn: sa.Connection, form: FormDef, version: int, previous: Any) -> tuple[int, str]:
    """The installed survey that version ``version`` answers into (installing it when new)."""
    if previous is not None and _same_questions(conn, previous.survey_code, form):
        return int(previous.survey_id), str(previous.survey_code)
    code = form.code if version == 1 else f"{form.code}_v{version}"
    installed = conn.execute(sa.select(t.surveys.c.id).where(t.surveys.c.code == code)).scalar()
    if installed is not None:
        if not _same_questions(conn, code, form):
            raise ConfigurationError(
                f"an installed survey {code!r} has other questions than this form; give the form another code"
            )
        return int(installed), code
    survey_id, _ = install_survey(conn, dataclasses.replace(form.survey, code=code))
    return survey_id, code


def publish(ws: Workspace, code: str, *, by: str | None = None) -> FormInfo:
    """Publish the form's current definition as its next version and open its link.

    Publishing an unchanged definition again adds no version (it reopens the link if it was closed)."""
    f, v = t.survey_forms, t.survey_versions
    with ws.begin() as conn:
        row = conn.execute(sa.select(f).where(f.c.code == code)).first()
        if row is None:
            raise SurveyNotFoundError(f"no survey form {code!r} in this workspace")
        form = parse_form(json.loads(row.definition_json), f"survey form {code!r}")
        previous = conn.execute(
            sa.select(v.c.version, v.c.survey_id, v.c.definition_json, t.surveys.c.code.label("survey_code"))
            .join(t.surveys, t.surveys.c.id == v.c.survey_id)
            .where(v.c.form_id == row.id)
            .order_by(v.c.version.desc())
            .limit(1)
        ).first()
        number = 1 if previous is None else int(previous.version) + 1
        survey_id, survey_code = _survey_for(conn, form, number, previous)
        snapshot = json.dumps({**form_to_dict(form), "code": survey_code}, ensure_ascii=False)
        unchanged = previous is not None and previous.definition_json == snapshot
        if not unchanged:
            conn.execute(
                v.insert().values(
                    form_id=row.id,
                    version=number,
                    survey_id=survey_id,
                    definition_json=snapshot,
                    published_at=_now(),
                    published_by=by,
                )
            )
        conn.execute(f.update().where(f.c.id == row.id).values(is_open=True))
    return get_form(ws, code)


#: parsed definitions of published versions (immutable) by (database, version id, publication time)
_VERSIONS: OrderedDict[tuple[str, int, datetime], FormDef] = OrderedDict()
_VERSIONS_LOCK = threading.Lock()


def _parsed(ws: Workspace, version_id: int, published_at: datetime) -> FormDef:
    key = (ws.url, version_id, published_at)
    with _VERSIONS_LOCK:
        cached = _VERSIONS.get(key)
        if cached is not None:
            _VERSIONS.move_to_end(key)
            return cached
    with ws.engine.connect() as conn:
        definition = conn.execute(
            sa.select(t.survey_versions.c.definition_json).where(t.survey_versions.c.id == version_id)
        ).scalar_one()
    form = parse_form(json.loads(definition), f"survey version {version_id}")
    with _VERSIONS_LOCK:
        _VERSIONS[key] = form
        while len(_VERSIONS) > 256:
            _VERSIONS.popitem(last=False)
    return form


def _version_query() -> Any:
    f, v = t.survey_forms, t.survey_versions
    return sa.select(
        v.c.id, v.c.form_id, f.c.code, v.c.version, v.c.survey_id, v.c.published_at, f.c.slug, f.c.access, f.c.is_open
    ).join(f, f.c.id == v.c.form_id)


def _version(ws: Workspace, row: Any) -> Version:
    return Version(
        int(row.id),
        int(row.form_id),
        row.code,
        int(row.version),
        int(row.survey_id),
        row.slug,
        row.access,
        bool(row.is_open),
        _parsed(ws, int(row.id), row.published_at),
    )


def resolve_link(ws: Workspace, slug: str, *, require_open: bool = True) -> Version:
    """The latest version published at ``/s/SLUG``.

    Raises :class:`SurveyNotFoundError` for an unknown slug or a form never published, and
    :class:`SurveyClosedError` when the form is closed (unless ``require_open=False``)."""
    v = t.survey_versions
    with ws.engine.connect() as conn:
        row = conn.execute(
            _version_query().where(t.survey_forms.c.slug == slug).order_by(v.c.version.desc()).limit(1)
        ).first()
    if row is None:
        raise SurveyNotFoundError(f"no published survey at link {slug!r}")
    if require_open and not row.is_open:
        raise SurveyClosedError(f"survey {row.code!r} is closed")
    return _version(ws, row)


def load_version(ws: Workspace, version_id: int) -> Version:
    """A published version by id (a submission token names the version its form showed)."""
    with ws.engine.connect() as conn:
        row = conn.execute(_version_query().where(t.survey_versions.c.id == version_id)).first()
    if row is None:
        raise SurveyNotFoundError(f"no published survey version {version_id}")
    return _version(ws, row)
