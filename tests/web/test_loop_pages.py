"""The closing-the-loop pages and API (cxlens.web.pages.loop_*, cxlens.web.api.loop) on the tiny workspace:
alerts, cases (with a note posted through the form and through the API), plans, team, benchmark, journey."""

from __future__ import annotations

from datetime import datetime

from cxlens.loop.alerts import AlertRule, add_rule, run_alerts
from cxlens.loop.cases import list_cases, open_cases
from cxlens.loop.plans import create_plan


def test_loop_pages_and_api(fresh_web) -> None:  # type: ignore[no-untyped-def]
    ws = fresh_web.ws
    add_rule(ws, AlertRule("low-nps", "threshold", metric="nps", threshold=50, min_n=1, by=["region"]))
    run_alerts(ws)
    open_cases(ws, now=datetime(2025, 3, 1))
    create_plan(ws, "csat-up", "csat_mean", survey="s", question="csat", start=datetime(2025, 2, 1),
                baseline_start=datetime(2025, 1, 1), target=4.5)  # fmt: skip
    viewer, agent = fresh_web.signed_in("viewer"), fresh_web.signed_in("agent")
    alerts = viewer.get("/alerts")
    assert alerts.status_code == 200 and "low-nps" in alerts.text and "region=S" in alerts.text
    assert viewer.get("/cases").status_code == 403  # record-level: not for viewers
    cases = agent.get("/cases")
    assert cases.status_code == 200 and "送货太慢了" in cases.text
    assert "&lt;script&gt;" in cases.text and "<script>alert" not in cases.text
    case_id = int(list_cases(ws).set_index("rule").loc["complaint", "id"].iloc[0])
    page = agent.get(f"/cases/{case_id}")
    assert page.status_code == 200 and ("客户历史" in page.text or "Customer history" in page.text)
    posted = agent.post(f"/cases/{case_id}/note", data={"text": "已回电致歉", "status": "in_progress",
                                                        "csrf_token": fresh_web.form_token(page.text)})  # fmt: skip
    assert posted.status_code == 303 and "已回电致歉" in agent.get(f"/cases/{case_id}").text
    api = fresh_web.client()
    note = api.post(f"/api/v1/cases/{case_id}/notes", json={"text": "已补发", "status": "resolved"},
                    headers=fresh_web.bearer("agent"))  # fmt: skip
    assert note.status_code == 201 and note.json()["status"] == "resolved"
    assert api.get(f"/api/v1/cases/{case_id}", headers=fresh_web.bearer("viewer")).status_code == 403
    shown = api.get(f"/api/v1/cases/{case_id}", headers=fresh_web.bearer("agent")).json()
    assert [n["text"] for n in shown["notes"]][-2:] == ["已补发", "status in_progress → resolved"]
    plans = viewer.get("/plans")
    assert plans.status_code == 200 and "csat-up" in plans.text
    plan = viewer.get("/plans/csat-up")
    assert plan.status_code == 200 and "not_yet_significant" in plan.text
    assert viewer.get("/plans/nope").status_code == 404
    evaluation = api.get("/api/v1/plans/csat-up", headers=fresh_web.bearer("viewer")).json()
    assert evaluation["verdict"] == "not_yet_significant" and evaluation["plan"]["baseline_n"] == 2
    assert viewer.get("/team").status_code == 200
    bench = viewer.get("/benchmark")
    assert bench.status_code == 200 and "nothing to benchmark" in bench.text
    journey = viewer.get("/journey")
    assert journey.status_code == 200 and "awareness" in journey.text
    listed = api.get("/api/v1/alerts", headers=fresh_web.bearer("viewer")).json()
    assert [r["name"] for r in listed["rules"]] == ["low-nps"] and listed["alerts"][0]["status"] == "open"
    assert api.get("/api/v1/journey", headers=fresh_web.bearer("viewer")).json()["stages"][0] == "awareness"
    team = api.get("/api/v1/team", headers=fresh_web.bearer("viewer")).json()
    assert {c["agent"] for c in team["scorecards"]} == {"A1", "A2"}
