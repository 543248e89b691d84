"""Kill -9 an import half-way: the workspace is as before, and running the import again completes it once.

An import writes every row of a file in one database transaction (cxlens.ingest.importer), so a process
killed at any moment leaves either nothing or everything. These tests kill a real import process with
SIGKILL at three moments: while it inserts rows, after it has written every row but before its commit
(the harness's progress callback parks there, so the kill lands inside the open transaction for certain),
and at a random moment of a ``cxlens import`` command.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from cxlens.ingest import import_file
from cxlens.store import Workspace

pytestmark = pytest.mark.slow

PG_URL = os.environ.get("CXLENS_TEST_POSTGRES_URL")
ROWS = 100_000

HARNESS = textwrap.dedent(
    """
    import sys, time
    from cxlens.ingest import import_file
    from cxlens.store import Workspace

    park = sys.argv[3]

    def progress(stage, done, total):
        print(stage, done, total, flush=True)
        if park == "written" and (stage, done) == ("write", 1):
            time.sleep(600)  # every row is written, the transaction is open: wait here to be killed

    with Workspace.open(sys.argv[1]) as ws:
        import_file(ws, sys.argv[2], "orders", progress=progress)
    print("committed", flush=True)
    """
)


def _orders(path: Path, rows: int) -> Path:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("order_id,customer_id,ordered_at,amount,category\n")
        for i in range(rows):
            day = 1 + i % 28
            fh.write(f"O{i},C{i % 5000},2025-03-{day:02d} 10:00,{rng.randint(1, 99999) / 100},cat{i % 7}\n")
    return path


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A workspace holding a first small import, closed (the import under test runs in another process)."""
    url = None
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("CXLENS_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server)")
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        url = PG_URL
    folder = tmp_path / "ws"
    with Workspace.init(folder, database_url=url) as ws:
        first = tmp_path / "first.csv"
        first.write_text("order_id,customer_id,ordered_at,amount\nA1,C1,2025-01-01,10\nA2,C2,2025-01-02,20\n")
        import_file(ws, first, "orders")
    yield folder


def _counts(folder: Path) -> dict[str, int]:
    with Workspace.open(folder) as ws:
        return ws.counts()


def _kill_when(proc: subprocess.Popen[str], marker: str, delay: float) -> list[str]:
    """Read the child's progress lines until ``marker``, wait ``delay`` s, SIGKILL it; return the lines seen."""
    assert proc.stdout is not None
    seen: list[str] = []
    for line in proc.stdout:
        seen.append(line.strip())
        if line.startswith(marker):
            break
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    seen += [line.strip() for line in proc.stdout]
    proc.stdout.close()
    return seen


def _harness(folder: Path, csv: Path, park: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HARNESS, str(folder), str(csv), park],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


@pytest.mark.parametrize(("park", "marker", "delay"), [("written", "write 1", 0.0), ("none", "write 0", 0.2)])
def test_kill_during_import_leaves_workspace_as_before(
    seeded: Path, tmp_path: Path, park: str, marker: str, delay: float
) -> None:
    csv = _orders(tmp_path / "orders.csv", ROWS)
    before = _counts(seeded)
    proc = _harness(seeded, csv, park)
    seen = _kill_when(proc, marker, delay)
    assert proc.returncode == -signal.SIGKILL
    committed = "committed" in seen
    if park == "written":
        assert not committed and "write 1 2" in seen  # killed inside the open transaction, for certain
    after = _counts(seeded)
    if committed:  # the insert outran the kill: then it is all there, once
        assert after["orders"] == before["orders"] + ROWS
    else:
        assert after == before
    # running the import again completes it, exactly once, and a third run adds nothing
    with Workspace.open(seeded) as ws:
        report = import_file(ws, csv, "orders")
        assert report.inserted == (0 if committed else ROWS)
        assert ws.counts()["orders"] == before["orders"] + ROWS
        assert import_file(ws, csv, "orders").inserted == 0
        assert ws.counts()["orders"] == before["orders"] + ROWS
        assert ws.counts()["import_runs"] == before["import_runs"] + (3 if committed else 2)


def test_kill_the_import_command_at_a_random_moment(seeded: Path, tmp_path: Path) -> None:
    csv = _orders(tmp_path / "orders.csv", ROWS)
    before = _counts(seeded)
    cxlens = Path(sys.executable).with_name("cxlens")
    proc = subprocess.Popen(
        [str(cxlens), "import", str(seeded), str(csv), "--kind", "orders", "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(random.Random().uniform(1.0, 4.0))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    after = _counts(seeded)
    assert after["orders"] in (before["orders"], before["orders"] + ROWS)  # nothing, or everything
    assert after["import_runs"] - before["import_runs"] == (after["orders"] - before["orders"]) // ROWS
    done = subprocess.run(
        [str(cxlens), "import", str(seeded), str(csv), "--kind", "orders", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert _counts(seeded)["orders"] == before["orders"] + ROWS
