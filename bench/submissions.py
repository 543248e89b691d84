"""Public survey submissions per second through ``POST /s/SLUG`` on loopback, against the floor.

- cxlens: ``cxlens serve`` (uvicorn, one worker, its default access log) over a DuckDB workspace with a
  published one-question form; per-IP rate limit off. Each POST carries its own submission token (minted
  here with the workspace's key, exactly as the form page would issue it) and the CSRF cookie/field, so
  the server does the whole work of a real submission: CSRF and token checks, the form's version,
  server-side validation, the idempotency check and the durable group commit, then the 303.
- floor: a minimal Starlette app (uvicorn, one worker) whose endpoint reads the same form fields and does a
  single ``INSERT`` into a table of the same DuckDB database file, committed before its 303 — the least any
  durable form endpoint on this stack can do.

Floor: a minimal Starlette endpoint doing one INSERT into the same DuckDB database (uvicorn, 1 worker).

Both are driven by the same load generator in this process (``CLIENTS`` concurrent keep-alive clients,
httpx2 asyncio) for ``SECONDS`` per round, after a warm-up; throughput is the median of ``ROUNDS`` rounds.
Afterwards every acknowledged (303) submission must be stored, once (checked in the database).

    python bench/submissions.py            # 32 clients, 3 rounds of 10 s each
    python bench/submissions.py --quick    # 8 clients, 3 rounds of 1.5 s
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import httpx2
import sqlalchemy as sa

from cxlens.model import tables as t
from cxlens.store import Workspace
from cxlens.surveys import create_form, issue_token, publish, resolve_link
from cxlens.web.security import load_secret

FORM = {
    "code": "bench",
    "title": {"en": "Submission bench"},
    "default_language": "en",
    "questions": [{"code": "nps", "type": "nps", "required": True, "text": {"en": "Recommend us?"}}],
}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(command: list[str], port: int, probe: Callable[[str], bool]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CXLENS_SURVEY_RATE_LIMIT": "0/min"}
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{command[:3]} exited with {proc.returncode}")
        try:
            if probe(f"http://127.0.0.1:{port}"):
                return proc
        except httpx2.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{command[:3]} did not answer within 120 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(30)


async def _load(
    base: str, path: str, fields: Callable[[], dict[str, str]], clients: int, seconds: float, csrf: bool
) -> tuple[list[str], int]:
    """``clients`` clients POST ``fields()`` to ``path`` for ``seconds``; the tokens acknowledged (303) and
    the number of other answers."""
    acked: list[str] = []
    failed = 0
    stop_at = time.monotonic() + seconds

    async def client() -> None:
        nonlocal failed
        async with httpx2.AsyncClient(base_url=base, timeout=60, follow_redirects=False) as http:
            extra: dict[str, str] = {}
            if csrf:  # the form page sets the CSRF cookie and carries the field
                page = await http.get(path)
                match = CSRF_FIELD.search(page.text)
                assert page.status_code == 200 and match, page.status_code
                extra = {"csrf_token": match.group(1)}
            while time.monotonic() < stop_at:
                data = {**fields(), **extra}
                answer = await http.post(path, data=data)
                if answer.status_code == 303:
                    acked.append(data["_token"])
                else:
                    failed += 1

    await asyncio.gather(*(client() for _ in range(clients)))
    return acked, failed


def _rounds(
    name: str, base: str, path: str, fields: Callable[[], dict[str, str]], args: argparse.Namespace, csrf: bool
) -> tuple[float, list[str]]:
    asyncio.run(_load(base, path, fields, args.clients, args.warmup, csrf))  # warm-up (stored, not timed)
    rates, everything = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        acked, failed = asyncio.run(_load(base, path, fields, args.clients, args.seconds, csrf))
        elapsed = time.perf_counter() - started
        if failed:
            raise RuntimeError(f"{name}: {failed} submissions were not acknowledged")
        rates.append(len(acked) / elapsed)
        everything += acked
    print(f"{name}: {[round(r, 1) for r in rates]} submissions/s per round", flush=True)
    return statistics.median(rates), everything


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small load (under 30 s)")
    args = parser.parse_args()
    args.clients, args.seconds, args.rounds, args.warmup = (8, 1.5, 3, 0.5) if args.quick else (32, 10.0, 3, 2.0)
    folder = Path(tempfile.mkdtemp(prefix="cxlens-bench-submissions-"))
    try:
        ws_dir = folder / "ws"
        with Workspace.init(ws_dir) as ws:
            create_form(ws, FORM)
            slug = publish(ws, "bench").slug
            version_id = resolve_link(ws, slug).id
        key = hmac.new(load_secret(ws_dir), b"cxlens survey submission tokens", hashlib.sha256).digest()
        counter = iter(range(10**9))

        def fields() -> dict[str, str]:  # the same fields for both: a fresh submission token and an answer
            return {"_token": issue_token(key, version_id), "q_nps": str(next(counter) % 11)}

        port = _free_port()
        serve = [sys.executable, "-c", "from cxlens.cli import main; main()", "serve", str(ws_dir), "--port", str(port)]
        proc = _start(serve, port, lambda url: httpx2.get(f"{url}/s/{slug}", timeout=5).status_code == 200)
        try:
            rate, acked = _rounds("cxlens", f"http://127.0.0.1:{port}", f"/s/{slug}", fields, args, True)
        finally:
            _stop(proc)
        with Workspace.open(ws_dir) as ws, ws.engine.connect() as conn:
            stored = dict(
                conn.execute(sa.select(t.responses.c.idempotency_key, sa.func.count()).group_by("idempotency_key"))
                .tuples()
                .all()
            )
        keys = {"web:" + token.split(".")[0] for token in acked}
        if not keys <= set(stored) or any(c != 1 for c in stored.values()):
            raise RuntimeError("cxlens: an acknowledged submission is missing or stored twice")

        (folder / "floor.py").write_text(FLOOR_APP, encoding="utf-8")
        port = _free_port()
        floor = [sys.executable, str(folder / "floor.py"), str(ws_dir / "cxlens.duckdb"), str(port)]
        proc = _start(floor, port, lambda url: httpx2.get(f"{url}/", timeout=5).status_code == 404)
        try:
            floor_rate, floor_acked = _rounds("floor", f"http://127.0.0.1:{port}", "/s/floor", fields, args, False)
        finally:
            _stop(proc)
        with duckdb.connect(str(ws_dir / "cxlens.duckdb")) as con:
            floor_keys = [k for (k,) in con.execute("SELECT idempotency_key FROM bench_floor").fetchall()]
        if not set(floor_acked) <= set(floor_keys):
            raise RuntimeError("floor: an acknowledged submission is missing")
        n = len(acked)
        print(
            f"BENCH public_submissions cxlens={rate:.1f} baseline={floor_rate:.1f} unit=submissions/s "
            f"ratio={rate / floor_rate:.2f} n={n}"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
