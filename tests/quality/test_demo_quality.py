"""Sanity of the default model on the demo company (docs/demo.md): the customers the generator made churn —
through low latent satisfaction and bad tickets — must score lower and sit in the lowest tiers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from scipy.stats import mannwhitneyu

from cxlens.datasets.build import build_demo
from cxlens.quality import compare_weights, default_model, score_customers, sensitivity
from cxlens.quality.score import Scores
from cxlens.store import Workspace

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, Path]]:
    folder = tmp_path_factory.mktemp("demo") / "ws"
    ws = build_demo(folder, scale=0.25)
    yield ws, folder / "demo-data" / "customers_truth.csv"
    ws.close()


@pytest.fixture(scope="module")
def scored(demo: tuple[Workspace, Path]) -> tuple[Scores, pd.DataFrame]:
    ws, truth = demo
    sc = score_customers(ws)
    return sc, sc.customers.merge(pd.read_csv(truth, dtype={"churned": int}), on="customer_id")


def test_churned_customers_score_lower(scored: tuple[Scores, pd.DataFrame]) -> None:
    _, m = scored
    churned = m.loc[m["churned"] == 1, "score"].dropna()
    kept = m.loc[m["churned"] == 0, "score"].dropna()
    assert len(churned) > 50 and len(kept) > 200
    test = mannwhitneyu(churned, kept, alternative="less")
    assert test.pvalue < 0.05
    assert churned.median() < kept.median() - 5


def test_churners_sit_in_the_lowest_tiers(scored: tuple[Scores, pd.DataFrame]) -> None:
    _, m = scored
    rate = m[m["score"].notna()].groupby("tier")["churned"].mean()
    overall = m.loc[m["score"].notna(), "churned"].mean()
    assert rate["at_risk"] > 2 * rate["strategic"]
    assert rate["at_risk"] > overall and rate["watch"] > overall > rate["strategic"]


def test_the_demo_lacks_a_customisation_dimension_and_says_so(scored: tuple[Scores, pd.DataFrame]) -> None:
    sc, _ = scored
    assert any("customisation" in note for note in sc.notes)
    assert sc.coverage().set_index("criterion").loc["customisation", "customers"] == 0
    assert (sc.scored["coverage"] <= 0.8 + 1e-9).all()


def test_four_ways_of_weighting_on_the_demo(demo: tuple[Workspace, Path]) -> None:
    ws, _ = demo
    table, info = compare_weights(ws, default_model())
    assert all(info[m]["ok"] for m in ("direct", "ahp", "entropy", "regression", "benchmark")), info
    assert info["ahp"]["cr"] < 0.1
    assert 0 < info["regression"]["r2"] < 1 and info["regression"]["n"] > 100
    for method in ("direct", "ahp", "entropy", "regression", "benchmark"):
        assert table[method].sum() == pytest.approx(1.0)


def test_rankings_are_stable_under_ten_percent(scored: tuple[Scores, pd.DataFrame]) -> None:
    sc, _ = scored
    frame = sensitivity(sc)
    assert (frame["kendall_tau"] > 0.9).all() and (frame["spearman_rho"] > 0.95).all()
    assert (frame["n"] == len(sc.scored)).all()


def test_quotes_put_the_customers_complaints_first(
    demo: tuple[Workspace, Path], scored: tuple[Scores, pd.DataFrame]
) -> None:
    from cxlens.quality.score import customer_quotes

    ws, _ = demo
    sc, _ = scored
    with ws.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT c.external_id, count(*) FROM feedback f JOIN customers c ON f.customer_id = c.id "
            "GROUP BY 1 HAVING sum(CASE WHEN f.source_type = 'complaint' THEN 1 ELSE 0 END) > 0 "
            "AND count(*) > 1 ORDER BY 1 LIMIT 1"
        ).fetchone()
    assert row is not None
    quotes = customer_quotes(ws, row[0], sc.window, limit=5)
    assert quotes["source_type"].iloc[0] == "complaint"
    with ws.engine.connect() as conn:
        in_window = conn.execute(
            sa.text(
                "SELECT count(*) FROM feedback f JOIN customers c ON f.customer_id = c.id "
                "WHERE c.external_id = :c AND f.collected_at >= :s AND f.collected_at < :e"
            ),
            {"c": row[0], "s": sc.window.start, "e": sc.window.end},
        ).scalar_one()
    assert len(quotes) == min(5, in_window) and len(quotes) > 1  # every text in the window, at most 5
    assert quotes["text"].str.len().gt(0).all()
    assert customer_quotes(ws, "NO-SUCH-CUSTOMER", sc.window).empty
