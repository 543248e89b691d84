"""Score distributions (``cxlens.metrics.distribution``) against counts, shares and Wilson intervals computed by
hand on a small workspace, on DuckDB, Spark and (when a server is set) PostgreSQL.

Hand computations. Survey s1 (nps 0–10, csat 1–5, ces 1–7), survey s2 (nps 0–10, csat 1–7):
- nps in s1: R1 10, R2 6, R3 8, R4 9, R5 10 → n = 5; 10: 2 (40 %), 6, 8, 9: 1 each (20 %), others 0.
  With s2 (S1: 0) → n = 6. January (R1, R2) 10, 6; February (R3, R4, R5) 8, 9, 10.
  channel phone: R2 6, R5 10.
- csat in s1: 5, 3.5, 4, (R4 blank), 5 → n = 4; 4: 1, 5: 2; 3.5 lies between points → off_scale 1 and the
  shares sum to 75 %.
- ces in s1 by segment: A (C1, C3): R1 7, R3 5, R5 6; B (C2): R2 4; no customer (R4): 2.
- Wilson 95 % (z = 1.95996): 2 of 5 → 11.76–76.93 % (R: binom::binom.confint(2, 5, methods = "wilson")
  gives 0.1176, 0.7693); 1 of 4 → 4.56–69.94 %; 0 of n → 0 to z² / (n + z²) (e.g. 43.45 % for n = 5).
"""

from __future__ import annotations

import importlib.util
import math
import os
import shutil
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlens.exceptions import UndefinedMetricWarning
from cxlens.ingest import import_file, import_survey
from cxlens.metrics import Analytics, compute, distribution
from cxlens.metrics.distributions import question_scale, scored_questions
from cxlens.store import Workspace

Z = 1.959963984540054
HAS_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None

S1 = """\
code: s1
title: first
questions:
  - {code: nps, type: nps, text: 推荐}
  - {code: csat, type: csat, scale: [1, 5], text: 满意}
  - {code: ces, type: ces, scale: [1, 7], text: 省力}
  - {code: comment, type: text, text: 说明}
  - {code: pick, type: single, text: 选择, choices: [{code: a, text: A}, {code: b, text: B}]}
  - {code: wide, type: rating, scale: [0, 200], text: 宽量表}
"""
S2 = """\
code: s2
title: second
questions:
  - {code: nps, type: nps, text: 推荐}
  - {code: csat, type: csat, scale: [1, 7], text: 满意}
"""
FILES = {
    "customers.csv": "customer_id,segment,region\nC1,A,N\nC2,B,S\nC3,A,S\n",
    "r1.csv": "response_id,customer_id,submitted_at,channel,nps,csat,ces,comment,pick\n"
    "R1,C1,2025-01-10 10:00,web,10,5,7,good,a\nR2,C2,2025-01-20 10:00,phone,6,3.5,4,,b\n"
    "R3,C3,2025-02-05 10:00,web,8,4,5,ok,a\nR4,,2025-02-10 10:00,web,9,,2,,\n"
    "R5,C1,2025-02-12 10:00,phone,10,5,6,,b\n",
    "r2.csv": "response_id,customer_id,submitted_at,channel,nps,csat\nS1,C2,2025-03-01 10:00,web,0,7\n",
}


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score interval in %, written out independently of cxlens.metrics.intervals."""
    p = k / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return 100 * (centre - half), 100 * (centre + half)


def build(folder: Path, database_url: str | None = None) -> Workspace:
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "s1.yaml").write_text(S1, encoding="utf-8")
    (folder / "s2.yaml").write_text(S2, encoding="utf-8")
    ws = Workspace.init(folder / "ws", database_url=database_url)
    import_survey(ws, folder / "s1.yaml")
    import_survey(ws, folder / "s2.yaml")
    import_file(ws, folder / "customers.csv", "customers")
    import_file(ws, folder / "r1.csv", "responses", survey="s1")
    import_file(ws, folder / "r2.csv", "responses", survey="s2")
    return ws


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    workspace = build(tmp_path_factory.mktemp("dist"))
    yield workspace
    workspace.close()


def at(frame: pd.DataFrame, score: int, **keys: object) -> pd.Series:
    mask = frame["score"] == score
    for key, value in keys.items():
        mask &= frame[key].isna() if value is None else frame[key] == value
    rows = frame[mask]
    assert len(rows) == 1, (score, keys)
    return rows.iloc[0]


def test_nps_counts_shares_and_wilson_by_hand(ws: Workspace) -> None:
    frame = distribution(ws, "nps", survey="s1")
    assert list(frame.columns) == [
        "question", "score", "band", "count", "n", "share", "ci_low", "ci_high", "off_scale"
    ]  # fmt: skip
    assert list(frame["score"]) == list(range(11))  # every point of 0–10, zeros included
    assert list(frame["count"]) == [0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 2]
    assert set(frame["n"]) == {5} and set(frame["off_scale"]) == {0}
    ten = at(frame, 10)
    assert ten["share"] == pytest.approx(40.0)
    assert (ten["ci_low"], ten["ci_high"]) == pytest.approx(wilson(2, 5))
    assert (ten["ci_low"], ten["ci_high"]) == pytest.approx((11.76, 76.93), abs=0.005)  # R binom.confint
    six = at(frame, 6)
    assert six["share"] == pytest.approx(20.0) and (six["ci_low"], six["ci_high"]) == pytest.approx(wilson(1, 5))
    assert list(frame["band"]) == ["detractor"] * 7 + ["passive"] * 2 + ["promoter"] * 2


def test_zero_count_points_have_share_zero_and_the_wilson_upper_bound(ws: Workspace) -> None:
    frame = distribution(ws, "nps", survey="s1")
    zeros = frame[frame["count"] == 0]
    assert list(zeros["score"]) == [0, 1, 2, 3, 4, 5, 7]
    assert (zeros["share"] == 0).all() and (zeros["ci_low"] == 0).all()
    upper = 100 * Z**2 / (5 + Z**2)
    assert upper == pytest.approx(43.45, abs=0.005)
    assert zeros["ci_high"].to_numpy() == pytest.approx(upper)


def test_the_distribution_tells_the_nps_metric_s_story(ws: Workspace) -> None:
    frame = distribution(ws, "nps")
    nps = compute(ws, "nps", question="nps")
    promoters = frame.loc[frame["band"] == "promoter", "share"].sum()
    detractors = frame.loc[frame["band"] == "detractor", "share"].sum()
    assert promoters - detractors == pytest.approx(float(nps["value"].iloc[0]))
    assert int(frame["n"].iloc[0]) == int(nps["n"].iloc[0]) == 6  # both surveys' nps: same code, same scale
    assert at(frame, 0)["count"] == 1


def test_answers_between_points_count_in_n_only(ws: Workspace) -> None:
    frame = distribution(ws, "csat", survey="s1")
    assert list(frame["score"]) == [1, 2, 3, 4, 5]
    assert list(frame["count"]) == [0, 0, 0, 1, 2]
    assert set(frame["n"]) == {4} and set(frame["off_scale"]) == {1}
    assert frame["share"].sum() == pytest.approx(75.0)
    assert frame["band"].isna().all()  # groups are for NPS only
    assert (at(frame, 4)["ci_low"], at(frame, 4)["ci_high"]) == pytest.approx(wilson(1, 4))
    assert (at(frame, 4)["ci_low"], at(frame, 4)["ci_high"]) == pytest.approx((4.56, 69.94), abs=0.005)


def test_slices_keep_every_point_and_the_missing_segment(ws: Workspace) -> None:
    frame = distribution(ws, "ces", by=["segment"], survey="s1")
    assert len(frame) == 3 * 7  # A, B and no customer, seven points each
    a = frame[frame["segment"] == "A"]
    assert list(a["count"]) == [0, 0, 0, 0, 1, 1, 1] and set(a["n"]) == {3}
    assert at(frame, 4, segment="B")["count"] == 1 and at(frame, 4, segment="B")["share"] == pytest.approx(100)
    assert at(frame, 4, segment="B")["ci_high"] == 100.0
    assert at(frame, 2, segment=None)["count"] == 1
    assert list(frame["segment"].iloc[:7]) == ["A"] * 7  # sorted by slice, then score


def test_periods_filters_and_time_range(ws: Workspace) -> None:
    monthly = distribution(ws, "nps", every="month", survey="s1")
    assert list(monthly["period"].drop_duplicates()) == [pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01")]
    jan = monthly[monthly["period"] == pd.Timestamp("2025-01-01")]
    assert set(jan["n"]) == {2} and list(jan.loc[jan["count"] > 0, "score"]) == [6, 10]
    phone = distribution(ws, "nps", filters={"channel": "phone"}, survey="s1")
    assert set(phone["n"]) == {2} and list(phone.loc[phone["count"] > 0, "score"]) == [6, 10]
    february = distribution(ws, "nps", survey="s1", start=datetime(2025, 2, 1), end=datetime(2025, 3, 1))
    assert list(february.loc[february["count"] > 0, "score"]) == [8, 9, 10] and set(february["n"]) == {3}
    by_survey = distribution(ws, "nps", by=["survey"])
    assert dict(by_survey.groupby("survey")["n"].first()) == {"s1": 5, "s2": 1}


def test_an_empty_selection_is_nan_with_a_warning(ws: Workspace) -> None:
    with pytest.warns(UndefinedMetricWarning, match="n = 0"):
        frame = distribution(ws, "nps", filters={"segment": "Z"})
    assert len(frame) == 11 and (frame["n"] == 0).all() and (frame["count"] == 0).all()
    assert frame["share"].isna().all() and frame["ci_low"].isna().all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sliced = distribution(ws, "nps", by=["segment"], filters={"segment": "Z"})
    assert sliced.empty  # a slice with no answers is absent, as in compute


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"question": "zzz"}, "unknown question 'zzz'; questions with a scale: nps, csat, ces, wide"),
        ({"question": "nps", "survey": "nope"}, "unknown question 'nps' in survey 'nope'"),
        ({"question": "comment"}, "'comment' is a 'text' question"),
        ({"question": "pick"}, "'pick' is a 'single' question"),
        ({"question": "csat"}, r"defined differently in several surveys \(s1: csat 1–5; s2: csat 1–7\); give survey="),
        ({"question": "wide"}, "201 scale points"),
        ({"question": "nps", "by": ["agent"]}, "cannot be sliced by agent"),
        ({"question": "nps", "by": ["question"]}, "slice it by another dimension"),
        ({"question": "nps", "filters": {"team": "a"}}, "cannot be filtered by team"),
        ({"question": "nps", "every": "fortnight"}, "every must be one of"),
    ],
)
def test_bad_input_is_a_clear_value_error(ws: Workspace, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        distribution(ws, **kwargs)  # type: ignore[arg-type]


def test_scales_come_from_the_question_definitions(ws: Workspace) -> None:
    scale = question_scale(ws, "nps")
    assert (scale.type, scale.low, scale.high, scale.surveys) == ("nps", 0.0, 10.0, ("s1", "s2"))
    assert question_scale(ws, "csat", "s2").points == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    listed = scored_questions(ws)
    assert list(listed["question"]) == ["nps", "csat", "ces", "wide", "nps", "csat"]
    assert list(scored_questions(ws, "s2")["scale_max"]) == [10.0, 7.0]


def test_results_are_cached_until_the_data_changes(tmp_path: Path) -> None:
    workspace = build(tmp_path)
    try:
        first = distribution(workspace, "nps", survey="s2")
        assert int(first["n"].iloc[0]) == 1
        (tmp_path / "more.csv").write_text(
            "response_id,customer_id,submitted_at,nps,csat\nS2,C1,2025-03-02 10:00,10,6\n", encoding="utf-8"
        )
        import_file(workspace, tmp_path / "more.csv", "responses", survey="s2")
        again = distribution(workspace, "nps", survey="s2")
        assert int(again["n"].iloc[0]) == 2 and int(at(again, 10)["count"]) == 1
    finally:
        workspace.close()


def _same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    keys = [c for c in ("segment", "period", "score") if c in left]
    left, right = left.sort_values(keys, ignore_index=True), right.sort_values(keys, ignore_index=True)
    if "period" in left:
        right = right.assign(period=pd.to_datetime(right["period"]).astype(left["period"].dtype))
    pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=False, rtol=1e-12)


QUERIES: list[dict[str, object]] = [
    {"question": "nps", "by": ["segment"], "every": "month", "survey": "s1"},
    {"question": "csat", "survey": "s1", "filters": {"channel": ["web", "phone"]}},
    {"question": "nps", "by": ["survey"]},
]


@pytest.mark.spark
def test_spark_gives_the_same_distributions(ws: Workspace, request: pytest.FixtureRequest) -> None:
    if not HAS_SPARK:
        pytest.skip("pyspark or java is not installed")
    spark = Analytics.for_workspace(ws, "pyspark", request.getfixturevalue("spark_session"))
    duck = Analytics.for_workspace(ws)
    for query in QUERIES:
        _same(distribution(duck, **query), distribution(spark, **query))  # type: ignore[arg-type]


@pytest.mark.postgres
def test_postgres_gives_the_same_distributions(ws: Workspace, tmp_path: Path) -> None:
    url = os.environ.get("CXLENS_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("CXLENS_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server)")
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    pg_ws = build(tmp_path, database_url=url)
    pg, duck = Analytics.for_workspace(pg_ws, "postgres"), Analytics.for_workspace(ws)
    try:
        for query in QUERIES:
            _same(distribution(duck, **query), distribution(pg, **query))  # type: ignore[arg-type]
    finally:
        pg.backend.disconnect()
        pg_ws.close()


def test_shares_are_floats_and_counts_integers(ws: Workspace) -> None:
    frame = distribution(ws, "ces", survey="s1")
    assert frame["count"].dtype == np.int64 and frame["n"].dtype == np.int64
    assert frame["share"].dtype == np.float64 and frame["score"].dtype == np.int64
