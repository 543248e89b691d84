"""The navigation: each page module lists its menu entries in a module-level ``NAV``; the app collects
them here, and the base template shows each user the entries their role may open."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NAV", "NavItem", "register"]


@dataclass(frozen=True, slots=True)
class NavItem:
    """One menu entry: ``label`` is an i18n key, ``action`` the permission the page needs, ``order`` its
    place (dashboards 10–49, data 50–69, administration 80–99)."""

    label: str
    path: str
    action: str
    order: int = 50


NAV: list[NavItem] = []


def register(items: list[NavItem]) -> None:
    """Add menu entries (an entry already registered is kept once)."""
    for item in items:
        if item not in NAV:
            NAV.append(item)
