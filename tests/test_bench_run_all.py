"""bench/run_all.py: BENCH lines parsed, floors read from every benchmark, the generated section replaced."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_ALL = runpy.run_path(str(ROOT / "bench" / "run_all.py"))


def test_every_benchmark_states_its_floor() -> None:
    scripts = RUN_ALL["scripts"](None)
    assert scripts and "run_all" not in [p.stem for p in scripts]
    assert [p.name for p in scripts if not RUN_ALL["stated_floor"](p)] == []


def test_bench_lines_are_parsed_and_other_output_ignored() -> None:
    out = "warming up\nBENCH nps cxlens=0.41 baseline=0.33 unit=s ratio=1.24 n=10000000\nBENCH broken line\n"
    assert RUN_ALL["parse"](out) == [
        {"name": "nps", "cxlens": "0.41", "baseline": "0.33", "unit": "s", "ratio": "1.24", "n": "10000000"}
    ]


def test_generated_section_is_replaced_and_the_rest_kept(tmp_path: Path) -> None:
    outcome = RUN_ALL["Outcome"]
    done = outcome(
        "metrics",
        "hand-written SQL | flat table",
        rows=RUN_ALL["parse"]("BENCH a cxlens=1 baseline=2 unit=s ratio=0.5 n=3"),
    )
    failed = outcome("web_load", "", status="failed (exit 1)", tail="boom")
    path = tmp_path / "RESULTS.md"
    path.write_text("# Benchmark results\n\n## metrics — by hand\nkept\n", encoding="utf-8")
    RUN_ALL["write"](RUN_ALL["table"]([done, failed], False), path)
    first = path.read_text(encoding="utf-8")
    assert "kept" in first and "| metrics | a | 1 | 2 | s | 0.5 | 3 | hand-written SQL \\| flat table |" in first
    assert "**failed (exit 1)**: boom" in first
    RUN_ALL["write"](RUN_ALL["table"]([done], True), path)
    second = path.read_text(encoding="utf-8")
    assert second.count(RUN_ALL["BEGIN"]) == 1 and "failed" not in second and "full sizes" in second
    assert second.startswith("# Benchmark results\n\n## metrics — by hand\nkept\n")
