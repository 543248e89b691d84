"""Survey authoring and distribution (no HTTP here): definitions with skip logic and zh/en texts, forms
published as versions at a public link with a QR code, invitations, submission tokens, server-side
validation, and durable idempotent storage of web submissions and staff-entered interviews, complaints,
suggestions and call records — into the same tables imported responses and feedback use.

>>> import tempfile
>>> from cxlens.store import Workspace
>>> from cxlens.surveys import create_form, publish, resolve_link, submit
>>> ws = Workspace.init(tempfile.mkdtemp() + "/ws")
>>> info = create_form(ws, {"code": "visit", "questions": [{"code": "nps", "type": "nps", "required": True}]})
>>> version = resolve_link(ws, publish(ws, "visit").slug)
>>> submit(ws, version, {"nps": "9"}, key="web:demo").created, submit(ws, version, {"nps": "9"}, key="web:demo").created
(True, False)
>>> ws.close()
"""

from __future__ import annotations

from cxlens.surveys.definition import OPERATORS, Condition, FormDef, definition_from_survey, form_to_dict, parse_form
from cxlens.surveys.entry import ENTRY_FEEDBACK_TYPES, INTERVIEW_CHANNELS, enter_feedback, enter_interview
from cxlens.surveys.forms import (
    FormInfo,
    Version,
    close_form,
    create_form,
    form_from_survey,
    get_form,
    list_forms,
    load_version,
    open_form,
    publish,
    resolve_link,
    update_form,
)
from cxlens.surveys.invitations import create_invitations, invitation_counts, survey_link
from cxlens.surveys.qr import qr_matrix, qr_png, qr_svg
from cxlens.surveys.ratelimit import parse_rate
from cxlens.surveys.submit import Pending, Stored, submit, submit_many
from cxlens.surveys.tokens import SubmissionToken, issue_token, read_token
from cxlens.surveys.validation import Submission, validate_submission

__all__ = [
    "ENTRY_FEEDBACK_TYPES",
    "INTERVIEW_CHANNELS",
    "OPERATORS",
    "Pending",
    "Condition",
    "FormDef",
    "FormInfo",
    "Stored",
    "Submission",
    "SubmissionToken",
    "Version",
    "close_form",
    "create_form",
    "create_invitations",
    "definition_from_survey",
    "enter_feedback",
    "enter_interview",
    "form_from_survey",
    "form_to_dict",
    "get_form",
    "invitation_counts",
    "issue_token",
    "list_forms",
    "load_version",
    "open_form",
    "parse_form",
    "parse_rate",
    "publish",
    "qr_matrix",
    "qr_png",
    "qr_svg",
    "read_token",
    "resolve_link",
    "submit",
    "submit_many",
    "survey_link",
    "update_form",
    "validate_submission",
]
