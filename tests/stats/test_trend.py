"""Anomalies and change points: hand-made series, refusals, and the demo's planted 华南 (South China) NPS dip
of 2026-Q2 (docs/demo.md §3), which must be flagged with at most a few false alarms elsewhere.

Measured on the demo (seed 2026, scale 1; relationship_nps by region): monthly, 1 of 80 points flagged — 华南
2026-06 (NPS −45, n = 20, z = −3.2) — and no false alarm; quarterly, 3 of 40 flagged — 华南 2026-Q2 (NPS −11.2,
n = 98, z = −3.8) plus two false alarms (华东 2026-Q3 spike, 海外 2025-Q3 dip).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.datasets.demo import generate
from cxlens.ingest import import_file, import_survey
from cxlens.stats.trend import anomalies, change_points, detect_anomalies
from cxlens.store import Workspace


def series(values: list[float], se: float | list[float] = 5.0, n: int = 100) -> pd.DataFrame:
    return pd.DataFrame(
        {"period": pd.date_range("2024-01-01", periods=len(values), freq="MS"), "value": values, "se": se, "n": n}
    )


def test_a_dip_is_flagged_and_its_z_is_by_hand() -> None:
    values = [20.0, 22, 19, 21, -15, 20, 23, 21, 20]
    res = detect_anomalies(series(values))
    flagged = res[res.flag]
    assert flagged.period.dt.strftime("%Y-%m").tolist() == ["2024-05"]
    assert flagged.direction.iloc[0] == "dip"
    row = res.iloc[4]
    neighbours = sorted(values[0:4] + values[5:9])
    assert row.expected == pytest.approx(neighbours[3])  # equal weights: the lower middle of 8 neighbours
    assert row.z == pytest.approx(row.residual / row.scale)
    assert row.scale >= 5.0  # never below the point's own standard error


def test_a_noisy_point_is_not_an_anomaly() -> None:
    values = [20.0, 22, 19, 21, -15, 20, 23, 21, 20]
    se = [5.0] * 9
    se[4] = 30.0  # the same drop, measured on a handful of answers
    assert not detect_anomalies(series(values, se)).flag.any()
    small = series(values).assign(n=[100] * 4 + [6] + [100] * 4)
    assert not detect_anomalies(small, min_n=10).flag.any()


def test_groups_are_scored_separately_and_short_ones_skipped() -> None:
    a = series([20.0, 22, 19, 21, -15, 20, 23, 21, 20]).assign(region="a")
    b = series([20.0, 21, 22]).assign(region="b")
    both = pd.concat([b, a])[["region", "period", "value", "se", "n"]]
    res = detect_anomalies(both)
    assert res.query("region == 'b'").method.eq("too_short").all()
    assert res.query("flag").region.tolist() == ["a"]


def test_stl_baseline_on_a_seasonal_series() -> None:
    t = np.arange(48)
    rng = np.random.default_rng(0)
    values = 50 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, 48)
    values[30] -= 12
    res = detect_anomalies(series(list(values), se=1.0), period=12)
    assert res.method.eq("stl").all()
    flagged = res.query("flag").period.dt.strftime("%Y-%m").tolist()
    assert "2026-07" in flagged and len(flagged) <= 2  # α = 0.01 on 48 points: ~0.5 false alarms expected
    robust = detect_anomalies(series(list(values), se=1.0), method="robust")
    assert robust.method.eq("robust").all()


def test_refusals() -> None:
    with pytest.raises(ValueError, match="method"):
        detect_anomalies(series([1.0] * 6), method="arima")
    with pytest.raises(ValueError, match="no 'value' column"):
        detect_anomalies(series([1.0] * 6).rename(columns={"value": "v"}))
    with pytest.raises(ValueError, match="needs period"):
        detect_anomalies(series([1.0, 2, 3, 4, 5, 6]), method="stl")
    with pytest.raises(ValueError, match="gap-free"):
        detect_anomalies(series([1.0, 2, 3, 4, 5, 6]), method="stl", period=12)


def test_change_point_finds_a_level_shift_and_not_noise() -> None:
    rng = np.random.default_rng(1)
    shifted = series(list(np.r_[np.full(12, 20.0), np.full(12, 35.0)] + rng.normal(0, 3, 24)), se=3.0)
    found = change_points(shifted)
    assert len(found) == 1 and found.period.iloc[0] == pd.Timestamp("2025-01-01")
    assert found["shift"].iloc[0] == pytest.approx(15, abs=3) and found.p_val.iloc[0] < 0.01
    flat = series(list(20 + rng.normal(0, 3, 24)), se=3.0)
    assert change_points(flat).empty


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo's surveys, customers and relationship_nps responses (seed 2026, scale 1; ~2 s)."""
    root = tmp_path_factory.mktemp("demo")
    files = generate(root / "data", seed=2026, scale=1.0)
    ws = Workspace.init(root / "ws")
    for survey in files.surveys:
        import_survey(ws, survey)
    import_file(ws, files.customers, "customers")
    import_file(ws, files.responses["relationship_nps"], "responses", survey="relationship_nps")
    ws.close()
    yield root / "ws"


@pytest.mark.parametrize(("every", "max_false"), [("month", 1), ("quarter", 2)])
def test_the_planted_south_china_dip_is_flagged(demo: Path, every: str, max_false: int) -> None:
    with Workspace.open(demo) as ws:
        res = anomalies(ws, "nps", by=["region"], every=every)
    flagged = res[res.flag]
    dip = flagged[(flagged.region == "华南") & flagged.period.between("2026-04-01", "2026-06-30")]
    assert len(dip) >= 1 and (dip.direction == "dip").all()
    assert len(flagged) - len(dip) <= max_false, flagged[["region", "period", "z"]]
    assert len(res) == {"month": 80, "quarter": 40}[every]


def test_cli_anomalies(demo: Path) -> None:
    result = CliRunner().invoke(
        app, ["anomalies", str(demo), "--metric", "nps", "--by", "region", "--every", "quarter", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] and data["n_points"] == 40
    assert {"region": "华南", "period": "2026-04-01T00:00:00"}.items() <= data["anomalies"][1].items()
    table = CliRunner().invoke(app, ["anomalies", str(demo), "--by", "region", "--lang", "en"])
    assert table.exit_code == 0 and "华南" in table.output and "Change points" in table.output
    bad = CliRunner().invoke(app, ["anomalies", str(demo), "--by", "planet", "--json"])
    assert bad.exit_code == 1 and json.loads(bad.output)["ok"] is False
