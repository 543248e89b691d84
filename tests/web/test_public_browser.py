"""A respondent on a phone answers a survey in Chinese in a real browser (headless Chromium): the skip
logic shows and hides questions as they answer, everything works from the keyboard, and a double click
on submit stores one response. Screenshots go to $CXLENS_TEST_ARTIFACTS (else the test's tmp folder)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cxlens.model import tables as t
from cxlens.surveys import create_form, publish

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None or shutil.which(CHROMIUM) is None,
        reason="needs the playwright package and Debian's chromium",
    ),
]

FORM = {
    "code": "phone_visit",
    "title": {"zh": "门店体验调查", "en": "Store visit survey"},
    "default_language": "zh",
    "description": {"zh": "约需一分钟,感谢参与。", "en": "About a minute."},
    "questions": [
        {
            "code": "nps",
            "type": "nps",
            "required": True,
            "text": {"zh": "您有多大可能向朋友推荐我们?", "en": "Recommend?"},
        },
        {
            "code": "why",
            "type": "text",
            "text": {"zh": "哪里让您不满意?", "en": "What went wrong?"},
            "show_if": {"question": "nps", "op": "lte", "value": 6},
        },
        {
            "code": "store",
            "type": "single",
            "text": {"zh": "您去的是哪家门店?", "en": "Which store?"},
            "choices": [
                {"code": "north", "text": {"zh": "北京路店", "en": "North"}},
                {"code": "south", "text": {"zh": "南山店", "en": "South"}},
            ],
        },
    ],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(fresh_web: Any) -> Iterator[tuple[Any, str]]:
    import uvicorn

    create_form(fresh_web.ws, FORM)
    slug = publish(fresh_web.ws, "phone_visit").slug
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(fresh_web.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield fresh_web, f"http://127.0.0.1:{port}/s/{slug}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CXLENS_TEST_ARTIFACTS", tmp_path)) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_respondent_answers_on_a_phone_in_chinese(served: tuple[Any, str], shots: Path) -> None:
    from playwright.sync_api import sync_playwright

    web, url = served
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
        page = context.new_page()
        page.goto(url)
        assert page.locator("h1").inner_text() == "门店体验调查"
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        why = page.locator("#block_why")
        assert why.is_hidden()  # skip logic: hidden until the score is 6 or less
        page.screenshot(path=str(shots / "public-form-zh-phone.png"), full_page=True)
        # keyboard only: tab into the 0–10 scale, move to 3 with the arrow keys, then tab on
        page.locator('input[name="q_nps"][value="0"]').focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        assert page.locator('input[name="q_nps"][value="3"]').is_checked()
        assert why.is_visible()
        page.fill("#q_why", "排队时间太长")
        page.locator("label.choice", has_text="南山店").click()
        page.screenshot(path=str(shots / "public-form-zh-phone-answered.png"), full_page=True)
        page.locator("button.send").dblclick()  # a double click
        page.wait_for_url("**/thanks**")
        assert "感谢您的反馈" in page.locator("h1").inner_text()
        page.screenshot(path=str(shots / "public-thanks-zh-phone.png"), full_page=True)
        browser.close()
    with web.ws.engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.responses.c.id, t.responses.c.language)
            .join(t.surveys, t.surveys.c.id == t.responses.c.survey_id)
            .where(t.surveys.c.code == "phone_visit")
        ).all()
        texts = list(
            conn.execute(sa.select(t.answers.c.value_text).where(t.answers.c.value_text.is_not(None))).scalars()
        )
    assert len(rows) == 1 and rows[0].language == "zh"
    assert "排队时间太长" in texts
