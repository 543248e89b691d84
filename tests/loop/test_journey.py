"""The journey map on a hand-built workspace: a workspace's own journey.yaml, each touchpoint's volume,
satisfaction (from the metric layer), sentiment and pain points, and refused configurations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cxlens.exceptions import ConfigurationError
from cxlens.loop.journey import journey_map, load_journey
from cxlens.metrics import compute
from cxlens.store import Workspace

JOURNEY = """\
stages: [发现, 使用, 投诉]
touchpoints:
  - {stage: 使用, name: 推荐调研, source: answers, metric: nps, survey: s}
  - {stage: 投诉, name: 物流投诉, source: feedback, filters: {source_type: complaint}, aspects: [logistics]}
  - {stage: 发现, name: 社交媒体, source: feedback, filters: {source_type: social}}
"""


def test_a_configured_journey(alerts_ws: Workspace, tmp_path: Path) -> None:
    from cxlens.text.store import analyze_workspace

    copy = tmp_path / "ws"
    shutil.copytree(alerts_ws.path, copy)
    (copy / "journey.yaml").write_text(JOURNEY, encoding="utf-8")
    with Workspace.open(copy) as ws:
        analyze_workspace(ws, workers=1)
        result = journey_map(ws)
        frame = result.touchpoints.set_index("touchpoint")
        assert result.stages == ["发现", "使用", "投诉"]
        assert frame.index.tolist() == ["社交媒体", "推荐调研", "物流投诉"]  # in stage order
        nps = compute(ws, "nps", survey="s").iloc[0]
        assert frame.loc["推荐调研", "satisfaction"] == pytest.approx(nps["value"])
        assert frame.loc["推荐调研", "satisfaction_n"] == nps["n"] and frame.loc["推荐调研", "volume"] == 360
        complaints = frame.loc["物流投诉"]
        assert complaints["volume"] == 15 + 6 + 12 and complaints["texts"] == 33  # service + delivery + burst
        assert complaints["negative_pct"] > 80
        assert [p["aspect"] for p in complaints["pain_points"]] == ["logistics"]
        assert complaints["pain_points"][0]["mentions"] == 18
        social = frame.loc["社交媒体"]
        assert social["volume"] == 0 and social["satisfaction_n"] == 0 and social["pain_points"] == []
        assert result.to_dict()["touchpoints"][0]["touchpoint"] == "社交媒体"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stages: [a]\ntouchpoints: []\n", "needs stages and touchpoints"),
        ("stages: [a]\ntouchpoints: [{stage: b, name: x, source: orders}]\n", "stage 'b'"),
        ("stages: [a]\ntouchpoints: [{stage: a, name: x, source: tweets}]\n", "source must be"),
        ("stages: [a]\ntouchpoints: [{stage: a, name: x, source: orders, filters: {agent: A}}]\n", "cannot filter"),
        ("stages: [a]\ntouchpoints: [{stage: a, name: x, source: orders, metric: joy}]\n", "unknown metric"),
    ],
)
def test_bad_journeys_are_refused(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "journey.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message):
        load_journey(tmp_path)
