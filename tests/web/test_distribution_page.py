"""The score-distribution histograms of /distributions, their CSV and the /api/v1/distributions endpoint show
exactly what ``cxlens.metrics.distribution`` computes on the web test workspace (tests/web/conftest.py).

By hand: nps answers R1 10, R2 6, R3 8, R4 9, R5 10 → n = 5 (10: 2, 6, 8, 9: 1 each); segment A (C1, C3:
R1, R3, R5) → 10, 8, 10, n = 3; csat 5, 3, 4, 5 (R4 blank) → n = 4.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import socket
import threading
import time
import warnings
from io import StringIO
from typing import Any

import pandas as pd
import pytest

from cxlens.exceptions import UndefinedMetricWarning
from cxlens.metrics import distribution
from cxlens.web import audit
from cxlens.web.api.metrics import frame_records
from cxlens.web.pages.distributions import BAND_COLOURS
from cxlens.web.permissions import ROLES


def _islands(html: str) -> dict[str, dict[str, Any]]:
    return {
        k: json.loads(v)
        for k, v in re.findall(r'<script type="application/json" id="([^"]+)-data">(.*?)</script>', html, re.S)
    }


def _dist(ws: Any, question: str, **kw: Any) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return distribution(ws, question, **kw)


def _hist(html: str, question: str) -> dict[str, Any]:
    """The chart island of ``question``'s histogram (found by the title it carries)."""
    found = [v for k, v in _islands(html).items() if k.startswith("hist-") and v["title"].startswith(f"{question}:")]
    assert len(found) == 1, question
    return found[0]


def test_histograms_show_n_counts_and_intervals(web: Any) -> None:
    html = web.signed_in("viewer").get("/distributions").text
    frame = _dist(web.ws, "nps")
    chart = _hist(html, "nps")
    assert chart["kind"] == "bar" and chart["horizontal"] is False and chart["unit"] == "%"
    assert chart["title"] == "nps: n = 5"
    assert chart["categories"] == [str(k) for k in range(11)]  # every point, zeros included
    series = chart["series"][0]
    assert series["data"] == pytest.approx([0, 0, 0, 0, 0, 0, 20, 0, 20, 20, 40])
    assert series["data"] == pytest.approx(list(frame["share"]))
    assert series["low"] == pytest.approx(list(frame["ci_low"]))
    assert series["high"] == pytest.approx(list(frame["ci_high"]))
    red, yellow, green = BAND_COLOURS["detractor"], BAND_COLOURS["passive"], BAND_COLOURS["promoter"]
    assert series["colors"] == [red] * 7 + [yellow] * 2 + [green] * 2
    csat = _hist(html, "csat")
    assert csat["title"] == "csat: n = 4" and csat["categories"] == ["1", "2", "3", "4", "5"]
    assert "colors" not in csat["series"][0]  # groups are for NPS only
    assert _hist(html, "ces")["title"] == "ces: n = 5"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "(nps 0–10 · n = 5)" in text and "detractors (0–6)" in text


def test_the_table_under_a_histogram_lists_every_point(web: Any) -> None:
    html = web.signed_in("viewer").get("/distributions?question=nps").text
    table = re.search(r"<table>.*?</table>", html, re.S)
    assert table is not None
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>", table.group(0))
    assert [(r[0], r[1], r[2], r[3]) for r in rows][10] == ("10", "promoter", "2", "5")
    assert len(rows) == 11
    assert "/distributions.csv?" in html and "question=nps" in html


def test_picked_questions_and_filters(web: Any) -> None:
    client = web.signed_in("agent")
    html = client.get("/distributions?question=q1&question=nps&segment=A").text
    form = re.search(r'<form method="get" class="filters">.*?</form>', html, re.S)
    assert form is not None and 'name="survey"' in form.group(0)
    assert '<option value="q1" selected>' in form.group(0) and '<option value="nps" selected>' in form.group(0)
    hists = [v for k, v in _islands(html).items() if k.startswith("hist-")]
    assert [h["title"] for h in hists] == ["q1: n = 2", "nps: n = 3"]
    frame = _dist(web.ws, "nps", filters={"segment": "A"})
    assert hists[1]["series"][0]["data"] == pytest.approx(list(frame["share"]))
    assert list(frame.loc[frame["count"] > 0, "score"]) == [8, 10]


def test_a_question_that_cannot_be_drawn_says_why(web: Any) -> None:
    response = web.signed_in("viewer").get("/distributions?question=nope&question=nps")
    assert response.status_code == 200
    assert "unknown question &#39;nope&#39;" in response.text
    assert _hist(response.text, "nps")["title"] == "nps: n = 5"


def test_chinese_labels(web: Any) -> None:
    html = web.signed_in("viewer").get("/distributions?lang=zh").text
    assert "评分分布(各分值人数)" in html and "贬损者 (0–6)" in html
    assert _hist(html, "nps")["title"] == "nps:n = 5"


def test_csv_is_the_distribution_and_is_audited(fresh_web: Any) -> None:
    web = fresh_web
    response = web.signed_in("viewer").get("/distributions.csv?question=nps&segment=A")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="nps-distribution.csv"' in response.headers["content-disposition"]
    got = pd.read_csv(StringIO(response.text.lstrip("\ufeff")))
    frame = _dist(web.ws, "nps", filters={"segment": "A"})
    assert list(got.columns) == list(frame.columns)
    assert list(got["score"]) == list(frame["score"]) == list(range(11))
    assert list(got["count"]) == list(frame["count"])
    assert list(got["n"]) == [3] * 11
    assert list(got["share"]) == pytest.approx(list(frame["share"]))
    assert list(got["ci_high"]) == pytest.approx(list(frame["ci_high"]))
    entries, _ = audit.list_entries(web.ws, action="data.export")
    assert entries[0]["target"] == "distribution:nps"


def test_csv_of_a_bad_question_is_a_clear_error(web: Any) -> None:
    response = web.signed_in("viewer").get("/distributions.csv?question=nope")
    assert response.status_code == 400 and "unknown question" in response.text


def test_pages_need_a_sign_in(web: Any) -> None:
    client = web.client()
    assert client.get("/distributions").status_code == 303
    assert client.get("/distributions.csv?question=nps").status_code == 303


@pytest.mark.parametrize("role", ROLES)
def test_api_returns_the_distribution_for_every_role(web: Any, role: str) -> None:
    response = web.client().get("/api/v1/distributions/nps?by=segment", headers=web.bearer(role))
    assert response.status_code == 200  # metrics.read: admin, analyst, agent and viewer alike
    body = response.json()
    assert body["ok"] is True and body["question"] == "nps" and body["type"] == "nps"
    assert (body["scale_min"], body["scale_max"]) == (0.0, 10.0) and body["surveys"] == ["s"]
    assert body["by"] == ["segment"] and body["every"] is None
    expected = frame_records(_dist(web.ws, "nps", by=["segment"]))
    assert len(body["rows"]) == len(expected) == 3 * 11  # A, B and the answer without a customer
    for got, want in zip(body["rows"], expected, strict=True):
        assert got["segment"] == want["segment"] and got["score"] == want["score"]
        assert (got["count"], got["n"], got["band"]) == (want["count"], want["n"], want["band"])
        assert got["share"] == pytest.approx(want["share"]) and got["ci_low"] == pytest.approx(want["ci_low"])


def test_api_periods_and_filters(web: Any) -> None:
    h = web.bearer("viewer")
    body = web.client().get("/api/v1/distributions/nps?every=month&filter=channel=phone", headers=h).json()
    periods = sorted({r["period"] for r in body["rows"]})
    assert periods == ["2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z"]
    assert [r["score"] for r in body["rows"] if r["count"]] == [6, 10]  # R2 in January, R5 in February


def test_api_auth_and_errors(web: Any) -> None:
    client = web.client()
    unauthenticated = client.get("/api/v1/distributions/nps")
    assert unauthenticated.status_code == 401 and unauthenticated.json()["ok"] is False
    bad_token = client.get("/api/v1/distributions/nps", headers={"Authorization": "Bearer cxl_nope"})
    assert bad_token.status_code == 401
    h = web.bearer("viewer")
    unknown = client.get("/api/v1/distributions/nope", headers=h)
    assert unknown.status_code == 400 and "unknown question 'nope'" in unknown.json()["message"]
    assert client.get("/api/v1/distributions/nps?by=agent", headers=h).status_code == 400
    assert client.get("/api/v1/distributions/nps?filter=oops", headers=h).status_code == 400
    assert client.get("/api/v1/distributions/nps?every=fortnight", headers=h).status_code == 422


def test_api_is_in_the_openapi_schema(web: Any) -> None:
    schema = web.client().get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/distributions/{question}"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/DistributionResult")
    row = schema["components"]["schemas"]["DistributionRow"]
    assert {"score", "count", "n", "share", "ci_low", "ci_high", "band", "off_scale"} <= set(row["properties"])


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("playwright") is None or shutil.which(CHROMIUM) is None,
    reason="needs the playwright package and Debian's chromium",
)
def test_the_browser_draws_coloured_histograms_with_n_in_the_title(web: Any) -> None:
    """static/cxlens.js turns the spec into an ECharts bar chart: per-bar NPS colours, the title with n, and
    the Wilson error bars as a second (custom) series; no script errors."""
    import uvicorn
    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(web.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"http://127.0.0.1:{port}/signin?next=/distributions%3Fquestion%3Dnps")
            page.fill("#username", "viewer")
            page.fill("#password", web.password_of("viewer"))
            page.click("button[type=submit]")
            page.wait_for_selector("#hist-1 canvas")
            option = page.evaluate(
                "() => { const o = echarts.getInstanceByDom(document.getElementById('hist-1')).getOption();"
                " return {title: o.title[0].text, types: o.series.map(s => s.type),"
                " colours: o.series[0].data.map(d => d.itemStyle.color), values: o.series[0].data.map(d => d.value)}; }"
            )
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert errors == []
    assert option["title"] == "nps: n = 5" and option["types"] == ["bar", "custom"]
    assert (
        option["colours"]
        == [BAND_COLOURS["detractor"]] * 7 + [BAND_COLOURS["passive"]] * 2 + [BAND_COLOURS["promoter"]] * 2
    )
    assert option["values"] == pytest.approx([0, 0, 0, 0, 0, 0, 20, 0, 20, 20, 40])
