"""Security headers, no inline scripts (so the CSP can forbid them), XSS payloads inert, static files served."""

from __future__ import annotations

import re
from pathlib import Path

import cxlens.web

TEMPLATES = Path(cxlens.web.__file__).parent / "templates"
STATIC = Path(cxlens.web.__file__).parent / "static"
PAGES = [
    "/overview",
    "/distributions",
    "/service",
    "/text",
    "/import",
    "/admin/users",
    "/admin/tokens",
    "/admin/audit",
    "/api/docs",
    "/signin",
]


def test_security_headers_on_pages_and_api(web) -> None:
    client = web.signed_in("admin")
    for url in ("/overview", "/api/v1/metrics", "/static/cxlens.css"):
        headers = client.get(url).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"


def test_pages_have_no_inline_scripts(web) -> None:
    client = web.signed_in("admin")
    for url in PAGES:
        html = client.get(url).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+=", html), url  # no inline event handlers
        assert "http://" not in html.replace("http://testserver", "") or url == "/api/docs"
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", ""), template  # autoescaping is never switched off


def test_echarts_is_vendored_with_its_licence(web) -> None:
    response = web.client().get("/static/echarts.min.js")
    assert response.status_code == 200 and len(response.content) > 500_000
    assert "Apache" in (STATIC / "ECHARTS-LICENSE").read_text(encoding="utf-8")
    assert "Apache ECharts" in (STATIC / "ECHARTS-NOTICE").read_text(encoding="utf-8")
    assert web.client().get("/static/cxlens.js").status_code == 200


def test_echarts_is_stored_gzipped_and_served_either_way(web) -> None:
    import gzip

    packed = (STATIC / "echarts.min.js.gz").read_bytes()
    client = web.client()
    zipped = client.get("/static/echarts.min.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    plain = client.get("/static/echarts.min.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == gzip.decompress(packed)
    assert plain.content == zipped.content  # the client undid the gzip
    assert client.get("/static/echarts.min.js.gz.gz").status_code == 404
    assert client.get("/static/nothing.js").status_code == 404
    assert client.head("/static/echarts.min.js").status_code == 200


def test_xss_payloads_are_inert(fresh_web) -> None:
    web = fresh_web
    admin = web.signed_in("admin")
    payload = '<img src=x onerror=alert(1)>"><script>alert(2)</script>'
    admin.post(
        "/admin/users",
        data={
            "username": "evil",
            "display_name": payload,
            "password": "evil-password-1",
            "role": "viewer",
            "csrf_token": web.csrf(admin),
        },
    )
    admin.post("/admin/tokens", data={"owner": "1", "name": payload, "csrf_token": web.csrf(admin)})
    for url in ("/admin/users", "/admin/tokens", "/admin/audit"):
        html = admin.get(url).text
        assert "<script>alert(2)</script>" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html, url
    evil = web.client()
    evil.post("/signin", data={"username": "evil", "password": "evil-password-1", "csrf_token": web.csrf(evil)})
    html = evil.get("/overview").text
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    # a query string is reflected only escaped
    html = admin.get("/overview", params={"segment": "</script><script>alert(3)</script>"}).text
    assert "<script>alert(3)</script>" not in html


def test_json_islands_cannot_close_their_script_tag(fresh_web) -> None:
    web = fresh_web
    client = web.client()
    csv = "customer_id,segment\nC1,</script><script>alert(4)</script>\n"
    client.post(
        "/api/v1/imports",
        headers=web.bearer("admin"),
        files={"file": ("c.csv", csv.encode())},
        data={"kind": "customers"},
    )
    html = web.signed_in("viewer").get("/overview?by=segment").text
    assert "<script>alert(4)</script>" not in html
    assert "\\u003c/script\\u003e" in html  # inside the chart data, escaped
