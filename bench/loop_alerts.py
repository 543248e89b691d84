"""Evaluating an early-warning rule: "NPS dropped significantly vs the previous month, per region" (NPS z test,
Holm-adjusted), through cxlens.loop.alerts — the metric layer on the canonical long schema plus the test —
against a hand-written baseline in the same process: DuckDB SQL over the same tables for the per-region,
per-month NPS and its multinomial standard error, then the z tests and Holm's adjustment in numpy. Both must
find the same alerts. See shared/design/BENCH.md.
Floor: hand-written DuckDB SQL for the per-region monthly NPS, then numpy z tests and Holm.

    python bench/loop_alerts.py           # 2,000,000 responses
    python bench/loop_alerts.py --quick   # 100,000 responses
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

import numpy as np
import pandas as pd
from scipy import stats

from cxlens.ingest.facts import rebuild_answer_facts
from cxlens.ingest.target import Target
from cxlens.loop.alerts import AlertRule, evaluate_rule
from cxlens.metrics import Analytics, slicing
from cxlens.store import Workspace

SEED_SQL = """
INSERT INTO customers (id, external_id, segment, region, created_at)
  SELECT i, 'C' || i, 'seg', 'r' || (hash(i * 7) % 5), TIMESTAMP '2023-01-01' FROM range(1, {c} + 1) t(i);
INSERT INTO surveys (id, code, status, default_language, definition_hash, created_at)
  VALUES (1, 'bench', 'in_progress', 'en', 'x', TIMESTAMP '2023-01-01');
INSERT INTO questions (id, survey_id, code, type, scale_min, scale_max, position, required)
  VALUES (1, 1, 'nps', 'nps', 0, 10, 0, false);
INSERT INTO responses (id, survey_id, customer_id, idempotency_key, channel, submitted_at, finished, created_at)
  SELECT i, 1, 1 + hash(i) % {c}, 'k' || i, 'web',
         TIMESTAMP '2023-01-01' + to_seconds((hash(i * 5) % (3 * 365 * 86400))::BIGINT), true, TIMESTAMP '2026-01-01'
  FROM range(1, {n} + 1) t(i);
INSERT INTO answers (response_id, question_id, value_number)
  SELECT r.id, 1, CASE WHEN c.region = 'r3' AND r.submitted_at >= TIMESTAMP '2025-06-01'
                            AND r.submitted_at < TIMESTAMP '2025-07-01' AND hash(r.id * 31) % 3 = 0
                       THEN 2 ELSE (hash(r.id * 11) % 11) END::DOUBLE
  FROM responses r JOIN customers c ON c.id = r.customer_id;
"""

HAND_SQL = """
SELECT c.region, date_trunc('month', r.submitted_at) AS period, count(*) AS n,
       count(*) FILTER (WHERE a.value_number >= 9) AS pro, count(*) FILTER (WHERE a.value_number <= 6) AS det
FROM answers a JOIN responses r ON r.id = a.response_id JOIN customers c ON c.id = r.customer_id
WHERE a.question_id = 1 GROUP BY 1, 2 ORDER BY 1, 2
"""


def hand(con: Any, alpha: float = 0.05) -> set[tuple[str, str]]:
    f = con.execute(HAND_SQL).df()
    p, d = f["pro"] / f["n"], f["det"] / f["n"]
    f["nps"] = 100 * (p - d)
    f["se"] = 100 * np.sqrt((p + d - (p - d) ** 2) / f["n"])
    prev = f.groupby("region").shift(1)
    z = (f["nps"] - prev["nps"]) / np.sqrt(f["se"] ** 2 + prev["se"] ** 2)
    pv = 2 * stats.norm.sf(np.abs(z))
    ok = np.isfinite(pv)
    m = int(ok.sum())
    order = np.argsort(pv[ok])
    adj = np.empty(m)
    adj[order] = np.minimum(np.maximum.accumulate((m - np.arange(m)) * pv[ok][order]), 1)
    sub = f[ok].assign(p=adj, change=(f["nps"] - prev["nps"])[ok])
    hit = sub[(sub["p"] < alpha) & (sub["change"] < 0)]
    return {(r, pd.Timestamp(t).strftime("%Y-%m")) for r, t in zip(hit["region"], hit["period"], strict=True)}


def median_time(run: Callable[[], Any], repeats: int = 3) -> float:
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    n = 100_000 if parser.parse_args().quick else 2_000_000
    folder = Path(tempfile.mkdtemp(prefix="cxlens-bench-loop-"))
    try:
        with Workspace.init(folder / "ws") as ws:
            with ws.begin() as conn:
                for statement in SEED_SQL.format(n=n, c=max(n // 10, 100)).split(";"):
                    if statement.strip():
                        conn.exec_driver_sql(statement)
                rebuild_answer_facts(Target(conn))
            an = Analytics.for_workspace(ws)
            rule = AlertRule("drop", "significant_drop", metric="nps", by=["region"], correction="holm")

            def ours() -> set[tuple[str, str]]:
                slicing._RESULTS.clear()  # a cold evaluation: no cached metric results
                found = evaluate_rule(an, rule)
                return {
                    (s["region"], p.strftime("%Y-%m")) for s, p in zip(found["slice"], found["period"], strict=True)
                }

            assert ours() == hand(an.backend.con) == {("r3", "2025-06")}, (ours(), hand(an.backend.con))
            t_ours = median_time(ours)
            t_hand = median_time(lambda: hand(an.backend.con))
            print(f"BENCH alert_significant_drop cxlens={t_ours:.4f} baseline={t_hand:.4f} unit=s "
                  f"ratio={t_ours / t_hand:.2f} n={n}")  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
