"""Alert rules on a hand-built workspace (conftest.py): every rule type fires exactly where the data say, with
the test statistics recomputed here by hand; alerts are stored once per rule, slice and period.

The data: monthly NPS (Jan–Jun 2025, 20 answers per month and region) — N flat at +30, S dropping to −45 in
May, W declining 40 → 30 → 20 → 10 → 10 → 15; complaints 3–4 a month (one about delivery), then 12 about
delivery in July.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlens.loop.alerts import AlertRule, add_rule, evaluate_rule, list_alerts, list_rules, run_alerts
from cxlens.loop.notify import MockNotifier
from cxlens.store import Workspace


def _nps_se(p: int, m: int, d: int) -> tuple[float, float]:
    n = p + m + d
    pp, pd_ = p / n, d / n
    return 100 * (pp - pd_), 100 * math.sqrt((pp + pd_ - (pp - pd_) ** 2) / n)


def _found(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return [(s.get("region", ""), p.strftime("%Y-%m")) for s, p in zip(frame["slice"], frame["period"], strict=True)]


def test_threshold_fires_on_the_period_below_it(alerts_ws: Workspace) -> None:
    rule = AlertRule("nps-below-0", "threshold", metric="nps", by=["region"], threshold=0)
    found = evaluate_rule(alerts_ws, rule)
    assert _found(found) == [("S", "2025-05")]
    assert found["value"].iloc[0] == pytest.approx(-45.0) and found["reference"].iloc[0] == 0
    above = AlertRule("nps-above-35", "threshold", metric="nps", by=["region"], threshold=35, op="above")
    assert _found(evaluate_rule(alerts_ws, above)) == [("W", "2025-01")]


def test_target_miss_with_and_without_significance(alerts_ws: Workspace) -> None:
    rule = AlertRule("nps-target", "target_miss", metric="nps", by=["region"], target=25)
    found = evaluate_rule(alerts_ws, rule)
    assert sorted(_found(found)) == [("S", "2025-05"), ("W", "2025-03"), ("W", "2025-04"), ("W", "2025-05"),
                                     ("W", "2025-06")]  # fmt: skip
    strict = evaluate_rule(alerts_ws, AlertRule("strict", "target_miss", metric="nps", by=["region"], target=25,
                                                strict=True))  # fmt: skip
    assert _found(strict) == [("S", "2025-05")]  # a 20-answer month at +10 is not clearly below +25
    row = found[[p.month == 5 and s["region"] == "S" for s, p in zip(found["slice"], found["period"], strict=True)]]
    assert 0 < row["p_val"].iloc[0] < 0.001
    with pytest.raises(ValueError, match="no target"):
        evaluate_rule(alerts_ws, AlertRule("nt", "target_miss", metric="nps"))


def test_significant_drop_vs_previous_period_uses_the_nps_z_test(alerts_ws: Workspace) -> None:
    rule = AlertRule("drop", "significant_drop", metric="nps", by=["region"], alpha=0.05)
    found = evaluate_rule(alerts_ws, rule)
    assert _found(found) == [("S", "2025-05")]
    (v1, se1), (v2, se2) = _nps_se(10, 6, 4), _nps_se(3, 5, 12)
    p = 2 * stats.norm.sf(abs(v2 - v1) / math.hypot(se1, se2))
    assert found["p_val"].iloc[0] == pytest.approx(p, rel=1e-9)
    assert found["detail"].iloc[0]["test"] == "nps_z" and found["reference"].iloc[0] == pytest.approx(30.0)
    # Bonferroni over the 15 slice-periods tested keeps it (p ≈ 3e-6), and a tiny alpha does not
    assert len(evaluate_rule(alerts_ws, AlertRule("b", "significant_drop", metric="nps", by=["region"],
                                                  correction="bonferroni"))) == 1  # fmt: skip
    assert evaluate_rule(alerts_ws, AlertRule("t", "significant_drop", metric="nps", by=["region"],
                                              alpha=1e-9)).empty  # fmt: skip


def test_significant_drop_vs_the_seasonal_baseline(alerts_ws: Workspace) -> None:
    rule = AlertRule("seasonal", "significant_drop", metric="nps", by=["region"], test="seasonal", alpha=0.01)
    found = evaluate_rule(alerts_ws, rule)
    assert _found(found) == [("S", "2025-05")]
    assert found["detail"].iloc[0]["test"] == "baseline_robust"
    assert found["reference"].iloc[0] == pytest.approx(30.0)  # the neighbours' weighted median


def test_decline_over_n_periods_fires_once_per_run(alerts_ws: Workspace) -> None:
    found = evaluate_rule(alerts_ws, AlertRule("decline", "decline", metric="nps", by=["region"], periods=3))
    assert _found(found) == [("W", "2025-04")]
    assert found["p_val"].iloc[0] == pytest.approx(1 / 24)  # 1/(3 + 1)!
    assert found["reference"].iloc[0] == pytest.approx(40.0) and found["value"].iloc[0] == pytest.approx(10.0)
    assert evaluate_rule(alerts_ws, AlertRule("d4", "decline", metric="nps", by=["region"], periods=4)).empty


def test_spike_of_complaints_by_the_conditional_poisson_test(alerts_ws: Workspace) -> None:
    found = evaluate_rule(alerts_ws, AlertRule("spike", "spike", source="complaints", baseline=6, alpha=0.01))
    assert [p.strftime("%Y-%m") for p in found["period"]] == ["2025-07"]
    base = sum(n + 1 for n in (2, 3, 2, 3, 2, 3))  # service complaints + one delivery complaint a month
    assert found["value"].iloc[0] == 12 and found["reference"].iloc[0] == pytest.approx(base / 6)
    assert found["p_val"].iloc[0] == pytest.approx(stats.binom.sf(11, 12 + base, 1 / 7))
    by_region = evaluate_rule(alerts_ws, AlertRule("s2", "spike", by=["region"], baseline=3, alpha=0.01))
    assert _found(by_region) == [("S", "2025-07")]


def test_spike_of_a_text_aspect(alerts_ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> None:
    import shutil

    from cxlens.text.store import analyze_workspace

    copy = tmp_path_factory.mktemp("aspect") / "ws"
    shutil.copytree(alerts_ws.path, copy)
    with Workspace.open(copy) as ws:
        analyze_workspace(ws, workers=1)
        rule = AlertRule("logistics", "spike", source="aspect", aspect="logistics", baseline=6, alpha=0.01)
        found = evaluate_rule(ws, rule)
        assert [p.strftime("%Y-%m") for p in found["period"]] == ["2025-07"]
        assert found["value"].iloc[0] == 12
        assert evaluate_rule(ws, AlertRule("svc", "spike", source="aspect", aspect="service_attitude")).empty


def test_rules_are_validated() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        AlertRule("x", "vibes", metric="nps").validate()
    with pytest.raises(ValueError, match="needs threshold"):
        AlertRule("x", "threshold", metric="nps").validate()
    with pytest.raises(ValueError, match="cannot be sliced"):
        AlertRule("x", "significant_drop", metric="nps", by=["agent"]).validate()
    with pytest.raises(ValueError, match="test must be one of"):
        AlertRule("x", "significant_drop", metric="nps", test="vibes").validate()
    with pytest.raises(ValueError, match="needs aspect"):
        AlertRule("x", "spike", source="aspect").validate()
    with pytest.raises(ValueError, match="alpha"):
        AlertRule("x", "decline", metric="nps", alpha=2).validate()


def test_alerts_are_stored_once_per_rule_slice_and_period(alerts_ws: Workspace) -> None:
    add_rule(alerts_ws, AlertRule("dedup-drop", "significant_drop", metric="nps", by=["region"], severity="critical",
                                  notify=[{"type": "webhook", "url": "http://example.invalid/hook"}]))  # fmt: skip
    add_rule(alerts_ws, AlertRule("dedup-target", "target_miss", metric="nps", by=["region"], target=25))
    with pytest.raises(ValueError, match="exists"):
        add_rule(alerts_ws, AlertRule("dedup-drop", "decline", metric="nps"))
    names = ["dedup-drop", "dedup-target"]
    mock = MockNotifier()
    first = run_alerts(alerts_ws, rules=names, notify=True, notifiers={"webhook": mock})
    assert len(first.new) == 6 and first.existing == 0 and first.notified == 1
    assert [a["rule"] for a in mock.sent[0]] == ["dedup-drop"] and mock.sent[0][0]["severity"] == "critical"
    second = run_alerts(alerts_ws, rules=names, notify=True, notifiers={"webhook": mock})
    assert second.new.empty and second.existing == 6 and len(mock.sent) == 1
    stored = list_alerts(alerts_ws)
    assert len(stored) == 6 and stored["dedup_key"].is_unique
    drop = stored[stored["rule"] == "dedup-drop"].iloc[0]
    assert drop["notified_at"] is not None and not pd.isna(drop["notified_at"])
    assert {r.name for _, r in list_rules(alerts_ws)} >= set(names)
    with pytest.raises(LookupError, match="no alert rule"):
        run_alerts(alerts_ws, rules=["nope"])


def test_at_risk_high_value_customers_on_the_demo(demo_ws: Workspace) -> None:
    found = evaluate_rule(demo_ws, AlertRule("risk", "at_risk", risk=0.5, value_quantile=0.8))
    assert len(found) >= 5
    assert (found["value"] >= 0.5).all()
    clv = np.array([d["clv"] for d in found["detail"]])
    assert (clv > 0).all() and found["slice"].map(lambda s: s["customer_id"]).is_unique
