"""Criteria of relationship quality: what is measured per customer, which way is better, and how the raw
value becomes a 0–100 criterion score.

A :class:`Criterion` is bound either to a per-customer **indicator** (:mod:`cxlens.quality.indicators`,
e.g. ``first_response_hours``) or to a registered **metric** (:mod:`cxlens.metrics`, e.g. ``csat``, computed
per customer with the metric's own definition). Its :class:`Normalisation` maps the raw value ``x`` to a
score ``s`` in [0, 100], with ``d = +1`` when higher is better and ``d = −1`` when lower is better:

``minmax``
    ``s = 100 · (x − lo) / (hi − lo)`` (``(hi − x)`` for lower-is-better), clipped to [0, 100]. ``range:
    [lo, hi]`` fixes the bounds (comparable across periods and workspaces); without it they are the
    minimum and maximum over the scored customers.
``zscore``
    ``s = 100 · Φ(d · (x − μ) / σ)``, Φ the standard normal CDF: a z-score read as a percentile under
    normality (50 = the average customer). μ and σ are the customers' mean and standard deviation unless
    ``mean`` / ``sd`` are given.
``target``
    ``s = 100 · clip((x − floor) / (target − floor), 0, 1)``: 100 at or beyond the target, 0 at or beyond
    the floor (the worst acceptable value), linear between. For a lower-is-better criterion the target is
    below the floor (e.g. target 1 h, floor 24 h). Without ``floor`` the worst customer's value is used.
    A criterion bound to a metric takes ``target`` from the workspace's ``targets.yaml`` when not given.
``benchmark``
    ``s = 100 · Φ(d · (x − b) / σ)``: 50 at the peer benchmark ``b``, above 50 when better than the peers.
    σ is ``spread`` when given, else the customers' standard deviation. A metric-bound criterion takes
    ``benchmark`` from ``targets.yaml`` when not given.

``fit`` learns the data-dependent constants (bounds, mean, sd, floor) from a reference population and
``transform`` applies them, so the scores of different periods are on one scale when they share a fit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from cxlens.exceptions import ConfigurationError

__all__ = ["DIRECTIONS", "NORMALISATIONS", "Criterion", "Normalisation"]

NORMALISATIONS = ("minmax", "zscore", "target", "benchmark")
DIRECTIONS = ("higher", "lower")


@dataclass(frozen=True, slots=True)
class Normalisation:
    """How a raw criterion value becomes a 0–100 score (see the module docstring for the formulas).

    >>> n = Normalisation("target", target=1.0, floor=25.0).fit(pd.Series([2.0, 30.0]), "lower")
    >>> n.transform(pd.Series([1.0, 13.0, 40.0]), "lower").round(1).tolist()
    [100.0, 50.0, 0.0]
    """

    method: str = "minmax"
    lo: float | None = None
    hi: float | None = None
    mean: float | None = None
    sd: float | None = None
    target: float | None = None
    floor: float | None = None
    benchmark: float | None = None
    spread: float | None = None
    fitted: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in NORMALISATIONS:
            raise ConfigurationError(f"normalisation {self.method!r} is not one of {', '.join(NORMALISATIONS)}")
        for name in ("sd", "spread"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ConfigurationError(f"normalisation `{name}` must be positive, not {value!r}")
        if self.lo is not None and self.hi is not None and not self.hi > self.lo:
            raise ConfigurationError(f"normalisation range must be [lo, hi] with hi > lo, not [{self.lo}, {self.hi}]")

    def fit(self, x: pd.Series, direction: str) -> Normalisation:
        """A copy holding the constants learned from the reference values ``x`` (NaN ignored)."""
        if self.method == "target" and self.target is None:
            raise ConfigurationError("target normalisation needs `target` (or the metric's target in targets.yaml)")
        if self.method == "benchmark" and self.benchmark is None:
            raise ConfigurationError("benchmark normalisation needs `benchmark` (or the metric's in targets.yaml)")
        v = pd.to_numeric(x, errors="coerce").dropna().astype(float)
        got: dict[str, float] = {}
        if self.method == "minmax":
            got["lo"] = self.lo if self.lo is not None else (float(v.min()) if len(v) else math.nan)
            got["hi"] = self.hi if self.hi is not None else (float(v.max()) if len(v) else math.nan)
        elif self.method == "zscore":
            got["mean"] = self.mean if self.mean is not None else (float(v.mean()) if len(v) else math.nan)
            got["sd"] = self.sd if self.sd is not None else (float(v.std(ddof=1)) if len(v) > 1 else math.nan)
        elif self.method == "target":
            worst = (v.min() if direction == "higher" else v.max()) if len(v) else math.nan
            got["target"] = float(self.target)  # type: ignore[arg-type]
            got["floor"] = self.floor if self.floor is not None else float(worst)
            if self.floor is None and not _worse(got["floor"], got["target"], direction):
                got["floor"] = math.nan  # every customer meets the target: 100 at or beyond it, 0 short of it
            _check_target(got["target"], got["floor"], direction)
        else:
            got["benchmark"] = float(self.benchmark)  # type: ignore[arg-type]
            got["spread"] = self.spread if self.spread is not None else (float(v.std(ddof=1)) if len(v) > 1 else 0.0)
        return replace(self, fitted=got)

    def transform(self, x: pd.Series, direction: str) -> pd.Series:
        """The 0–100 scores of raw values ``x`` (NaN stays NaN); call :meth:`fit` first."""
        if not self.fitted:
            raise ValueError("fit the normalisation before transform")
        v = pd.to_numeric(x, errors="coerce").astype(float)
        d = 1.0 if direction == "higher" else -1.0
        f = self.fitted
        if self.method == "minmax":
            width = f["hi"] - f["lo"]
            if not width > 0:  # every customer has the same value: nothing to tell them apart
                return v.where(v.isna(), 50.0)
            share = (v - f["lo"]) / width if d > 0 else (f["hi"] - v) / width
            return 100.0 * share.clip(0.0, 1.0)
        if self.method == "target":
            if math.isnan(f["floor"]):
                met = v >= f["target"] if d > 0 else v <= f["target"]
                return (100.0 * met.astype(float)).where(v.notna())
            return 100.0 * ((v - f["floor"]) / (f["target"] - f["floor"])).clip(0.0, 1.0)
        centre, scale = (f["mean"], f["sd"]) if self.method == "zscore" else (f["benchmark"], f["spread"])
        if not scale > 0:
            return v.where(v.isna(), 50.0)
        z = d * (v - centre) / scale
        return pd.Series(100.0 * norm.cdf(z.to_numpy()), index=v.index).where(v.notna())

    def describe(self) -> str:
        """The fitted rule in words, e.g. ``target 1 (floor 24)``."""
        f = self.fitted or {}

        def g(key: str) -> str:
            value = f.get(key, getattr(self, key))
            return "?" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.4g}"

        return {
            "minmax": f"min–max [{g('lo')}, {g('hi')}]",
            "zscore": f"z-score (mean {g('mean')}, sd {g('sd')})",
            "target": f"target {g('target')} (floor {g('floor')})",
            "benchmark": f"benchmark {g('benchmark')} (spread {g('spread')})",
        }[self.method]


def _worse(value: float, target: float, direction: str) -> bool:
    return value < target if direction == "higher" else value > target


def _check_target(target: float, floor: float, direction: str) -> None:
    if math.isnan(floor):
        return
    if direction == "higher" and not target > floor:
        raise ConfigurationError(f"higher-is-better target {target} must be above its floor {floor}")
    if direction == "lower" and not target < floor:
        raise ConfigurationError(f"lower-is-better target {target} must be below its floor {floor}")


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion: ``code`` and bilingual ``label``; bound to ``indicator`` or ``metric`` (exactly one)
    with its ``params``; ``direction`` (``higher``/``lower`` is better); and its ``normalisation``."""

    code: str
    label: Mapping[str, str]
    direction: str
    normalisation: Normalisation
    indicator: str | None = None
    metric: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    help: str = ""

    def __post_init__(self) -> None:
        if (self.indicator is None) == (self.metric is None):
            raise ConfigurationError(f"criterion {self.code!r} needs exactly one of `indicator` or `metric`")
        if self.direction not in DIRECTIONS:
            raise ConfigurationError(f"criterion {self.code!r}: direction must be higher or lower")

    @property
    def source(self) -> str:
        """``indicator:NAME`` or ``metric:NAME``."""
        return f"indicator:{self.indicator}" if self.indicator else f"metric:{self.metric}"

    def title(self, lang: str) -> str:
        return str(self.label.get(lang) or self.label.get("en") or self.label.get("zh") or self.code)
