"""The workspace's one connection is used by one request at a time, whatever the event loop or thread."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor


def test_a_request_waits_for_the_workspace_lock(web) -> None:
    state = web.app.state.cx
    client = web.client()
    done = threading.Event()
    result: list[int] = []

    def ask() -> None:
        result.append(client.get("/api/v1/responses", headers=web.bearer("agent")).status_code)
        done.set()

    with state.db_lock:  # e.g. a background job holding the workspace
        worker = threading.Thread(target=ask)
        worker.start()
        assert not done.wait(0.5)  # the request is waiting, not running against the connection
    assert done.wait(10) and result == [200]
    worker.join()
    assert client.get("/api/v1/metrics", headers=web.bearer("agent")).status_code == 200  # the lock is free


def test_many_clients_at_once(web) -> None:
    """Eight browsers (each TestClient runs its own event loop) × 10 requests, all answered correctly."""

    def browse(_: int) -> list[int]:
        client = web.client()
        codes = []
        for _ in range(5):
            codes.append(client.get("/api/v1/tickets?limit=2", headers=web.bearer("agent")).status_code)
            codes.append(client.get("/api/v1/metrics/nps?every=month", headers=web.bearer("viewer")).status_code)
        return codes

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        codes = [c for batch in pool.map(browse, range(8)) for c in batch]
    assert codes == [200] * 80, codes
    assert time.perf_counter() - started < 120
    assert not web.app.state.cx.db_lock.locked()
