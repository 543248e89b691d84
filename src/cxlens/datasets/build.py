"""Build the demo workspace: generate the demo company's files, then import them through the same import
path a user's files take (surveys first, then customers, orders, tickets, feedback and responses)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cxlens.datasets.demo import DemoFiles, generate
from cxlens.ingest.importer import import_file, import_survey
from cxlens.ingest.report import ImportReport
from cxlens.store import Workspace

__all__ = ["build_demo"]

#: ``step(description, report)`` is called after each file is imported
Step = Callable[[str, ImportReport], None]


def _noop(description: str, report: ImportReport) -> None:
    return None


def build_demo(path: str | Path, *, seed: int = 2026, scale: float = 1.0, on_step: Step = _noop) -> Workspace:
    """Create a workspace at ``path`` holding the generated demo company (see docs/demo.md).

    The source files stay in ``path/demo-data`` so the imports can be inspected and repeated."""
    ws = Workspace.init(path, name="aurora-demo")
    try:
        files: DemoFiles = generate(Path(path) / "demo-data", seed=seed, scale=scale)
        for survey in files.surveys:
            on_step(f"survey {survey.name}", import_survey(ws, survey))
        for kind, file in (
            ("customers", files.customers),
            ("orders", files.orders),
            ("tickets", files.tickets),
            ("feedback", files.feedback),
        ):
            on_step(f"{kind} {file.name}", import_file(ws, file, kind))
        for code, file in files.responses.items():
            on_step(f"responses {file.name}", import_file(ws, file, "responses", survey=code))
    except BaseException:
        ws.close()
        raise
    return ws
