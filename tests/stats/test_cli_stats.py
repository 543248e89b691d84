"""``cxlens drivers`` and ``cxlens stats …`` on the demo workspace: tables, stable JSON keys, clean errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.store import Workspace

runner = CliRunner()


def _json(*args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    return data  # type: ignore[no-any-return]


def test_drivers_json_and_table(demo_ws: Workspace) -> None:
    data = _json("drivers", str(demo_ws.path), "--survey", "satisfaction_2025", "--outcome", "overall")
    assert data["fit"]["survey"] == "satisfaction_2025" and data["fit"]["n"] > 2900
    assert [d["driver"] for d in data["drivers"]][0] == "after_sales"
    assert {"lmg", "lmg_pct", "rel_weight", "rel_weight_pct", "beta", "r", "mean", "quadrant"} <= set(
        data["drivers"][0]
    )
    table = runner.invoke(app, ["drivers", str(demo_ws.path), "--survey", "satisfaction_2025", "--lang", "zh"])
    assert table.exit_code == 0 and "重点改进" in table.stdout and "after_sales" in table.stdout
    english = runner.invoke(app, ["drivers", str(demo_ws.path), "--survey", "satisfaction_2025", "--lang", "en"])
    assert "concentrate" in english.stdout and "Key-driver analysis" in english.stdout


def test_stats_commands(demo_ws: Workspace) -> None:
    path = str(demo_ws.path)
    d = _json("stats", "describe", path, "--survey", "satisfaction_2025", "overall", "after_sales", "--by", "segment")
    assert {r["variable"] for r in d["rows"]} == {"overall", "after_sales"}
    assert all(r["top_box"] is not None for r in d["rows"])  # a dimension takes its items' 1–5 scale
    x = _json("stats", "crosstab", path, "--survey", "relationship_nps", "region", "channel_pref")
    assert x["test"]["dof"] == 16 and "resid_adj" in x["cells"][0]
    c = _json("stats", "compare", path, "--survey", "satisfaction_2025", "delivery", "--by", "region")
    assert c["test"]["method"] in ("anova", "welch_anova", "kruskal") and c["test"]["method_reason"]
    assert len(c["posthoc"]) == 10
    r = _json("stats", "correlate", path, "--survey", "satisfaction_2025")
    assert len(r["rows"]) == 10 and r["rows"][0]["n"] > 2900
    g = _json("stats", "regress", path, "--survey", "satisfaction_2025", "overall", "after_sales", "price", "segment")
    assert g["fit"]["cov_type"] == "HC3" and [t["term"] for t in g["coef"]][:3] == ["const", "after_sales", "price"]
    lg = _json("stats", "regress", path, "--survey", "post_ticket", "resolved", "csat", "--logit", "--success", "yes")
    assert lg["fit"]["success"] == "yes" and lg["coef"][1]["coef"] > 0 and 0.5 < lg["fit"]["auc"] < 1


def test_errors_are_clean(demo_ws: Workspace) -> None:
    result = runner.invoke(app, ["drivers", str(demo_ws.path), "--outcome", "overall", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and "survey" in data["message"]
    bad = runner.invoke(app, ["stats", "compare", str(demo_ws.path), "--survey", "nope", "overall", "--by", "region"])
    assert bad.exit_code == 1 and "no survey 'nope'" in bad.output
