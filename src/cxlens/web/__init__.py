"""The web app (``cxlens serve``): dashboards, data import, users and roles, REST API — see README.md here."""

from __future__ import annotations

from cxlens.web.app import create_app

__all__ = ["create_app"]
