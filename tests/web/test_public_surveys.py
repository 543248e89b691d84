"""The respondent's pages: rendering in zh/en, idempotent submission, server-side checks, rate limit."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from cxlens.metrics import compute
from cxlens.model import tables as t
from cxlens.surveys import close_form, create_form, create_invitations, publish, update_form

DEFINITION: dict[str, Any] = {
    "code": "visit",
    "title": {"zh": "门店体验调查", "en": "Store visit survey"},
    "default_language": "zh",
    "questions": [
        {
            "code": "nps",
            "type": "nps",
            "required": True,
            "text": {"zh": "您有多大可能推荐我们?", "en": "Would you recommend us?"},
        },
        {
            "code": "why",
            "type": "text",
            "required": True,
            "text": {"zh": "哪里让您失望?", "en": "What went wrong?"},
            "show_if": {"question": "nps", "op": "lte", "value": 6},
        },
        {"code": "csat", "type": "csat", "scale": [1, 5], "text": {"zh": "总体满意度", "en": "Overall satisfaction"}},
        {
            "code": "store",
            "type": "single",
            "text": {"zh": "哪家门店?", "en": "Which store?"},
            "choices": [
                {"code": "north", "text": {"zh": "北店", "en": "North"}},
                {"code": "south", "text": {"zh": "南店", "en": "South"}},
            ],
        },
        {
            "code": "bought",
            "type": "multi",
            "text": {"zh": "购买了什么?", "en": "What did you buy?"},
            "choices": [
                {"code": "tv", "text": {"zh": "电视", "en": "TV"}},
                {"code": "fan", "text": {"zh": "风扇", "en": "Fan"}},
            ],
        },
        {"code": "spend", "type": "number", "scale": [0, 100000], "text": {"zh": "消费金额", "en": "Amount spent"}},
    ],
}


@pytest.fixture
def site(fresh_web: Any) -> tuple[Any, str]:
    create_form(fresh_web.ws, DEFINITION)
    return fresh_web, publish(fresh_web.ws, "visit").slug


def _form(client: Any, url: str, **headers: str) -> tuple[str, dict[str, str]]:
    page = client.get(url, headers=headers)
    assert page.status_code == 200, page.text
    html = page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return html, fields


def _responses(web: Any) -> int:
    r, s = t.responses, t.surveys
    visit = sa.select(s.c.id).where(s.c.code == "visit").scalar_subquery()
    with web.ws.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(r).where(r.c.survey_id == visit)).scalar_one())


def _forget(web: Any) -> None:
    web.app.state.cx.extras.pop("survey_links", None)


def test_closing_refuses_submissions_at_once_even_from_a_remembered_link(site: tuple[Any, str]) -> None:
    web, slug = site
    client = web.client()
    _, fields = _form(client, f"/s/{slug}")
    close_form(web.ws, "visit")  # not through the app: its remembered version still says open
    refused = client.post(f"/s/{slug}", data={**fields, "q_nps": "9"})
    assert refused.status_code == 410 and _responses(web) == 0


def test_form_renders_in_the_browser_language_and_is_accessible(site: tuple[Any, str]) -> None:
    web, slug = site
    client = web.client()
    zh, _ = _form(client, f"/s/{slug}", **{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-CN">' in zh and "您有多大可能推荐我们?" in zh and "提交" in zh
    en, _ = _form(web.client(), f"/s/{slug}?lang=en")
    assert "Would you recommend us?" in en and ">Submit<" in en and "echarts" not in en
    # every scale and choice group is a fieldset with a legend, every other input has a label
    assert en.count("<fieldset") == en.count("<legend") == 4
    assert re.search(r'<label for="q_why"', en) and re.search(r'<label for="q_spend"', en)
    assert 'data-show-if="[{&#34;question&#34;: &#34;nps&#34;' in en
    assert "/static/surveys/form.js" in en and "/static/surveys/survey.css" in en
    assert web.client().get("/static/surveys/form.js").status_code == 200


def test_submit_twice_stores_one_response_and_counts_in_metrics(site: tuple[Any, str]) -> None:
    web, slug = site
    client = web.client()
    _, fields = _form(client, f"/s/{slug}")
    answers = {**fields, "q_nps": "9", "q_csat": "5", "q_store": "north", "q_bought": ["tv", "fan"]}
    first = client.post(f"/s/{slug}", data=answers)
    assert first.status_code == 303 and first.headers["location"].startswith(f"/s/{slug}/thanks")
    second = client.post(f"/s/{slug}", data=answers)  # double click / resubmit with the same form
    assert second.status_code == 303
    assert _responses(web) == 1
    thanks = client.get(first.headers["location"])
    assert thanks.status_code == 200 and "Thank you" in thanks.text
    nps = compute(web.ws, "nps", survey="visit")
    assert (nps["value"].iloc[0], nps["n"].iloc[0]) == (100.0, 1)


def test_missing_required_re_renders_with_messages_and_answers_kept(site: tuple[Any, str]) -> None:
    web, slug = site
    client = web.client()
    _, fields = _form(client, f"/s/{slug}?lang=zh")
    page = client.post(f"/s/{slug}", data={**fields, "q_nps": "3", "q_store": "south", "q_csat": "9"})
    assert page.status_code == 422
    assert "此题为必答题,请作答。" in page.text  # why (shown because nps ≤ 6) is required
    assert "请选择 1 到 5 之间的分值。" in page.text
    assert re.search(r'value="south" checked', page.text) and re.search(r'value="3" checked', page.text)
    assert 'aria-invalid="true"' in page.text and 'role="alert"' in page.text
    assert _responses(web) == 0
    _, again = _form(client, f"/s/{slug}")
    ok = client.post(f"/s/{slug}", data={**again, "q_nps": "3", "q_why": "排队太久"})
    assert ok.status_code == 303 and _responses(web) == 1


def test_skip_logic_applies_on_the_server(site: tuple[Any, str]) -> None:
    web, slug = site
    client = web.client()
    _, fields = _form(client, f"/s/{slug}")
    assert client.post(f"/s/{slug}", data={**fields, "q_nps": "10", "q_why": "hidden"}).status_code == 303
    with web.ws.engine.connect() as conn:
        texts = list(
            conn.execute(sa.select(t.answers.c.value_text).where(t.answers.c.value_text.is_not(None))).scalars()
        )
    assert "hidden" not in texts


def test_forged_or_missing_token_keeps_the_answers(site: tuple[Any, str]) -> None:
    web, slug = site
    client = web.client()
    _, fields = _form(client, f"/s/{slug}")
    page = client.post(f"/s/{slug}", data={**fields, "_token": "forged", "q_nps": "8"})
    assert page.status_code == 422 and "expired" in page.text and 'value="8" checked' in page.text
    assert _responses(web) == 0


def test_csrf_less_post_is_refused(site: tuple[Any, str]) -> None:
    web, slug = site
    client = web.client()
    _, fields = _form(client, f"/s/{slug}")
    fields.pop("csrf_token")
    assert client.post(f"/s/{slug}", data={**fields, "q_nps": "8"}).status_code == 403
    assert _responses(web) == 0


def test_rate_limit_answers_429(site: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> None:
    web, slug = site
    monkeypatch.setenv("CXLENS_SURVEY_RATE_LIMIT", "2/min")
    web.app.state.cx.extras.pop("survey_limiter", None)
    client = web.client()
    codes = []
    for _ in range(3):
        _, fields = _form(client, f"/s/{slug}")
        codes.append(client.post(f"/s/{slug}", data={**fields, "q_nps": "8"}).status_code)
    assert codes == [303, 303, 429]
    _, fields = _form(client, f"/s/{slug}?lang=zh")
    limited = client.post(f"/s/{slug}", data={**fields, "q_nps": "8"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0 and "秒后重试" in limited.text
    assert _responses(web) == 2
    web.app.state.cx.extras.pop("survey_limiter", None)


def test_closed_unknown_and_invitation_pages(site: tuple[Any, str]) -> None:
    web, slug = site
    client = web.client()
    assert client.get("/s/nothing-here").status_code == 404
    update_form(web.ws, "visit", access="invitation")
    _forget(web)  # changed behind the app's back: the app remembers a link for a moment otherwise
    assert client.get(f"/s/{slug}?lang=en").status_code == 403
    [link] = create_invitations(web.ws, "visit", 1, base_url="http://testserver")
    assert client.get(f"/s/{slug}?i=wrong").status_code == 404
    _, fields = _form(client, f"/s/{slug}?i={link.token}")
    assert fields["_i"] == link.token
    assert client.post(f"/s/{slug}", data={**fields, "q_nps": "9"}).status_code == 303
    assert client.get(f"/s/{slug}?i={link.token}").status_code == 409  # one response per invitation
    close_form(web.ws, "visit")
    _forget(web)
    assert client.get(f"/s/{slug}?i={link.token}").status_code == 410
    assert _responses(web) == 1


def test_xss_in_answers_is_inert_when_re_rendered(site: tuple[Any, str]) -> None:
    web, slug = site
    client = web.client()
    _, fields = _form(client, f"/s/{slug}")
    payload = "<script>alert(1)</script>"
    page = client.post(f"/s/{slug}", data={**fields, "q_nps": "2", "q_spend": payload})
    assert page.status_code == 422 and payload not in page.text and "&lt;script&gt;" in page.text


def test_concurrent_submissions_share_commits_and_none_is_stored_twice(
    site: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    import httpx2 as httpx

    from cxlens.web.pages import public

    web, slug = site
    monkeypatch.setenv("CXLENS_SURVEY_RATE_LIMIT", "0/min")
    web.app.state.cx.extras.pop("survey_limiter", None)
    batches: list[int] = []
    real = public.submit_many

    def recording(ws: Any, items: Any) -> Any:
        batches.append(len(items))
        return real(ws, items)

    monkeypatch.setattr(public, "submit_many", recording)

    async def respondent(n: int) -> list[int]:
        transport = httpx.ASGITransport(app=web.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            page = await client.get(f"/s/{slug}")
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
            data = {**fields, "q_nps": str(n % 11), "q_why": "x"}
            sent = await asyncio.gather(*(client.post(f"/s/{slug}", data=data) for _ in range(2)))  # double click
            return [r.status_code for r in sent]

    async def crowd() -> list[list[int]]:
        return await asyncio.gather(*(respondent(n) for n in range(20)))

    codes = asyncio.run(crowd())
    assert all(c == [303, 303] for c in codes)
    assert _responses(web) == 20
    assert sum(batches) == 40 and max(batches) > 1  # some submissions shared a transaction
    web.app.state.cx.extras.pop("survey_limiter", None)


def test_a_form_read_by_many_at_once_is_read_once(site: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Respondents who miss the remembered version together share one read (and its outcome, errors too)."""
    import asyncio

    import httpx2 as httpx

    from cxlens.web.pages import public

    web, slug = site
    reads: list[str] = []
    real = public.resolve_link

    def counting(ws: Any, key: str) -> Any:
        reads.append(key)
        return real(ws, key)

    monkeypatch.setattr(public, "resolve_link", counting)

    async def crowd(url: str) -> list[int]:
        _forget(web)
        transport = httpx.ASGITransport(app=web.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            pages = await asyncio.gather(*(client.get(url) for _ in range(12)))
        return [p.status_code for p in pages]

    assert asyncio.run(crowd(f"/s/{slug}")) == [200] * 12
    assert reads == [slug]
    assert asyncio.run(crowd("/s/no-such-link")) == [404] * 12
    assert reads == [slug, "no-such-link"]


def test_a_failed_form_read_is_not_remembered(site: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from cxlens.web.pages import public

    web, slug = site
    _forget(web)
    real = public.resolve_link
    calls: list[str] = []

    def failing_once(ws: Any, key: str) -> Any:
        calls.append(key)
        if len(calls) == 1:
            raise OSError("the disk went away")
        return real(ws, key)

    monkeypatch.setattr(public, "resolve_link", failing_once)
    from fastapi.testclient import TestClient

    client = TestClient(web.app, follow_redirects=False, raise_server_exceptions=False)
    assert client.get(f"/s/{slug}").status_code == 500
    assert client.get(f"/s/{slug}").status_code == 200 and len(calls) == 2
