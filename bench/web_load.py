"""Public survey submissions under load: N concurrent respondents against `cxlens serve` on loopback.

The server is ``cxlens serve`` exactly as a user starts it (its default configuration: one uvicorn
worker, the embedded DuckDB workspace), in its own process, with the per-IP rate limit off (every client
here has the same address). Each of ``--clients`` respondents opens the form once (its CSRF cookie and
field), then loops for ``--seconds``: POST answers under a fresh submission token to ``/s/SLUG``, and in
one case in ten POST the very same fields again (a double click, which must store nothing new). The
tokens are minted here with the workspace's key, exactly as the form page issues them, so every POST is
a whole real submission: CSRF and token checks, server-side validation (skip logic included), the
idempotency check and the durable group commit, then the 303. ``--with-get`` makes every respondent
GET the form (a rendered page and a token from the server) before each submission instead.

The load generator is deliberately cheap, so that on a small machine it does not take the CPU the server
needs: one process, plain asyncio streams (uvloop when installed), one keep-alive HTTP/1.1 connection per
respondent, requests assembled as bytes. Latency is timed per POST, from writing the request to reading
the whole answer.

Afterwards the database is checked: every acknowledged submission (303) stored exactly once, and nothing
that was not acknowledged — lost and duplicated responses are counted from the database, not from the
client's view.

Baseline: the same submissions stored by calling the library (``cxlens.surveys.submit``) in one process
without HTTP, one transaction each — what the web layer costs on top of validation and the durable write.

Floor: the library's submit() of the same answers in one process, no HTTP, one transaction each.

    python bench/web_load.py            # 50 clients for 60 s (the issue's size)
    python bench/web_load.py --quick    # 10 clients for 5 s
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

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
TOKEN = re.compile(rb'name="_token" value="([^"]+)"')
CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')


# -- a minimal keep-alive HTTP/1.1 client over asyncio streams ---------------------------------------------
class HttpError(RuntimeError):
    """The server's answer could not be read as HTTP/1.1 (or the connection broke)."""


@dataclass
class Answer:
    status: int
    headers: dict[str, list[str]]
    body: bytes


class Connection:
    """One keep-alive connection to ``host:port``; :meth:`send` writes a whole request and reads its answer
    (``Content-Length`` framed — every answer of the apps benchmarked here is — or chunked)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            sock = self.writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.reader, self.writer

    async def send(self, request: bytes) -> Answer:
        reader, writer = await self._open()
        try:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head[:-4].split(b"\r\n")
            status = int(lines[0].split(b" ", 2)[1])
            headers: dict[str, list[str]] = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers.setdefault(name.strip().lower().decode("latin-1"), []).append(value.strip().decode("latin-1"))
            if "chunked" in headers.get("transfer-encoding", [""])[0]:
                body = b""
                while size := int((await reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16):
                    body += (await reader.readexactly(size + 2))[:-2]
                await reader.readuntil(b"\r\n")
            else:
                body = await reader.readexactly(int(headers.get("content-length", ["0"])[0]))
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError) as e:
            await self.close()
            raise HttpError(f"{type(e).__name__}: {e}") from e
        if headers.get("connection", [""])[0].lower() == "close":
            await self.close()
        return Answer(status, headers, body)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def get_request(host: str, path: str, cookies: str = "") -> bytes:
    cookie = f"Cookie: {cookies}\r\n" if cookies else ""
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Language: en\r\n{cookie}\r\n".encode("latin-1")


def post_request(host: str, path: str, fields: Mapping[str, str], cookies: str = "") -> bytes:
    body = urlencode(fields).encode("ascii")
    cookie = f"Cookie: {cookies}\r\n" if cookies else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Language: en\r\n{cookie}"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def cookies_of(answer: Answer) -> str:
    """The ``Cookie`` header value that sends back the cookies an answer set."""
    return "; ".join(c.split(";", 1)[0] for c in answer.headers.get("set-cookie", []))


@dataclass
class Load:
    """What a load run saw: the acknowledged tokens (each once), POST latencies in ms, the rest."""

    acked: list[str] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    get_ms: list[float] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0


async def respondents(
    port: int,
    path: str,
    clients: int,
    seconds: float,
    fields: Callable[[random.Random], dict[str, str]],
    *,
    rate: float | None = None,
    csrf: bool = True,
    double: float = 0.1,
    with_get: bool = False,
) -> Load:
    """``clients`` respondents POST ``fields(rng)`` (which carries a fresh ``_token``) to ``path`` for
    ``seconds``; ``double`` of the submissions are posted twice. With ``csrf`` each first GETs the form
    for its CSRF cookie and field; with ``with_get`` each submission's form (and token) comes from a GET.

    Without ``rate`` each respondent submits again as soon as it has its answer (a closed loop: the
    server's capacity). With ``rate`` the respondents together submit ``rate`` times a second on a fixed
    schedule (each every ``clients / rate`` s, staggered), and a submission's latency is counted from the
    moment it was due, so time spent queued behind a slow answer counts too (no coordinated omission)."""
    host = f"127.0.0.1:{port}"
    load = Load()
    interval = clients / rate if rate else 0.0

    async def respondent(seed: int) -> None:
        rng = random.Random(seed)
        conn = Connection("127.0.0.1", port)
        cookies, extra = "", {}
        if csrf or with_get:
            answer = await conn.send(get_request(host, path))
            match = CSRF.search(answer.body)
            if answer.status != 200 or match is None:
                raise HttpError(f"GET {path}: {answer.status}")
            cookies, extra = cookies_of(answer), {"csrf_token": match.group(1).decode()}
        due = started + interval * seed / clients
        while (now := time.perf_counter()) < stop:
            if rate:
                if due > now:
                    await asyncio.sleep(due - now)
                if due >= stop:
                    break
            data = fields(rng)
            if with_get:
                t0 = time.perf_counter()
                try:
                    answer = await conn.send(get_request(host, path, cookies))
                except HttpError as e:
                    load.failed.append(f"GET: {e}")
                    continue
                load.get_ms.append((time.perf_counter() - t0) * 1000)
                token = TOKEN.search(answer.body)
                if answer.status != 200 or token is None:
                    load.failed.append(f"GET {answer.status}")
                    continue
                data["_token"] = token.group(1).decode()
            request = post_request(host, path, {**data, **extra}, cookies)
            acknowledged = False
            for n in range(2 if rng.random() < double else 1):
                t0 = due if rate and n == 0 and not with_get else time.perf_counter()
                try:
                    answer = await conn.send(request)
                except HttpError as e:
                    load.failed.append(f"POST: {e}")
                    continue
                load.post_ms.append((time.perf_counter() - t0) * 1000)
                if answer.status != 303:
                    load.failed.append(f"POST {answer.status}")
                elif not acknowledged:
                    acknowledged = True
                    load.acked.append(data["_token"])
            due += interval
        await conn.close()

    started = time.perf_counter()
    stop = started + seconds
    await asyncio.gather(*(respondent(i) for i in range(clients)))
    load.seconds = time.perf_counter() - started
    return load


def run(coroutine_factory: Callable[[], object]) -> Load:
    """Run a load with uvloop's event loop when it is installed (a cheaper client), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine_factory())  # type: ignore[arg-type]
    return uvloop.run(coroutine_factory())  # type: ignore[arg-type]


def percentile(values: list[float], q: int) -> float:
    """The ``q``-th percentile (statistics.quantiles, exclusive method) of ``values``."""
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values[0] if values else float("nan"))


# -- the server and the database ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(command: list[str], port: int, timeout: float = 120) -> subprocess.Popen[bytes]:
    """Start ``command`` (rate limit off) and wait until ``port`` accepts connections."""
    env = {**os.environ, "CXLENS_SURVEY_RATE_LIMIT": "0/min"}
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{command[:4]} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{command[:4]} did not answer within {timeout} s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(30)


def serve_command(folder: Path, port: int) -> list[str]:
    """``cxlens serve FOLDER --port PORT`` with its defaults."""
    return [sys.executable, "-c", "from cxlens.cli import main; main()", "serve", str(folder), "--port", str(port)]


def token_key(folder: Path) -> bytes:
    """The key the server signs submission tokens with (``cxlens.web.pages._surveyform.token_secret``)."""
    from cxlens.web.security import load_secret

    return hmac.new(load_secret(folder), b"cxlens survey submission tokens", hashlib.sha256).digest()


def verify(folder: Path, acked: list[str]) -> tuple[int, int, int]:
    """(stored, lost, duplicated) of the workspace's responses against the acknowledged tokens: lost are
    acknowledged ones missing, duplicated are keys stored more than once plus responses never acknowledged."""
    import sqlalchemy as sa

    from cxlens.model import tables as t
    from cxlens.store import Workspace

    with Workspace.open(folder) as ws, ws.engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.responses.c.idempotency_key, sa.func.count()).group_by(t.responses.c.idempotency_key)
        ).all()
    stored = {key.removeprefix("web:"): int(n) for key, n in rows}
    nonces = {token.split(".")[0] for token in acked}
    if len(nonces) != len(acked):
        raise RuntimeError("the load generator acknowledged a token twice")
    lost = len(nonces - set(stored))
    duplicated = sum(n - 1 for n in stored.values() if n > 1) + len(set(stored) - nonces)
    return sum(stored.values()), lost, duplicated


# -- this benchmark ----------------------------------------------------------------------------------------
def _answers(rng: random.Random) -> dict[str, str]:
    nps = rng.randint(0, 10)
    answers = {"q_nps": str(nps), "q_csat": str(rng.randint(1, 5)), "q_store": rng.choice(["north", "south"])}
    if nps <= 6:
        answers["q_why"] = "排队太久 queue too long"
    return answers


def _prepare(folder: Path) -> tuple[str, int]:
    from cxlens.store import Workspace
    from cxlens.surveys import create_form, publish, resolve_link

    with Workspace.init(folder) as ws:
        create_form(ws, FORM)
        slug = publish(ws, "load").slug
        return slug, resolve_link(ws, slug).id


def _baseline(folder: Path, n: int) -> tuple[float, float, float]:
    """Submissions/s and p50/p99 ms of the library's submit() called directly, median of 3 runs."""
    from cxlens.store import Workspace
    from cxlens.surveys import create_form, publish, resolve_link, submit

    rates, p50s, p99s = [], [], []
    for run_no in range(4):  # the first is a warm-up
        path = folder / f"baseline{run_no}"
        with Workspace.init(path) as ws:
            create_form(ws, FORM)
            version = resolve_link(ws, publish(ws, "load").slug)
            rng = random.Random(run_no)
            times = []
            start = time.perf_counter()
            for i in range(n):
                raw = {k.removeprefix("q_"): v for k, v in _answers(rng).items()}
                t0 = time.perf_counter()
                submit(ws, version, raw, key=f"web:b{i}")
                times.append((time.perf_counter() - t0) * 1000)
            elapsed = time.perf_counter() - start
        shutil.rmtree(path)
        if run_no:
            rates.append(n / elapsed)
            p50s.append(statistics.median(times))
            p99s.append(percentile(times, 99))
    return statistics.median(rates), statistics.median(p50s), statistics.median(p99s)


def _summary(name: str, load: Load) -> str:
    gets = (
        f" get_p50_ms={statistics.median(load.get_ms):.1f} get_p99_ms={percentile(load.get_ms, 99):.1f}"
        if load.get_ms
        else ""
    )
    return (
        f"{name}: acknowledged={len(load.acked)} submissions_per_s={len(load.acked) / load.seconds:.1f} "
        f"posts={len(load.post_ms)} requests_per_s={(len(load.post_ms) + len(load.get_ms)) / load.seconds:.1f} "
        f"post_p50_ms={statistics.median(load.post_ms):.2f} post_p99_ms={percentile(load.post_ms, 99):.2f}"
        f"{gets} errors={len(load.failed)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 clients, 5 s per phase")
    parser.add_argument("--clients", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="length of each phase")
    parser.add_argument("--rate", type=float, default=500.0, help="submissions/s offered in the latency phase")
    parser.add_argument("--with-get", action="store_true", help="GET the form (a server-issued token) per submission")
    args = parser.parse_args()
    clients = args.clients or (10 if args.quick else 50)
    seconds = args.seconds or (5.0 if args.quick else 60.0)
    rate = min(args.rate, 100.0) if args.quick else args.rate
    from cxlens.surveys import issue_token

    tmp = Path(tempfile.mkdtemp(prefix="cxlens-web-load-"))
    try:
        ws_path = tmp / "ws"
        slug, version_id = _prepare(ws_path)
        key = token_key(ws_path)

        def fields(rng: random.Random) -> dict[str, str]:
            return {"_token": issue_token(key, version_id), **_answers(rng)}

        port = free_port()
        server = start_server(serve_command(ws_path, port), port)
        path, get = f"/s/{slug}", args.with_get
        try:
            warm = run(lambda: respondents(port, path, 4, 1.0, fields, with_get=get))  # (verified too)
            capacity = run(lambda: respondents(port, path, clients, seconds, fields, with_get=get))
            paced = run(lambda: respondents(port, path, clients, seconds, fields, rate=rate, with_get=get))
        finally:
            stop_server(server)
        acked = warm.acked + capacity.acked + paced.acked
        stored, lost, duplicated = verify(ws_path, acked)
        failed = capacity.failed + paced.failed
        print(f"clients={clients} seconds={seconds:g} per phase, with_get={get}")
        print(_summary("capacity (closed loop)", capacity))
        print(_summary(f"latency (paced at {rate:g}/s)", paced))
        print(f"database: acknowledged={len(acked)} stored={stored} lost={lost} duplicated={duplicated}")
        if failed:
            print(f"first errors: {failed[:5]}")
        base_rate, base_p50, base_p99 = _baseline(tmp, 300 if args.quick else 1000)
        n = len(capacity.acked)
        cap = n / capacity.seconds
        p50, p99, m = statistics.median(paced.post_ms), percentile(paced.post_ms, 99), len(paced.acked)
        print(
            f"BENCH web_submissions cxlens={cap:.1f} baseline={base_rate:.1f} unit=submissions/s "
            f"ratio={cap / base_rate:.3f} n={n}"
        )
        print(f"BENCH web_submit_p50 cxlens={p50:.2f} baseline={base_p50:.2f} unit=ms ratio={p50 / base_p50:.2f} n={m}")
        print(f"BENCH web_submit_p99 cxlens={p99:.2f} baseline={base_p99:.2f} unit=ms ratio={p99 / base_p99:.2f} n={m}")
        if lost or duplicated or failed:
            raise SystemExit(f"FAILED: {lost} lost, {duplicated} duplicated, {len(failed)} errors")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
