"""The dashboard query: NPS + CSAT % + mean CES by month × segment, through cxlens's metric layer on the
canonical (long) schema, against hand-written DuckDB SQL, polars and pandas on a plain flat table of the
same responses — all in one process. Also ticket KPIs: median and p90 first-response time per agent per week.
See shared/design/BENCH.md.
Floor: hand-written DuckDB SQL over a flat table of the same rows (polars and pandas are timed too).

    python bench/metrics.py            # 10,000,000 responses, 5,000,000 tickets (the sizes issue #4 names)
    python bench/metrics.py --quick    # 200,000 responses, 100,000 tickets
    python bench/metrics.py --only tickets   # the ticket KPIs alone (5,000,000 tickets)

The ticket KPI is ``first_response_time`` by agent and week: median, p90, mean and the median's 95 %
interval, read from one quantile pass per slice (``median_ci="grid"``, the default); ``median_ci="exact"``
(one sorted list per slice) is timed too.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from cxlens.ingest.facts import rebuild_answer_facts
from cxlens.ingest.target import Target
from cxlens.metrics import Analytics, compute, slicing
from cxlens.store import Workspace

SEED_SQL = """
INSERT INTO customers (id, external_id, segment, region, created_at)
  SELECT i, 'C' || i, 'seg' || (hash(i) % 20), 'r' || (hash(i * 7) % 5), TIMESTAMP '2023-01-01'
  FROM range(1, {c} + 1) t(i);
INSERT INTO surveys (id, code, status, default_language, definition_hash, created_at)
  VALUES (1, 'bench', 'in_progress', 'en', 'x', TIMESTAMP '2023-01-01');
INSERT INTO questions (id, survey_id, code, type, scale_min, scale_max, position, required) VALUES
  (1, 1, 'nps', 'nps', 0, 10, 0, false), (2, 1, 'csat', 'csat', 1, 5, 1, false), (3, 1, 'ces', 'ces', 1, 7, 2, false);
INSERT INTO responses (id, survey_id, customer_id, idempotency_key, channel, submitted_at, finished, created_at)
  SELECT i, 1, 1 + hash(i) % {c}, 'k' || i, 'ch' || (hash(i * 3) % 6),
         TIMESTAMP '2023-01-01' + to_seconds((hash(i * 5) % (3 * 365 * 86400))::BIGINT), true, TIMESTAMP '2026-01-01'
  FROM range(1, {n} + 1) t(i);
INSERT INTO answers (response_id, question_id, value_number)
  SELECT id, q, v FROM (
    SELECT id, 1 AS q, (hash(id * 11) % 11)::DOUBLE AS v, hash(id * 13) % 100 AS miss FROM responses
    UNION ALL SELECT id, 2, 1 + (hash(id * 17) % 5)::DOUBLE, hash(id * 19) % 100 FROM responses
    UNION ALL SELECT id, 3, 1 + (hash(id * 23) % 7)::DOUBLE, hash(id * 29) % 100 FROM responses
  ) WHERE miss >= 5;
INSERT INTO agents (id, external_id, name) SELECT i, 'A' || i, 'agent' || i FROM range(1, 201) t(i);
INSERT INTO tickets (id, external_id, customer_id, agent_id, created_at, first_response_at)
  SELECT i, 'T' || i, 1 + hash(i) % {c}, 1 + hash(i * 3) % 200, ts,
         CASE WHEN hash(i * 7) % 20 = 0 THEN NULL ELSE ts + to_seconds((hash(i * 11) % 86400)::BIGINT) END
  FROM (SELECT i, TIMESTAMP '2023-01-01' + to_seconds((hash(i * 5) % (3 * 365 * 86400))::BIGINT) AS ts
        FROM range(1, {t} + 1) t(i));
"""

PLAIN_SQL = """
CREATE TABLE plain AS
SELECT r.submitted_at AS ts, c.segment, r.channel,
       max(CASE WHEN a.question_id = 1 THEN a.value_number END) AS nps,
       max(CASE WHEN a.question_id = 2 THEN a.value_number END) AS csat,
       max(CASE WHEN a.question_id = 3 THEN a.value_number END) AS ces
FROM responses r JOIN customers c ON c.id = r.customer_id LEFT JOIN answers a ON a.response_id = r.id
GROUP BY r.id, r.submitted_at, c.segment, r.channel
"""

HAND_SQL = """
SELECT date_trunc('month', ts) AS month, segment,
       100.0 * (count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6)) / count(nps) AS nps,
       100.0 * count(*) FILTER (WHERE csat >= 4) / count(csat) AS csat_pct,
       avg(ces) AS ces
FROM plain GROUP BY 1, 2
"""

TICKET_SQL = """
SELECT t.agent_id, date_trunc('week', t.created_at) AS week,
       quantile_cont(epoch(t.first_response_at - t.created_at) / 3600.0, 0.5) AS median,
       quantile_cont(epoch(t.first_response_at - t.created_at) / 3600.0, 0.9) AS p90
FROM tickets t WHERE t.first_response_at IS NOT NULL GROUP BY 1, 2
"""


def median_time(run: Callable[[], Any], repeats: int = 3, warm: bool = True) -> float:
    if warm:
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_line(name: str, ours: float, base: float, n: int) -> None:
    print(f"BENCH {name} cxlens={ours:.4f} baseline={base:.4f} unit=s ratio={ours / base:.2f} n={n}")


def dashboard(an: Analytics) -> list[pd.DataFrame]:
    frames = [compute(an, m, by=["segment"], every="month") for m in ("nps", "csat", "ces")]
    assert all(int(f["n"].sum()) > 0 for f in frames)
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=("dashboard", "tickets"), help="run one section")
    args = parser.parse_args()
    n, c, tickets = (200_000, 20_000, 100_000) if args.quick else (10_000_000, 1_000_000, 5_000_000)
    tmp = Path(tempfile.mkdtemp(prefix="cxlens-bench-"))
    try:
        ws = Workspace.init(tmp / "ws")
        started = time.perf_counter()
        with ws.begin() as conn:
            if args.only == "tickets":
                n = 0
            for statement in SEED_SQL.format(n=n, c=c, t=tickets).split(";"):
                if statement.strip():
                    conn.exec_driver_sql(statement)
            conn.exec_driver_sql(PLAIN_SQL)
            rebuild_answer_facts(Target(conn))  # what an import maintains as it goes
        print(
            f"generated {n:,} responses, {c:,} customers, {tickets:,} tickets in {time.perf_counter() - started:.1f} s"
        )
        an = Analytics.for_workspace(ws)
        raw: duckdb.DuckDBPyConnection = an.backend.con

        def dashboard_cold() -> Any:
            slicing._RESULTS.clear()
            slicing._SQL.clear()
            return dashboard(an)

        if args.only != "tickets":
            _dashboard(an, raw, n, dashboard_cold)
        if args.only != "dashboard":
            _tickets(an, raw, tickets)
        ws.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _dashboard(an: Analytics, raw: duckdb.DuckDBPyConnection, n: int, dashboard_cold: Callable[[], Any]) -> None:
    cold = median_time(dashboard_cold)
    warm = median_time(lambda: dashboard(an), warm=False)
    hand = median_time(lambda: raw.execute(HAND_SQL).fetchall())
    frame = raw.execute("SELECT * FROM plain").df()
    pandas_time = median_time(lambda: _pandas(frame), repeats=3)
    print(
        f"dashboard: cxlens cold {cold:.3f} s, warm {warm:.3f} s; hand-written DuckDB SQL {hand:.3f} s; "
        f"pandas {pandas_time:.3f} s"
    )
    bench_line("dashboard_cold_vs_duckdb_sql", cold, hand, n)
    bench_line("dashboard_warm_vs_duckdb_sql", warm, hand, n)
    bench_line("dashboard_warm_vs_pandas", warm, pandas_time, n)
    _polars(frame, cold, warm, n)

    one_slice = median_time(lambda: compute(an, "nps", filters={"segment": "seg3"}, every="month"))
    print(f"one NPS slice, repeated: {one_slice * 1000:.1f} ms")


def _tickets(an: Analytics, raw: duckdb.DuckDBPyConnection, tickets: int) -> None:
    def tickets_cold(median_ci: str, compiled: bool = False) -> Any:
        slicing._RESULTS.clear()
        if not compiled:
            slicing._SQL.clear()
        return compute(an, "first_response_time", by=["agent"], every="week", median_ci=median_ci)

    timings: dict[str, list[float]] = {"grid": [], "exact": [], "compiled": [], "hand": []}
    runs = {
        "grid": lambda: tickets_cold("grid"),
        "exact": lambda: tickets_cold("exact"),
        # a running server keeps the compiled SQL per metric and slice shape; the data are still read afresh
        "compiled": lambda: tickets_cold("grid", compiled=True),
        "hand": lambda: raw.execute(TICKET_SQL).fetchall(),
    }
    for run in runs.values():
        run()  # warm-up
    for _ in range(5):  # interleaved, so that load from other work falls on all three alike
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - start)
    grid, exact, compiled, hand = (statistics.median(timings[k]) for k in ("grid", "exact", "compiled", "hand"))
    print(
        f"tickets: cxlens {grid:.3f} s (median_ci='grid', cold, no caches), {exact:.3f} s (median_ci='exact'), "
        f"{compiled:.3f} s (compiled SQL cached, results not); hand-written DuckDB SQL {hand:.3f} s"
    )
    bench_line("ticket_frt_agent_week_vs_duckdb_sql", grid, hand, tickets)
    bench_line("ticket_frt_agent_week_exact_ci_vs_duckdb_sql", exact, hand, tickets)
    bench_line("ticket_frt_agent_week_sql_cached_vs_duckdb_sql", compiled, hand, tickets)


def _pandas(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame.assign(
        month=frame["ts"].dt.to_period("M"), p=frame["nps"] >= 9, d=frame["nps"] <= 6, s=frame["csat"] >= 4
    )
    g = f.groupby(["month", "segment"])
    out = pd.DataFrame(
        {
            "n": g["nps"].count(),
            "p": g["p"].sum(),
            "d": g["d"].sum(),
            "cn": g["csat"].count(),
            "s": g["s"].sum(),
            "ces": g["ces"].mean(),
        }
    )
    out["nps"] = 100 * (out["p"] - out["d"]) / out["n"]
    out["csat"] = 100 * out["s"] / out["cn"]
    return out


def _polars(frame: pd.DataFrame, cold: float, warm: float, n: int) -> None:
    try:
        import polars as pl
    except ImportError:
        print("polars is not installed: no polars baseline")
        return
    df = pl.from_pandas(frame)

    def run() -> Any:
        return df.group_by(pl.col("ts").dt.truncate("1mo"), "segment").agg(
            n=pl.col("nps").count().cast(pl.Int64),
            p=(pl.col("nps") >= 9).sum().cast(pl.Int64),
            d=(pl.col("nps") <= 6).sum().cast(pl.Int64),
            s=(pl.col("csat") >= 4).sum().cast(pl.Int64),
            cn=pl.col("csat").count().cast(pl.Int64),
            ces=pl.col("ces").mean(),
        )

    t = median_time(run)
    print(f"polars {t:.3f} s")
    bench_line("dashboard_cold_vs_polars", cold, t, n)
    bench_line("dashboard_warm_vs_polars", warm, t, n)


if __name__ == "__main__":
    main()
