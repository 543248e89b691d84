from __future__ import annotations

from pathlib import Path

import pyreadstat
import pytest

from cxlens.report.spss import export_spss
from cxlens.stats import survey_frame
from cxlens.store import Workspace


def test_round_trip_keeps_variable_and_value_labels(report_ws: Workspace, tmp_path: Path) -> None:
    path = export_spss(report_ws, "relationship_nps", tmp_path / "nps.sav", lang="zh")
    data, meta = pyreadstat.read_sav(str(path))
    frame = survey_frame(report_ws, "relationship_nps")
    assert len(data) == len(frame) == 4000  # one row per response
    labels = meta.column_names_to_labels
    assert labels["nps"] == "您有多大可能向朋友或同事推荐极光智能？"
    assert labels["features_used__voice"].endswith("语音控制")
    values = meta.variable_value_labels
    assert values["nps"] == {0.0: "完全不可能", 10.0: "极有可能"}
    assert values["channel_pref"] == {1.0: "官网", 2.0: "天猫", 3.0: "京东", 4.0: "门店", 5.0: "极光App"}
    assert values["features_used__voice"] == {0.0: "未选", 1.0: "已选"}
    assert data["nps"].tolist() == frame["nps"].tolist()
    first = frame["channel_pref"].astype(object)
    expected = first.map({"web": 1.0, "tmall": 2.0, "jd": 3.0, "store": 4.0, "app": 5.0})
    assert data["channel_pref"].fillna(-1).tolist() == expected.fillna(-1).tolist()


def test_english_labels_and_likert_anchors(report_ws: Workspace, tmp_path: Path) -> None:
    path = export_spss(report_ws, "satisfaction_2025", tmp_path / "sat.sav", lang="en")
    data, meta = pyreadstat.read_sav(str(path))
    assert meta.column_names_to_labels["sq_1"] == "Support staff are professional and helpful"
    assert meta.variable_value_labels["sq_1"] == {1.0: "Strongly disagree", 5.0: "Strongly agree"}
    assert len(data) == 3000


def test_export_refuses_other_suffix(report_ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.sav"):
        export_spss(report_ws, "relationship_nps", tmp_path / "nps.csv")
