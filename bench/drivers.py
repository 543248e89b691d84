"""Key-driver analysis on 1,000,000 responses with 8 drivers: cxlens's LMG (Shapley decomposition of R² over
all 255 driver subsets) + Johnson's relative weights + standardized betas, against the floor — one plain
statsmodels OLS of the outcome on the same 8 drivers, on the same data, in the same process. Both must agree
on the full model's R² (checked). Issue #5 target: ratio ≤ 2. See shared/design/BENCH.md.
Floor: one statsmodels OLS of the outcome on the same 8 drivers (LMG itself needs 255 subset fits).

    python bench/drivers.py            # 1,000,000 responses (the size issue #5 names)
    python bench/drivers.py --quick    # 100,000 responses
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from cxlens.stats import key_drivers

DRIVERS = [f"d{i}" for i in range(1, 9)]
BETAS = np.array([0.9, 0.7, 0.5, 0.4, 0.3, 0.2, 0.15, 0.05])


def make_data(n: int, seed: int = 5) -> pd.DataFrame:
    """Survey-like scores: 8 correlated 1–5 dimension scores (shared satisfaction factor, r ≈ 0.3) and an
    overall 1–10 score driven by them with the betas above plus noise."""
    rng = np.random.default_rng(seed)
    s = rng.normal(size=n)
    scores = np.clip(np.round((3.7 + 0.5 * s[:, None] + rng.normal(0, 0.6, (n, 8))) * 3) / 3, 1, 5)
    overall = np.clip(np.round(-2.8 + scores @ BETAS + rng.normal(0, 0.8, n)), 1, 10)
    frame = pd.DataFrame(scores, columns=DRIVERS)
    frame["overall"] = overall
    return frame


def timed(fn: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
    fn()  # warm-up
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100,000 responses instead of 1,000,000")
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    data = make_data(n)

    def ours() -> Any:
        return key_drivers(data, "overall", DRIVERS)

    def floor() -> Any:
        return sm.OLS(data["overall"], sm.add_constant(data[DRIVERS])).fit()

    t_ours, result = timed(ours)
    t_floor, ols = timed(floor)
    if abs(result.fit["r2"] - ols.rsquared) > 1e-9:
        raise SystemExit(f"R² differs: cxlens {result.fit['r2']!r}, statsmodels {ols.rsquared!r}")
    top = ", ".join(f"{r.driver} {r.lmg_pct:.1f}%" for r in result.table.head(3).itertuples())
    print(f"{n:,} responses, 8 drivers, R² = {result.fit['r2']:.4f}; LMG shares: {top} …")
    print(f"cxlens key drivers (LMG over 255 subsets + relative weights): {t_ours:.3f} s")
    print(f"one statsmodels OLS on the same data: {t_floor:.3f} s")
    ratio = t_ours / t_floor
    print(f"BENCH key_drivers_vs_one_ols cxlens={t_ours:.4f} baseline={t_floor:.4f} unit=s ratio={ratio:.2f} n={n}")


if __name__ == "__main__":
    main()
