"""Every dashboard page renders on the tiny workspace and shows the numbers ``cxlens.metrics.compute`` gives."""

from __future__ import annotations

import json
import re
import warnings

import pandas as pd
import pytest

from cxlens.exceptions import UndefinedMetricWarning
from cxlens.metrics import compute
from cxlens.web.deps import fmt


def _compute(ws, metric: str, **kw):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return compute(ws, metric, **kw)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _card(html: str, metric: str) -> str:
    match = re.search(rf'<article class="card" aria-labelledby="kpi-{metric}">(.*?)</article>', html, re.S)
    assert match, metric
    return _text(match.group(1))


def _islands(html: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return {
        k: json.loads(v)
        for k, v in re.findall(r'<script type="application/json" id="([^"]+)-data">(.*?)</script>', html, re.S)
    }


@pytest.mark.parametrize("metric", ["nps", "csat", "ces", "first_response_time", "resolution_rate"])
def test_overview_cards_show_the_metric_layers_numbers(web, metric: str) -> None:
    html = web.signed_in("viewer").get("/overview").text
    frame = _compute(web.ws, metric, every="month", change=True)
    last = frame[frame["n"] > 0].iloc[-1]
    card = _card(html, metric)
    assert fmt(float(last["value"]), 1) in card
    assert f"n = {int(last['n'])}" in card
    assert f"[{fmt(float(last['ci_low']), 1)}, {fmt(float(last['ci_high']), 1)}]" in card
    assert f"p = {fmt(float(last['p_val']), 3)}" in card
    assert pd.Timestamp(last["period"]).strftime("%Y-%m") in card
    trend = _islands(html)[f"trend-{metric}"]
    assert trend["series"][0]["data"] == pytest.approx([None if pd.isna(v) else v for v in frame["value"]])


def test_nps_card_in_february_by_hand(web) -> None:
    """February: answers 8, 9, 10 → 2 promoters, 0 detractors of 3 → NPS 66.7; January 10 and 6 → 0."""
    card = _card(web.signed_in("viewer").get("/overview").text, "nps")
    assert "66.7" in card and "n = 3" in card and "+66.7" in card


def test_filters_and_slices(web) -> None:
    client = web.signed_in("analyst")
    html = client.get("/overview?segment=A&by=segment&every=month").text
    frame = _compute(web.ws, "nps", every="month", change=True, filters={"segment": "A"})
    last = frame[frame["n"] > 0].iloc[-1]
    assert fmt(float(last["value"]), 1) in _card(html, "nps")
    sliced = _compute(web.ws, "nps", by=["segment"], filters={"segment": "A"})
    chart = _islands(html)["slice-nps"]
    assert chart["categories"] == list(sliced["segment"])
    assert chart["series"][0]["data"] == pytest.approx(list(sliced["value"]))
    # channel does not apply to complaints (feedback has no channel): said, not silently dropped
    html = client.get("/overview?channel=web").text
    assert "filter channel does not apply here; ignored" in _card(html, "complaint_rate")


def test_bad_filters_are_clear_errors(web) -> None:
    client = web.signed_in("viewer")
    assert client.get("/overview?every=fortnight").status_code == 422
    assert client.get("/overview?start=2025-02-01&end=2025-01-01").status_code == 400
    response = client.get("/overview?segment=' OR 1=1 --")
    assert response.status_code == 200 and "no data" in _card(response.text, "nps")


def test_distributions_page(web) -> None:
    html = web.signed_in("viewer").get("/distributions").text
    frame = _compute(web.ws, "nps", every="month")
    mix = _islands(html)["nps-mix"]
    assert mix["series"][0]["data"] == pytest.approx(list(frame["promoters_pct"]))
    assert mix["series"][2]["data"] == pytest.approx(list(frame["detractors_pct"]))
    per_question = _compute(web.ws, "csat", by=["question"])
    chart = _islands(html)["q-csat"]
    assert chart["categories"] == list(per_question["question"])
    assert chart["series"][0]["high"] == pytest.approx(list(per_question["ci_high"]))


@pytest.mark.parametrize("per", ["team", "agent"])
def test_service_page(web, per: str) -> None:
    html = web.signed_in("agent").get(f"/service?per={per}").text
    for metric in ("first_response_time", "resolution_rate"):
        frame = _compute(web.ws, metric, by=[per])
        frame = frame[frame["n"] > 0]
        chart = _islands(html)[f"svc-{metric}"]
        assert chart["categories"] == [str(v) for v in frame[per]]
        assert chart["series"][0]["data"] == pytest.approx(list(frame["value"]))


def test_metrics_csv_is_the_computed_frame(web) -> None:
    response = web.signed_in("viewer").get("/metrics.csv?metric=resolution_rate&every=month")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    from io import StringIO

    got = pd.read_csv(StringIO(response.text.lstrip("\ufeff")))
    frame = _compute(web.ws, "resolution_rate", every="month", change=True)
    assert list(got["value"]) == pytest.approx(list(frame["value"]))
    assert list(got["n"]) == list(frame["n"])


def test_text_page_without_results_says_what_to_run(web) -> None:
    html = web.signed_in("viewer").get("/text").text
    assert "cxlens text analyze" in html


def test_text_page_after_analysis(fresh_web) -> None:
    from cxlens.text.report import text_overview
    from cxlens.text.store import analyze_workspace

    analyze_workspace(fresh_web.ws)
    html = fresh_web.signed_in("viewer").get("/text").text
    expected = text_overview(fresh_web.ws)
    assert expected["texts"] == 3
    assert f"<strong>{expected['texts']}</strong>" in html
    assert "<script>alert(1)</script>" not in html  # a feedback text is data, never markup


def test_lang_toggle_and_accept_language(web) -> None:
    client = web.signed_in("viewer")
    assert "KPI overview" in client.get("/overview").text
    response = client.get("/overview?lang=zh")
    assert "KPI 总览" in response.text and 'lang="zh-CN"' in response.text
    assert "cxlens_lang=zh" in response.headers["set-cookie"]
    assert "KPI 总览" in client.get("/distributions").text or "评分分布" in client.get("/distributions").text
    assert "净推荐值 NPS" in client.get("/overview").text  # the cookie keeps the choice
    fresh = web.client()
    assert "登录" in fresh.get("/signin", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}).text
    assert "Sign in" in fresh.get("/signin", headers={"Accept-Language": "en-US,zh;q=0.5"}).text


def test_targets_and_attainment(fresh_web) -> None:
    (fresh_web.ws.path / "targets.yaml").write_text("nps: {target: 50}\nces: {target: 5}\n", encoding="utf-8")
    html = fresh_web.signed_in("viewer").get("/overview").text
    nps, ces = _card(html, "nps"), _card(html, "ces")
    assert "target 50.0" in nps and "attained" in nps  # February NPS 66.7 ≥ 50
    ces_value = _compute(fresh_web.ws, "ces", every="month")["value"].iloc[-1]
    assert "target 5.0" in ces and ("missed" if ces_value < 5 else "attained") in ces
