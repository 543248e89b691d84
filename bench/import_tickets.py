"""How fast does a ticket export import? cxlens's whole import path (read, map, type, check, dedupe,
store in one transaction) against DuckDB's own ``read_csv`` of the same file into a table, in the same
process, on the same file. See shared/design/BENCH.md.
Floor: DuckDB's own read_csv of the same file into a table (no mapping, checks, dedupe or transaction).

    python bench/import_tickets.py            # 1,000,000 rows (the size issue #2 names)
    python bench/import_tickets.py --quick    # 50,000 rows, for checks
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from cxlens.ingest import import_file
from cxlens.store import Workspace


def make_tickets(path: Path, n: int, seed: int = 7) -> None:
    """A realistic ticket export: ids, customers, agents, teams, timestamps, status, csat, subject."""
    rng = np.random.default_rng(seed)
    created = np.datetime64("2024-11-01T00:00:00") + rng.integers(0, 730 * 86400, n).astype("timedelta64[s]")
    first = created + rng.lognormal(7.5, 1.0, n).astype("int64").astype("timedelta64[s]")
    resolved = first + rng.lognormal(10, 1.2, n).astype("int64").astype("timedelta64[s]")
    open_ = rng.random(n) < 0.05
    fmt = lambda a: np.datetime_as_string(a, unit="s").astype(object)  # noqa: E731
    res_text = np.where(open_, "", np.char.replace(fmt(resolved).astype(str), "T", " "))
    agents = rng.integers(1, 200, n)
    teams = np.array(["售前咨询", "技术支持", "售后服务", "投诉处理"])
    table = pa.table(
        {
            "ticket_id": pa.array([f"T{i:08d}" for i in range(n)]),
            "customer_id": pa.array([f"C{c:06d}" for c in rng.integers(1, 100_000, n)]),
            "agent_id": pa.array([f"A{a:03d}" for a in agents]),
            "team": pa.array(teams[agents % 4]),
            "channel": pa.array(np.array(["电话", "在线客服", "邮件", "微信"])[rng.integers(0, 4, n)]),
            "priority": pa.array(np.array(["low", "normal", "high", "urgent"])[rng.integers(0, 4, n)]),
            "subject": pa.array(
                np.array(["门锁无法联网", "Refund request", "配送延迟", "App crashes on login"])[rng.integers(0, 4, n)]
            ),
            "created_at": pa.array(np.char.replace(fmt(created).astype(str), "T", " ")),
            "first_response_at": pa.array(np.char.replace(fmt(first).astype(str), "T", " ")),
            "resolved_at": pa.array(res_text),
            "status": pa.array(np.where(open_, "open", "resolved")),
            "csat": pa.array(np.where(rng.random(n) < 0.4, "", rng.integers(1, 6, n).astype(str))),
        }
    )
    pacsv.write_csv(table, path)


def median_time(run: Callable[[int], None], repeats: int) -> float:
    run(-1)  # warm-up
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        run(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="50,000 rows instead of 1,000,000")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = args.rows or (50_000 if args.quick else 1_000_000)
    tmp = Path(tempfile.mkdtemp(prefix="cxlens-bench-"))
    try:
        csv_path = tmp / "tickets.csv"
        make_tickets(csv_path, n)
        print(f"file: {csv_path.stat().st_size / 1e6:.1f} MB, {n:,} rows")

        def cxlens_import(i: int) -> None:
            with Workspace.init(tmp / f"ws{i}") as ws:
                report = import_file(ws, csv_path, "tickets")
                assert report.inserted == n, report.to_dict()

        def duckdb_read_csv(i: int) -> None:
            con = duckdb.connect(str(tmp / f"duck{i}.duckdb"))
            con.execute(f"CREATE TABLE tickets AS SELECT * FROM read_csv('{csv_path}')")
            assert con.execute("SELECT count(*) FROM tickets").fetchone() == (n,)
            con.close()

        ours = median_time(cxlens_import, args.repeats)
        base = median_time(duckdb_read_csv, args.repeats)
        print(
            f"cxlens import: {ours:.2f} s ({n / ours:,.0f} rows/s); duckdb read_csv: {base:.2f} s "
            f"({n / base:,.0f} rows/s)"
        )
        print(
            f"BENCH import_tickets cxlens={n / ours:.0f} baseline={n / base:.0f} unit=rows/s "
            f"ratio={(n / ours) / (n / base):.3f} n={n}"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
