"""In a real browser (headless Chromium): an admin builds a survey with the builder, previews and publishes
it; a respondent opens the link on a phone in Chinese and answers; the new response counts at once. An agent
cannot open the builder. Screenshots go to $CXLENS_TEST_ARTIFACTS (else the test's tmp folder)."""

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

from cxlens.metrics import compute
from cxlens.surveys import get_form

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None or shutil.which(CHROMIUM) is None,
        reason="needs the playwright package and Debian's chromium",
    ),
]


@pytest.fixture
def base(fresh_web: Any) -> Iterator[tuple[Any, str]]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(fresh_web.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield fresh_web, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _sign_in(page: Any, base: str, role: str, password: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("#username", role)
    page.fill("#password", password)
    page.click("form[action='/signin'] button[type=submit]")
    page.wait_for_load_state()


def test_admin_builds_and_a_phone_respondent_answers(base: tuple[Any, str], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    web, root = base
    shots = Path(os.environ.get("CXLENS_TEST_ARTIFACTS", tmp_path)) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US").new_page()
        _sign_in(admin, root, "admin", web.password_of("admin"))
        admin.goto(f"{root}/surveys/new?lang=en")
        admin.fill("#code", "kiosk")
        admin.fill("#title_zh", "门店自助问卷")
        admin.fill("#title_en", "Store kiosk survey")
        admin.fill("#q0_code", "nps")
        admin.select_option("#q0_type", "nps")
        admin.fill("#q0_text_zh", "您有多大可能推荐我们?")
        admin.fill("#q0_text_en", "How likely are you to recommend us?")
        admin.check("input[name=q0_required]")
        admin.fill("#q1_code", "why")
        admin.select_option("#q1_type", "text")
        admin.fill("#q1_text_zh", "请告诉我们原因")
        admin.fill("#q1_if_question", "nps")
        admin.select_option("#q1_if_op", "lte")
        admin.fill("#q1_if_value", "6")
        admin.screenshot(path=str(shots / "builder-new.png"), full_page=True)
        admin.click("button[name=action][value=save]")
        admin.wait_for_url("**/surveys/kiosk?saved=1")
        admin.click("form[action='/surveys/kiosk/publish'] button")
        admin.wait_for_url("**/surveys/kiosk")
        assert admin.locator("figure.qr img").is_visible()
        admin.screenshot(path=str(shots / "builder-published.png"), full_page=True)
        link = get_form(web.ws, "kiosk")
        agent = browser.new_context().new_page()
        _sign_in(agent, root, "agent", web.password_of("agent"))
        assert agent.goto(f"{root}/surveys/new").status == 403
        phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True).new_page()
        phone.goto(f"{root}/s/{link.slug}")
        assert phone.locator("h1").inner_text() == "门店自助问卷"
        phone.locator("label.point", has_text="2").first.click()
        phone.fill("#q_why", "等待时间太长")
        phone.screenshot(path=str(shots / "respondent-zh-360.png"), full_page=True)
        phone.click("button.send")
        phone.wait_for_url("**/thanks**")
        browser.close()
    nps = compute(web.ws, "nps", survey="kiosk")
    assert (nps["value"].iloc[0], nps["n"].iloc[0]) == (-100.0, 1)
