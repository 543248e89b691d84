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
     └── ConfigurationError              a setting or a YAML definition is invalid (also ValueError)

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
    "Issue",
    "MappingError",
    "ReadError",
    "SchemaVersionError",
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


class UndefinedMetricWarning(UserWarning):
    """A metric was asked of a slice with no data (n = 0): its value is NaN, never a silent 0."""
