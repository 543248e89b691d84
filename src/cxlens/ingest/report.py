"""The import report: what a file brought, what was refused and why, and where."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cxlens.exceptions import Issue

__all__ = ["ImportReport"]


@dataclass(slots=True)
class ImportReport:
    """The outcome of importing one file. ``to_dict`` gives the stable keys of ``--json``."""

    file: str
    kind: str
    format: str
    encoding: str | None
    mapping: dict[str, Any]
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates_in_file: int = 0
    already_stored: int = 0
    rejected: int = 0
    customers_created: int = 0
    issue_count: int = 0
    issues: list[Issue] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    run_id: int | None = None
    same_file_as_run: int | None = None
    dry_run: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "format": self.format,
            "encoding": self.encoding,
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "duplicates_in_file": self.duplicates_in_file,
            "already_stored": self.already_stored,
            "rejected": self.rejected,
            "customers_created": self.customers_created,
            "issue_count": self.issue_count,
            "issues": [
                {"file": i.file, "row": i.row, "column": i.column, "value": i.value, "reason": i.reason}
                for i in self.issues
            ],
            "ignored_columns": self.ignored_columns,
            "mapping": self.mapping,
            "run_id": self.run_id,
            "same_file_as_run": self.same_file_as_run,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
        }
