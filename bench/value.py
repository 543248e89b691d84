"""RFM scores + segments and the monthly cohort matrix through cxlens (Ibis → the workspace's DuckDB),
against hand-written DuckDB SQL on the same table, and pandas and polars on the same rows in memory — all
in one process, producing the same result (checked). See shared/design/BENCH.md.

    python bench/value.py            # 20,000,000 order lines, 1,000,000 customers (the sizes issue #6 names)
    python bench/value.py --quick    # 1,000,000 order lines, 50,000 customers

Every contender computes the same thing: per customer recency (days), frequency, monetary (total), the
rank-based 1–5 scores with ties sharing the lower score, and the default segment grid; per cohort and
month since first purchase the active customers and revenue. cxlens is timed as a user calls it
(``rfm(ws, ids=False)`` and ``cohort_matrix(ws)``, including the finishing in pandas); the hand-written
SQL returns its result as a pandas DataFrame too.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from cxlens.metrics import Analytics
from cxlens.store import Workspace
from cxlens.value.cohorts import cohort_matrix
from cxlens.value.rfm import DEFAULT_RULES, rfm

START = datetime(2023, 1, 1)
DAYS = 3 * 365

RFM_SQL = """
WITH c AS (
  SELECT customer_id, count(*) AS frequency, sum(amount)::DOUBLE AS monetary,
         {as_of_day} - floor(epoch(max(ordered_at)) / 86400)::BIGINT AS recency_days
  FROM orders GROUP BY customer_id
), s AS (
  SELECT *,
    1 + (5 * (rank() OVER (ORDER BY recency_days DESC) - 1)) // count(*) OVER () AS r,
    1 + (5 * (rank() OVER (ORDER BY frequency) - 1)) // count(*) OVER () AS f,
    1 + (5 * (rank() OVER (ORDER BY monetary) - 1)) // count(*) OVER () AS m
  FROM c
)
SELECT *, CASE {cases} END AS segment FROM s
"""

COHORT_SQL = """
WITH cm AS (
  SELECT customer_id, date_trunc('month', ordered_at) AS month, sum(amount) AS revenue
  FROM orders GROUP BY 1, 2
), f AS (SELECT customer_id, min(month) AS cohort FROM cm GROUP BY 1)
SELECT f.cohort, date_diff('month', f.cohort, cm.month) AS k, count(*) AS active, sum(revenue)::DOUBLE AS revenue
FROM cm JOIN f USING (customer_id) GROUP BY 1, 2
"""


def median_time(run: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
    result = run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_line(name: str, ours: float, base: float, n: int) -> None:
    print(f"BENCH {name} cxlens={ours:.4f} baseline={base:.4f} unit=s ratio={ours / base:.2f} n={n}", flush=True)


def generate(raw: Any, n: int, customers: int, seed: int = 6) -> None:
    """Orders with numpy: customers' order counts are skewed (a few heavy buyers), times uniform over three
    years, amounts log-normal in cents; loaded through Arrow into the workspace's tables."""
    rng = np.random.default_rng(seed)
    weight = rng.gamma(0.6, 1.0, customers)
    cust = rng.choice(customers, size=n, p=weight / weight.sum()).astype(np.int64) + 1
    seconds = rng.integers(0, DAYS * 86_400, n, dtype=np.int64)
    cents = np.round(np.exp(rng.normal(4.5, 0.8, n)) * 100).astype(np.int64)
    ordered = np.datetime64(START, "s") + seconds.astype("timedelta64[s]")
    arrow = pa.table({"customer_id": cust, "ordered_at": ordered.astype("datetime64[us]"), "cents": cents})
    raw.register("gen_orders", arrow)
    raw.execute(
        "INSERT INTO customers (id, external_id, created_at) "
        f"SELECT i, 'C' || i, TIMESTAMP '2023-01-01' FROM range(1, {customers} + 1) t(i)"
    )
    raw.execute(
        "INSERT INTO orders (id, external_id, customer_id, ordered_at, amount) "
        "SELECT row_number() OVER (), 'O' || row_number() OVER (), customer_id, ordered_at, cents / 100 "
        "FROM gen_orders"
    )
    raw.unregister("gen_orders")


def _cases() -> str:
    parts = []
    for name, rule in DEFAULT_RULES.items():
        cond = " AND ".join(f"{a} BETWEEN {lo} AND {hi}" for a, (lo, hi) in rule.items())
        parts.append(f"WHEN {cond} THEN '{name}'")
    return " ".join(parts)


def _segment_pandas(r: np.ndarray, f: np.ndarray) -> np.ndarray:
    conds = [
        (r >= rule["r"][0]) & (r <= rule["r"][1]) & (f >= rule["f"][0]) & (f <= rule["f"][1])
        for rule in DEFAULT_RULES.values()
    ]
    return np.select(conds, list(DEFAULT_RULES), default="")


def rfm_pandas(frame: pd.DataFrame, as_of: int) -> pd.DataFrame:
    g = frame.groupby("customer_id").agg(
        last=("ordered_at", "max"), frequency=("amount", "size"), monetary=("amount", "sum")
    )
    n = len(g)
    g["recency_days"] = as_of // 86_400 - g["last"].to_numpy().astype("datetime64[s]").astype(np.int64) // 86_400
    g["r"] = 1 + (5 * (g["recency_days"].rank(method="min", ascending=False).astype(np.int64) - 1)) // n
    g["f"] = 1 + (5 * (g["frequency"].rank(method="min").astype(np.int64) - 1)) // n
    g["m"] = 1 + (5 * (g["monetary"].rank(method="min").astype(np.int64) - 1)) // n
    g["segment"] = _segment_pandas(g["r"].to_numpy(), g["f"].to_numpy())
    return g.reset_index()


def cohorts_pandas(frame: pd.DataFrame) -> pd.DataFrame:
    ts = frame["ordered_at"]
    month = ts.dt.year.to_numpy(np.int64) * 12 + ts.dt.month.to_numpy(np.int64) - 1
    cm = (
        pd.DataFrame({"customer_id": frame["customer_id"].to_numpy(), "m": month, "amount": frame["amount"]})
        .groupby(["customer_id", "m"], sort=False)["amount"]
        .sum()
        .reset_index()
    )
    cm["cohort"] = cm.groupby("customer_id")["m"].transform("min")
    cm["k"] = cm["m"] - cm["cohort"]
    return cm.groupby(["cohort", "k"]).agg(active=("amount", "size"), revenue=("amount", "sum")).reset_index()


def rfm_polars(df: Any, as_of: int) -> Any:
    import polars as pl

    g = df.group_by("customer_id").agg(
        last=pl.col("ordered_at").max(), frequency=pl.len().cast(pl.Int64), monetary=pl.col("amount").sum()
    )
    n = g.height
    g = g.with_columns(recency_days=as_of // 86_400 - pl.col("last").dt.epoch("s") // 86_400)

    def score(col: str, descending: bool = False) -> Any:
        rank = pl.col(col).rank("min", descending=descending).cast(pl.Int64)
        return 1 + (5 * (rank - 1)) // n

    g = g.with_columns(r=score("recency_days", True), f=score("frequency"), m=score("monetary"))
    expr = pl.lit(None, dtype=pl.String)
    for name, rule in reversed(list(DEFAULT_RULES.items())):
        cond = pl.col("r").is_between(*rule["r"]) & pl.col("f").is_between(*rule["f"])
        expr = pl.when(cond).then(pl.lit(name)).otherwise(expr)
    return g.with_columns(segment=expr)


def cohorts_polars(df: Any) -> Any:
    import polars as pl

    cm = (
        df.with_columns(m=pl.col("ordered_at").dt.year().cast(pl.Int64) * 12 + pl.col("ordered_at").dt.month() - 1)
        .group_by("customer_id", "m")
        .agg(revenue=pl.col("amount").sum())
    )
    cm = cm.with_columns(cohort=pl.col("m").min().over("customer_id"))
    return cm.group_by("cohort", k=pl.col("m") - pl.col("cohort")).agg(
        active=pl.len().cast(pl.Int64), revenue=pl.col("revenue").sum()
    )


def check_same(ours_rfm: pd.DataFrame, base_rfm: pd.DataFrame, ours_coh: pd.DataFrame, base_coh: pd.DataFrame) -> None:
    a = ours_rfm.set_index("customer_key").sort_index()
    b = base_rfm.set_index("customer_id").sort_index()
    for x, y in (("recency_days", "recency_days"), ("frequency", "frequency"), ("r_score", "r"), ("f_score", "f")):
        if not np.array_equal(a[x].to_numpy(np.int64), b[y].to_numpy(np.int64)):
            raise SystemExit(f"RFM mismatch in {x}")
    if not (a["segment"].to_numpy() == b["segment"].to_numpy()).all():
        raise SystemExit("RFM segment mismatch")
    if int(ours_coh["active"].sum()) != int(base_coh["active"].sum()):
        raise SystemExit("cohort mismatch")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--orders", type=int, help="Order lines (default 20,000,000; --quick 1,000,000).")
    args = parser.parse_args()
    n = args.orders or (1_000_000 if args.quick else 20_000_000)
    customers = n // 20
    tmp = Path(tempfile.mkdtemp(prefix="cxlens-bench-value-"))
    try:
        ws = Workspace.init(tmp / "ws")
        an = Analytics.for_workspace(ws)
        raw = an.backend.con
        started = time.perf_counter()
        generate(raw, n, customers)
        print(f"generated {n:,} order lines for {customers:,} customers in {time.perf_counter() - started:.1f} s")
        last = raw.execute("SELECT max(ordered_at) FROM orders").fetchone()[0]
        as_of = int((datetime.combine(last.date(), datetime.min.time()) + timedelta(days=1)).timestamp())

        ours_rfm_t, ours_rfm = median_time(lambda: rfm(an, ids=False))
        ours_coh_t, ours_coh = median_time(lambda: cohort_matrix(an, timezone="UTC"))
        sql = RFM_SQL.format(as_of_day=as_of // 86_400, cases=_cases())
        duck_rfm_t, duck_rfm = median_time(lambda: raw.execute(sql).df())
        duck_coh_t, duck_coh = median_time(lambda: raw.execute(COHORT_SQL).df())
        print(f"cxlens: RFM {ours_rfm_t:.3f} s, cohorts {ours_coh_t:.3f} s", flush=True)
        print(f"hand-written DuckDB SQL: RFM {duck_rfm_t:.3f} s, cohorts {duck_coh_t:.3f} s", flush=True)
        check_same(ours_rfm, duck_rfm, ours_coh, duck_coh)

        frame = raw.execute("SELECT customer_id, ordered_at, amount::DOUBLE AS amount FROM orders").df()
        frame["ordered_at"] = frame["ordered_at"].astype("datetime64[us]")
        pd_rfm_t, pd_rfm = median_time(lambda: rfm_pandas(frame, as_of))
        pd_coh_t, pd_coh = median_time(lambda: cohorts_pandas(frame))
        print(f"pandas: RFM {pd_rfm_t:.3f} s, cohorts {pd_coh_t:.3f} s", flush=True)
        check_same(ours_rfm, pd_rfm, ours_coh, pd_coh)
        import polars as pl

        df = pl.from_pandas(frame)
        del frame
        pl_rfm_t, pl_rfm = median_time(lambda: rfm_polars(df, as_of))
        pl_coh_t, pl_coh = median_time(lambda: cohorts_polars(df))
        print(f"polars: RFM {pl_rfm_t:.3f} s, cohorts {pl_coh_t:.3f} s", flush=True)
        check_same(ours_rfm, pl_rfm.to_pandas(), ours_coh, pl_coh.to_pandas())

        bench_line("rfm_vs_duckdb_sql", ours_rfm_t, duck_rfm_t, n)
        bench_line("rfm_vs_polars", ours_rfm_t, pl_rfm_t, n)
        bench_line("rfm_vs_pandas", ours_rfm_t, pd_rfm_t, n)
        bench_line("rfm_vs_best_hand_written", ours_rfm_t, min(duck_rfm_t, pl_rfm_t, pd_rfm_t), n)
        bench_line("cohorts_vs_duckdb_sql", ours_coh_t, duck_coh_t, n)
        bench_line("cohorts_vs_polars", ours_coh_t, pl_coh_t, n)
        bench_line("cohorts_vs_pandas", ours_coh_t, pd_coh_t, n)
        bench_line("cohorts_vs_best_hand_written", ours_coh_t, min(duck_coh_t, pl_coh_t, pd_coh_t), n)
        ws.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
