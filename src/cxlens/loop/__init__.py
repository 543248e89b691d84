"""Closing the loop: early-warning alerts, closed-loop follow-up cases, action plans with a measured effect,
competitor benchmarks, service-team scorecards and the customer-journey map — all computed through the
metric layer (``cxlens.metrics``), so every figure here is the one the dashboards show."""

from __future__ import annotations
