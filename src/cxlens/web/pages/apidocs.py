"""``/api/docs``: the REST API reference, rendered on the server from the app's OpenAPI schema (no CDN,
no scripts), so it works offline and under the Content-Security-Policy."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cxlens.web.deps import public, render
from cxlens.web.nav import NavItem

router = APIRouter(include_in_schema=False)
NAV = [NavItem("nav.api", "/api/docs", "metrics.read", order=70)]


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    ops = []
    for path, methods in sorted(schema.get("paths", {}).items()):
        for method, op in methods.items():
            params = [
                {
                    "name": p["name"],
                    "in": p["in"],
                    "required": p.get("required", False),
                    "description": p.get("description") or p.get("schema", {}).get("description", ""),
                }
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {})
            ops.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "params": params,
                    "body": sorted(body),
                    "responses": sorted(op.get("responses", {})),
                }
            )
    return ops


@router.get("/api/docs", response_class=HTMLResponse, dependencies=[public()])
def api_docs(request: Request) -> HTMLResponse:
    schema = request.app.openapi()
    return render(request, "api_docs.html", {"schema": schema, "operations": _operations(schema)})
