"""RFM on the hand-made workspace (tests/value/conftest.py): every value computed by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlens.metrics import Analytics
from cxlens.store import Workspace
from cxlens.value.rfm import (
    DEFAULT_RULES,
    assign_segments,
    check_rules,
    default_as_of,
    load_rules,
    quintile_scores,
    rfm,
    rfm_expr,
    rfm_profiles,
)

AS_OF = datetime(2025, 7, 1)  # as in conftest.py

# customer: (recency_days, frequency, monetary, R, F, M, segment); see the module docstring of conftest.py
# recency (whole UTC days) worst-first 487, 228, 162, 150, 11, 2 → ranks 0–5 → R = 1 + ⌊5·rank/6⌋ = 1, 1, 2, 3, 4, 5
# frequency 1 ×3 (rank 0 → F 1), 2 ×2 (rank 3 → F 3), 4 (rank 5 → F 5): ties share one score
# monetary 10, 40, 100, 200 ×2 (both rank 3 → M 3), 500
EXPECTED = {
    "C1": (2, 4, 200.0, 5, 5, 3, "champions"),
    "C2": (162, 1, 200.0, 2, 1, 3, "hibernating"),
    "C3": (228, 2, 40.0, 1, 3, 1, "at_risk"),
    "C4": (11, 1, 500.0, 4, 1, 5, "promising"),
    "C5": (487, 1, 10.0, 1, 1, 1, "lost"),
    "C6": (150, 2, 100.0, 3, 3, 2, "need_attention"),
}
COLUMNS = ["recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment"]


def _by_id(frame: pd.DataFrame) -> dict[str, tuple[object, ...]]:
    return {row.customer_id: tuple(getattr(row, c) for c in COLUMNS) for row in frame.itertuples()}


def test_hand_computed_scores_and_segments(value_engine: Analytics) -> None:
    frame = rfm(value_engine, as_of=AS_OF)
    assert _by_id(frame) == EXPECTED  # C7 never ordered: not scored
    assert frame.loc[frame["customer_id"] == "C1", "rfm_score"].item() == 553
    assert list(frame["customer_key"]) == sorted(frame["customer_key"])


def test_default_as_of_is_the_midnight_after_the_last_order(orders_ws: Workspace) -> None:
    an = Analytics.for_workspace(orders_ws)
    assert default_as_of(an) == datetime(2025, 6, 30)
    frame = rfm(orders_ws)
    c1 = frame[frame["customer_id"] == "C1"].iloc[0]
    assert c1["recency_days"] == 1  # ordered on the last day
    assert c1["last_order_at"] == pd.Timestamp("2025-06-29")


def test_as_of_excludes_later_orders(orders_ws: Workspace) -> None:
    frame = rfm(orders_ws, as_of=datetime(2025, 2, 1))
    got = frame.set_index("customer_id")
    assert set(got.index) == {"C1", "C2", "C3", "C5", "C6"}
    assert got.loc["C6", "frequency"] == 1  # the 00:30 order on 1 February is not before as of
    assert got.loc["C1", "monetary"] == 100.0
    assert got.loc["C1", "recency_days"] == 27


def test_monetary_mean_and_labels(orders_ws: Workspace) -> None:
    frame = rfm(orders_ws, as_of=AS_OF, monetary="mean", lang="zh", ids=False)
    assert "customer_id" not in frame
    got = frame.set_index("customer_key")
    assert sorted(got["monetary"]) == [10.0, 20.0, 50.0, 50.0, 200.0, 500.0]
    assert set(got["revenue"]) == {200.0, 40.0, 500.0, 10.0, 100.0}
    assert "重要价值客户" in set(got["segment_label"])


def test_profiles(orders_ws: Workspace) -> None:
    prof = rfm_profiles(rfm(orders_ws, as_of=AS_OF)).set_index("segment")
    assert prof["n"].sum() == 6
    assert prof.loc["promising", "revenue"] == 500.0
    assert prof.loc["promising", "revenue_share"] == pytest.approx(100 * 500 / 1050)
    assert prof.loc["champions", "share"] == pytest.approx(100 / 6)
    assert list(prof.index[:3]) == ["promising", "champions", "hibernating"]  # by revenue, then name
    with pytest.raises(ValueError, match="empty"):
        rfm_profiles(rfm(orders_ws, as_of=AS_OF).iloc[:0])


def test_default_rules_cover_the_grid_once() -> None:
    clean = check_rules(DEFAULT_RULES)
    assert clean["champions"] == {"r": (5, 5), "f": (4, 5), "m": (1, 5)}  # a missing axis means 1–5
    assert len(DEFAULT_RULES) == 11


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"all": {"r": [1, 5], "f": [1, 4]}}, "R=1 F=5 M=1 falls in no segment"),
        ({"a": {"r": [1, 5]}, "b": {"f": [5, 5]}}, "several segments"),
        ({"a": {"r": [0, 5]}}, "within 1–5"),
        ({"a": {"x": [1, 5]}}, "unknown axis"),
        ({}, "empty"),
    ],
)
def test_bad_rules(rules: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_rules(rules)  # type: ignore[arg-type]


def test_custom_rules_from_yaml(orders_ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("big: {m: [4, 5]}\nsmall: {m: [1, 3]}\n", encoding="utf-8")
    frame = rfm(orders_ws, as_of=AS_OF, rules=load_rules(path))
    assert dict(zip(frame["customer_id"], frame["segment"], strict=True)) == {
        "C1": "small",
        "C2": "small",
        "C3": "small",
        "C4": "big",
        "C5": "small",
        "C6": "small",
    }


def test_bad_input(orders_ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="monetary"):
        rfm(orders_ws, monetary="median")
    with pytest.raises(TypeError, match="Workspace"):
        rfm("not a workspace")  # type: ignore[arg-type]
    with Workspace.init(tmp_path / "empty") as empty, pytest.raises(ValueError, match="no orders"):
        rfm(empty)


def test_demo_workspace_sanity(demo_ws: Workspace) -> None:
    frame = rfm(demo_ws)
    assert frame["customer_key"].is_unique and frame["segment"].notna().all()
    assert set(frame["r_score"]) <= {1, 2, 3, 4, 5}
    prof = rfm_profiles(frame).set_index("segment")
    assert prof["share"].sum() == pytest.approx(100)
    # champions buy more, more recently, and spend more than the lost
    assert prof.loc["champions", "frequency"] > prof.loc["lost", "frequency"]
    assert prof.loc["champions", "recency_days"] < prof.loc["lost", "recency_days"]
    assert prof.loc["champions", "monetary"] > prof.loc["lost", "monetary"]


@pytest.mark.parametrize("seed", range(5))
def test_quintile_scores_match_the_rank_formula(seed: int) -> None:
    """The O(n) order-statistic scores equal 1 + ⌊5·rank/n⌋ with SQL's RANK() (ties share the lower)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    values = rng.integers(0, int(rng.integers(1, 30)), n)  # many ties
    expected = 1 + (5 * (pd.Series(values).rank(method="min").to_numpy(np.int64) - 1)) // n
    assert np.array_equal(quintile_scores(values), expected)
    worst_first = 1 + (5 * (pd.Series(values).rank(method="min", ascending=False).to_numpy(np.int64) - 1)) // n
    assert np.array_equal(quintile_scores(values, descending=True), worst_first)
    floats = rng.normal(size=n)
    assert np.array_equal(
        quintile_scores(floats), 1 + (5 * (pd.Series(floats).rank(method="min") - 1).astype(int)) // n
    )


def test_quintile_scores_small_cases() -> None:
    assert quintile_scores(np.array([], dtype=float)).tolist() == []
    assert quintile_scores(np.array([7.0])).tolist() == [1]
    assert quintile_scores(np.arange(10)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores(np.array([3, 3, 3])).tolist() == [1, 1, 1]


def test_engine_expression_equals_the_fast_path(value_engine: Analytics) -> None:
    """rfm_expr (RANK windows and CASE on the engine) and rfm (aggregate + exact order statistics) agree."""
    fast = rfm(value_engine, as_of=AS_OF, ids=False)
    on_engine = value_engine.execute(rfm_expr(value_engine, AS_OF).order_by("customer_key"))
    for column in ("recency_days", "frequency", "r_score", "f_score", "m_score", "rfm_score", "segment"):
        assert fast[column].tolist() == on_engine[column].tolist(), column


def test_engine_expression_equals_the_fast_path_on_the_demo(demo_ws: Workspace) -> None:
    an = Analytics.for_workspace(demo_ws)
    cutoff = default_as_of(an)
    fast = rfm(an, ids=False)
    on_engine = an.execute(rfm_expr(an, cutoff, filter_orders=False).order_by("customer_key"))
    assert (fast["segment"].to_numpy() == on_engine["segment"].to_numpy()).all()
    assert np.array_equal(fast["rfm_score"].to_numpy(), on_engine["rfm_score"].to_numpy())
    assert np.allclose(fast["monetary"], on_engine["monetary"])


def test_assign_segments_grid() -> None:
    r, f, m = np.array([5, 1, 3]), np.array([5, 5, 3]), np.array([1, 1, 5])
    assert assign_segments(r, f, m, DEFAULT_RULES).tolist() == ["champions", "cant_lose_them", "need_attention"]


def test_cli_rfm(orders_ws: Workspace, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from cxlens.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["value", "rfm", str(orders_ws.path), "--as-of", "2025-07-01", "--json", "--customers"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data)[:4] == ["ok", "as_of", "monetary", "customers_scored"]
    assert data["customers_scored"] == 6 and data["as_of"] == "2025-07-01T00:00:00"
    assert {s["segment"] for s in data["segments"]} == {e[-1] for e in EXPECTED.values()}
    assert {c["customer_id"]: c["segment"] for c in data["customers"]}["C1"] == "champions"
    table = runner.invoke(app, ["value", "rfm", str(orders_ws.path), "--lang", "zh"])
    assert table.exit_code == 0 and "重要价值客户" in table.stdout
    bad = runner.invoke(app, ["value", "rfm", str(tmp_path / "nowhere"), "--json"])
    assert bad.exit_code == 1 and json.loads(bad.stdout)["ok"] is False
    rules = tmp_path / "r.yaml"
    rules.write_text("all: {r: [1, 5], f: [1, 4]}\n", encoding="utf-8")
    bad = runner.invoke(app, ["value", "rfm", str(orders_ws.path), "--rules", str(rules), "--json"])
    assert bad.exit_code == 1 and "falls in no segment" in json.loads(bad.stdout)["message"]
