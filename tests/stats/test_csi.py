"""CSI templates, survey mappings, 0–100 indices (Fornell et al. 1996) and the CLI on the demo survey.
The SmartPLS reproduction on ECSI mobi is tests/external/test_stats_plspm.py."""

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
from cxlens.stats.csi import TEMPLATES, csi, csi_model, load_mapping
from cxlens.store import Workspace

MAPPING = """\
template: acsi
constructs:
  perceived_quality: [sq_1, sq_2, sq_3, pp_1, pp_2, pp_3, dl_1, dl_2, as_1, as_2, as_3]
  PERV: [pr_1, pr_2]
  satisfaction: [overall]
  loyalty: repurchase_intent
"""


def test_templates_are_well_formed() -> None:
    assert len(TEMPLATES["ecsi"].paths) == 12 and len(TEMPLATES["acsi"].paths) == 9
    assert len(TEMPLATES["ccsi"].paths) == 11 and len(TEMPLATES["ccsi"].constructs) == 6
    for tpl in TEMPLATES.values():
        codes = {c.code for c in tpl.constructs}
        assert {x for p in tpl.paths for x in p} == codes
        assert tpl.satisfaction in codes
        assert all(c.suggested_items for c in tpl.constructs)
    assert "CUSCO" not in {c.code for c in TEMPLATES["ccsi"].constructs}  # the China CSI has no complaints
    assert TEMPLATES["ccsi"].construct("预期质量").code == "CUEX"
    assert json.dumps(TEMPLATES["ecsi"].to_dict(), ensure_ascii=False)


def test_mapping_from_yaml_and_dict(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    spec = load_mapping(path)
    assert spec["template"] == "acsi" and spec["constructs"]["loyalty"] == ["repurchase_intent"]
    assert load_mapping({"CUSA": ["q1"]})["constructs"] == {"CUSA": ["q1"]}
    with pytest.raises(ValueError, match="does not exist"):
        load_mapping(tmp_path / "none.yaml")
    with pytest.raises(ValueError, match="non-empty list"):
        load_mapping({"constructs": {"CUSA": []}})


def simulate(n: int = 300, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    q = rng.normal(size=n)
    v = 0.5 * q + 0.8 * rng.normal(size=n)
    s = 0.6 * q + 0.3 * v + 0.6 * rng.normal(size=n)
    loy = 0.7 * s + 0.7 * rng.normal(size=n)

    def item(f: np.ndarray, lo: int, hi: int) -> np.ndarray:
        mid = (lo + hi) / 2
        return np.clip(np.round(mid + (hi - lo) / 5 * (f + 0.5 * rng.normal(size=n))), lo, hi)

    return pd.DataFrame(
        {
            "q1": item(q, 1, 5),
            "q2": item(q, 1, 5),
            "q3": item(q, 1, 5),
            "v1": item(v, 1, 5),
            "v2": item(v, 1, 5),
            "s1": item(s, 1, 10),
            "s2": item(s, 1, 10),
            "l1": item(loy, 0, 10),
        }
    )


def test_index_is_fornells_rescaled_weighted_mean() -> None:
    df = simulate()
    mapping = {"PERQ": ["q1", "q2", "q3"], "PERV": ["v1", "v2"], "CUSA": ["s1", "s2"], "CUSL": ["l1"]}
    scales = {
        "q1": (1, 5),
        "q2": (1, 5),
        "q3": (1, 5),
        "v1": (1, 5),
        "v2": (1, 5),
        "s1": (1, 10),
        "s2": (1, 10),
        "l1": (0, 10),
    }
    res = csi_model(df, "acsi", mapping, scales=scales)
    assert res.dropped == ["CUEX", "CUSCO"]
    assert set(res.model.path_coefficients_.source + ">" + res.model.path_coefficients_.target) == {
        "PERQ>PERV",
        "PERQ>CUSA",
        "PERV>CUSA",
        "CUSA>CUSL",
    }
    index = res.index.set_index("construct")
    assert index.at["CUSL", "index"] == pytest.approx(df["l1"].mean() * 10)
    w = res.weights.set_index("item").weight
    assert index.at["PERQ", "index"] == pytest.approx(
        (sum(w[i] * df[i].mean() for i in ["q1", "q2", "q3"]) - 1) / 4 * 100
    )
    assert index.at["PERQ", "ci_low"] < index.at["PERQ", "index"] < index.at["PERQ", "ci_high"]
    df["seg"] = np.where(np.arange(len(df)) % 2, "x", "y")
    grouped = csi_model(df, "acsi", mapping, scales=scales, by=["seg"]).index
    assert set(grouped.seg) == {"(all)", "x", "y"}
    x = grouped.query("seg == 'x' and construct == 'CUSL'")
    assert x["index"].iloc[0] == pytest.approx(df.loc[df.seg == "x", "l1"].mean() * 10)
    assert int(x["n"].iloc[0]) == 150


@pytest.mark.parametrize(
    ("template", "mapping", "message"),
    [
        ("acsi", {"PERQ": ["q1"], "PERV": ["v1"]}, "must measure satisfaction"),
        ("acsi", {"IMAG": ["q1"], "CUSA": ["s1"]}, "has no construct 'IMAG'"),
        ("nope", {"CUSA": ["s1"]}, "unknown CSI template"),
        ("acsi", {"PERQ": ["q1", "zz"], "CUSA": ["s1"]}, "not in the data"),
        ("ecsi", {"template": "acsi", "constructs": {"CUSA": ["s1"], "PERQ": ["q1"]}}, "is for 'acsi'"),
        ("acsi", {"CUSA": ["s1", "s2"]}, "in no path"),
    ],
)
def test_refusals(template: str, mapping: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        csi_model(simulate(), template, mapping, scales=(1, 10))


def test_scales_are_required() -> None:
    with pytest.raises(ValueError, match="scales"):
        csi_model(simulate(), "acsi", {"PERQ": ["q1", "q2"], "CUSA": ["s1"]})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo's surveys, customers and satisfaction_2025 responses (seed 2026, scale 1; ~2 s)."""
    root = tmp_path_factory.mktemp("demo")
    files = generate(root / "data", seed=2026, scale=1.0)
    ws = Workspace.init(root / "ws")
    for survey in files.surveys:
        import_survey(ws, survey)
    import_file(ws, files.customers, "customers")
    import_file(ws, files.responses["satisfaction_2025"], "responses", survey="satisfaction_2025")
    ws.close()
    (root / "map.yaml").write_text(MAPPING, encoding="utf-8")
    yield root


def test_demo_acsi(demo: Path) -> None:
    with Workspace.open(demo / "ws") as ws:
        res = csi(ws, "satisfaction_2025", "acsi", demo / "map.yaml", by=["region"], every="year")
    index = res.index
    overall = index.query("region == '(all)' and construct == 'CUSA'").iloc[0]
    # `overall` is a 1–10 rating with mean 7.12 (docs/demo.md): (7.12 − 1) / 9 · 100 ≈ 68
    assert overall["index"] == pytest.approx(68.0, abs=0.5) and overall["n"] == 3000
    assert set(index.period.astype(str)) >= {"2025-01-01 00:00:00", "2026-01-01 00:00:00"}
    paths = res.model.path_coefficients_.set_index(["source", "target"]).estimate
    assert paths[("PERQ", "CUSA")] > 0.6 and paths[("CUSA", "CUSL")] > 0.4


def test_cli_csi_reliability_factors(demo: Path) -> None:
    runner = CliRunner()
    ws = str(demo / "ws")
    out = runner.invoke(
        app,
        [
            "csi",
            ws,
            "--survey",
            "satisfaction_2025",
            "--template",
            "acsi",
            "--mapping",
            str(demo / "map.yaml"),
            "--boot",
            "50",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["ok"] and data["template"] == "acsi" and data["n"] == 3000
    assert {"source", "target", "estimate", "ci_low", "ci_high", "p_val"} <= set(data["tables"]["path_coefficients"][0])
    table = runner.invoke(
        app,
        [
            "csi",
            ws,
            "--survey",
            "satisfaction_2025",
            "--template",
            "acsi",
            "--mapping",
            str(demo / "map.yaml"),
            "--boot",
            "0",
            "--lang",
            "zh",
        ],
    )
    assert table.exit_code == 0 and "满意度指数" in table.output
    wrong = runner.invoke(
        app,
        [
            "csi",
            ws,
            "--survey",
            "satisfaction_2025",
            "--template",
            "ecsi",
            "--mapping",
            str(demo / "map.yaml"),
            "--json",
        ],
    )
    assert wrong.exit_code == 1 and "acsi" in json.loads(wrong.output)["message"]

    rel = runner.invoke(app, ["reliability", ws, "--survey", "satisfaction_2025", "--json"])
    assert rel.exit_code == 0, rel.output
    rel_data = json.loads(rel.output)
    assert len(rel_data["alpha"]) == 5 and rel_data["representativeness"][0]["category"]
    assert runner.invoke(app, ["reliability", ws, "--survey", "satisfaction_2025", "--lang", "en"]).exit_code == 0

    fac = runner.invoke(app, ["factors", ws, "--survey", "satisfaction_2025", "--json"])
    assert fac.exit_code == 0, fac.output
    fac_data = json.loads(fac.output)
    assert fac_data["dimensions_hold"] is True and fac_data["n_factors"] == 5
    shown = runner.invoke(app, ["factors", ws, "--survey", "satisfaction_2025", "--rotation", "promax", "--lang", "en"])
    assert shown.exit_code == 0 and "declared dimensions hold" in shown.output
    missing = runner.invoke(app, ["factors", ws, "--survey", "nope", "--json"])
    assert missing.exit_code == 1 and json.loads(missing.output)["ok"] is False
