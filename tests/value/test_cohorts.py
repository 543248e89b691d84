"""Cohorts and repeat customers on the hand-made workspace (tests/value/conftest.py), computed by hand."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from cxlens.metrics import Analytics
from cxlens.store import Workspace
from cxlens.value.cohorts import cohort_matrix, cohort_pivot, repeat_customers, utc_offset_seconds

AS_OF = datetime(2025, 7, 1)  # as in conftest.py
JAN = pd.Timestamp("2025-01-01")


def _cell(matrix: pd.DataFrame, cohort: str, month: int) -> pd.Series:
    rows = matrix[(matrix["cohort"] == pd.Timestamp(cohort)) & (matrix["month"] == month)]
    assert len(rows) == 1, (cohort, month)
    return rows.iloc[0]


def test_january_cohort_by_hand(value_engine: Analytics) -> None:
    m = cohort_matrix(value_engine, timezone="UTC")
    jan = m[m["cohort"] == JAN].set_index("month")
    # C1 (Jan, Mar, May, Jun), C2 (Jan), C6 (31 Jan 23:30 and 1 Feb 00:30 UTC)
    assert list(jan.index) == [0, 1, 2, 3, 4, 5]  # the data ends in June
    assert (jan["customers"] == 3).all()
    assert list(jan["active"]) == [3, 1, 1, 0, 1, 1]
    assert np.allclose(jan["retention"], [100, 100 / 3, 100 / 3, 0, 100 / 3, 100 / 3])
    assert list(jan["revenue"]) == [360.0, 40.0, 50.0, 0.0, 20.0, 30.0]
    assert np.allclose(jan["cumulative_revenue_per_customer"], np.cumsum([360, 40, 50, 0, 20, 30]) / 3)
    assert jan.loc[0, "ci_low"] < 100 and jan.loc[3, "ci_high"] > 0  # Wilson intervals


def test_all_cohorts_and_observable_cells(orders_ws: Workspace) -> None:
    m = cohort_matrix(orders_ws, timezone="UTC")
    sizes = m.groupby("cohort")["customers"].first()
    assert sizes.to_dict() == {
        pd.Timestamp("2024-03-01"): 1,
        pd.Timestamp("2024-10-01"): 1,
        JAN: 3,
        pd.Timestamp("2025-06-01"): 1,
    }
    cells = m.groupby("cohort")["month"].max()
    assert cells[pd.Timestamp("2024-03-01")] == 15 and cells[pd.Timestamp("2025-06-01")] == 0
    assert _cell(m, "2024-10-01", 1)["active"] == 1  # C3 came back in November
    assert (m["month"] == 0).groupby(m["cohort"]).sum().eq(1).all()
    assert (m.loc[m["month"] == 0, "retention"] == 100).all()


def test_month_boundary_follows_the_time_zone(orders_ws: Workspace) -> None:
    """C6's 31 Jan 23:30 UTC is 1 Feb 07:30 in Shanghai: January in UTC, February in Asia/Shanghai."""
    utc = cohort_matrix(orders_ws, timezone="UTC")
    local = cohort_matrix(orders_ws, timezone="Asia/Shanghai")
    assert _cell(utc, "2025-01-01", 0)["customers"] == 3
    assert _cell(local, "2025-01-01", 0)["customers"] == 2
    assert _cell(local, "2025-02-01", 0)["customers"] == 1
    assert _cell(local, "2025-02-01", 0)["revenue"] == 100.0
    assert _cell(local, "2025-01-01", 1)["active"] == 0


def test_time_zone_checks() -> None:
    assert utc_offset_seconds("Asia/Shanghai") == 8 * 3600
    assert utc_offset_seconds("UTC") == 0
    with pytest.raises(ValueError, match="daylight saving"):
        utc_offset_seconds("Europe/Berlin")
    with pytest.raises(ValueError, match="unknown time zone"):
        utc_offset_seconds("Mars/Olympus")


def test_as_of_and_pivot(orders_ws: Workspace) -> None:
    m = cohort_matrix(orders_ws, as_of=datetime(2025, 2, 1), timezone="UTC")
    jan = m[m["cohort"] == JAN]
    assert list(jan["month"]) == [0] and jan["customers"].item() == 3 and jan["revenue"].item() == 360.0
    wide = cohort_pivot(cohort_matrix(orders_ws, timezone="UTC"), "active")
    assert wide.loc[JAN, "customers"] == 3 and wide.loc[JAN, 5] == 1
    assert np.isnan(wide.loc[pd.Timestamp("2025-06-01"), 1])  # not observable yet
    with pytest.raises(ValueError, match="measure"):
        cohort_pivot(m, "churn")


def test_repeat_customers_by_hand(value_engine: Analytics) -> None:
    r = repeat_customers(value_engine, timezone="UTC")
    total = r.iloc[-1]
    assert pd.isna(total["cohort"])
    # repeaters C1 (5 Jan → 10 Mar: 64 days), C3 (1 Oct → 15 Nov: 45 days), C6 (one hour)
    assert (total["customers"], total["repeat_customers"], total["repeat_pct"]) == (6, 3, 50.0)
    assert total["days_median"] == pytest.approx(45.0)
    assert total["days_mean"] == pytest.approx((64 + 45 + 1 / 24) / 3)
    jan = r[r["cohort"] == JAN].iloc[0]
    assert (jan["customers"], jan["repeat_customers"]) == (3, 2)
    assert jan["ci_low"] < 100 * 2 / 3 < jan["ci_high"]


def test_no_orders(tmp_path: object) -> None:
    from pathlib import Path

    with Workspace.init(Path(str(tmp_path)) / "empty") as ws:
        assert cohort_matrix(ws, timezone="UTC").empty
        r = repeat_customers(ws, timezone="UTC")
        assert r["customers"].tolist() == [0] and np.isnan(r["repeat_pct"].iloc[0])


def test_demo_workspace_sanity(demo_ws: Workspace) -> None:
    m = cohort_matrix(demo_ws)
    assert (m["retention"].between(0, 100)).all()
    assert (m.loc[m["month"] == 0, "retention"] == 100).all()
    assert m.groupby("cohort")["customers"].first().sum() == m.loc[m["month"] == 0, "active"].sum()
    later = m[m["month"] >= 1]
    assert 0 < later["retention"].mean() < 100
    assert (m.groupby("cohort")["cumulative_revenue_per_customer"].diff().dropna() >= -1e-9).all()
    r = repeat_customers(demo_ws)
    assert r["repeat_customers"].iloc[-1] == r["repeat_customers"].iloc[:-1].sum()


def test_bit_mask_plan_in_chunks_equals_the_grouped_plan(orders_ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Masks of 2 bits force several mask columns (as data spanning more than 62 months would)."""
    import cxlens.value.cohorts as cohorts

    an = Analytics.for_workspace(orders_ws)
    assert an.engine == "duckdb"
    plain = cohort_matrix(an, timezone="UTC")
    monkeypatch.setattr(cohorts, "_BITS", 2)
    chunked = cohort_matrix(an, timezone="UTC")
    pd.testing.assert_frame_equal(plain, chunked)
    monkeypatch.setattr(an, "engine", "other")  # the grouped plan other engines use
    pd.testing.assert_frame_equal(plain, cohort_matrix(an, timezone="UTC"))


def test_masks_do_not_go_stale(tmp_path: object) -> None:
    from pathlib import Path

    from cxlens.ingest import import_file

    folder = Path(str(tmp_path))
    (folder / "a.csv").write_text("order_id,customer_id,ordered_at,amount\nA1,K1,2025-01-05,10\n", encoding="utf-8")
    (folder / "b.csv").write_text("order_id,customer_id,ordered_at,amount\nB1,K1,2025-02-05,10\n", encoding="utf-8")
    with Workspace.init(folder / "ws") as ws:
        import_file(ws, folder / "a.csv", "orders")
        an = Analytics.for_workspace(ws)
        assert cohort_matrix(an, timezone="UTC")["active"].tolist() == [1]
        import_file(ws, folder / "b.csv", "orders")
        assert cohort_matrix(an, timezone="UTC")["active"].tolist() == [1, 1]


def test_cli_cohorts(orders_ws: Workspace) -> None:
    import json

    from typer.testing import CliRunner

    from cxlens.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["value", "cohorts", str(orders_ws.path), "--json", "--timezone", "UTC"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["ok", "measure", "matrix", "repeat"]
    jan = [r for r in data["matrix"] if r["cohort"].startswith("2025-01")]
    assert [r["active"] for r in jan] == [3, 1, 1, 0, 1, 1]
    assert data["repeat"][-1]["cohort"] is None and data["repeat"][-1]["repeat_pct"] == 50.0
    table = runner.invoke(app, ["value", "cohorts", str(orders_ws.path), "--measure", "revenue", "--lang", "en"])
    assert table.exit_code == 0 and "repeat customers 3 of 6" in table.stdout
    bad = runner.invoke(app, ["value", "cohorts", str(orders_ws.path), "--measure", "churn", "--json"])
    assert bad.exit_code == 1 and "measure must be" in json.loads(bad.stdout)["message"]
