"""Every error cxlens raises, in one hierarchy.

::

    CxlensError
     ├── WorkspaceError
     │    ├── WorkspaceNotFoundError      (also FileNotFoundError)
     │    ├── WorkspaceExistsError        (also FileExistsError)
     │    ├── WorkspaceLockedError        another process holds the DuckDB file for writing
     │    └── SchemaVersionError          the database was written by a newer cxlens
     ├── ImportError_                    a file could not be imported; nothing was stored
     │    ├── ReadError                  the file cannot be read at all (encoding, format, empty)
     │    ├── MappingError               the column mapping is invalid or incomplete (also ValueError)
     │    └── InvalidRowsError           rows failed validation; carries the located issues
     ├── ConfigurationError              a setting or a YAML definition is invalid (also ValueError)
     └── SurveyError                     a survey form cannot be served or answered
          ├── SurveyNotFoundError         no published survey at this link (also LookupError)
          ├── SurveyClosedError           the survey no longer accepts answers
          ├── SubmissionInvalidError      answers failed validation; carries a message per question (ValueError)
          ├── SubmissionTokenError        the form's submission token is forged or expired (also ValueError)
          └── InvitationError             the invitation is missing, unknown, or already used

Errors that point into a file carry :class:`Location` objects (file, row, column, value) so that the CLI,
the web app and the import report can all say *where* and *why* in the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigurationError",
    "CxlensError",
    "ImportError_",
    "InvalidRowsError",
    "InvitationError",
    "Issue",
    "MappingError",
    "ReadError",
    "SchemaVersionError",
    "SubmissionInvalidError",
    "SubmissionTokenError",
    "SurveyClosedError",
    "SurveyError",
    "SurveyNotFoundError",
    "UndefinedMetricWarning",
    "WorkspaceError",
    "WorkspaceExistsError",
    "WorkspaceLockedError",
    "WorkspaceNotFoundError",
]


@dataclass(frozen=True, slots=True)
class Issue:
    """One located problem in an input file.

    ``row`` is the 1-based row number as a spreadsheet shows it (the header is row 1, so the first data row
    is row 2); ``None`` when the problem concerns the whole file or a whole column.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        head = ", ".join(where)
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            return f"{head}: value {shown!r}: {self.reason}"
        return f"{head}: {self.reason}"


class CxlensError(Exception):
    """Base class of every cxlens error."""


class WorkspaceError(CxlensError):
    """A workspace cannot be created, found or opened."""


class WorkspaceNotFoundError(WorkspaceError, FileNotFoundError):
    """The folder is not a cxlens workspace."""


class WorkspaceExistsError(WorkspaceError, FileExistsError):
    """``init`` was asked to create a workspace where one already exists."""


class WorkspaceLockedError(WorkspaceError):
    """Another process (usually ``cxlens serve``) holds the workspace's DuckDB file for writing."""


class SchemaVersionError(WorkspaceError):
    """The workspace's schema is newer than this version of cxlens understands."""


class ImportError_(CxlensError):
    """A file could not be imported. Nothing from it was stored."""


class ReadError(ImportError_):
    """The file cannot be read: unknown encoding, unsupported format, no header, no rows."""

    def __init__(self, message: str, issue: Issue | None = None) -> None:
        super().__init__(message)
        self.issue = issue


class MappingError(ImportError_, ValueError):
    """The column mapping does not fit the file or the kind of record being imported."""


class InvalidRowsError(ImportError_, ValueError):
    """Some rows failed validation and the import was asked to accept all rows or none."""

    def __init__(self, message: str, issues: Sequence[Issue], rejected_rows: int) -> None:
        super().__init__(message)
        self.issues = list(issues)
        self.rejected_rows = rejected_rows


class ConfigurationError(CxlensError, ValueError):
    """A setting, a survey definition or a mapping file is invalid."""


class SurveyError(CxlensError):
    """A survey form cannot be served, or a submission to it cannot be accepted."""


class SurveyNotFoundError(SurveyError, LookupError):
    """No published survey answers at this link (or under this code)."""


class SurveyClosedError(SurveyError):
    """The survey was closed and accepts no more answers."""


class SubmissionInvalidError(SurveyError, ValueError):
    """Answers failed validation. ``errors`` maps each question code to ``(message id, parameters)`` of
    ``cxlens.surveys.messages.MESSAGES``; :meth:`messages` words them in a language."""

    def __init__(self, message: str, errors: dict[str, tuple[str, dict[str, object]]]) -> None:
        super().__init__(message)
        self.errors = dict(errors)

    def messages(self, lang: str) -> dict[str, str]:
        from cxlens.surveys.messages import message

        return {code: message(key, lang, **params) for code, (key, params) in self.errors.items()}


class SubmissionTokenError(SurveyError, ValueError):
    """A form's submission token was not issued by this server, belongs to another survey, or expired."""


class InvitationError(SurveyError):
    """An invitation-only survey was answered without an invitation, with an unknown one, or twice.

    ``reason`` is ``invitation_required``, ``invitation_unknown`` or ``invitation_used``."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class UndefinedMetricWarning(UserWarning):
    """A metric was asked of a slice with no data (n = 0): its value is NaN, never a silent 0."""
