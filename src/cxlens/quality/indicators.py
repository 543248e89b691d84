"""Per-customer indicators: one value per customer over a time window, computed on the workspace's
Analytics connection (Ibis: DuckDB by default, Spark at scale) from the same flat views the metric layer
reads (:mod:`cxlens.metrics.sources`).

An indicator is the raw material of a relationship-quality criterion (:mod:`cxlens.quality.criteria`):
the customer's own satisfaction, the median hours their tickets waited for a first response, the share of
their tickets resolved, how often they order … Each is defined once here, with its direction (is more
better?), its unit and its exact definition, and listed by :func:`list_indicators`.

Windows are half-open ``[start, end)`` in UTC. Rates "per year" divide a count by the customer's tenure in
the window, ``(end − max(start, signed_up_at)) / 365.25 days``, floored at ``min_days`` (default 90) so that
a customer who joined last week is not credited with 50 orders a year for one order. Count-like indicators
(orders, complaints, interactions) are 0 for a customer with no rows; averages and medians are missing (NaN)
for a customer with no rows, and a missing value is handled by the score (weights renormalised over the
criteria present, see :mod:`cxlens.quality.score`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ibis
import numpy as np
import pandas as pd

from cxlens.exceptions import ConfigurationError
from cxlens.metrics.engines import Analytics
from cxlens.metrics.registry import get_metric
from cxlens.metrics.sources import source
from cxlens.store import Workspace

__all__ = [
    "INDICATORS",
    "Indicator",
    "Window",
    "customer_frame",
    "data_span",
    "indicator_values",
    "list_indicators",
    "metric_values",
]

_YEAR_DAYS = 365.25


@dataclass(frozen=True, slots=True)
class Window:
    """The half-open time window ``[start, end)`` (UTC, naive) an indicator is computed over."""

    start: datetime
    end: datetime

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86_400.0


Compute = Callable[[Any, Window, Mapping[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class Indicator:
    """One per-customer indicator. ``compute(con, window, params)`` returns an Ibis table with columns
    ``customer_key``, ``value`` and ``n`` (the number of records the value rests on)."""

    name: str
    direction: str  # "higher" or "lower": which way is better
    unit: str
    help: str
    compute: Compute
    per_year: bool = False  # value is a count: divided by the customer's tenure in the window (years)
    fill: float | None = None  # value of a customer without rows (None: missing)
    defaults: dict[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()


INDICATORS: dict[str, Indicator] = {}


def _register(indicator: Indicator) -> None:
    INDICATORS[indicator.name] = indicator


def list_indicators() -> pd.DataFrame:
    """Every per-customer indicator with its direction, unit, parameters and definition."""
    rows = [
        {
            "name": i.name,
            "direction": i.direction,
            "unit": i.unit,
            "params": ", ".join([*i.required, *(f"{k}={v}" for k, v in i.defaults.items())]),
            "definition": i.help,
        }
        for i in INDICATORS.values()
    ]
    return pd.DataFrame(rows)


# -- the views, restricted to identified customers and the window ------------------------------------------
def _in_window(t: Any, w: Window, *, from_start: bool = True) -> Any:
    t = t.filter(t.customer_key.notnull() & (t.at < w.end))
    return t.filter(t.at >= w.start) if from_start else t


def _answers(con: Any, w: Window, p: Mapping[str, Any], need: set[str]) -> Any:
    survey = p.get("survey")
    t = _in_window(source(con, "answers", need | ({"survey"} if survey else set())), w)
    if survey:
        t = t.filter(t.survey.isin(_as_list(survey)))
    return t.filter(t.value_number.notnull() & (t.scale_max > t.scale_min))


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set) else [value]


def _scaled_mean(t: Any) -> Any:
    """Mean answer rescaled to 0–100 on each question's own scale, per customer."""
    score = (t.value_number - t.scale_min) * 100.0 / (t.scale_max - t.scale_min)
    return t.group_by("customer_key").aggregate(value=score.mean(), n=t.value_number.count())


def _satisfaction(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _answers(con, w, p, set())
    return _scaled_mean(t.filter(t.question_type.isin(_as_list(p["question_types"]))))


def _dimension_score(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _answers(con, w, p, {"dimension"})
    return _scaled_mean(t.filter(t.dimension.isin(_as_list(p["dimension"]))))


def _question_score(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _answers(con, w, p, {"question"})
    return _scaled_mean(t.filter(t.question.isin(_as_list(p["question"]))))


def _tickets(con: Any, w: Window) -> Any:
    return _in_window(source(con, "tickets", set()), w)


def _first_response(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _tickets(con, w)
    t = t.filter(t.first_response_hours.notnull())
    return t.group_by("customer_key").aggregate(value=t.first_response_hours.median(), n=t.count())


def _resolution_hours(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _tickets(con, w)
    t = t.filter(t.resolution_hours.notnull())
    return t.group_by("customer_key").aggregate(value=t.resolution_hours.median(), n=t.count())


def _resolution_rate(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _tickets(con, w)
    resolved = t.resolved_at.notnull().cast("float64")
    return t.group_by("customer_key").aggregate(value=100.0 * resolved.mean(), n=t.count())


def _sla(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _tickets(con, w)
    hit = (t.first_response_hours.notnull() & (t.first_response_hours <= float(p["target_hours"]))).cast("float64")
    return t.group_by("customer_key").aggregate(value=100.0 * hit.mean(), n=t.count())


def _ticket_csat(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _tickets(con, w)
    t = t.filter(t.csat.notnull())
    return t.group_by("customer_key").aggregate(value=t.csat.mean(), n=t.count())


def _ticket_count(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _tickets(con, w)
    return t.group_by("customer_key").aggregate(value=t.count().cast("float64"), n=t.count())


def _orders(con: Any, w: Window, *, from_start: bool = True) -> Any:
    return _in_window(source(con, "orders", set()), w, from_start=from_start)


def _order_count(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _orders(con, w)
    return t.group_by("customer_key").aggregate(value=t.count().cast("float64"), n=t.count())


def _revenue(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _orders(con, w)
    return t.group_by("customer_key").aggregate(value=t.amount.sum(), n=t.count())


def _repeat_buyer(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _orders(con, w)
    g = t.group_by("customer_key").aggregate(n=t.count())
    return g.select(g.customer_key, value=ibis.ifelse(g.n >= 2, 100.0, 0.0), n=g.n)


def _category_breadth(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _orders(con, w)
    return t.group_by("customer_key").aggregate(value=t.category.nunique().cast("float64"), n=t.count())


def _days_since(t: Any, w: Window) -> Any:
    g = t.group_by("customer_key").aggregate(last=t.at.max(), n=t.count())
    seconds = ibis.literal(w.end).epoch_seconds() - g.last.epoch_seconds()
    return g.select(g.customer_key, value=seconds.cast("float64") / 86_400.0, n=g.n)


def _order_recency(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    return _days_since(_orders(con, w, from_start=False).select("customer_key", "at"), w)


def _touchpoints(con: Any, w: Window, kinds: tuple[str, ...], from_start: bool = True) -> Any:
    parts = []
    for kind in kinds:
        t = _in_window(source(con, kind, set()), w, from_start=from_start)
        parts.append(t.select(customer_key=t.customer_key.cast("int64"), at=t.at.cast("timestamp")))
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def _feedback_recency(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    return _days_since(_touchpoints(con, w, ("responses", "feedback"), from_start=False), w)


def _interactions(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _touchpoints(con, w, ("responses", "tickets", "feedback"))
    return t.group_by("customer_key").aggregate(value=t.count().cast("float64"), n=t.count())


def _complaints(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    t = _in_window(source(con, "feedback", set()), w)
    t = t.filter(t.source_type == "complaint")
    return t.group_by("customer_key").aggregate(value=t.count().cast("float64"), n=t.count())


def _feedback_sentiment(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    f = _in_window(source(con, "feedback", set()), w)
    r = con.table("text_results")
    r = r.filter(r.source == "feedback")
    j = f.join(r, f.feedback_key == r.source_id).select(f.customer_key, s=r.score)
    return j.group_by("customer_key").aggregate(value=j.s.mean(), n=j.count())


def _rfm(con: Any, w: Window, p: Mapping[str, Any]) -> Any:
    """The value layer's RFM quintile scores (:func:`cxlens.value.rfm.rfm_expr`), as of the window end."""
    from cxlens.value.rfm import rfm_expr

    g = rfm_expr(Analytics(con, str(getattr(con, "name", "duckdb"))), w.end, monetary=str(p["monetary"]))
    total = g.r_score.cast("float64") + g.f_score.cast("float64") + g.m_score.cast("float64")
    return g.select(g.customer_key, value=total, n=g.frequency)


_SATISFACTION_TYPES = ["csat", "nps", "rating", "likert"]
for _ind in (
    Indicator(
        "satisfaction",
        "higher",
        "0–100",
        "Mean of the customer's survey answers to questions of question_types, each rescaled to 0–100 on its "
        "own scale ((answer − min) / (max − min) × 100).",
        _satisfaction,
        defaults={"question_types": _SATISFACTION_TYPES},
    ),
    Indicator(
        "dimension_score",
        "higher",
        "0–100",
        "Mean of the customer's answers to the questions of survey dimension(s) dimension=, rescaled to 0–100.",
        _dimension_score,
        required=("dimension",),
    ),
    Indicator(
        "question_score",
        "higher",
        "0–100",
        "Mean of the customer's answers to question(s) question= (codes), rescaled to 0–100.",
        _question_score,
        required=("question",),
    ),
    Indicator(
        "first_response_hours",
        "lower",
        "hours",
        "Median hours from creation to first response of the customer's tickets that were answered.",
        _first_response,
    ),
    Indicator(
        "resolution_hours",
        "lower",
        "hours",
        "Median hours from creation to resolution of the customer's resolved tickets.",
        _resolution_hours,
    ),
    Indicator(
        "resolution_rate", "higher", "%", "% of the customer's tickets that are resolved (so far).", _resolution_rate
    ),
    Indicator(
        "sla_attainment",
        "higher",
        "%",
        "% of the customer's tickets first answered within target_hours (unanswered tickets miss).",
        _sla,
        defaults={"target_hours": 4.0},
    ),
    Indicator("ticket_csat", "higher", "scale points", "Mean CSAT recorded on the customer's tickets.", _ticket_csat),
    Indicator(
        "ticket_frequency", "lower", "tickets/year", "Tickets opened per year of tenure.", _ticket_count, True, 0.0
    ),
    Indicator("order_frequency", "higher", "orders/year", "Orders per year of tenure.", _order_count, True, 0.0),
    Indicator("revenue_per_year", "higher", "currency/year", "Order amounts per year of tenure.", _revenue, True, 0.0),
    Indicator(
        "repeat_buyer",
        "higher",
        "0/100",
        "100 when the customer ordered at least twice in the window, else 0 (repurchase).",
        _repeat_buyer,
        fill=0.0,
    ),
    Indicator(
        "category_breadth",
        "higher",
        "categories",
        "Number of distinct product categories ordered (cross-purchase).",
        _category_breadth,
        fill=0.0,
    ),
    Indicator(
        "order_recency_days",
        "lower",
        "days",
        "Days from the customer's last order before the window end to the window end (all history counts).",
        _order_recency,
    ),
    Indicator(
        "interaction_frequency",
        "higher",
        "interactions/year",
        "Survey responses, tickets and feedback texts per year of tenure.",
        _interactions,
        True,
        0.0,
    ),
    Indicator(
        "feedback_recency_days",
        "lower",
        "days",
        "Days from the customer's last survey response or feedback text before the window end to the window end "
        "(how current the customer's voice is: feedback timeliness).",
        _feedback_recency,
    ),
    Indicator(
        "complaint_frequency",
        "lower",
        "complaints/year",
        "Complaints (feedback of source type complaint) per year of tenure.",
        _complaints,
        True,
        0.0,
    ),
    Indicator(
        "rfm_sum",
        "higher",
        "3–15",
        "R + F + M quintile scores of the customer's orders before the window end (cxlens.value.rfm: recency, "
        "frequency and monetary value, each 1–5 among the customers who ordered).",
        _rfm,
        defaults={"monetary": "total"},
    ),
    Indicator(
        "feedback_sentiment",
        "higher",
        "−1…+1",
        "Mean sentiment score of the customer's analysed feedback texts (`cxlens text analyze`).",
        _feedback_sentiment,
    ),
):
    _register(_ind)


# -- running --------------------------------------------------------------------------------------------------
def _analytics(where: Workspace | Analytics) -> Analytics:
    return where if isinstance(where, Analytics) else Analytics.for_workspace(where)


def data_span(where: Workspace | Analytics) -> Window:
    """The window holding every order, ticket, response and feedback text: from the first record to just
    after the last one."""
    an = _analytics(where)
    lows, highs = [], []
    for kind in ("orders", "tickets", "responses", "feedback"):
        t = source(an.backend, kind, set())
        row = an.execute(t.aggregate(lo=t.at.min(), hi=t.at.max())).iloc[0]
        if pd.notna(row["lo"]):
            lows.append(pd.Timestamp(row["lo"]))
            highs.append(pd.Timestamp(row["hi"]))
    if not lows:
        raise ValueError("the workspace holds no orders, tickets, responses or feedback to score")
    return Window(min(lows).to_pydatetime(), (max(highs) + pd.Timedelta(seconds=1)).to_pydatetime())


def customer_frame(where: Workspace | Analytics, window: Window) -> pd.DataFrame:
    """The customers known before ``window.end``: key, external id, segment, region, industry, sign-up time
    and their tenure in the window (years)."""
    an = _analytics(where)
    c = source(an.backend, "customers", set())
    frame = an.execute(c.select("customer_key", "customer_id", "segment", "region", "industry", "signed_up_at"))
    signed = pd.to_datetime(frame["signed_up_at"])
    frame = frame[signed.isna() | (signed < pd.Timestamp(window.end))].copy()
    return frame.set_index("customer_key").sort_index()


def tenure_years(customers: pd.DataFrame, window: Window, min_days: float = 90.0) -> pd.Series:
    """Each customer's time in the window, ``end − max(start, signed_up_at)``, in years, at least min_days."""
    begin = pd.to_datetime(customers["signed_up_at"]).fillna(pd.Timestamp(window.start))
    begin = begin.clip(lower=pd.Timestamp(window.start))
    days = (pd.Timestamp(window.end) - begin).dt.total_seconds() / 86_400.0
    return days.clip(lower=min(min_days, window.days)) / _YEAR_DAYS


def indicator_values(
    where: Workspace | Analytics,
    name: str,
    window: Window,
    customers: pd.DataFrame,
    params: Mapping[str, Any] | None = None,
    min_days: float = 90.0,
) -> pd.DataFrame:
    """Indicator ``name`` for every customer of ``customers`` (from :func:`customer_frame`) over
    ``window``: a frame indexed by customer_key with ``value`` and ``n``."""
    if name not in INDICATORS:
        raise ConfigurationError(f"unknown indicator {name!r}; indicators are {', '.join(INDICATORS)}")
    ind = INDICATORS[name]
    p = {**ind.defaults, **(params or {})}
    missing = [k for k in ind.required if k not in p]
    if missing:
        raise ConfigurationError(f"indicator {name!r} needs {', '.join(missing)}=")
    an = _analytics(where)
    raw = an.execute(ind.compute(an.backend, window, p))
    raw = raw.dropna(subset=["customer_key"]).astype({"customer_key": "int64"}).set_index("customer_key")
    out = pd.DataFrame(index=customers.index)
    out["value"] = pd.to_numeric(raw["value"], errors="coerce").reindex(out.index)
    out["n"] = raw["n"].reindex(out.index).fillna(0).astype("int64")
    if ind.fill is not None:
        out["value"] = out["value"].fillna(ind.fill)
    if ind.per_year:
        out["value"] = out["value"] / tenure_years(customers, window, min_days)
    return out


def metric_values(
    where: Workspace | Analytics,
    metric: str,
    window: Window,
    customers: pd.DataFrame,
    params: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """A registered metric (:mod:`cxlens.metrics`) computed per customer with the metric's own definition
    (its aggregate and finish functions): ``value`` and ``n`` indexed by customer_key. Metrics defined per
    period over a population (retention, churn) have no per-customer value and are refused."""
    m = get_metric(metric)
    if "periodic" in m.options:
        raise ConfigurationError(f"metric {metric!r} is defined per period over a population, not per customer")
    p = dict(params or {})
    survey, question = p.pop("survey", None), p.pop("question", None)
    if m.needs_survey and not survey:
        raise ConfigurationError(f"metric {metric!r} needs survey= in the criterion's params")
    if m.needs_question and not question:
        raise ConfigurationError(f"metric {metric!r} needs question= in the criterion's params")
    an = _analytics(where)
    need = set(m.options.get("columns", ())) | ({"survey"} if survey else set()) | ({"question"} if question else set())
    t = _in_window(source(an.backend, m.source, need), window)
    if survey:
        t = t.filter(t.survey == survey)
    if question:
        t = t.filter(t.question == question)
    elif m.question_types:
        t = t.filter(t.question_type.isin(list(m.question_types)))
    opts = {k: v for k, v in m.options.items() if k not in ("prepare", "columns", "sample", "post", "clip")} | p
    if "prepare" in m.options:
        t = m.options["prepare"](t, ["customer_key"], **{k: v for k, v in opts.items() if k in m.options})
    expr = t.group_by("customer_key").aggregate(**(m.aggregate(t, **opts) if opts else m.aggregate(t)))
    frame = an.execute(expr)
    for column in frame.columns:
        if column != "customer_key":
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    frame["n"] = frame["n"].fillna(0).astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        frame = m.finish(frame)
    frame = frame.dropna(subset=["customer_key"]).astype({"customer_key": "int64"}).set_index("customer_key")
    out = pd.DataFrame(index=customers.index)
    out["value"] = frame["value"].reindex(out.index)
    out["n"] = frame["n"].reindex(out.index).fillna(0).astype("int64")
    return out
