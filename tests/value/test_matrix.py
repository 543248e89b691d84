"""Satisfaction × value on the hand-made workspace (tests/value/conftest.py), computed by hand."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from cxlens.metrics import Analytics
from cxlens.store import Workspace
from cxlens.value.matrix import QUADRANTS, satisfaction_value_matrix

AS_OF = datetime(2025, 7, 1)  # as in conftest.py


def _quadrants(result: object) -> dict[str, str]:
    customers = result.customers  # type: ignore[attr-defined]
    return dict(zip(customers["customer_id"], customers["quadrant"], strict=True))


def test_nps_matrix_by_hand(value_engine: Analytics) -> None:
    """Latest 0–10 answers: C1 4, C2 10, C3 3, C4 8, C5 6, C7 10 (C6 never answered). Revenue since
    1 July 2024: C1 200, C2 200, C3 40, C4 500, C5 0, C7 0 → the 80th percentile is 200."""
    result = satisfaction_value_matrix(value_engine, as_of=AS_OF)
    assert _quadrants(result) == {
        "C1": "fix",
        "C2": "protect",
        "C3": "deprioritise",
        "C4": "protect",
        "C5": "deprioritise",
        "C7": "grow",
    }
    assert result.without_answer == 1
    assert result.thresholds["high_value_at"] == 200.0 and result.thresholds["satisfied_at"] == 7.0
    summary = result.summary.set_index("quadrant")
    assert summary["n"].to_dict() == {"protect": 2, "fix": 1, "grow": 1, "deprioritise": 2}
    assert summary.loc["protect", "value"] == 700.0
    assert summary.loc["protect", "value_share"] == pytest.approx(100 * 700 / 940)
    assert summary.loc["fix", "satisfaction_mean"] == 4.0


def test_csat_thresholds_and_labels(orders_ws: Workspace) -> None:
    """Latest CSAT (1–5, rescaled to 0–100): C1 5 → 100, C2 2 → 25, C3 1 → 0, C4 4 → 75, C5 3 → 50,
    C7 5 → 100; satisfied at 75 (the top two boxes)."""
    result = satisfaction_value_matrix(orders_ws, measure="csat", as_of=AS_OF, lang="zh")
    got = _quadrants(result)
    assert got == {
        "C1": "protect",
        "C2": "fix",
        "C3": "deprioritise",
        "C4": "protect",
        "C5": "deprioritise",
        "C7": "grow",
    }
    assert set(result.customers["quadrant_label"]) == {v[0] for v in QUADRANTS.values()}
    stricter = satisfaction_value_matrix(orders_ws, measure="csat", as_of=AS_OF, satisfied_at=90)
    assert _quadrants(stricter)["C4"] == "fix"


def test_given_value_such_as_clv(orders_ws: Workspace) -> None:
    clv = pd.DataFrame({"customer_id": ["C3", "C5", "C7"], "value": [900.0, 50.0, 10.0]})
    result = satisfaction_value_matrix(orders_ws, value=clv, value_pct=50, as_of=AS_OF)
    got = _quadrants(result)
    # values C3 900, C5 50, C7 10, the rest 0: the median of the six is 5 → high: C3, C5, C7
    assert (got["C3"], got["C5"], got["C7"], got["C2"]) == ("fix", "fix", "protect", "grow")
    assert result.thresholds["value"] == "given"
    with pytest.raises(ValueError, match="unknown customer"):
        satisfaction_value_matrix(orders_ws, value=pd.DataFrame({"customer_id": ["ZZ"], "value": [1.0]}))
    with pytest.raises(ValueError, match="'value' column"):
        satisfaction_value_matrix(orders_ws, value=pd.DataFrame({"customer_id": ["C1"], "clv": [1.0]}))


def test_bad_input(orders_ws: Workspace) -> None:
    with pytest.raises(ValueError, match="kind must be"):
        satisfaction_value_matrix(orders_ws, measure="ces")
    with pytest.raises(ValueError, match="value_pct"):
        satisfaction_value_matrix(orders_ws, value_pct=0)


def test_demo_workspace_sanity(demo_ws: Workspace) -> None:
    result = satisfaction_value_matrix(demo_ws)
    summary = result.summary.set_index("quadrant")
    assert summary["n"].sum() == len(result.customers) and summary["share"].sum() == pytest.approx(100)
    assert summary.loc["protect", "satisfaction_mean"] > summary.loc["fix", "satisfaction_mean"]
    assert summary.loc["protect", "value_share"] > summary.loc["deprioritise", "value_share"]


def test_cli_matrix(orders_ws: Workspace, tmp_path: object) -> None:
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from cxlens.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["value", "matrix", str(orders_ws.path), "--as-of", "2025-07-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["ok", "thresholds", "without_answer", "summary", "customers"]
    assert data["customers"] == {"protect": ["C4", "C2"], "fix": ["C1"], "grow": ["C7"], "deprioritise": ["C3", "C5"]}
    clv = Path(str(tmp_path)) / "clv.csv"
    clv.write_text("customer_id,value\nC3,900\nC5,50\nC7,10\n", encoding="utf-8")
    given = runner.invoke(
        app, ["value", "matrix", str(orders_ws.path), "--value", str(clv), "--value-pct", "50", "--json"]
    )
    assert json.loads(given.stdout)["customers"]["fix"] == ["C3", "C5"]
    table = runner.invoke(app, ["value", "matrix", str(orders_ws.path), "--lang", "zh"])
    assert table.exit_code == 0 and "优先修复" in table.stdout
