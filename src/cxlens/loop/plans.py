"""Action plans: a goal metric on a slice, its baseline measured when the plan is created, a target, the
measures, an owner and a timeline — and the evaluation of the effect.

Evaluation (:func:`evaluate_plan`) asks the metric layer for everything:

* **tracking** — the metric on the plan's slice per period, from the baseline window's start on;
* **before/after** — the baseline window ``[baseline_start, start)`` against the follow-up window
  ``[start, end)`` (``end``: the due date, else the latest data), tested by the metric layer's own test for
  the metric (``cxlens.metrics.change``: two-proportion z for shares, the NPS z, Welch's t for means,
  Mann–Whitney U for times);
* **difference-in-differences** — when the plan names a comparison slice that the measures did not touch,
  ``DiD = (T_after − T_before) − (C_after − C_before)`` from the four cell estimates, with
  ``SE = √(se²_T,after + se²_T,before + se²_C,after + se²_C,before)`` (the four cells are disjoint samples),
  a normal 95 % interval and a two-sided p-value (Angrist & Pischke, *Mostly Harmless Econometrics*, 2009,
  §5.2). Each cell's se is the metric's own: the NPS standard error; ``sd/√n`` for means; ``√(p(1 − p)/n)`` for
  shares (in points); for medians (times), the half-width of the distribution-free 95 % interval / 1.96.
  For a mean this is exactly the coefficient of ``treated × after`` in the response-level OLS
  ``y ~ treated + after + treated:after`` with HC2 (heteroskedasticity-consistent) standard errors — in a
  saturated model HC2 gives each cell mean the variance s²/n (MacKinnon & White 1985) — which
  ``tests/loop/test_plans.py`` checks against statsmodels.

The **verdict** reads the DiD when there is one, else the before/after test: ``not_yet_significant`` when
its p-value is not below ``alpha``; otherwise, with a target, ``target_reached`` if the follow-up value
attains it and ``target_not_reached`` if not; without a target, ``improved`` or ``worsened``.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy import stats

from cxlens.exceptions import UndefinedMetricWarning
from cxlens.loop._common import dumps, plain, records, utcnow
from cxlens.metrics import Analytics, compute, get_metric
from cxlens.metrics.change import add_change, test_for
from cxlens.metrics.sources import DIMENSIONS, source
from cxlens.model import tables as t
from cxlens.store import Workspace

__all__ = ["PlanEvaluation", "create_plan", "did", "evaluate_plan", "get_plan", "list_plans", "set_plan_status"]

Z = float(stats.norm.ppf(0.975))
VERDICTS = ("target_reached", "target_not_reached", "not_yet_significant", "improved", "worsened")


def _analytics(ws: Workspace, analytics: Analytics | None) -> Analytics:
    return analytics or Analytics.for_workspace(ws)


def _measure(an: Analytics, spec: Mapping[str, Any], filters: Mapping[str, Any], start: Any, end: Any) -> pd.Series:
    """The metric on a slice and window (n = 0 gives NaN: the callers say what an empty window means)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return _compute_one(an, spec, filters, start, end)


def _compute_one(an: Analytics, spec: Mapping[str, Any], filters: Mapping[str, Any], start: Any, end: Any) -> pd.Series:
    frame = compute(
        an,
        spec["metric"],
        filters=dict(filters) or None,
        survey=spec.get("survey"),
        question=spec.get("question"),
        start=pd.Timestamp(start).to_pydatetime(),
        end=pd.Timestamp(end).to_pydatetime(),
        **spec.get("options", {}),
    )
    return frame.iloc[0]


def _check_slice(metric: str, filters: Mapping[str, Any], what: str) -> None:
    allowed = DIMENSIONS[get_metric(metric).source]
    bad = [k for k in filters if k not in allowed]
    if bad:
        raise ValueError(f"{what}: {metric} cannot be filtered by {', '.join(bad)}; it can by {', '.join(allowed)}")


def create_plan(
    ws: Workspace,
    name: str,
    metric: str,
    *,
    start: datetime,
    filters: Mapping[str, Any] | None = None,
    comparison: Mapping[str, Any] | None = None,
    survey: str | None = None,
    question: str | None = None,
    options: Mapping[str, Any] | None = None,
    target: float | None = None,
    measures: str = "",
    owner: str | None = None,
    due: datetime | None = None,
    baseline_days: float = 90,
    baseline_start: datetime | None = None,
    status: str = "active",
    analytics: Analytics | None = None,
) -> dict[str, Any]:
    """Create an action plan and measure its baseline (the metric on the slice in the ``baseline_days``
    before ``start``, or from ``baseline_start``). ``filters`` is the plan's slice (e.g. ``{"region": "华南"}``);
    ``comparison`` a slice the measures do not touch, for the difference-in-differences. Returns the plan."""
    if not name.strip():
        raise ValueError("an action plan needs a name")
    if status not in t.PLAN_STATUSES:
        raise ValueError(f"status must be one of {', '.join(t.PLAN_STATUSES)}, not {status!r}")
    get_metric(metric)
    _check_slice(metric, filters or {}, f"plan {name!r}")
    _check_slice(metric, comparison or {}, f"plan {name!r} comparison")
    b_start = baseline_start or (start - timedelta(days=baseline_days))
    if b_start >= start:
        raise ValueError(
            f"plan {name!r}: the baseline must start before the plan ({b_start:%Y-%m-%d} ≥ {start:%Y-%m-%d})"
        )
    if due is not None and due <= start:
        raise ValueError(f"plan {name!r}: the due date must be after the start")
    spec: dict[str, Any] = {
        "metric": metric,
        "filters": dict(filters or {}),
        "comparison": dict(comparison) if comparison else None,
        "survey": survey,
        "question": question,
        "options": dict(options or {}),
    }
    base = _measure(_analytics(ws, analytics), spec, spec["filters"], b_start, start)
    if int(base["n"]) == 0:
        raise ValueError(
            f"plan {name!r}: no {metric} data on its slice between {b_start:%Y-%m-%d} and {start:%Y-%m-%d}, so "
            "there is no baseline; choose another start, baseline window or slice"
        )
    now = utcnow()
    row = {
        "name": name,
        "metric": metric,
        "spec_json": dumps(spec),
        "baseline_value": plain(base["value"]),
        "baseline_n": int(base["n"]),
        "baseline_ci_low": plain(base["ci_low"]),
        "baseline_ci_high": plain(base["ci_high"]),
        "baseline_start": b_start,
        "baseline_end": start,
        "target": target,
        "measures": measures,
        "owner": owner,
        "start_at": start,
        "due_at": due,
        "status": status,
        "created_at": now,
        "updated_at": now,
    }
    with ws.begin() as conn:
        if conn.execute(sa.select(t.action_plans.c.id).where(t.action_plans.c.name == name)).first() is not None:
            raise ValueError(f"an action plan named {name!r} exists")
        conn.execute(sa.insert(t.action_plans).values(**row))
    return get_plan(ws, name)


def get_plan(ws: Workspace, name: str) -> dict[str, Any]:
    with ws.engine.connect() as conn:
        row = conn.execute(sa.select(t.action_plans).where(t.action_plans.c.name == name)).first()
    if row is None:
        raise LookupError(f"no action plan named {name!r}")
    plan = {k: plain(v) for k, v in row._mapping.items() if k != "spec_json"}
    plan.update(json.loads(row.spec_json))
    return plan


def list_plans(ws: Workspace) -> pd.DataFrame:
    with ws.engine.connect() as conn:
        frame = pd.read_sql(sa.select(t.action_plans).order_by(t.action_plans.c.id), conn)
    return frame.drop(columns=["spec_json"])


def set_plan_status(ws: Workspace, name: str, status: str) -> None:
    if status not in t.PLAN_STATUSES:
        raise ValueError(f"status must be one of {', '.join(t.PLAN_STATUSES)}, not {status!r}")
    with ws.begin() as conn:
        done = conn.execute(
            sa.update(t.action_plans).where(t.action_plans.c.name == name).values(status=status, updated_at=utcnow())
        ).rowcount
    if not done:
        raise LookupError(f"no action plan named {name!r}")


def cell_se(row: Mapping[str, Any], test: str) -> float:
    """The standard error of one cell's estimate (module docstring)."""
    n = float(row["n"])
    if n <= 0:
        return float("nan")
    if "se" in row and pd.notna(row["se"]):
        return float(row["se"])
    if test == "welch_t" and "sd" in row:
        return float(row["sd"]) / float(np.sqrt(n))
    if test == "two_proportion_z":
        p = float(row["value"]) / 100
        return 100 * float(np.sqrt(p * (1 - p) / n))
    return float((float(row["ci_high"]) - float(row["ci_low"])) / (2 * Z))


def did(
    treated_before: tuple[float, float],
    treated_after: tuple[float, float],
    control_before: tuple[float, float],
    control_after: tuple[float, float],
    alpha: float = 0.05,
) -> dict[str, float]:
    """Difference-in-differences from four (estimate, se) cells of disjoint samples.

    Examples
    --------
    >>> r = did((3.6, 0.05), (3.9, 0.05), (3.7, 0.05), (3.72, 0.05))
    >>> round(r["did"], 2), round(r["se"], 2), round(r["p_val"], 4)
    (0.28, 0.1, 0.0051)
    """
    est = (treated_after[0] - treated_before[0]) - (control_after[0] - control_before[0])
    se = float(np.sqrt(sum(c[1] ** 2 for c in (treated_before, treated_after, control_before, control_after))))
    z = est / se if se > 0 else float("nan")
    crit = float(stats.norm.ppf(1 - alpha / 2))
    return {
        "did": float(est),
        "se": se,
        "z": float(z),
        "p_val": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else float("nan"),
        "ci_low": float(est - crit * se),
        "ci_high": float(est + crit * se),
    }


@dataclass
class PlanEvaluation:
    plan: dict[str, Any]
    tracking: pd.DataFrame
    before_after: dict[str, Any]
    did: dict[str, Any] | None
    verdict: str
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "tracking": records(self.tracking),
            "before_after": self.before_after,
            "did": self.did,
            "verdict": self.verdict,
            "summary": self.summary,
        }


def _samples(an: Analytics, spec: Mapping[str, Any], filters: Mapping[str, Any], start: Any, end: Any) -> np.ndarray:
    """Raw values of a time metric (its ``sample`` column) in a slice and window, for Mann–Whitney."""
    m = get_metric(spec["metric"])
    column = m.options["sample"]
    rel = source(an.backend, m.source, set(filters))
    for key, value in filters.items():
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        rel = rel.filter(rel[key].isin(values))
    rel = rel.filter((rel.at >= pd.Timestamp(start).to_pydatetime()) & (rel.at < pd.Timestamp(end).to_pydatetime()))
    rel = rel.filter(rel[column].notnull())
    return np.asarray(an.execute(rel.select(v=rel[column].cast("float64")))["v"].to_numpy(), dtype=float)


def _before_after(
    an: Analytics, spec: Mapping[str, Any], filters: Mapping[str, Any], windows: list[Any], alpha: float
) -> tuple[dict[str, Any], list[pd.Series]]:
    (b0, b1), (a0, a1) = windows
    cells = [_measure(an, spec, filters, b0, b1), _measure(an, spec, filters, a0, a1)]
    frame = pd.DataFrame(cells).reset_index(drop=True)
    frame["period"] = pd.to_datetime([b0, a0]).astype("datetime64[us]")
    samples = None
    if "sample" in get_metric(spec["metric"]).options:
        samples = {(pd.Timestamp(w[0]),): _samples(an, spec, filters, *w) for w in windows}
    tested = add_change(frame, ["period"], alpha, samples).iloc[1]
    result = {
        "before": plain(tested["previous"]),
        "before_n": int(frame["n"].iloc[0]),
        "after": plain(tested["value"]),
        "after_n": int(frame["n"].iloc[1]),
        "after_ci_low": plain(tested["ci_low"]),
        "after_ci_high": plain(tested["ci_high"]),
        "change": plain(tested["change"]),
        "test": tested["test"],
        "p_val": plain(tested["p_val"]),
        "significant": bool(tested["p_val"] < alpha) if pd.notna(tested["p_val"]) else False,
    }
    return result, cells


def evaluate_plan(
    ws: Workspace,
    name: str,
    *,
    every: str = "month",
    alpha: float = 0.05,
    end: datetime | None = None,
    analytics: Analytics | None = None,
) -> PlanEvaluation:
    """Track the plan's metric since its baseline, test before/after, estimate the DiD, give the verdict."""
    plan = get_plan(ws, name)
    an = _analytics(ws, analytics)
    m = get_metric(plan["metric"])
    b0, start = pd.Timestamp(plan["baseline_start"]), pd.Timestamp(plan["start_at"])
    stop = pd.Timestamp(end) if end is not None else (pd.Timestamp(plan["due_at"]) if plan.get("due_at") else None)
    if stop is None:
        latest = an.execute(source(an.backend, m.source, set()).at.max())
        stop = pd.Timestamp(latest) + pd.Timedelta(microseconds=1)
    if stop <= start:
        raise ValueError(f"plan {name!r} has no follow-up data yet (it starts {start:%Y-%m-%d})")
    windows = [(b0, start), (start, stop)]
    tracking = compute(
        an,
        plan["metric"],
        every=every,
        filters=plan["filters"] or None,
        survey=plan.get("survey"),
        question=plan.get("question"),
        start=b0.to_pydatetime(),
        end=stop.to_pydatetime(),
        **plan.get("options", {}),
    )
    tracking["phase"] = np.where(tracking["period"] < start, "baseline", "follow_up")
    ba, cells = _before_after(an, plan, plan["filters"], windows, alpha)
    test = test_for(pd.DataFrame(cells))
    did_result: dict[str, Any] | None = None
    if plan.get("comparison"):
        ctrl = [_measure(an, plan, plan["comparison"], *w) for w in windows]
        tb, ta, cb, ca = [(float(c["value"]), cell_se(c, test)) for c in (*cells, *ctrl)]
        did_result = dict(did(tb, ta, cb, ca, alpha=alpha))
        did_result |= {
            "comparison": plan["comparison"],
            "control_before": plain(ctrl[0]["value"]),
            "control_after": plain(ctrl[1]["value"]),
            "control_n": [int(ctrl[0]["n"]), int(ctrl[1]["n"])],
            "significant": bool(did_result["p_val"] < alpha),
        }
    verdict, summary = _verdict(plan, m.direction, ba, did_result, alpha)
    return PlanEvaluation(plan, tracking, ba, did_result, verdict, summary)


def _verdict(
    plan: Mapping[str, Any], direction: str, ba: Mapping[str, Any], did_result: Mapping[str, Any] | None, alpha: float
) -> tuple[str, str]:
    effect, p, how = (
        (did_result["did"], did_result["p_val"], "difference-in-differences")
        if did_result is not None
        else (ba["change"], ba["p_val"], f"before/after ({ba['test']})")
    )
    sign = 1 if direction == "higher" else -1
    after, target = ba["after"], plan.get("target")
    head = (
        f"{plan['metric']}: {ba['before']:.2f} (n = {ba['before_n']}) before, {after:.2f} (n = {ba['after_n']}) "
        f"since {pd.Timestamp(plan['start_at']):%Y-%m-%d}; effect {effect:+.2f} by {how}, p = {p:.3g}"
    )
    if p is None or not np.isfinite(p) or p >= alpha:
        return "not_yet_significant", f"{head}. Not yet significant at α = {alpha:g}: the change may be noise."
    if target is not None:
        reached = (after >= target) if direction == "higher" else (after <= target)
        if reached and sign * effect > 0:
            return "target_reached", f"{head}. Target {target:g} reached."
        return "target_not_reached", f"{head}. Target {target:g} not reached."
    word = "improved" if sign * effect > 0 else "worsened"
    return word, f"{head}. Significantly {word}."
