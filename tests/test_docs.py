"""Documentation stays true: the CLI reference is what --help says, and the demo page names every file."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_generated_from_help() -> None:
    render = runpy.run_path(str(ROOT / "scripts" / "cli_docs.py"))["render"]
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == render(), (
        "docs/cli.md is stale: run `python scripts/cli_docs.py`"
    )


def test_demo_page_describes_every_generated_file(tmp_path: Path) -> None:
    from cxlens.datasets.demo import generate

    files = generate(tmp_path, scale=0.01)
    page = (ROOT / "docs" / "demo.md").read_text(encoding="utf-8")
    names = {p.name for p in tmp_path.iterdir() if p.is_file()}
    assert names and [n for n in sorted(names) if n not in page] == []
    assert files.feedback.name in page


def test_metric_reference_is_generated_from_the_registry() -> None:
    render = runpy.run_path(str(ROOT / "scripts" / "metric_docs.py"))["render"]
    assert (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8") == render(), (
        "docs/metrics.md is stale: run `python scripts/metric_docs.py`"
    )
