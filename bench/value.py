"""RFM scores + segments and the monthly cohort matrix through cxlens (Ibis → the workspace's DuckDB),
against hand-written DuckDB SQL on the same table, and pandas and polars on the same rows in memory — all
in one process, producing the same result (checked). See shared/design/BENCH.md.
Floor: hand-written DuckDB SQL on the same table (pandas and polars are timed too).

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


def hand_written(frame: pd.DataFrame, as_of: int) -> dict[str, tuple[float, Any, float, Any]]:
    """pandas and polars on the same order lines in memory: (RFM s, RFM result, cohorts s, cohorts result)."""
    out: dict[str, tuple[float, Any, float, Any]] = {}
    rfm_t, rfm_r = median_time(lambda: rfm_pandas(frame, as_of))
    coh_t, coh_r = median_time(lambda: cohorts_pandas(frame))
    out["pandas"] = (rfm_t, rfm_r, coh_t, coh_r)
    print(f"pandas: RFM {rfm_t:.3f} s, cohorts {coh_t:.3f} s", flush=True)
    try:
        import polars as pl
    except ImportError:
        print("polars is not installed: no polars baseline")
        return out
    df = pl.from_pandas(frame)
    rfm_t, rfm_r = median_time(lambda: rfm_polars(df, as_of))
    coh_t, coh_r = median_time(lambda: cohorts_polars(df))
    out["polars"] = (rfm_t, rfm_r.to_pandas(), coh_t, coh_r.to_pandas())
    print(f"polars: RFM {rfm_t:.3f} s, cohorts {coh_t:.3f} s", flush=True)
    return out


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
        tuned = an.backend.con  # cxlens raises its perfect_ht_threshold (see cxlens.value.rfm.PERFECT_HASH_BITS)
        plain = tuned.cursor()  # a second connection with DuckDB's default settings, for the hand-written SQL
        started = time.perf_counter()
        generate(plain, n, customers)
        print(f"generated {n:,} order lines for {customers:,} customers in {time.perf_counter() - started:.1f} s")
        last = plain.execute("SELECT max(ordered_at) FROM orders").fetchone()[0]
        as_of = int((datetime.combine(last.date(), datetime.min.time()) + timedelta(days=1)).timestamp())

        ours_rfm_t, ours_rfm = median_time(lambda: rfm(an, ids=False))
        ours_coh_t, ours_coh = median_time(lambda: cohort_matrix(an, timezone="UTC"))
        print(f"cxlens: RFM {ours_rfm_t:.3f} s, cohorts {ours_coh_t:.3f} s", flush=True)
        sql = RFM_SQL.format(as_of_day=as_of // 86_400, cases=_cases())
        base: dict[str, tuple[float, Any, float, Any]] = {}
        for name, con in (("duckdb_sql", plain), ("duckdb_sql_tuned", tuned)):
            rfm_t, rfm_r = median_time(lambda con=con: con.execute(sql).df())
            coh_t, coh_r = median_time(lambda con=con: con.execute(COHORT_SQL).df())
            base[name] = (rfm_t, rfm_r, coh_t, coh_r)
            print(f"hand-written DuckDB SQL ({name}): RFM {rfm_t:.3f} s, cohorts {coh_t:.3f} s", flush=True)
        frame = plain.execute("SELECT customer_id, ordered_at, amount::DOUBLE AS amount FROM orders").df()
        frame["ordered_at"] = frame["ordered_at"].astype("datetime64[us]")
        base |= hand_written(frame, as_of)
        for _, rfm_r, _, coh_r in base.values():
            check_same(ours_rfm, rfm_r, ours_coh, coh_r)
        print("every contender gave the same scores, segments and cohort counts")
        engines = ("duckdb_sql", "polars", "pandas")  # the hand-written engines at their defaults
        for name, (rfm_t, _, _, _) in base.items():
            bench_line(f"rfm_vs_{name}", ours_rfm_t, rfm_t, n)
        bench_line("rfm_vs_best_hand_written", ours_rfm_t, min(base[e][0] for e in engines if e in base), n)
        for name, (_, _, coh_t, _) in base.items():
            bench_line(f"cohorts_vs_{name}", ours_coh_t, coh_t, n)
        bench_line("cohorts_vs_best_hand_written", ours_coh_t, min(base[e][2] for e in engines if e in base), n)
        ws.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
