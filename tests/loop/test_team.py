"""Scorecards with fair (mix-adjusted) comparisons and bottlenecks, on hand-made tickets, and the demo's three
planted slow agents.

Hand-made team ``a``: phone tickets are answered in ~0.1 h and e-mail in ~8 h. X gets mostly e-mail, Y mostly
phone, both as fast as anyone on each channel; Z is twice as slow on both. Raw medians blame X; the
mix-adjusted ratio must blame Z alone.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from cxlens.loop.team import bottlenecks, fair_comparison, scorecards
from cxlens.store import Workspace

MIX = {"X": (36, 4, 1.0), "Y": (4, 36, 1.0), "Z": (20, 20, 2.0)}  # agent: (e-mail, phone, slowness)


def _tickets() -> str:
    rng = np.random.default_rng(3)
    rows = [
        "ticket_id,customer_id,agent_id,agent_name,team,channel,priority,created_at,first_response_at,resolved_at,csat"
    ]
    k = 0
    for agent, (email, phone, slow) in MIX.items():
        for channel, count, median in (("email", email, 8.0), ("phone", phone, 0.1)):
            for _ in range(count):
                k += 1
                created = pd.Timestamp("2025-03-03 09:00") + pd.Timedelta(hours=3 * k)
                frt = median * slow * float(np.exp(rng.normal(0, 0.3)))
                first = created + pd.Timedelta(hours=frt)
                resolved = first + pd.Timedelta(hours=2 * float(np.exp(rng.normal(0, 0.3))))
                csat = int(np.clip(round(4 - (slow > 1) + rng.normal(0, 0.5)), 1, 5))
                rows.append(f"T{k:03d},C1,{agent},{agent},a,{channel},normal,{created},{first},{resolved},{csat}")
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def team_ws(module_builder: Callable[..., Workspace]) -> Workspace:
    return module_builder({"customers.csv": "customer_id\nC1\n", "tickets.csv": _tickets()}, survey=None)


def test_the_mix_adjusted_ratio_blames_the_slow_agent_not_the_email_agent(team_ws: Workspace) -> None:
    cards = scorecards(team_ws).set_index("agent")
    assert cards.loc["X", "first_response_time"] > 10 * cards.loc["Y", "first_response_time"]  # raw: X looks worst
    assert cards.loc["X", "frt_ratio"] == pytest.approx(1.0, abs=0.15)
    assert cards.loc["Y", "frt_ratio"] == pytest.approx(1.0, abs=0.15)
    assert cards.loc["Z", "frt_ratio"] == pytest.approx(2.0, rel=0.15)
    assert (
        cards.loc["Z", "frt_ratio_ci_low"] > 1
        and cards.loc["X", "frt_ratio_ci_low"] < 1 < cards.loc["X", "frt_ratio_ci_high"]
    )
    # resolution time runs from creation, so Z's slow first responses make its resolutions slow too
    assert cards["concerns"].to_dict() == {"X": "", "Y": "", "Z": "slow_first_response, slow_resolution, low_csat"}
    assert cards["tickets"].to_dict() == {"X": 40, "Y": 40, "Z": 40}
    assert cards.loc["X", "agent_id"] == "X"
    assert cards["first_response_time_team_median"].nunique() == 1


def test_the_ratio_is_the_agent_effect_of_a_fixed_effects_regression(team_ws: Workspace) -> None:
    import statsmodels.formula.api as smf

    from cxlens.metrics import Analytics
    from cxlens.metrics.sources import source

    an = Analytics.for_workspace(team_ws)
    rel = source(an.backend, "tickets", {"agent", "channel"})
    t = an.execute(rel.select("agent", "channel", "first_response_hours"))
    t["log"] = np.log(t["first_response_hours"])
    fit = smf.ols("log ~ 0 + C(agent) + C(channel)", data=t).fit(cov_type="HC1")
    alpha = pd.Series({a: fit.params[f"C(agent)[{a}]"] for a in "XYZ"})
    median = alpha.median()
    fair = fair_comparison(team_ws).set_index("agent")
    for agent in "XYZ":
        assert fair.loc[agent, "frt_ratio"] == pytest.approx(np.exp(alpha[agent] - median), rel=1e-9)
    ref = alpha.sort_values().index[1]  # the median agent
    contrast = fit.t_test(f"C(agent)[Z] - C(agent)[{ref}] = 0")
    assert fair.loc["Z", "frt_ratio_p_val"] == pytest.approx(float(contrast.pvalue), rel=1e-6)
    assert fair.loc["X", "frt_ratio_n"] == 40


def test_scorecards_per_period(team_ws: Workspace) -> None:
    cards = scorecards(team_ws, every="month")
    assert set(cards["period"].dt.strftime("%Y-%m")) == {"2025-03"}
    assert len(cards) == 3


def test_bottlenecks_from_timestamps_and_from_events(builder: Callable[..., Workspace]) -> None:
    tickets = (
        "ticket_id,customer_id,agent_id,team,channel,created_at,first_response_at,resolved_at\n"
        "T1,C1,A,a,email,2025-03-03 00:00,2025-03-03 01:00,2025-03-03 06:00\n"
        "T2,C1,A,a,email,2025-03-04 00:00,2025-03-04 00:30,2025-03-04 02:30\n"
    )
    events = (
        "ticket_id,occurred_at,event,to_status\n"
        "T1,2025-03-03 00:00,created,\nT1,2025-03-03 01:00,first_response,\nT1,2025-03-03 02:00,agent_reply,\n"
        "T1,2025-03-03 05:00,customer_reply,\nT1,2025-03-03 06:00,resolved,\n"
        "T2,2025-03-04 00:00,created,\nT2,2025-03-04 00:30,status_change,open\nT2,2025-03-04 02:30,resolved,\n"
    )
    ws = builder({"customers.csv": "customer_id\nC1\n", "tickets.csv": tickets}, survey=None)
    stages = bottlenecks(ws).set_index("stage")
    assert stages.loc["waiting_first_response", "total_hours"] == pytest.approx(1.5)
    assert stages.loc["working_to_resolution", "total_hours"] == pytest.approx(7.0)
    assert stages.loc["working_to_resolution", "share_pct"] == pytest.approx(100 * 7 / 8.5)
    assert (stages["source"] == "timestamps").all()
    with pytest.raises(ValueError, match="no ticket events"):
        bottlenecks(ws, use_events=True)
    (ws.path.parent / "ticket_events.csv").write_text(events, encoding="utf-8")
    from cxlens.ingest import import_file

    import_file(ws, ws.path.parent / "ticket_events.csv", "ticket_events")
    states = bottlenecks(ws).set_index("stage")
    assert states["total_hours"].to_dict() == pytest.approx({"open": 4.0, "pending": 3.0, "new": 1.5})
    assert states.loc["open", "share_pct"] == pytest.approx(100 * 4 / 8.5)
    assert states.loc["open", "n"] == 3 and (states["source"] == "events").all()


def test_the_demo_slow_agents_are_found(demo_ws: Workspace) -> None:
    """docs/demo.md §4: A07 周婷, A18 吴昊 and A29 郑丽 answer 2× slower and rate 0.6 lower; nobody else does."""
    cards = scorecards(demo_ws)
    slow = cards[cards["concerns"].str.contains("slow_first_response")]
    assert sorted(slow["agent_id"]) == ["A07", "A18", "A29"]
    assert sorted(cards[cards["concerns"].str.contains("low_csat")]["agent_id"]) == ["A07", "A18", "A29"]
    assert slow["frt_ratio"].between(1.7, 2.4).all()
    others = cards[~cards["agent_id"].isin(["A07", "A18", "A29"])]
    assert others["frt_ratio"].between(0.8, 1.2).all()
    stages = bottlenecks(demo_ws)
    top = stages.sort_values("median_hours").groupby("stage").tail(1).set_index("stage")
    assert top.loc["working_to_resolution", "team"] == "投诉处理"  # the longest resolution times (docs/demo.md)
