"""Every metric against values computed by hand on the tiny workspace of conftest.py, on every engine.

Hand computations (answers on the question's own scale):
- NPS: promoters R1 (10), R4 (9); detractor R2 (6); passive R3 (8) → (2 − 1)/4 = 25; January R1, R2 → 0;
  February R3, R4 → 50; segment A (R1, R3) → 50, B (R2) → −100, R4 has no customer.
- CSAT top-2 of 1–5: 5, 3, 4 (R4 blank) → 2/3; CES mean (7+4+5+2)/4 = 4.5; easy (≥ 5 of 1–7) 2/4.
- CSI, dimensions d1 (0.6) and d2 (0.4), (v−1)/4×100: R1 .6·100+.4·0 = 60; R2 50; R3 only d2 → 100;
  R4 0 → mean 52.5.
- Tickets: first response 1 h, 3 h, none, 0.5 h → median 1 (n 3); resolved 2 of 4; resolution 5 h, 2 h →
  median 3.5; within 2 h: T1, T4 → 2/4 (an unanswered ticket misses).
- Orders: revenue 200, AOV 50; per customer C1 150, C2 30, C3 20 → 66.67; orders per customer 4/3;
  two categories: C1 → 1/3; two orders: C1 → 1/3; processing 24 h, 72 h, 24 h → median 24.
- Retention, monthly, active_days 45: February: at start (ordered 12-18…01-31) C1, C2; at end (01-15…02-28)
  C1; new none → (1 − 0)/2 = 50 %, churn 50 %. March (ends with the data, 03-01): at start C1; at end C1
  (01-25) and C3 (03-01); new C3 → (2 − 1)/1 = 100 %, churn 0 %.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from cxlens.exceptions import UndefinedMetricWarning
from cxlens.metrics import Analytics, compute, list_metrics


def one(engine: Analytics, metric: str, **kw: object) -> pd.Series:
    frame = compute(engine, metric, **kw)  # type: ignore[arg-type]
    assert len(frame) == 1
    return frame.iloc[0]


@pytest.mark.parametrize(
    ("metric", "kw", "value", "n"),
    [
        ("nps", {}, 25.0, 4),
        ("csat", {}, 200 / 3, 3),
        ("csat_mean", {}, 4.0, 3),
        ("ces", {}, 4.5, 4),
        ("ces_easy", {}, 50.0, 4),
        ("csi", {"survey": "s"}, 52.5, 4),
        ("top_box", {"question": "q1"}, 100 / 3, 3),
        ("bottom_box", {"question": "q2"}, 50.0, 4),
        ("first_response_time", {}, 1.0, 3),
        ("resolution_time", {}, 3.5, 2),
        ("resolution_rate", {}, 50.0, 4),
        ("sla_attainment", {"target_hours": 2}, 50.0, 4),
        ("revenue", {}, 200.0, 4),
        ("aov", {}, 50.0, 4),
        ("revenue_per_customer", {}, 200 / 3, 3),
        ("purchase_frequency", {}, 4 / 3, 3),
        ("cross_sell_rate", {}, 100 / 3, 3),
        ("repurchase_rate", {}, 100 / 3, 3),
        ("order_processing_time", {}, 24.0, 3),
    ],
)
def test_hand_computed_totals(engine: Analytics, metric: str, kw: dict[str, object], value: float, n: int) -> None:
    row = one(engine, metric, **kw)
    assert row["value"] == pytest.approx(value) and row["n"] == n


def test_nps_by_segment_and_month(engine: Analytics) -> None:
    by_segment = compute(engine, "nps", by=["segment"])
    named = by_segment.dropna(subset=["segment"]).set_index("segment")["value"].to_dict()
    assert named == {"A": 50.0, "B": -100.0}
    assert by_segment["segment"].isna().sum() == 1  # R4: no customer, its own slice, not dropped
    monthly = compute(engine, "nps", every="month")
    assert monthly["value"].tolist() == [0.0, 50.0]
    assert monthly["period"].tolist() == [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01")]


def test_nps_interval_is_the_multinomial_one(engine: Analytics) -> None:
    row = one(engine, "nps")
    se = np.sqrt((0.5 + 0.25 - 0.25**2) / 4) * 100
    assert row["se"] == pytest.approx(se)
    # 25 ± 1.96·SE reaches past +100 here: the interval is cut to NPS's range
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((25 - 1.959964 * se, 100.0), abs=1e-4)


def test_all_passives_give_zero_and_empty_slices_warn(engine: Analytics) -> None:
    assert one(engine, "nps", filters={"customer_id": "C3"})["value"] == 0.0
    with pytest.warns(UndefinedMetricWarning, match="n = 0"):
        row = one(engine, "nps", start=datetime(2030, 1, 1))
    assert row["n"] == 0 and np.isnan(row["value"])


def test_time_filters_are_half_open(engine: Analytics) -> None:
    row = one(engine, "nps", start=datetime(2025, 1, 20, 10), end=datetime(2025, 2, 10, 10))
    assert row["n"] == 2  # R2 (at start) and R3; R4 is exactly at the exclusive end


def test_ticket_slices(engine: Analytics) -> None:
    frt = compute(engine, "first_response_time", by=["team"]).set_index("team")
    assert frt.loc["a", "value"] == pytest.approx(2.0) and frt.loc["b", "value"] == pytest.approx(0.5)
    assert frt.loc["b", "n"] == 1  # T3 was never answered


def test_retention_follows_the_seed_formula(engine: Analytics) -> None:
    frame = compute(engine, "retention_rate", every="month", active_days=45).set_index("period")
    assert frame.loc["2025-02-01", ["at_start", "at_end", "new"]].tolist() == [2, 1, 0]
    assert frame.loc["2025-02-01", "value"] == pytest.approx(50.0)
    assert frame.loc["2025-03-01", "value"] == pytest.approx(100.0)
    assert np.isnan(frame.loc["2025-01-01", "value"])  # nobody was a customer before the data starts
    churn = compute(engine, "churn_rate", every="month", active_days=45).set_index("period")
    assert churn.loc["2025-02-01", "value"] == pytest.approx(50.0) and churn.loc["2025-03-01", "value"] == 0.0


def test_backlog_counts_tickets_open_at_period_end(engine: Analytics) -> None:
    # January ends 02-01: T2 and T3 are still open (T1 resolved 01-01); February (ends with the data, 02-01
    # 00:00:00.000001): T2, T3 and T4 (created 02-01, resolved 02:00, after the period end)
    frame = compute(engine, "backlog", every="month").set_index("period")
    assert frame.loc["2025-01-01", "value"] == 2 and frame.loc["2025-02-01", "value"] == 3
    assert frame.loc["2025-02-01", "older_than_7_days"] == 2


def test_bad_requests_say_why(tiny: object) -> None:
    with pytest.raises(ValueError, match="cannot be sliced by agent"):
        compute(tiny, "nps", by=["agent"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs survey="):
        compute(tiny, "csi")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="give every="):
        compute(tiny, "retention_rate")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown metric"):
        compute(tiny, "happiness")  # type: ignore[arg-type]


def test_every_metric_is_documented() -> None:
    frame = list_metrics()
    assert frame["definition"].str.len().min() > 40
    assert {"nps", "csat", "ces", "csi", "retention_rate", "first_response_time", "aov"} <= set(frame["name"])


def test_change_between_periods_is_tested(engine: Analytics) -> None:
    frame = compute(engine, "nps", every="month", change=True)
    feb = frame.iloc[1]
    assert feb["change"] == pytest.approx(50.0) and feb["test"] == "nps_z"
    assert 0.0 < feb["p_val"] < 1.0 and not feb["significant"]  # two answers a month prove nothing
    assert np.isnan(frame.iloc[0]["p_val"])


def test_targets_give_attainment(engine: Analytics) -> None:
    frame = compute(engine, "nps", targets={"nps": {"target": 30, "benchmark": 20}})
    assert frame.loc[0, ["target", "benchmark", "attained"]].tolist() == [30.0, 20.0, False]
    frt = compute(engine, "first_response_time", targets={"first_response_time": {"target": 2}})
    assert bool(frt.loc[0, "attained"])  # lower is better: 1 h beats 2 h


def test_cached_results_follow_new_imports(tmp_path: object) -> None:
    """A repeated request is served from cache only while no import has changed the data."""
    from pathlib import Path

    from cxlens.ingest import import_file, import_survey
    from cxlens.store import Workspace

    folder = Path(str(tmp_path))
    (folder / "s.yaml").write_text("code: s\nquestions:\n  - {code: nps, type: nps}\n", encoding="utf-8")
    (folder / "a.csv").write_text("submitted_at,nps\n2025-01-01,10\n", encoding="utf-8")
    (folder / "b.csv").write_text("submitted_at,nps\n2025-01-02,0\n", encoding="utf-8")
    with Workspace.init(folder / "ws") as ws:
        import_survey(ws, folder / "s.yaml")
        import_file(ws, folder / "a.csv", "responses", survey="s")
        an = Analytics.for_workspace(ws)
        assert compute(an, "nps")["value"].tolist() == [100.0]
        assert compute(an, "nps")["value"].tolist() == [100.0]
        import_file(ws, folder / "b.csv", "responses", survey="s")
        assert compute(an, "nps")["value"].tolist() == [0.0]


def test_satisfaction_conversion(tmp_path: object) -> None:
    """January: C1 a promoter, C2 a detractor. The next period of January's length (Feb 1 – Mar 4) sees C1
    order, not C2: satisfied 1 of 1 converted, unsatisfied 0 of 1. February has no answers; March's next
    period is not covered by the orders yet, so it is left out."""
    from pathlib import Path

    from cxlens.ingest import import_file, import_survey
    from cxlens.store import Workspace

    folder = Path(str(tmp_path))
    (folder / "s.yaml").write_text("code: s\nquestions:\n  - {code: nps, type: nps}\n", encoding="utf-8")
    (folder / "r.csv").write_text(
        "customer_id,submitted_at,nps\nC1,2025-01-05,10\nC2,2025-01-06,3\nC1,2025-03-02,9\n", encoding="utf-8"
    )
    (folder / "o.csv").write_text(
        "order_id,customer_id,ordered_at,amount\nO1,C1,2025-02-10,5\nO2,C3,2025-03-05,5\n", encoding="utf-8"
    )
    with Workspace.init(folder / "ws") as ws:
        import_survey(ws, folder / "s.yaml")
        import_file(ws, folder / "r.csv", "responses", survey="s")
        import_file(ws, folder / "o.csv", "orders")
        frame = compute(ws, "satisfaction_conversion", every="month")
    assert frame["period"].tolist() == [pd.Timestamp("2025-01-01")]
    row = frame.iloc[0]
    assert (row["n"], row["satisfied_n"], row["value"], row["unsatisfied_rate"], row["lift"]) == (
        2,
        1,
        100.0,
        0.0,
        100.0,
    )


def test_category_uptake(engine: Analytics) -> None:
    assert one(engine, "category_uptake", category="Y")["value"] == pytest.approx(100 / 3)
    assert one(engine, "category_uptake", category="X")["value"] == pytest.approx(100.0)


def test_complaint_rate_per_thousand_customers(tmp_path: object) -> None:
    """January: 2 complaints (a review does not count), 4 ordering customers → 500 per 1,000; the interval is
    the exact Poisson (Garwood) one for 2 events: [0.2422, 7.2247] → [60.6, 1806.2] per 1,000."""
    from pathlib import Path

    from cxlens.ingest import import_file
    from cxlens.store import Workspace

    folder = Path(str(tmp_path))
    (folder / "o.csv").write_text(
        "order_id,customer_id,ordered_at,amount\n" + "".join(f"O{i},C{i},2025-01-0{i},1\n" for i in range(1, 5)),
        encoding="utf-8",
    )
    (folder / "f.csv").write_text(
        "source_type,collected_at,text\ncomplaint,2025-01-02,慢\ncomplaint,2025-01-03,差\nreview,2025-01-04,好\n",
        encoding="utf-8",
    )
    with Workspace.init(folder / "ws") as ws:
        import_file(ws, folder / "o.csv", "orders")
        import_file(ws, folder / "f.csv", "feedback")
        row = compute(ws, "complaint_rate", every="month").iloc[0]
    assert (row["complaints"], row["n"], row["value"]) == (2, 4, 500.0)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((60.55, 1806.18), abs=0.01)


def test_choice_share_and_utc_buckets(tmp_path: object) -> None:
    """Three respondents to a multiple-choice question: R1 chose a and b, R2 b, R3 c → a 1/3, b 2/3.
    Submitted 2025-02-01 03:00 in Shanghai is 2025-01-31 19:00 UTC, so R1 falls in January (buckets are UTC)."""
    from pathlib import Path

    from cxlens.ingest import import_file, import_survey
    from cxlens.store import Workspace

    folder = Path(str(tmp_path))
    (folder / "s.yaml").write_text(
        "code: s\nquestions:\n  - code: f\n    type: multi\n    choices: [{code: a}, {code: b}, {code: c}]\n",
        encoding="utf-8",
    )
    (folder / "r.csv").write_text(
        "response_id,submitted_at,f\nR1,2025-02-01 03:00,a;b\nR2,2025-02-02 12:00,b\nR3,2025-02-03 12:00,c\n",
        encoding="utf-8",
    )
    with Workspace.init(folder / "ws") as ws:
        import_survey(ws, folder / "s.yaml")
        import_file(ws, folder / "r.csv", "responses", survey="s", timezone="Asia/Shanghai")
        assert compute(ws, "choice_share", question="f", choice="a")["value"].iloc[0] == pytest.approx(100 / 3)
        assert compute(ws, "choice_share", question="f", choice="b")["value"].iloc[0] == pytest.approx(200 / 3)
        monthly = compute(ws, "choice_share", question="f", choice="a", every="month")
        assert monthly[["value", "n"]].values.tolist() == [[100.0, 1], [0.0, 2]]
        with pytest.raises(ValueError, match="needs choice="):
            compute(ws, "choice_share", question="f")
