"""BG/NBD and Gamma-Gamma on the CDNOW sample, from the raw transactions imported as orders.

Published results reproduced (tolerance: the published rounding, i.e. half a unit of the last digit shown):
Fader, Hardie & Lee (2005), "'Counting your customers' the easy way", Marketing Science 24(2): r 0.243,
α 4.414, a 0.793, b 2.426, LL −9582.4; expected purchases in the next 39 weeks of a customer with x = 2,
t_x = 30.43, T = 38.86: 1.226. Fader & Hardie (2013), "The Gamma-Gamma model of monetary value": p 6.25,
q 3.74, γ 15.44, LL −4055.92. Skipped without ../shared/data.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlens.ingest import import_file
from cxlens.store import Workspace
from cxlens.value.clv import BetaGeoFitter, GammaGammaFitter, clv
from cxlens.value.summary import orders_summary

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "cdnow"
RAW = DATA / "CDNOW_sample.txt"
SUMMARY = DATA / "cdnow_customers_summary_with_transactions.csv"
pytestmark = pytest.mark.skipif(not RAW.is_file() or not SUMMARY.is_file(), reason="../shared/data is not present")


def _as_orders_csv(raw: Path, out: Path) -> None:
    """The raw file (whitespace-separated, no header: master id, sample id, YYYYMMDD, CDs, dollars) as an
    orders CSV in canonical columns; each line is one order, numbered by its line. The customer is the
    sample id (1…2357), which is the ID of the published summary file."""
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["order_id", "customer_id", "ordered_at", "quantity", "amount"])
        for number, line in enumerate(raw.read_text(encoding="ascii").splitlines(), start=1):
            if line.strip():
                _, customer, day, cds, dollars = line.split()
                writer.writerow([f"L{number}", customer, f"{day[:4]}-{day[4:6]}-{day[6:]}", cds, dollars])


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("cdnow")
    _as_orders_csv(RAW, folder / "orders.csv")
    ws = Workspace.init(folder / "ws")
    try:
        report = import_file(ws, folder / "orders.csv", "orders")
        assert report.inserted == 6919
        yield orders_summary(ws, calibration_end="1997-09-30", observation_end="1998-06-30", unit="weeks")
    finally:
        ws.close()


def test_summary_matches_the_published_calibration_data(cdnow: pd.DataFrame) -> None:
    """2,357 customers and 2,457 repeat purchases (same-day purchases merged), and per customer the same
    x, t_x, T and z̄ as the published summary file (which rounds to 2 decimals)."""
    assert len(cdnow) == 2357
    assert int(cdnow["frequency_cal"].sum()) == 2457
    ref = pd.read_csv(SUMMARY)
    ours = cdnow.reset_index()
    ours["ID"] = ours["customer_id"].astype(int)
    merged = ref.merge(ours, on="ID", validate="one_to_one")
    assert (merged["x"] == merged["frequency_cal"]).all()
    for theirs, mine in (("t_x", "recency_cal"), ("T", "T_cal"), ("zbar", "monetary_value_cal")):
        assert np.abs(merged[theirs] - merged[mine]).max() <= 0.005 + 1e-9, theirs


def test_bgnbd_reproduces_fader_hardie_lee_2005(cdnow: pd.DataFrame) -> None:
    bg = BetaGeoFitter().fit(cdnow["frequency_cal"], cdnow["recency_cal"], cdnow["T_cal"])
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert round(float(bg.params_[name]), 3) == value, (name, bg.params_[name])
    assert round(bg.log_likelihood_, 1) == -9582.4
    assert bg.n_ == 2357
    summary = bg.summary
    assert (summary["ci_low"] < summary["coef"]).all() and (summary["coef"] < summary["ci_high"]).all()
    assert (summary["se"] > 0).all()
    expected = bg.conditional_expected_number_of_purchases_up_to_time(39, [2], [30.43], [38.86])
    assert round(float(expected[0]), 3) == 1.226
    # the holdout: 1,882 repeat purchases in weeks 40–78; the model's conditional forecast is within 15 %
    forecast = bg.conditional_expected_number_of_purchases_up_to_time(
        39, cdnow["frequency_cal"], cdnow["recency_cal"], cdnow["T_cal"]
    ).sum()
    actual = int(cdnow["frequency_holdout"].sum())
    print(f"CDNOW 39-week holdout: forecast {forecast:.1f}, actual {actual}")
    assert actual == 1882
    assert abs(forecast / actual - 1) < 0.15


def test_gamma_gamma_reproduces_fader_hardie_2013(cdnow: pd.DataFrame) -> None:
    """Fitted on the 946 repeat customers' mean repeat-transaction value z̄ (the first purchase excluded)."""
    gg = GammaGammaFitter().fit(cdnow["frequency_cal"], cdnow["monetary_value_cal"])
    assert gg.n_ == 946
    assert round(float(gg.params_["p"]), 2) == 6.25
    assert round(float(gg.params_["q"]), 2) == 3.74
    assert round(float(gg.params_["v"]), 2) == 15.44
    assert round(gg.log_likelihood_, 2) == -4055.92
    # the population mean spend pγ/(q−1) against the observed mean z̄ of repeat customers ($35.08)
    assert abs(float(gg.conditional_expected_average_profit()[0]) - 35.08) < 0.5


def test_clv_of_the_imported_workspace(tmp_path: Path) -> None:
    _as_orders_csv(RAW, tmp_path / "orders.csv")
    with Workspace.init(tmp_path / "ws") as ws:
        import_file(ws, tmp_path / "orders.csv", "orders")
        result = clv(ws, horizon=12, discount_rate=0.01, calibration_end="1997-09-30")
    bg = result.transaction_model
    assert round(float(bg.params_["r"]), 3) == 0.243
    customers = result.customers
    assert len(customers) == 2357
    assert (customers["clv"] >= 0).all()
    assert customers["clv"].is_monotonic_decreasing
    assert ((customers["p_alive"] > 0) & (customers["p_alive"] <= 1)).all()
    # undiscounted, the 12-month value is the expected purchases times the expected spend
    with Workspace.open(tmp_path / "ws") as ws:
        flat = clv(ws, horizon=12, discount_rate=0.0, calibration_end="1997-09-30").customers
    np.testing.assert_allclose(flat["clv"], flat["expected_purchases"] * flat["expected_spend"], rtol=1e-9)
    assert (customers["clv"] < flat["clv"].reindex(customers.index) + 1e-12).all()
    payload = result.to_dict()
    assert payload["customers"] == 2357 and payload["repeat_customers"] == 946
