"""Competitor benchmarking on a hand-built workspace: our survey and a competitor panel side by side by
dimension, each gap tested by Welch's t (checked against scipy on the raw answers), and review sentiment by
aspect from the text pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlens.ingest import import_file, import_survey
from cxlens.loop.benchmark import benchmark, review_benchmark, survey_benchmark, welch_gap
from cxlens.store import Workspace

OURS = """\
code: ours
title: 满意度
dimensions: [{code: service, name: 服务}, {code: price, name: 价格}]
questions:
  - {code: s1, type: likert, scale: [1, 5], dimension: service, text: 服务好}
  - {code: s2, type: likert, scale: [1, 5], dimension: service, text: 服务快}
  - {code: p1, type: likert, scale: [1, 5], dimension: price, text: 价格合理}
  - {code: overall, type: rating, scale: [1, 10], text: 总体}
"""
THEIRS = """\
code: rival_panel
title: 竞品
status: completed
competitor: {code: rival, name: {zh: 对手, en: Rival}}
dimensions: [{code: service, name: 服务}, {code: price, name: 价格}]
questions:
  - {code: s1, type: likert, scale: [1, 5], dimension: service, text: 服务好}
  - {code: p1, type: likert, scale: [1, 5], dimension: price, text: 价格合理}
  - {code: overall, type: rating, scale: [1, 10], text: 总体}
"""


def _answers(seed: int, n: int, means: dict[str, float], prefix: str, day0: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"response_id": [f"{prefix}{i:03d}" for i in range(n)]})
    frame["submitted_at"] = [f"2025-05-{day0 + i % 20:02d} 10:00" for i in range(n)]
    for code, mean in means.items():
        top = 10 if code == "overall" else 5
        frame[code] = np.clip(np.round(rng.normal(mean, 1.0, n)), 1, top).astype(int)
    return frame


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, pd.DataFrame, pd.DataFrame]]:
    folder: Path = tmp_path_factory.mktemp("bench")
    ours = _answers(1, 120, {"s1": 4.0, "s2": 3.0, "p1": 3.0, "overall": 7.0}, "O", 5)
    theirs = _answers(2, 100, {"s1": 3.2, "p1": 3.8, "overall": 7.0}, "T", 5)
    early = _answers(3, 30, {"s1": 1.0, "s2": 1.0, "p1": 1.0, "overall": 1.0}, "E", 1)
    early["submitted_at"] = "2025-01-10 10:00"  # outside the competitor's window: must not count
    (folder / "ours.yaml").write_text(OURS, encoding="utf-8")
    (folder / "theirs.yaml").write_text(THEIRS, encoding="utf-8")
    pd.concat([ours, early]).to_csv(folder / "ours.csv", index=False)
    theirs.to_csv(folder / "theirs.csv", index=False)
    reviews = ["feedback_id,source_type,competitor,collected_at,text"]
    good, bad, service = "价格很实惠，性价比高", "价格太贵了，不划算", "客服态度很好，非常耐心"
    for who, price in (("", [good] * 5 + [bad]), ("rival", [bad] * 5 + [good])):
        for i, text in enumerate([*price, *[service] * 6]):
            reviews.append(f"{who or 'O'}{i},review,{who},2025-05-{1 + i:02d} 10:00,{text}")
    (folder / "feedback.csv").write_text("\n".join(reviews) + "\n", encoding="utf-8")
    ws = Workspace.init(folder / "ws")
    import_survey(ws, folder / "ours.yaml")
    import_survey(ws, folder / "theirs.yaml")
    import_file(ws, folder / "ours.csv", "responses", survey="ours")
    import_file(ws, folder / "theirs.csv", "responses", survey="rival_panel")
    import_file(ws, folder / "feedback.csv", "feedback")
    yield ws, ours, theirs
    ws.close()


def test_gaps_by_dimension_match_welch_on_the_raw_answers(bench: tuple[Workspace, pd.DataFrame, pd.DataFrame]) -> None:
    ws, ours, theirs = bench
    gaps = survey_benchmark(ws).set_index("item")
    assert gaps["competitor"].iloc[0] == "rival" and gaps["ours_survey"].iloc[0] == "ours"
    assert list(gaps.index) == ["price", "service", "overall"]
    for item, code in (("service", "s1"), ("price", "p1"), ("overall", "overall")):
        ref = stats.ttest_ind(theirs[code], ours[code], equal_var=False)
        assert gaps.loc[item, "gap"] == pytest.approx(theirs[code].mean() - ours[code].mean())
        assert gaps.loc[item, "p_val"] == pytest.approx(ref.pvalue, rel=1e-9)
        assert gaps.loc[item, "ours_n"] == 120  # the early answers are outside the window; s2 is not compared
        ci = ref.confidence_interval()
        assert (gaps.loc[item, "ci_low"], gaps.loc[item, "ci_high"]) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert gaps["better"].to_dict() == {"price": "rival", "service": "ours", "overall": ""}
    whole = survey_benchmark(ws, same_items=False).set_index("item")
    assert whole.loc["service", "ours_n"] == 240
    assert whole.loc["service", "ours"] == pytest.approx(pd.concat([ours["s1"], ours["s2"]]).mean())


def test_welch_gap_from_summaries() -> None:
    r = welch_gap(3.0, 1.0, 50, 3.5, 2.0, 40)
    ref = stats.ttest_ind_from_stats(3.5, 2.0, 40, 3.0, 1.0, 50, equal_var=False)
    assert r["gap"] == pytest.approx(0.5) and r["p_val"] == pytest.approx(ref.pvalue)


def test_review_sentiment_by_aspect(bench: tuple[Workspace, pd.DataFrame, pd.DataFrame],
                                    tmp_path_factory: pytest.TempPathFactory) -> None:  # fmt: skip
    import shutil

    from cxlens.text.store import analyze_workspace

    ws, _, _ = bench
    assert review_benchmark(ws).empty  # not analysed yet
    copy = tmp_path_factory.mktemp("bench-text") / "ws"
    shutil.copytree(ws.path, copy)
    with Workspace.open(copy) as analysed:
        analyze_workspace(analysed, workers=1)
        reviews = review_benchmark(analysed).set_index("aspect")
        assert reviews.loc["price", ["ours_n", "theirs_n"]].tolist() == [6, 6]
        assert reviews.loc["price", "ours_net"] == pytest.approx(100 * 4 / 6)  # 5 positive, 1 negative
        assert reviews.loc["price", "theirs_net"] == pytest.approx(-100 * 4 / 6)
        ours_p, theirs_p = np.array([1.0] * 5 + [-1.0]), np.array([-1.0] * 5 + [1.0])
        ref = stats.ttest_ind(theirs_p, ours_p, equal_var=False)
        assert reviews.loc["price", "p_val"] == pytest.approx(ref.pvalue) and reviews.loc["price", "significant"]
        assert "service_attitude" not in reviews.index or not reviews.loc["service_attitude", "significant"]
        both = benchmark(analysed)
        assert not both.surveys.empty and not both.reviews.empty
