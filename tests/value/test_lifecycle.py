"""Lifecycle stages on the hand-made workspace (tests/value/conftest.py), computed by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from cxlens.ingest import import_file
from cxlens.store import Workspace
from cxlens.value.lifecycle import (
    STAGES,
    LifecycleRules,
    high_value_customers,
    lifecycle,
    lifecycle_counts,
    rules_dict,
)

AS_OF = datetime(2025, 7, 1)  # as in conftest.py


def _stages(frame: pd.DataFrame) -> dict[str, str]:
    return dict(zip(frame["customer_id"], frame["stage"], strict=True))


def test_stages_by_hand(orders_ws: Workspace) -> None:
    frame = lifecycle(orders_ws, as_of=AS_OF)
    assert _stages(frame) == {
        "C1": "loyal",  # 4 orders in the last 365 days, first 177 days ago
        "C2": "active",  # one order 162 days ago
        "C3": "declining",  # last order 228 days ago: more than 180, at most 365
        "C4": "new",  # first order 11 days ago
        "C5": "churned",  # last order 487 days ago
        "C6": "active",  # two orders 150 and 151 days ago
        "C7": "potential",  # signed up, never ordered
    }
    c1 = frame.set_index("customer_id").loc["C1"]
    assert (c1["orders"], c1["recent"], c1["previous"], c1["year_orders"]) == (4, 4, 0, 4)
    assert (c1["recency_days"], c1["tenure_days"], c1["revenue"]) == (2, 177, 200.0)
    c7 = frame.set_index("customer_id").loc["C7"]
    assert c7["orders"] == 0 and pd.isna(c7["recency_days"]) and c7["revenue"] == 0


def test_thresholds_are_configurable(orders_ws: Workspace) -> None:
    frame = lifecycle(orders_ws, as_of=AS_OF, rules=LifecycleRules(active_days=100, loyal_orders=5), lang="zh")
    got = _stages(frame)
    assert got["C2"] == "declining" and got["C6"] == "declining"  # more than 100 days since the last order
    assert got["C1"] == "active"  # 4 orders are no longer loyal
    assert "衰退客户" in set(frame["stage_label"])


def test_a_drop_in_orders_is_declining(tmp_path: Path) -> None:
    """D ordered 4 times 100–150 days back and once 10 days back: recent 1 < 0.5 × previous 4 with
    90-day windows, so declining although the last order is recent; E (2 recent, 2 previous) is not."""
    rows = ["order_id,customer_id,ordered_at,amount"]
    for i, day in enumerate(["2025-02-01", "2025-02-20", "2025-03-10", "2025-03-20", "2025-06-21"]):
        rows.append(f"D{i},D,{day},10")
    for i, day in enumerate(["2025-02-01", "2025-03-10", "2025-05-01", "2025-06-21"]):
        rows.append(f"E{i},E,{day},10")
    (tmp_path / "o.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with Workspace.init(tmp_path / "ws") as ws:
        import_file(ws, tmp_path / "o.csv", "orders")
        frame = lifecycle(ws, as_of=AS_OF, rules=LifecycleRules(active_days=90)).set_index("customer_id")
    assert (frame.loc["D", "recent"], frame.loc["D", "previous"], frame.loc["D", "stage"]) == (1, 4, "declining")
    assert (frame.loc["E", "recent"], frame.loc["E", "previous"], frame.loc["E", "stage"]) == (2, 2, "loyal")


def test_counts_over_time(orders_ws: Workspace) -> None:
    counts = lifecycle_counts(orders_ws, start=datetime(2025, 1, 1), end=AS_OF)
    assert set(counts["stage"]) == set(STAGES)
    assert counts["period"].nunique() == 6  # January to June
    june = counts[counts["period"] == pd.Timestamp("2025-06-01")].set_index("stage")["customers"]
    assert june.to_dict() == {"potential": 1, "new": 1, "active": 2, "loyal": 1, "declining": 1, "churned": 1}
    jan = counts[counts["period"] == pd.Timestamp("2025-01-01")].set_index("stage")
    # at 1 Feb: C1, C2, C6 new (first orders in January); C3 active (first order 123 days back, last 78);
    # C5 declining (last order 337 days back); C4 and C7 signed up later
    assert jan["customers"].sum() == 5
    assert (jan.loc["new", "customers"], jan.loc["active", "customers"], jan.loc["declining", "customers"]) == (3, 1, 1)
    assert counts.groupby("period")["share"].sum().round(6).eq(100).all()


def test_same_stage_as_the_per_customer_table(orders_ws: Workspace) -> None:
    counts = lifecycle_counts(orders_ws, start=datetime(2025, 6, 1), end=AS_OF)
    single = lifecycle(orders_ws, as_of=AS_OF)["stage"].value_counts()
    got = counts.set_index("stage")["customers"]
    assert all(got[s] == single.get(s, 0) for s in STAGES)


def test_high_value_with_reasons(orders_ws: Workspace) -> None:
    hv = high_value_customers(orders_ws, as_of=AS_OF, top_pct=20)
    # revenue in the last 365 days: C4 500, C1 200, C2 200, C6 100, C3 40, C5 0; the 80th percentile is 200
    high = hv[hv["kind"] == "high_value"]
    assert high["customer_id"].tolist() == ["C4", "C1", "C2"]
    assert "top 20%" in high["reason"].iloc[0] and "500.00" in high["reason"].iloc[0]
    potential = hv[hv["kind"] == "potential_high_value"]
    assert set(potential["stage"]) <= {"new", "active"}
    assert not set(potential["customer_id"]) & set(high["customer_id"])


def test_bad_rules() -> None:
    with pytest.raises(ValueError, match="active_days"):
        LifecycleRules(active_days=400)
    with pytest.raises(ValueError, match="decline_ratio"):
        LifecycleRules(decline_ratio=0)
    with pytest.raises(ValueError, match="positive"):
        LifecycleRules(new_days=0)
    with pytest.raises(ValueError, match="top_pct"):
        high_value_customers("unused", top_pct=100)  # type: ignore[arg-type]
    assert rules_dict()["churn_days"] == 365


def test_demo_workspace_sanity(demo_ws: Workspace) -> None:
    frame = lifecycle(demo_ws)
    assert set(frame["stage"]) <= set(STAGES) and frame["customer_key"].is_unique
    loyal, churned = (frame[frame["stage"] == s] for s in ("loyal", "churned"))
    assert loyal["recency_days"].median() < churned["recency_days"].median()
    counts = lifecycle_counts(demo_ws)
    last = counts[counts["period"] == counts["period"].max()].set_index("stage")["customers"]
    assert last.sum() == len(frame)
    hv = high_value_customers(demo_ws)
    assert hv["reason"].str.len().gt(0).all()


def test_cli_lifecycle(orders_ws: Workspace) -> None:
    import json

    from typer.testing import CliRunner

    from cxlens.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["value", "lifecycle", str(orders_ws.path), "--as-of", "2025-07-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["ok", "rules", "stages", "history", "high_value"]
    assert {s["stage"]: s["customers"] for s in data["stages"]} == {
        "potential": 1,
        "new": 1,
        "active": 2,
        "loyal": 1,
        "declining": 1,
        "churned": 1,
    }
    assert [h["customer_id"] for h in data["high_value"] if h["kind"] == "high_value"] == ["C4", "C1", "C2"]
    table = runner.invoke(app, ["value", "lifecycle", str(orders_ws.path), "--lang", "zh"])
    assert table.exit_code == 0 and "忠诚客户" in table.stdout
