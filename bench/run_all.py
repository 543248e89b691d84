"""Run every benchmark in bench/ and write one table of their figures into bench/RESULTS.md.

Each ``bench/*.py`` (this file aside) runs in its own process, with ``--quick`` unless ``--full`` is given;
every ``BENCH <name> cxlens=… baseline=… unit=… ratio=… n=…`` line it prints (shared/design/BENCH.md)
becomes a row of the table, next to the floor the benchmark states in its docstring (a line starting with
``Floor:``). A benchmark that fails, times out or prints no BENCH line gets a row saying so. The table
replaces the generated section of bench/RESULTS.md between the markers below (added at the end the first
time); everything else in the file is kept.

    python bench/run_all.py                 # every benchmark, --quick sizes (minutes)
    python bench/run_all.py --full          # the sizes the issues name (hours on 2 cores)
    python bench/run_all.py --only metrics value --no-write
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
BEGIN = "<!-- bench/run_all.py: generated section, do not edit by hand -->"
END = "<!-- bench/run_all.py: end of generated section -->"
LINE = re.compile(
    r"^BENCH (?P<name>\S+) cxlens=(?P<cxlens>\S+) baseline=(?P<baseline>\S+) unit=(?P<unit>\S+) "
    r"ratio=(?P<ratio>\S+) n=(?P<n>\S+)\s*$"
)


@dataclass(slots=True)
class Outcome:
    """One benchmark script's run: its BENCH lines (as dicts), status and wall time."""

    script: str
    floor: str
    status: str = "ok"
    seconds: float = 0.0
    rows: list[dict[str, str]] = field(default_factory=list)
    tail: str = ""


def scripts(only: list[str] | None) -> list[Path]:
    found = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_"))
    if only:
        wanted = {name.removesuffix(".py") for name in only}
        unknown = wanted - {p.stem for p in found}
        if unknown:
            raise SystemExit(
                f"no benchmark named {', '.join(sorted(unknown))}; have {', '.join(p.stem for p in found)}"
            )
        found = [p for p in found if p.stem in wanted]
    return found


def stated_floor(path: Path) -> str:
    """The ``Floor:`` line of the script's docstring (read without running it), or '' if it states none."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    for line in doc.splitlines():
        if line.strip().startswith("Floor:"):
            return line.strip().removeprefix("Floor:").strip()
    return ""


def parse(output: str) -> list[dict[str, str]]:
    """Every BENCH line of ``output`` as a dict (name, cxlens, baseline, unit, ratio, n)."""
    return [m.groupdict() for line in output.splitlines() if (m := LINE.match(line.strip()))]


def run(path: Path, full: bool, timeout: float) -> Outcome:
    outcome = Outcome(path.stem, stated_floor(path))
    command = [sys.executable, str(path)] + ([] if full else ["--quick"])
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=HERE.parent)
    except subprocess.TimeoutExpired as err:
        outcome.status = f"timed out after {timeout:.0f} s"
        out = err.stdout.decode() if isinstance(err.stdout, bytes) else (err.stdout or "")
        outcome.rows = parse(out)
    else:
        outcome.rows = parse(done.stdout)
        if done.returncode != 0:
            outcome.status = f"failed (exit {done.returncode})"
            lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
            outcome.tail = lines[-1].strip() if lines else ""
        elif not outcome.rows:
            outcome.status = "no BENCH line"
    outcome.seconds = time.perf_counter() - started
    return outcome


def machine() -> str:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f", {kb / 1024 / 1024:.1f} GB memory"
    return (
        f"{os.cpu_count()} cores{memory}, {platform.system()} {platform.machine()}, Python {platform.python_version()}"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(outcomes: list[Outcome], full: bool) -> str:
    """The generated section: a header line and one Markdown table of every figure."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    size = "full sizes (--full)" if full else "quick sizes (--quick)"
    lines = [
        BEGIN,
        f"## All benchmarks ({size}) — {when}",
        "",
        f"Written by `python bench/run_all.py{' --full' if full else ''}` on {machine()}. ratio = cxlens / baseline "
        "(for times lower is better; for rates and accuracies higher is better). The floor is what each benchmark "
        "states as the least any implementation needs.",
        "",
        "| benchmark | figure | cxlens | baseline | unit | ratio | n | floor (as the benchmark states it) |",
        "|---|---|---:|---:|---|---:|---:|---|",
    ]
    for o in outcomes:
        for row in o.rows:
            lines.append(
                f"| {o.script} | {row['name']} | {row['cxlens']} | {row['baseline']} | {row['unit']} | "
                f"{row['ratio']} | {row['n']} | {_cell(o.floor) or '(none stated)'} |"
            )
        if o.status != "ok":
            why = f": {_cell(o.tail)}" if o.tail else ""
            lines.append(f"| {o.script} | — | — | — | — | — | — | **{o.status}**{why} |")
    lines += ["", "Wall time per script: " + ", ".join(f"{o.script} {o.seconds:.0f} s" for o in outcomes), END]
    return "\n".join(lines) + "\n"


def write(section: str, path: Path = RESULTS) -> None:
    """Replace the generated section of ``path`` (or append it), keeping everything else as it is."""
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmark results\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the sizes the issues name instead of --quick")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks (e.g. metrics value)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per benchmark (default 600; --full 3 h)")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave bench/RESULTS.md alone")
    args = parser.parse_args()
    timeout = args.timeout or (3 * 3600 if args.full else 600)
    outcomes = []
    for path in scripts(args.only):
        print(f"== {path.name} {'(full)' if args.full else '--quick'}", flush=True)
        outcome = run(path, args.full, timeout)
        for row in outcome.rows:
            print(
                f"BENCH {row['name']} cxlens={row['cxlens']} baseline={row['baseline']} unit={row['unit']} "
                f"ratio={row['ratio']} n={row['n']}",
                flush=True,
            )
        print(f"   {outcome.status}, {outcome.seconds:.1f} s", flush=True)
        outcomes.append(outcome)
    section = table(outcomes, args.full)
    if args.no_write:
        print(section)
    else:
        write(section)
        print(f"wrote the table to {RESULTS}")
    if any(o.status != "ok" for o in outcomes):
        sys.exit(1)


if __name__ == "__main__":
    main()
