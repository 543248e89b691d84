"""survey_frame / survey_questions: the wide table built from the long answers, checked cell by cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlens.metrics import Analytics
from cxlens.stats import dimension_scores, survey_frame, survey_questions
from cxlens.stats.data import check_columns, numeric_column
from cxlens.store import Workspace


def test_one_row_per_response_one_column_per_question(tiny_ws: Workspace) -> None:
    f = survey_frame(tiny_ws, "tiny")
    assert list(f["response_id"]) == ["R1", "R2", "R3", "R4"]
    assert list(f.columns[:5]) == ["response_id", "customer_id", "submitted_at", "channel", "language"]
    assert "why" not in f.columns  # text only on request
    assert f["overall"].tolist() == [9.0, 4.0, 7.0, 6.0]
    assert f["s2"].isna().tolist() == [False, True, False, False]
    assert f["customer_id"].tolist()[:3] == ["C1", "C2", "C3"] and pd.isna(f["customer_id"].iloc[3])
    assert f["submitted_at"].iloc[0] == pd.Timestamp("2025-01-10 10:00")


def test_choice_questions(tiny_ws: Workspace) -> None:
    f = survey_frame(tiny_ws, "tiny")
    assert isinstance(f["pref"].dtype, pd.CategoricalDtype)
    assert list(f["pref"].cat.categories) == ["web", "app", "store"]  # questionnaire order
    assert f["pref"].astype(object).tolist()[:2] == ["app", "web"] and pd.isna(f["pref"].iloc[2])
    # multi: 0/1 per choice, NaN when the question was not answered at all
    assert f["uses__voice"].tolist()[:2] == [1.0, 0.0] and np.isnan(f["uses__voice"].iloc[2])
    assert f["uses__remote"].tolist()[:2] == [1.0, 1.0]


def test_text_dimensions_and_customer_dimensions(tiny_ws: Workspace) -> None:
    f = survey_frame(tiny_ws, "tiny", by=["segment", "tier"], text=True, dimensions=True)
    assert f["why"].tolist()[0] == "很好" and pd.isna(f["why"].iloc[1])
    assert f["segment"].tolist()[:3] == ["A", "B", "A"] and pd.isna(f["segment"].iloc[3])
    assert f["tier"].tolist()[:3] == ["gold", "silver", "gold"]
    # dimension score = mean of the answered items
    assert f["service"].tolist() == [4.5, 2.0, 4.0, 3.0]
    assert f["price"].tolist()[:2] == [2.0, 3.0] and np.isnan(f["price"].iloc[2])


def test_filters_and_question_subset(tiny_ws: Workspace) -> None:
    from datetime import datetime

    f = survey_frame(tiny_ws, "tiny", questions=["overall"], start=datetime(2025, 2, 1))
    assert f["response_id"].tolist() == ["R3", "R4"]
    assert [c for c in f.columns if c not in ("response_id", "customer_id", "submitted_at", "channel", "language")] == [
        "overall"
    ]


def test_works_on_an_analytics_connection(tiny_ws: Workspace) -> None:
    an = Analytics.for_workspace(tiny_ws)
    assert survey_frame(an, "tiny")["overall"].sum() == 26.0


def test_questions_metadata(tiny_ws: Workspace) -> None:
    q = survey_questions(tiny_ws, "tiny", lang="en").set_index("code")
    assert q.loc["overall", "label"] == "Overall"
    assert q.loc["s1", "dimension"] == "service" and q.loc["s1", "dimension_weight"] == 0.6
    assert (q.loc["s1", "scale_min"], q.loc["s1", "scale_max"]) == (1.0, 5.0)
    assert q.loc["uses", "columns"] == ("uses__voice", "uses__remote")
    assert q.loc["pref", "choices"] == ("web", "app", "store")
    assert q.loc["overall", "dimension"] is None


def test_refusals(tiny_ws: Workspace) -> None:
    with pytest.raises(ValueError, match="no survey 'nope'.*tiny"):
        survey_frame(tiny_ws, "nope")
    with pytest.raises(ValueError, match="no question.*zz"):
        survey_frame(tiny_ws, "tiny", questions=["zz"])
    with pytest.raises(ValueError, match="unknown customer dimension.*planet"):
        survey_frame(tiny_ws, "tiny", by=["planet"])
    with pytest.raises(TypeError, match="Workspace"):
        survey_frame("not a workspace", "tiny")  # type: ignore[arg-type]


def test_dimension_scores_min_items() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": [3.0, np.nan, np.nan]})
    questions = pd.DataFrame(
        {"code": ["a", "b"], "type": ["likert", "likert"], "dimension": ["d", "d"], "columns": [("a",), ("b",)]}
    )
    assert dimension_scores(frame, questions)["d"].tolist()[:2] == [2.0, 2.0]
    out = dimension_scores(frame, questions, min_items=2)["d"]
    assert out.tolist()[0] == 2.0 and out.isna().tolist()[1:] == [True, True]


def test_column_helpers() -> None:
    df = pd.DataFrame({"x": [1, 2], "t": ["a", "b"]})
    with pytest.raises(ValueError, match="no column.*'y'"):
        check_columns(df, "x", "y")
    with pytest.raises(ValueError, match="'t'.*not numeric"):
        numeric_column(df, "t")
    assert numeric_column(df, "x").dtype == np.float64
