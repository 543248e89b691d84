"""BG/NBD maximum-likelihood fit on 1,000,000 customers: cxlens's BetaGeoFitter (analytic gradient,
identical summaries collapsed into weights) against the plain hand-written scipy fit of the same
likelihood (all rows, finite-difference gradient: what one writes without the analytic derivatives), in
one process, on the same data; both must reach the same maximum (checked). See shared/design/BENCH.md.
Floor: the same likelihood maximised by a plain hand-written scipy fit over every row.

The customers are drawn from the BG/NBD model with the CDNOW estimates (r 0.243, α 4.414, a 0.793,
b 2.426), joining uniformly over one year and observed to its end, in days rounded as real order data are.

    python bench/clv.py            # 1,000,000 customers (the size issue #6 names)
    python bench/clv.py --quick    # 100,000 customers
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import optimize, special

from cxlens.value.clv import BetaGeoFitter, simulate_bgnbd

PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def make_data(n: int, seed: int = 2026) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 366, n) / 7.0  # weeks from first purchase to the end of the year, whole days
    data = simulate_bgnbd(n, T, **PARAMS, seed=seed + 1)
    recency = np.floor(data["recency"].to_numpy() * 7) / 7
    return data["frequency"].to_numpy().astype(float), recency, T


def plain_fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, float]:
    """The BG/NBD log-likelihood over every row, maximised by L-BFGS-B with numerical gradients."""

    def negative(log_params: np.ndarray) -> float:
        r, alpha, a, b = np.exp(log_params)
        a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
        a3 = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore"):
            a4 = np.where(x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
        return float(-(a1 + a2 + np.logaddexp(a3, a4)).sum() / len(x))

    res = optimize.minimize(negative, np.zeros(4), method="L-BFGS-B", bounds=[(-20, 20)] * 4)
    return np.exp(res.x), -res.fun * len(x)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    fn()  # warm-up
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 customers")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = 100_000 if args.quick else 1_000_000
    start = time.perf_counter()
    x, t_x, T = make_data(n)
    print(f"simulated {n:,} customers in {time.perf_counter() - start:.1f} s; {int(x.sum()):,} repeat purchases")
    ours, model = timed(lambda: BetaGeoFitter().fit(x, t_x, T), args.repeat)
    base, (params, ll) = timed(lambda: plain_fit(x, t_x, T), args.repeat)
    print("cxlens:", model.params_.round(4).to_dict(), f"LL {model.log_likelihood_:.2f}")
    print("plain: ", dict(zip(PARAMS, np.round(params, 4), strict=True)), f"LL {ll:.2f}")
    if model.log_likelihood_ < ll - 1e-6 * abs(ll):
        raise SystemExit("cxlens reached a lower likelihood than the plain fit")
    print(f"BENCH bgnbd_fit cxlens={ours:.3f} baseline={base:.3f} unit=s ratio={ours / base:.3f} n={n}")


if __name__ == "__main__":
    main()
