"""Public survey submissions per second through ``POST /s/SLUG`` on loopback, against the floor.

- cxlens: ``cxlens serve`` with its defaults (uvicorn on uvloop + httptools, one worker, no access log)
  over a DuckDB workspace with a published one-question form; per-IP rate limit off. Each POST carries its
  own submission token (minted here with the workspace's key, exactly as the form page would issue it) and
  the CSRF cookie/field, so the server does the whole work of a real submission: CSRF and token checks,
  the form's version, server-side validation, the idempotency check and the durable group commit, then
  the 303.
- floor: a minimal Starlette app (uvicorn, one worker, the same uvloop + httptools) whose endpoint reads
  the same form fields and does a single ``INSERT`` into a table of the same DuckDB database file,
  committed before its 303 — the least any durable form endpoint on this stack can do.

Floor: a minimal Starlette endpoint doing one INSERT into the same DuckDB database (uvicorn, 1 worker).

Both are driven by the same load generator in this process: ``CLIENTS`` concurrent keep-alive clients
(bench/web_load.py's: plain asyncio streams on uvloop, requests assembled as bytes, so the client takes
little of the machine's CPU from the servers) for ``SECONDS`` per round, after a warm-up; throughput is
the median of ``ROUNDS`` rounds, latency the p50/p99 of every POST of those rounds (a closed loop: each
client posts again as soon as it has its answer). Afterwards every acknowledged (303) submission must be
stored, once (checked in the database).

    python bench/submissions.py            # 50 clients, 3 rounds of 10 s each
    python bench/submissions.py --quick    # 8 clients, 3 rounds of 1.5 s
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cxlens.store import Workspace
from cxlens.surveys import create_form, issue_token, publish, resolve_link
from web_load import free_port, percentile, respondents, run, serve_command, start_server, stop_server, token_key
from web_load import verify as verify_workspace

FORM = {
    "code": "bench",
    "title": {"en": "Submission bench"},
    "default_language": "en",
    "questions": [{"code": "nps", "type": "nps", "required": True, "text": {"en": "Recommend us?"}}],
}
FLOOR_APP = textwrap.dedent(
    """
    import sys, threading
    import duckdb, uvicorn
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    con = duckdb.connect(sys.argv[1])
    con.execute("CREATE TABLE IF NOT EXISTS bench_floor (idempotency_key VARCHAR PRIMARY KEY, nps INTEGER)")
    lock = threading.Lock()

    def insert(key, nps):
        with lock:
            con.execute("INSERT INTO bench_floor VALUES (?, ?)", [key, nps])

    async def submit(request):
        form = await request.form()
        await run_in_threadpool(insert, str(form["_token"]), int(form["q_nps"]))
        return RedirectResponse("/thanks", status_code=303)

    app = Starlette(routes=[Route("/s/floor", submit, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    """
)


@dataclass
class Side:
    """One of the two servers compared, and what its rounds measured."""

    name: str
    command: Callable[[int], list[str]]  # port → the command that serves on it
    path: str
    csrf: bool  # the form page sets the CSRF cookie and carries the field; the floor has none
    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)

    def round(self, fields: Callable[[random.Random], dict[str, str]], args: argparse.Namespace) -> None:
        """Start the server, warm it up, measure one round (``args.seconds``), stop it."""
        port = free_port()
        proc = start_server(self.command(port), port)
        try:
            warm = run(
                lambda: respondents(port, self.path, args.clients, args.warmup, fields, csrf=self.csrf, double=0)
            )
            load = run(
                lambda: respondents(port, self.path, args.clients, args.seconds, fields, csrf=self.csrf, double=0)
            )
        finally:
            stop_server(proc)
        if load.failed:
            raise RuntimeError(f"{self.name}: {len(load.failed)} submissions not acknowledged: {load.failed[:3]}")
        self.rates.append(len(load.acked) / load.seconds)
        self.latencies += load.post_ms
        self.acked += warm.acked + load.acked

    def report(self) -> None:
        print(
            f"{self.name}: {[round(r, 1) for r in self.rates]} submissions/s per round; POST p50 "
            f"{statistics.median(self.latencies):.1f} ms, p99 {percentile(self.latencies, 99):.1f} ms",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small load (under 30 s)")
    args = parser.parse_args()
    args.clients, args.seconds, args.rounds, args.warmup = (8, 1.5, 3, 0.5) if args.quick else (50, 10.0, 3, 2.0)
    folder = Path(tempfile.mkdtemp(prefix="cxlens-bench-submissions-"))
    try:
        ws_dir = folder / "ws"
        with Workspace.init(ws_dir) as ws:
            create_form(ws, FORM)
            slug = publish(ws, "bench").slug
            version_id = resolve_link(ws, slug).id
        key = token_key(ws_dir)

        def fields(rng: random.Random) -> dict[str, str]:  # the same for both: a fresh submission token, an answer
            return {"_token": issue_token(key, version_id), "q_nps": str(rng.randint(0, 10))}

        (folder / "floor.py").write_text(FLOOR_APP, encoding="utf-8")
        cxlens = Side("cxlens", lambda port: serve_command(ws_dir, port), f"/s/{slug}", True)
        floor = Side(
            "floor",
            lambda port: [sys.executable, str(folder / "floor.py"), str(ws_dir / "cxlens.duckdb"), str(port)],
            "/s/floor",
            False,
        )
        for _ in range(args.rounds):  # alternate, so that both meet the same (shared, changing) machine
            cxlens.round(fields, args)
            floor.round(fields, args)
        cxlens.report()
        floor.report()
        _, lost, duplicated = verify_workspace(ws_dir, cxlens.acked)
        if lost or duplicated:
            raise RuntimeError(f"cxlens: {lost} acknowledged submissions missing, {duplicated} stored twice or unasked")
        with duckdb.connect(str(ws_dir / "cxlens.duckdb")) as con:
            floor_keys = [k for (k,) in con.execute("SELECT idempotency_key FROM bench_floor").fetchall()]
        if not set(floor.acked) <= set(floor_keys):
            raise RuntimeError("floor: an acknowledged submission is missing")
        rate, floor_rate = statistics.median(cxlens.rates), statistics.median(floor.rates)
        print(f"cxlens: {len(cxlens.acked)} acknowledged, each stored exactly once; floor: every one stored")
        print(
            f"BENCH public_submissions cxlens={rate:.1f} baseline={floor_rate:.1f} unit=submissions/s "
            f"ratio={rate / floor_rate:.2f} n={len(cxlens.acked)}"
        )
        p99, floor_p99 = percentile(cxlens.latencies, 99), percentile(floor.latencies, 99)
        print(
            f"BENCH public_submissions_p99 cxlens={p99:.1f} baseline={floor_p99:.1f} unit=ms "
            f"ratio={p99 / floor_p99:.2f} n={len(cxlens.latencies)}"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
