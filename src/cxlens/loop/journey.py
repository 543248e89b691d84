"""The customer-journey map: touchpoints per stage (awareness → purchase → delivery → use → support →
renewal, or the workspace's own), each with its volume, satisfaction, sentiment and top pain points.

A workspace configures its journey in ``journey.yaml`` (else :data:`DEFAULT_JOURNEY` applies)::

    stages: [awareness, purchase, delivery, use, support, renewal]
    touchpoints:
      - {stage: awareness, name: 社交媒体, source: feedback, filters: {source_type: social}}
      - {stage: delivery, name: 配送, source: orders, metric: order_processing_time, aspects: [logistics]}
      - {stage: use, name: NPS 调研, source: answers, metric: nps, survey: relationship_nps}
      - {stage: support, name: 客服工单, source: tickets, metric: ticket_csat}

Per touchpoint:

* ``volume`` — records of its ``source`` (feedback, tickets, orders, or survey responses for ``answers``)
  passing its ``filters`` (any dimension of that source, as in the metric layer) and ``survey``;
* ``satisfaction`` — its ``metric`` from the metric layer (value, n, 95 % interval), if it names one;
* ``sentiment`` — from ``cxlens text analyze``: the mean sentiment score and the % negative of the
  touchpoint's own texts (feedback texts, ticket descriptions or open answers); a touchpoint without texts
  (orders) that lists ``aspects`` reads the feedback's mentions of those aspects instead;
* ``pain_points`` — the most frequent negative aspect mentions (aspect and its commonest term) in the same
  texts (restricted to ``aspects`` when listed).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cxlens.config import read_yaml_mapping
from cxlens.exceptions import ConfigurationError, UndefinedMetricWarning
from cxlens.loop._common import records
from cxlens.metrics import Analytics, compute, get_metric
from cxlens.metrics.sources import DIMENSIONS, source
from cxlens.store import Workspace

__all__ = ["DEFAULT_JOURNEY", "JourneyMap", "journey_map", "load_journey"]

JOURNEY_FILE = "journey.yaml"
SOURCES = ("feedback", "tickets", "orders", "answers")
DEFAULT_JOURNEY: dict[str, Any] = {
    "stages": ["awareness", "purchase", "delivery", "use", "support", "renewal"],
    "touchpoints": [
        {"stage": "awareness", "name": "social media", "source": "feedback", "filters": {"source_type": ["social"]}},
        {"stage": "purchase", "name": "orders", "source": "orders", "metric": "aov", "aspects": ["price"]},
        {"stage": "purchase", "name": "reviews", "source": "feedback", "filters": {"source_type": ["review"]}},
        {
            "stage": "delivery",
            "name": "delivery",
            "source": "orders",
            "metric": "order_processing_time",
            "aspects": ["logistics"],
        },
        {"stage": "use", "name": "relationship survey", "source": "answers", "metric": "nps"},
        {"stage": "use", "name": "complaints", "source": "feedback", "filters": {"source_type": ["complaint"]}},
        {"stage": "support", "name": "service tickets", "source": "tickets", "metric": "ticket_csat"},
        {"stage": "renewal", "name": "repeat purchase", "source": "orders", "metric": "repurchase_rate"},
    ],
}
_TEXT_SOURCE = {
    "feedback": ("feedback", "feedback_key"),
    "tickets": ("ticket", "ticket_key"),
    "answers": ("answer", "response_id"),
}


def load_journey(folder: Path) -> dict[str, Any]:
    """The journey of the workspace in ``folder`` (``journey.yaml``), validated; else the default."""
    path = folder / JOURNEY_FILE
    spec = read_yaml_mapping(path, "journey", ConfigurationError) if path.is_file() else DEFAULT_JOURNEY
    return validate_journey(spec, str(path))


def validate_journey(spec: Mapping[str, Any], where: str = "journey") -> dict[str, Any]:
    stages = list(spec.get("stages") or [])
    points = list(spec.get("touchpoints") or [])
    if not stages or not points:
        raise ConfigurationError(f"{where}: a journey needs stages and touchpoints")
    for i, tp in enumerate(points, 1):
        label = f"{where}: touchpoint {i} ({tp.get('name', '?')})"
        if tp.get("stage") not in stages:
            raise ConfigurationError(f"{label}: stage {tp.get('stage')!r} is not one of {', '.join(stages)}")
        if tp.get("source") not in SOURCES:
            raise ConfigurationError(f"{label}: source must be one of {', '.join(SOURCES)}")
        if not tp.get("name"):
            raise ConfigurationError(f"{label}: a touchpoint needs a name")
        view = "responses" if tp["source"] == "answers" else tp["source"]
        bad = [k for k in tp.get("filters") or {} if k not in DIMENSIONS[view]]
        if bad:
            raise ConfigurationError(f"{label}: cannot filter {view} by {', '.join(bad)}")
        if tp.get("metric"):
            try:
                get_metric(tp["metric"])
            except ValueError as err:
                raise ConfigurationError(f"{label}: {err}") from err
    return {"stages": stages, "touchpoints": points}


def _filtered(an: Analytics, tp: Mapping[str, Any]) -> Any:
    view = "responses" if tp["source"] == "answers" else tp["source"]
    filters = dict(tp.get("filters") or {})
    rel = source(an.backend, view, {*filters, *(["survey"] if tp.get("survey") else [])})
    if tp.get("survey"):
        rel = rel.filter(rel.survey == tp["survey"])
    for key, value in filters.items():
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        rel = rel.filter(rel[key].isin(values))
    return rel


def _satisfaction(an: Analytics, tp: Mapping[str, Any]) -> dict[str, Any]:
    if not tp.get("metric"):
        return {"metric": None, "value": None, "n": 0, "ci_low": None, "ci_high": None}
    m = get_metric(tp["metric"])
    filters = {k: v for k, v in (tp.get("filters") or {}).items() if k in DIMENSIONS[m.source]}
    kwargs: dict[str, Any] = {"filters": filters or None, "survey": tp.get("survey"), "question": tp.get("question")}
    if "periodic" in m.options:
        kwargs["every"] = "year"
    with warnings.catch_warnings():  # a touchpoint without data shows n = 0, not a warning
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        frame = compute(an, tp["metric"], **kwargs, **(tp.get("options") or {}))
    if frame.empty:
        return {"metric": tp["metric"], "value": None, "n": 0, "ci_low": None, "ci_high": None}
    row = frame.iloc[-1]
    return {
        "metric": tp["metric"],
        "value": _num(row["value"]),
        "n": int(row["n"]),
        "ci_low": _num(row["ci_low"]),
        "ci_high": _num(row["ci_high"]),
    }


def _num(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _texts(an: Analytics, tp: Mapping[str, Any], rel: Any) -> tuple[Any, Any]:
    """The touchpoint's text results and aspect mentions (Ibis relations)."""
    results, aspects = an.table("text_results"), an.table("text_aspects")
    if tp["source"] in _TEXT_SOURCE:
        kind, key = _TEXT_SOURCE[tp["source"]]
        keys = rel.select(k=rel[key]).distinct()
        results = results.filter(results.source == kind).join(keys, results.source_id == keys.k)
        aspects = aspects.filter(aspects.source == kind).join(keys, aspects.source_id == keys.k)
        if tp.get("aspects"):
            aspects = aspects.filter(aspects.aspect.isin(list(tp["aspects"])))
        return results, aspects
    if not tp.get("aspects"):
        return None, None
    f = an.table("feedback")
    own = f.filter(f.competitor_id.isnull()).select(k=f.id)  # our customers' texts, not competitor reviews
    aspects = aspects.filter((aspects.source == "feedback") & aspects.aspect.isin(list(tp["aspects"])))
    return None, aspects.join(own, aspects.source_id == own.k)


def _sentiment(an: Analytics, results: Any, aspects: Any, top: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if results is not None:
        r = an.execute(results.select("score", "label"))
    elif aspects is not None:
        r = an.execute(aspects.select("score", "label"))
    else:
        r = pd.DataFrame(columns=["score", "label"])
    sentiment = {
        "texts": len(r),
        "score": _num(r["score"].mean()) if len(r) else None,
        "negative_pct": 100 * float((r["label"] == "negative").mean()) if len(r) else None,
    }
    pains: list[dict[str, Any]] = []
    if aspects is not None:
        neg = an.execute(aspects.filter(aspects.label == "negative").select("aspect", "term"))
        if len(neg):
            counts = neg.groupby("aspect").agg(mentions=("term", "size"), term=("term", lambda s: s.mode().iloc[0]))
            counts = counts.sort_values("mentions", ascending=False).head(top).reset_index()
            pains = [{"aspect": a, "mentions": int(n), "term": t} for a, n, t in counts.itertuples(index=False)]
    return sentiment, pains


@dataclass
class JourneyMap:
    stages: list[str]
    touchpoints: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {"stages": self.stages, "touchpoints": records(self.touchpoints)}


def journey_map(
    ws: Workspace, journey: Mapping[str, Any] | None = None, *, top: int = 3, analytics: Analytics | None = None
) -> JourneyMap:
    """Every touchpoint's volume, satisfaction, sentiment and pain points, in stage order."""
    spec = validate_journey(journey) if journey is not None else load_journey(ws.path)
    an = analytics or Analytics.for_workspace(ws)
    rows = []
    for tp in spec["touchpoints"]:
        rel = _filtered(an, tp)
        sat = _satisfaction(an, tp)
        sentiment, pains = _sentiment(an, *_texts(an, tp, rel), top)
        rows.append(
            {
                "stage": tp["stage"],
                "touchpoint": tp["name"],
                "source": tp["source"],
                "volume": int(an.execute(rel.count())),
                "satisfaction_metric": sat["metric"],
                "satisfaction": sat["value"],
                "satisfaction_n": sat["n"],
                "satisfaction_ci_low": sat["ci_low"],
                "satisfaction_ci_high": sat["ci_high"],
                "texts": sentiment["texts"],
                "sentiment": sentiment["score"],
                "negative_pct": sentiment["negative_pct"],
                "pain_points": pains,
            }
        )
    frame = pd.DataFrame(rows)
    frame["stage_order"] = frame["stage"].map({s: i for i, s in enumerate(spec["stages"])})
    frame = frame.sort_values("stage_order", kind="stable", ignore_index=True).drop(columns=["stage_order"])
    return JourneyMap(list(spec["stages"]), frame)
