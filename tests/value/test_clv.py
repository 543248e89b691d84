"""BG/NBD, Gamma-Gamma and CLV: likelihoods checked by hand on tiny cases, gradients, predictions,
refusals, and recovery of known parameters from simulated data. The CDNOW reproduction of the published
estimates is in tests/external/test_value_cdnow.py."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.ingest import import_file
from cxlens.store import Workspace
from cxlens.value.clv import (
    BetaGeoFitter,
    GammaGammaFitter,
    NotFittedError,
    clv,
    customer_lifetime_value,
    simulate_bgnbd,
)
from cxlens.value.summary import calibration_and_holdout, orders_summary, summary_from_transactions

PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def _fitted_bg(**params: float) -> BetaGeoFitter:
    m = BetaGeoFitter()
    m.params_ = pd.Series(params or PARAMS, dtype="float64")
    return m


def _bg_direct(r: float, alpha: float, a: float, b: float, x: int, t_x: float, T: float) -> float:
    """FHL 2005 eq. (6), written with plain Gamma and Beta functions."""
    G = math.gamma

    def B(u: float, v: float) -> float:
        return G(u) * G(v) / G(u + v)

    common = G(r + x) * alpha**r / G(r)
    value = B(a, b + x) / B(a, b) * common / (alpha + T) ** (r + x)
    if x > 0:
        value += B(a + 1, b + x - 1) / B(a, b) * common / (alpha + t_x) ** (r + x)
    return math.log(value)


@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0.0, 10.0), (1, 3.5, 10.0), (4, 9.0, 12.0), (2, 30.43, 38.86)])
def test_bgnbd_loglik_matches_the_direct_formula(x: int, t_x: float, T: float) -> None:
    m = _fitted_bg(r=0.8, alpha=3.0, a=1.2, b=2.5)
    ours = m.log_likelihood([x], [t_x], [T])[0]
    assert ours == pytest.approx(_bg_direct(0.8, 3.0, 1.2, 2.5, x, t_x, T), rel=1e-12)


def test_bgnbd_two_customer_case_by_hand() -> None:
    """x = 0, T = 2 and x = 1, t_x = 1, T = 2 with r = α = a = 1, b = 2:
    L₁ = B(1,2)/B(1,2) · 1/3 = 1/3; L₂ = B(1,3)/B(1,2) · 1/9 + B(2,2)/B(1,2) · 1/4 = (2/3)/9 + (1/3)/4."""
    m = _fitted_bg(r=1.0, alpha=1.0, a=1.0, b=2.0)
    ll = m.log_likelihood([0, 1], [0.0, 1.0], [2.0, 2.0])
    assert ll[0] == pytest.approx(math.log(1 / 3), rel=1e-12)
    assert ll[1] == pytest.approx(math.log(2 / 27 + 1 / 12), rel=1e-12)


def test_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(3)
    data = simulate_bgnbd(300, rng.uniform(10, 40, 300), **PARAMS, seed=4)
    bg = BetaGeoFitter()
    args = (data["frequency"].to_numpy(), data["recency"].to_numpy(), data["T"].to_numpy())
    theta = np.array([0.5, 3.0, 0.9, 2.0])
    analytic = bg._loglik(theta, args)[1].sum(axis=1)
    numeric = optimize.approx_fprime(theta, lambda p: bg._loglik(p, args)[0].sum(), 1e-7)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4)
    gg = GammaGammaFitter()
    gargs = (np.array([1.0, 2.0, 5.0]), np.array([10.0, 25.0, 7.5]))
    theta = np.array([4.0, 3.0, 12.0])
    analytic = gg._loglik(theta, gargs)[1].sum(axis=1)
    numeric = optimize.approx_fprime(theta, lambda p: gg._loglik(p, gargs)[0].sum(), 1e-7)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4)


def test_gamma_gamma_loglik_by_hand() -> None:
    """x = 2, z̄ = 10 with p = 2, q = 3, γ = 5: Γ(7)/(Γ(4)Γ(3)) · 5³ · 10³ · 2⁴ / 25⁷."""
    gg = GammaGammaFitter()
    ll = gg._loglik(np.array([2.0, 3.0, 5.0]), (np.array([2.0]), np.array([10.0])))[0][0]
    direct = math.gamma(7) / (math.gamma(4) * math.gamma(3)) * 5**3 * 10**3 * 2**4 / 25**7
    assert ll == pytest.approx(math.log(direct), rel=1e-12)


def test_bgnbd_recovers_simulated_parameters() -> None:
    data = simulate_bgnbd(20_000, 39.0, **PARAMS, seed=7)
    m = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    summary = m.summary
    for name, true in PARAMS.items():
        low, high = summary.loc[name, ["ci_low", "ci_high"]]
        # 99.9 % interval from the 95 % one: the test is about bias, not about a 1-in-20 miss
        width = (np.log(high) - np.log(low)) / 2 * 3.29 / 1.96
        assert abs(np.log(m.params_[name]) - np.log(true)) < width, (name, m.params_[name], true)
    assert m.converged_


def test_predictions_are_consistent() -> None:
    m = _fitted_bg()
    # P(X(t) = n) sums to one and its mean is E[X(t)]
    t = 39.0
    probs = np.array([m.probability_of_n_purchases_up_to_time(t, n) for n in range(200)])
    assert probs.sum() == pytest.approx(1.0, abs=1e-8)
    assert (probs * np.arange(200)).sum() == pytest.approx(m.expected_number_of_purchases_up_to_time([t])[0], rel=1e-6)
    # no repeat purchase: alive for sure; a long silence after many purchases: probably gone
    alive = m.conditional_probability_alive([0, 5, 5], [0.0, 38.0, 5.0], [39.0, 39.0, 39.0])
    assert alive[0] == 1.0 and alive[2] < 0.2
    by_hand = 1 / (1 + 0.793 / (2.426 + 4) * ((4.414 + 39) / (4.414 + 38)) ** (0.243 + 5))
    assert alive[1] == pytest.approx(by_hand, rel=1e-12)
    # the conditional expectation for a just-arrived customer (x = 0, T → 0) is the unconditional one
    cond = m.conditional_expected_number_of_purchases_up_to_time(t, [0], [0.0], [1e-12])
    assert cond[0] == pytest.approx(m.expected_number_of_purchases_up_to_time([t])[0], rel=1e-9)
    grows = m.conditional_expected_number_of_purchases_up_to_time(52, [3, 3], [30.0, 30.0], [39.0, 39.0])
    assert grows[0] == grows[1] > 0


def test_clv_is_the_discounted_monthly_sum() -> None:
    m = _fitted_bg()
    x, t_x, T, spend = [2], [30.43], [38.86], [40.0]
    month = 365.25 / 12 / 7
    cum = [m.conditional_expected_number_of_purchases_up_to_time(k * month, x, t_x, T)[0] for k in range(4)]
    by_hand = sum((cum[k] - cum[k - 1]) * 40.0 / 1.01**k for k in range(1, 4))
    assert customer_lifetime_value(m, x, t_x, T, spend, time=3, discount_rate=0.01)[0] == pytest.approx(by_hand)
    with pytest.raises(ValueError, match="whole number of months"):
        customer_lifetime_value(m, x, t_x, T, spend, time=0)
    with pytest.raises(ValueError, match="discount_rate"):
        customer_lifetime_value(m, x, t_x, T, spend, discount_rate=-0.1)


def test_gamma_gamma_expected_spend_is_a_weighted_mean() -> None:
    gg = GammaGammaFitter()
    gg.params_ = pd.Series({"p": 6.25, "q": 3.74, "v": 15.44})
    population = 6.25 * 15.44 / 2.74
    assert gg.conditional_expected_average_profit()[0] == pytest.approx(population)
    x, z = np.array([1.0, 10.0]), np.array([100.0, 100.0])
    expected = gg.conditional_expected_average_profit(x, z)
    weight = 6.25 * x / (6.25 * x + 2.74)
    np.testing.assert_allclose(expected, (1 - weight) * population + weight * z)
    assert population < expected[0] < expected[1] < 100


@pytest.mark.parametrize(
    ("x", "t_x", "T", "message"),
    [
        ([0, 0], [0.0, 0.0], [5.0, 5.0], "no customer made a repeat purchase"),
        ([1, -1], [1.0, 0.0], [5.0, 5.0], "non-negative whole number"),
        ([1, 1.5], [1.0, 1.0], [5.0, 5.0], "non-negative whole number"),
        ([2, 1], [6.0, 1.0], [5.0, 5.0], "must not exceed T"),
        ([0, 1], [2.0, 1.0], [5.0, 5.0], "recency must be 0"),
        ([1, 1], [1.0, np.nan], [5.0, 5.0], "missing or infinite"),
        ([1], [1.0, 2.0], [5.0], "differ in length"),
    ],
)
def test_bgnbd_refuses_bad_input(x: list[float], t_x: list[float], T: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BetaGeoFitter().fit(x, t_x, T)


def test_gamma_gamma_without_heterogeneity_warns() -> None:
    """Identically distributed spend for everyone puts the MLE on the boundary (q, γ → ∞): the standard
    errors are meaningless, and the fit says so."""
    rng = np.random.default_rng(0)
    x = rng.integers(1, 6, 400)
    z = np.array([rng.gamma(5.0, 8.0, k).mean() for k in x])
    with pytest.warns(RuntimeWarning, match="q, v not identified"):
        GammaGammaFitter().fit(x, z)


def test_gamma_gamma_refusals() -> None:
    with pytest.raises(ValueError, match="needs repeat customers"):
        GammaGammaFitter().fit([0, 0], [0.0, 0.0])
    with pytest.raises(ValueError, match="must be positive"):
        GammaGammaFitter().fit([1, 2], [10.0, -3.0])
    with pytest.raises(NotFittedError, match="not fitted"):
        GammaGammaFitter().conditional_expected_average_profit()
    gg = GammaGammaFitter()
    gg.params_ = pd.Series({"p": 1.0, "q": 0.8, "v": 1.0})
    with pytest.raises(ValueError, match="q ≤ 1"):
        gg.conditional_expected_average_profit()


TX = pd.DataFrame(
    {
        "customer_id": ["a", "a", "a", "a", "b", "c", "c"],
        "ordered_at": [
            "2024-01-01 09:00",
            "2024-01-01 18:00",
            "2024-01-15",
            "2024-02-05",
            "2024-01-08",
            "2024-01-29",
            "2024-02-03",
        ],
        "amount": [10.0, 5.0, 20.0, 30.0, 7.0, 4.0, 6.0],
    }
)


def test_summary_merges_same_day_and_measures_in_weeks() -> None:
    s = summary_from_transactions(TX, observation_end="2024-01-29")
    assert s.loc["a"].tolist() == [1, 2.0, 4.0, 20.0]  # the two Jan-1 orders are one transaction of 15
    assert s.loc["b"].tolist() == [0, 0.0, 3.0, 0.0]
    assert s.loc["c"].tolist() == [0, 0.0, 0.0, 0.0]  # first purchase on the last day: T = 0
    unmerged = summary_from_transactions(TX, observation_end="2024-01-29", merge_same_day=False, unit="days")
    assert unmerged.loc["a"].tolist() == [2, 14.0, 28.0, 12.5]


def test_calibration_and_holdout() -> None:
    s = calibration_and_holdout(TX, calibration_end="2024-01-20", observation_end="2024-02-09", unit="days")
    assert list(s.index) == ["a", "b"]  # c's first purchase is after the calibration period
    assert s.loc["a", "frequency_holdout"] == 1 and s.loc["a", "monetary_value_holdout"] == 30.0
    assert s.loc["b", "frequency_holdout"] == 0
    assert (s["duration_holdout"] == 20.0).all()
    with pytest.raises(ValueError, match="must be after"):
        calibration_and_holdout(TX, calibration_end="2024-02-01", observation_end="2024-01-01")


def test_summary_refusals() -> None:
    bad = TX.assign(amount=[10.0, -5.0, 20.0, 30.0, 7.0, 4.0, 6.0])
    with pytest.raises(ValueError, match="negative amount"):
        summary_from_transactions(bad, observation_end="2024-02-29")
    with pytest.raises(ValueError, match="no transactions on or before"):
        summary_from_transactions(TX, observation_end="2023-01-01")
    with pytest.raises(ValueError, match="no column 'when'"):
        summary_from_transactions(TX, observation_end="2024-02-29", datetime_col="when")
    with pytest.raises(ValueError, match="unit must be"):
        summary_from_transactions(TX, observation_end="2024-02-29", unit="months")  # type: ignore[arg-type]


def test_workspace_clv(tmp_path: Path) -> None:
    """Orders imported through the ordinary path, summarised and valued."""
    data = simulate_bgnbd(400, 52.0, 1.0, 8.0, 0.8, 3.0, seed=5)
    rng = np.random.default_rng(6)
    rows = []
    start = pd.Timestamp("2024-01-01")
    for i, (x, t_x) in enumerate(zip(data["frequency"], data["recency"], strict=True)):
        last = round(t_x * 7)
        days = sorted({0, last, *rng.integers(1, max(last, 2), size=max(x - 1, 0)).tolist()})[: x + 1]
        nu = rng.gamma(4.0, 1 / 40)  # the customer's spend rate: Gamma-Gamma with p 5, q 4, γ 40
        for k, d in enumerate(days):
            rows.append((f"O{i}-{k}", f"C{i}", (start + pd.Timedelta(days=d)).date(), round(rng.gamma(5.0, 1 / nu), 2)))
    csv = tmp_path / "orders.csv"
    pd.DataFrame(rows, columns=["order_id", "customer_id", "ordered_at", "amount"]).to_csv(csv, index=False)
    with Workspace.init(tmp_path / "ws") as ws:
        import_file(ws, csv, "orders")
        summary = orders_summary(ws, calibration_end="2024-12-29")
        result = clv(ws, horizon=6, discount_rate=0.01, calibration_end="2024-12-29")
    assert len(summary) == 400
    assert set(result.customers.columns) >= {"p_alive", "expected_purchases", "expected_spend", "clv"}
    assert result.customers["clv"].sum() > 0
    assert result.to_dict()["horizon_months"] == 6
    runner = CliRunner()
    shown = runner.invoke(
        app, ["value", "clv", str(tmp_path / "ws"), "--horizon", "6", "--calibration-end", "2024-12-29"]
    )
    assert shown.exit_code == 0, shown.output
    assert "BG/NBD" in shown.output and "Gamma-Gamma" in shown.output
    raw = runner.invoke(app, ["value", "clv", str(tmp_path / "ws"), "--json", "--top", "3"])
    data = json.loads(raw.stdout)
    assert data["ok"] is True and len(data["top_customers"]) == 3
    assert [p["param"] for p in data["bgnbd"]["params"]] == ["r", "alpha", "a", "b"]
    Workspace.init(tmp_path / "empty").close()
    failed = runner.invoke(app, ["value", "clv", str(tmp_path / "empty"), "--json"])
    assert failed.exit_code == 1 and json.loads(failed.stdout)["ok"] is False
