"""Public survey submissions under load: N concurrent respondents against `cxlens serve` on loopback.

Each simulated respondent loops: GET the form (its submission token and CSRF cookie), POST answers, and
in 10 % of cases POST the very same form again (a double click). The server runs in its own process
(uvicorn, one worker, the embedded DuckDB workspace, rate limit off). Afterwards every acknowledged
submission (303) must be in the database exactly once and nothing else may be: lost and duplicated
responses are counted from the database, not from the client's view.

Baseline: the same submissions stored by calling the library (``cxlens.surveys.submit``) in one process
without HTTP — what the web layer costs on top of validation and the durable write.
Floor: the same submissions stored by cxlens.surveys.submit in one process, without HTTP.

    python bench/web_load.py            # 50 clients for 60 s (the issue's size)
    python bench/web_load.py --quick    # 10 clients for 5 s
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORM = {
    "code": "load",
    "title": {"zh": "压力测试问卷", "en": "Load test survey"},
    "questions": [
        {"code": "nps", "type": "nps", "required": True, "text": {"zh": "推荐意愿", "en": "Recommend?"}},
        {"code": "csat", "type": "csat", "scale": [1, 5], "text": {"zh": "满意度", "en": "Satisfaction"}},
        {
            "code": "store",
            "type": "single",
            "choices": [{"code": "north", "text": "North"}, {"code": "south", "text": "South"}],
        },
        {"code": "why", "type": "text", "show_if": {"question": "nps", "op": "lte", "value": 6}},
    ],
}
TOKEN = re.compile(r'name="_token" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _answers(rng: random.Random) -> dict[str, str]:
    nps = rng.randint(0, 10)
    answers = {"q_nps": str(nps), "q_csat": str(rng.randint(1, 5)), "q_store": rng.choice(["north", "south"])}
    if nps <= 6:
        answers["q_why"] = "排队太久 queue too long"
    return answers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(path: str, port: int) -> None:
    import uvicorn

    from cxlens.web import create_app

    uvicorn.run(create_app(path), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _prepare(folder: Path) -> str:
    from cxlens.store import Workspace
    from cxlens.surveys import create_form, publish

    with Workspace.init(folder) as ws:
        create_form(ws, FORM)
        return publish(ws, "load").slug


async def _respondent(
    base: str, slug: str, stop: float, seed: int, acked: list[str], post_ms: list[float], get_ms: list[float]
) -> int:
    import httpx2 as httpx

    rng = random.Random(seed)
    errors = 0
    async with httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=30) as client:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            page = await client.get(f"/s/{slug}")
            get_ms.append((time.perf_counter() - t0) * 1000)
            token, csrf = TOKEN.search(page.text), CSRF.search(page.text)
            if page.status_code != 200 or token is None or csrf is None:
                errors += 1
                continue
            data = {"_token": token.group(1), "csrf_token": csrf.group(1), **_answers(rng)}
            for _ in range(2 if rng.random() < 0.1 else 1):  # one respondent in ten double-clicks
                t0 = time.perf_counter()
                sent = await client.post(f"/s/{slug}", data=data)
                post_ms.append((time.perf_counter() - t0) * 1000)
                if sent.status_code == 303:
                    acked.append(token.group(1).split(".")[0])
                else:
                    errors += 1
    return errors


async def _load(base: str, slug: str, clients: int, seconds: float) -> tuple[list[str], list[float], list[float], int]:
    acked: list[str] = []
    post_ms: list[float] = []
    get_ms: list[float] = []
    stop = time.perf_counter() + seconds
    errors = await asyncio.gather(*(_respondent(base, slug, stop, i, acked, post_ms, get_ms) for i in range(clients)))
    return acked, post_ms, get_ms, sum(errors)


def _verify(folder: Path, acked: list[str]) -> tuple[int, int, int]:
    """(stored, lost, duplicated): acknowledged nonces missing from the database, and keys stored twice."""
    import sqlalchemy as sa

    from cxlens.model import tables as t
    from cxlens.store import Workspace

    with Workspace.open(folder) as ws, ws.engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.responses.c.idempotency_key, sa.func.count()).group_by(t.responses.c.idempotency_key)
        ).all()
    stored = {key.removeprefix("web:"): int(n) for key, n in rows}
    lost = len(set(acked) - set(stored))
    duplicated = sum(n - 1 for n in stored.values() if n > 1) + len(set(stored) - set(acked))
    return sum(stored.values()), lost, duplicated


def _baseline(folder: Path, n: int) -> tuple[float, float, float]:
    """Submissions/s and p50/p99 ms of the library's submit() called directly, median of 3 runs."""
    from cxlens.store import Workspace
    from cxlens.surveys import create_form, publish, resolve_link, submit

    rates, p50s, p99s = [], [], []
    for run in range(4):  # the first is a warm-up
        path = folder / f"baseline{run}"
        with Workspace.init(path) as ws:
            create_form(ws, FORM)
            version = resolve_link(ws, publish(ws, "load").slug)
            rng = random.Random(run)
            times = []
            start = time.perf_counter()
            for i in range(n):
                raw = {k.removeprefix("q_"): v for k, v in _answers(rng).items()}
                t0 = time.perf_counter()
                submit(ws, version, raw, key=f"web:b{i}")
                times.append((time.perf_counter() - t0) * 1000)
            elapsed = time.perf_counter() - start
        shutil.rmtree(path)
        if run:
            rates.append(n / elapsed)
            p50s.append(statistics.median(times))
            p99s.append(statistics.quantiles(times, n=100)[98])
    return statistics.median(rates), statistics.median(p50s), statistics.median(p99s)


def _wait_for(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 clients for 5 s")
    parser.add_argument("--clients", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--serve", nargs=2, metavar=("PATH", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve[0], int(args.serve[1]))
        return
    clients = args.clients or (10 if args.quick else 50)
    seconds = args.seconds or (5.0 if args.quick else 60.0)
    tmp = Path(tempfile.mkdtemp(prefix="cxlens-web-load-"))
    try:
        ws_path = tmp / "ws"
        slug = _prepare(ws_path)
        port = _free_port()
        env = {**os.environ, "CXLENS_SURVEY_RATE_LIMIT": "0/min"}
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(ws_path), str(port)], env=env)
        try:
            _wait_for(port, server)
            base = f"http://127.0.0.1:{port}"
            warm = asyncio.run(_load(base, slug, 2, 1.0))[0]  # warm-up (its responses are verified too)
            acked, post_ms, get_ms, errors = asyncio.run(_load(base, slug, clients, seconds))
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
        stored, lost, duplicated = _verify(ws_path, acked + warm)
        n = len(set(acked))
        rate = n / seconds
        p50, p99 = statistics.median(post_ms), statistics.quantiles(post_ms, n=100)[98]
        base_rate, base_p50, base_p99 = _baseline(tmp, 300 if args.quick else 1000)
        print(
            f"clients={clients} seconds={seconds:g} acknowledged={n} posts={len(post_ms)} "
            f"posts_per_s={len(post_ms) / seconds:.1f} "
            f"errors={errors} stored={stored} lost={lost} duplicated={duplicated} "
            f"get_p50_ms={statistics.median(get_ms):.1f} get_p99_ms={statistics.quantiles(get_ms, n=100)[98]:.1f}"
        )
        print(
            f"BENCH web_submissions cxlens={rate:.1f} baseline={base_rate:.1f} unit=submissions/s "
            f"ratio={rate / base_rate:.3f} n={n}"
        )
        print(f"BENCH web_submit_p50 cxlens={p50:.2f} baseline={base_p50:.2f} unit=ms ratio={p50 / base_p50:.2f} n={n}")
        print(f"BENCH web_submit_p99 cxlens={p99:.2f} baseline={base_p99:.2f} unit=ms ratio={p99 / base_p99:.2f} n={n}")
        if lost or duplicated:
            raise SystemExit(f"FAILED: {lost} acknowledged submissions lost, {duplicated} duplicated")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
