"""What every ``cxlens`` command module shares: the label language, JSON output with stable keys, a clean
exit for a bad input, opening a workspace, and JSON-ready table rows."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console

from cxlens.config import load_settings
from cxlens.exceptions import CxlensError
from cxlens.store import Workspace

__all__ = ["_fail", "_lang", "_print_json", "_workspace", "records"]

err = Console(stderr=True, soft_wrap=True)


def _lang(lang: str | None) -> str:
    return lang if lang in ("zh", "en") else load_settings().lang


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _fail(error: Exception, as_json: bool) -> typer.Exit:
    if as_json:
        _print_json({"ok": False, "error": type(error).__name__, "message": str(error)})
    else:
        err.print(f"[bold red]error:[/] {error}", markup=True, highlight=False)
    return typer.Exit(code=1)


@contextmanager
def _workspace(path: Path, as_json: bool) -> Iterator[Workspace]:
    """Open the workspace; a cxlens error, a bad value or an unknown name becomes a clean exit."""
    try:
        with Workspace.open(path) as ws:
            yield ws
    except (CxlensError, ValueError, LookupError) as e:
        raise _fail(e, as_json) from e


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: NaN → null, timestamps → ISO strings, numpy scalars → Python numbers."""
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    for row in rows:
        for key, value in row.items():
            if isinstance(value, pd.Timestamp | datetime):
                row[key] = value.isoformat()
            elif hasattr(value, "item"):
                row[key] = value.item()
    return rows
