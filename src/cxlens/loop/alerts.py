"""Early warning: alert rules on any metric and slice, evaluated through the metric layer, stored once per
rule, slice and period, and sent to e-mail or a webhook.

Rule kinds (``AlertRule.kind``) and exactly what fires:

* ``threshold`` — a period's value is on the bad side of ``threshold`` (below it for a metric where higher is
  better, above it otherwise; ``op`` overrides) and rests on at least ``min_n`` observations.
* ``target_miss`` — a period misses its target (``target``, else the workspace's ``targets.yaml``). The
  one-sided p-value of "the true value is on the target's good side" is ``Φ((value − target)/se)`` (or its
  mirror) with ``se`` from the metric's 95 % interval, ``(ci_high − ci_low)/(2·1.96)``; with ``strict`` an alert
  needs ``p_val < alpha``, i.e. the miss is more than noise.
* ``significant_drop`` — a change for the worse that is more than noise, by the test the rule names:
  ``test="previous"`` compares each period with the one before by the metric layer's own test
  (``cxlens.metrics.change``: two-proportion z, NPS z, Welch's t or Mann–Whitney U);
  ``test="seasonal"`` compares each period with its expected value from the series' seasonal baseline
  (``cxlens.stats.trend.detect_anomalies``: robust STL when there are three seasonal cycles, else the
  precision-weighted robust baseline, with a robust z-score that respects each point's n). The p-values of
  every slice and period tested are adjusted for multiplicity by ``correction`` (``none``, ``bonferroni``
  or ``holm``), and an alert fires when the adjusted p-value is below ``alpha``.
* ``decline`` — the value worsened ``periods`` times in a row (N + 1 points, each on at least ``min_n``
  observations). Under exchangeability (no trend), N + 1 given points are in strictly worsening order with
  probability 1/(N + 1)!, reported as ``p_val``; an alert fires once per run, when it first reaches N.
* ``spike`` — the count of complaints (``source="complaints"``: feedback of source type complaint) or of
  feedback mentioning a text aspect (``source="aspect"``, ``aspect=…``, ``label`` negative by default, from
  ``cxlens text analyze``) in a period is above its level in the ``baseline`` previous periods. Test: the
  conditional (binomial) test of two Poisson rates (Przyborowski & Wilenski 1940, Biometrika 31:313–323):
  given c + B events, c in the current period and B in k baseline periods of equal length,
  ``p_val = P(X ≥ c)``, X ~ Binomial(c + B, 1/(k + 1)); with ``correction`` as above.
* ``at_risk`` — customers whose churn risk (``cxlens.value.churn.churn_risk``) is at least ``risk`` and
  whose lifetime value (``cxlens.value.clv.clv``) is in the top ``1 − value_quantile`` share: one alert per
  customer and scoring date.

Every alert has a ``dedup_key`` (rule, slice, period): running the rules again adds nothing already stored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy import stats

from cxlens.exceptions import ConfigurationError
from cxlens.loop._common import adjust, bucket, dumps, plain, records, utcnow
from cxlens.loop.notify import NotificationError, Notifier, notifier_for
from cxlens.metrics import Analytics, compute, get_metric
from cxlens.metrics.sources import DIMENSIONS, source
from cxlens.model import tables as t
from cxlens.store import Workspace

__all__ = [
    "RULE_KINDS",
    "AlertRule",
    "AlertRun",
    "add_rule",
    "evaluate_rule",
    "get_rule",
    "list_alerts",
    "list_rules",
    "run_alerts",
    "set_alert_status",
]

RULE_KINDS = ("threshold", "target_miss", "significant_drop", "decline", "spike", "at_risk")
TESTS = ("previous", "seasonal")
SEVERITIES = ("info", "warning", "critical")
_SEASON = {"month": 12, "quarter": 4, "week": 52, "day": 7, "year": 1}
_SPEC_FIELDS = (
    "by",
    "every",
    "filters",
    "survey",
    "question",
    "options",
    "threshold",
    "op",
    "target",
    "strict",
    "alpha",
    "test",
    "correction",
    "periods",
    "min_n",
    "lookback",
    "source",
    "aspect",
    "label",
    "baseline",
    "min_count",
    "risk",
    "value_quantile",
    "horizon_days",
)


@dataclass
class AlertRule:
    """One alert rule (module docstring for the kinds). Unused fields of a kind are ignored."""

    name: str
    kind: str
    metric: str | None = None
    by: list[str] = field(default_factory=list)
    every: str = "month"
    filters: dict[str, Any] = field(default_factory=dict)
    survey: str | None = None
    question: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    threshold: float | None = None
    op: str = "auto"
    target: float | None = None
    strict: bool = False
    alpha: float = 0.05
    test: str = "previous"
    correction: str = "none"
    periods: int = 3
    min_n: int = 10
    lookback: int | None = None
    source: str = "complaints"
    aspect: str | None = None
    label: str = "negative"
    baseline: int = 6
    min_count: int = 5
    risk: float = 0.5
    value_quantile: float = 0.8
    horizon_days: float = 90
    severity: str = "warning"
    notify: list[dict[str, Any]] = field(default_factory=list)
    active: bool = True

    def validate(self) -> AlertRule:
        """Check the rule; raise :class:`ValueError` naming the bad field."""
        where = f"alert rule {self.name!r}"
        if not self.name or not self.name.strip():
            raise ValueError("an alert rule needs a name")
        if self.kind not in RULE_KINDS:
            raise ValueError(f"{where}: kind must be one of {', '.join(RULE_KINDS)}, not {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"{where}: severity must be one of {', '.join(SEVERITIES)}, not {self.severity!r}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"{where}: alpha must be in (0, 1), not {self.alpha}")
        if self.correction not in ("none", "bonferroni", "holm"):
            raise ValueError(f"{where}: correction must be none, bonferroni or holm, not {self.correction!r}")
        if self.op not in ("auto", "below", "above"):
            raise ValueError(f"{where}: op must be auto, below or above, not {self.op!r}")
        if self.every not in _SEASON:
            raise ValueError(f"{where}: every must be one of {', '.join(_SEASON)}, not {self.every!r}")
        if self.kind in ("threshold", "target_miss", "significant_drop", "decline"):
            if not self.metric:
                raise ValueError(f"{where}: a {self.kind} rule needs a metric")
            metric = get_metric(self.metric)
            bad = [b for b in [*self.by, *self.filters] if b not in DIMENSIONS[metric.source]]
            if bad:
                raise ValueError(f"{where}: {self.metric} cannot be sliced or filtered by {', '.join(bad)}")
        if self.kind == "threshold" and self.threshold is None:
            raise ValueError(f"{where}: a threshold rule needs threshold=")
        if self.kind == "significant_drop" and self.test not in TESTS:
            raise ValueError(f"{where}: test must be one of {', '.join(TESTS)}, not {self.test!r}")
        if self.kind == "decline" and self.periods < 2:
            raise ValueError(f"{where}: a decline needs periods ≥ 2 (consecutive worsenings)")
        if self.kind == "spike":
            if self.source not in ("complaints", "aspect"):
                raise ValueError(f"{where}: a spike's source is complaints or aspect, not {self.source!r}")
            if self.source == "aspect" and not self.aspect:
                raise ValueError(f"{where}: a spike of an aspect needs aspect= (e.g. delivery)")
            if self.baseline < 2:
                raise ValueError(f"{where}: a spike needs baseline ≥ 2 previous periods")
            bad = [b for b in [*self.by, *self.filters] if b not in DIMENSIONS["feedback"]]
            if bad:
                raise ValueError(f"{where}: feedback cannot be sliced or filtered by {', '.join(bad)}")
        if self.kind == "at_risk" and not (0 < self.risk < 1 and 0 <= self.value_quantile < 1):
            raise ValueError(f"{where}: risk must be in (0, 1) and value_quantile in [0, 1)")
        return self

    def spec(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: data[k] for k in _SPEC_FIELDS}

    @property
    def bad_side(self) -> str:
        """``below`` when lower values are bad (the metric's direction is higher-is-better), else ``above``."""
        if self.op != "auto":
            return self.op
        if self.metric is None:
            return "above"
        return "below" if get_metric(self.metric).direction == "higher" else "above"


# -- storing rules --------------------------------------------------------------------------------------------
def add_rule(ws: Workspace, rule: AlertRule, *, replace: bool = False) -> int:
    """Store ``rule`` (validated); ``replace`` overwrites a rule of the same name. Returns its id."""
    rule.validate()
    row = {
        "name": rule.name,
        "kind": rule.kind,
        "metric": rule.metric,
        "spec_json": dumps(rule.spec()),
        "severity": rule.severity,
        "notify_json": dumps(rule.notify),
        "active": rule.active,
    }
    with ws.begin() as conn:
        old = conn.execute(sa.select(t.alert_rules.c.id).where(t.alert_rules.c.name == rule.name)).scalar()
        if old is not None:
            if not replace:
                raise ValueError(f"an alert rule named {rule.name!r} exists; choose another name or replace it")
            conn.execute(sa.update(t.alert_rules).where(t.alert_rules.c.id == old).values(**row))
            return int(old)
        return int(
            conn.execute(
                sa.insert(t.alert_rules).values(**row, created_at=utcnow()).returning(t.alert_rules.c.id)
            ).scalar_one()
        )


def _rule_of(row: Any) -> AlertRule:
    import json

    spec = json.loads(row.spec_json)
    return AlertRule(
        name=row.name,
        kind=row.kind,
        metric=row.metric,
        severity=row.severity,
        notify=json.loads(row.notify_json),
        active=bool(row.active),
        **{k: v for k, v in spec.items() if k in _SPEC_FIELDS},
    )


def list_rules(ws: Workspace, *, active_only: bool = False) -> list[tuple[int, AlertRule]]:
    """Every stored rule with its id, in creation order."""
    query = sa.select(t.alert_rules).order_by(t.alert_rules.c.id)
    if active_only:
        query = query.where(t.alert_rules.c.active.is_(True))
    with ws.engine.connect() as conn:
        return [(int(r.id), _rule_of(r)) for r in conn.execute(query)]


def get_rule(ws: Workspace, name: str) -> tuple[int, AlertRule]:
    for rule_id, rule in list_rules(ws):
        if rule.name == name:
            return rule_id, rule
    raise LookupError(f"no alert rule named {name!r}")


# -- evaluating -----------------------------------------------------------------------------------------------
CANDIDATE_COLUMNS = ["slice", "period", "value", "reference", "p_val", "n", "message", "detail"]


def _series(where: Workspace | Analytics, rule: AlertRule, change: bool = False) -> pd.DataFrame:
    if rule.metric is None:
        raise ValueError(f"alert rule {rule.name!r}: a {rule.kind} rule needs a metric")
    return compute(
        where,
        rule.metric,
        by=rule.by,
        every=rule.every,
        filters=rule.filters or None,
        survey=rule.survey,
        question=rule.question,
        change=change,
        alpha=rule.alpha,
        **rule.options,
    )


def _label(rule: AlertRule, slc: Mapping[str, Any], period: Any) -> str:
    parts = [f"{k}={v}" for k, v in slc.items()]
    when = pd.Timestamp(period).strftime("%Y-%m-%d") if period is not None and not pd.isna(period) else ""
    return f"{rule.metric or rule.source} {' '.join(parts)} {when}".strip()


def _lookback(frame: pd.DataFrame, rule: AlertRule) -> pd.DataFrame:
    if rule.lookback is None or frame.empty:
        return frame
    periods = sorted(frame["period"].unique())[-rule.lookback :]
    return frame[frame["period"].isin(periods)]


def _candidate(
    rule: AlertRule, row: Mapping[str, Any], reference: Any, p_val: Any, message: str, **detail: Any
) -> dict[str, Any]:
    slc = {k: plain(row[k]) for k in rule.by}
    return {
        "slice": slc,
        "period": pd.Timestamp(row["period"]) if row.get("period") is not None else None,
        "value": plain(row.get("value")),
        "reference": plain(reference),
        "p_val": plain(p_val),
        "n": plain(row.get("n")),
        "message": f"{_label(rule, slc, row.get('period'))}: {message}",
        "detail": {k: plain(v) for k, v in detail.items()},
    }


def _threshold(where: Workspace | Analytics, rule: AlertRule) -> list[dict[str, Any]]:
    frame = _lookback(_series(where, rule), rule)
    below = rule.bad_side == "below"
    hit = (frame["value"] < rule.threshold) if below else (frame["value"] > rule.threshold)
    frame = frame[hit & (frame["n"] >= rule.min_n)]
    side = "below" if below else "above"
    return [
        _candidate(
            rule,
            r,
            rule.threshold,
            None,
            f"{r['value']:.2f} is {side} the threshold {rule.threshold:g} (n = {r['n']})",
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
        )
        for r in frame.to_dict(orient="records")
    ]


def _target_miss(where: Workspace | Analytics, rule: AlertRule) -> list[dict[str, Any]]:
    frame = _series(where, rule)
    if rule.target is not None:
        frame["target"] = float(rule.target)
    if "target" not in frame:
        raise ConfigurationError(
            f"alert rule {rule.name!r}: no target for {rule.metric}: give target= or add it to targets.yaml"
        )
    frame = _lookback(frame, rule)
    se = (frame["ci_high"] - frame["ci_low"]) / (2 * stats.norm.ppf(0.975))
    below = rule.bad_side == "below"
    gap = frame["value"] - frame["target"]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(below, gap, -gap) / se.to_numpy(float)
    frame = frame.assign(p_val=stats.norm.cdf(z))
    missed = (gap < 0) if below else (gap > 0)
    keep = missed & (frame["n"] >= rule.min_n)
    if rule.strict:
        keep &= frame["p_val"] < rule.alpha
    return [
        _candidate(
            rule,
            r,
            r["target"],
            r["p_val"],
            f"{r['value']:.2f} misses the target {r['target']:g} "
            f"(95 % CI {r['ci_low']:.2f}–{r['ci_high']:.2f}, n = {r['n']}, one-sided p = {r['p_val']:.3g})",
            ci_low=r["ci_low"],
            ci_high=r["ci_high"],
        )
        for r in frame[keep].to_dict(orient="records")
    ]


def _drop_previous(where: Workspace | Analytics, rule: AlertRule) -> list[dict[str, Any]]:
    frame = _series(where, rule, change=True)
    frame = frame[frame["p_val"].notna() & (frame["n"] >= rule.min_n)]
    frame = _lookback(frame, rule).copy()
    frame["p_adj"] = adjust(frame["p_val"].to_numpy(float), rule.correction)
    worse = frame["change"] < 0 if rule.bad_side == "below" else frame["change"] > 0
    hit = frame[worse & (frame["p_adj"] < rule.alpha)]
    return [
        _candidate(
            rule,
            r,
            r["previous"],
            r["p_adj"],
            f"{r['value']:.2f} vs {r['previous']:.2f} the period before "
            f"(change {r['change']:+.2f}, {r['test']}, p = {r['p_val']:.3g}, {rule.correction} p = "
            f"{r['p_adj']:.3g} < α = {rule.alpha:g}, n = {r['n']})",
            test=r["test"],
            change=r["change"],
            p_raw=r["p_val"],
            correction=rule.correction,
            alpha=rule.alpha,
        )
        for r in hit.to_dict(orient="records")
    ]


def _drop_seasonal(where: Workspace | Analytics, rule: AlertRule) -> list[dict[str, Any]]:
    from cxlens.stats.trend import detect_anomalies

    series = _series(where, rule)
    scored = detect_anomalies(
        series, by=rule.by, period=_SEASON.get(rule.every), alpha=0.5, min_n=rule.min_n, method="auto"
    )
    scored = scored[scored["p_val"].notna() & (scored["n"] >= rule.min_n)]
    scored = _lookback(scored, rule).copy()
    scored["p_adj"] = adjust(scored["p_val"].to_numpy(float), rule.correction)
    worse = scored["residual"] < 0 if rule.bad_side == "below" else scored["residual"] > 0
    hit = scored[worse & (scored["p_adj"] < rule.alpha)]
    return [
        _candidate(
            rule,
            r,
            r["expected"],
            r["p_adj"],
            f"{r['value']:.2f} vs an expected {r['expected']:.2f} from the "
            f"seasonal baseline ({r['method']}, z = {r['z']:.2f}, p = {r['p_val']:.3g}, {rule.correction} "
            f"p = {r['p_adj']:.3g} < α = {rule.alpha:g}, n = {r['n']})",
            test=f"baseline_{r['method']}",
            z=r["z"],
            p_raw=r["p_val"],
            correction=rule.correction,
            alpha=rule.alpha,
        )
        for r in hit.to_dict(orient="records")
    ]


def _decline(where: Workspace | Analytics, rule: AlertRule) -> list[dict[str, Any]]:
    frame = _series(where, rule)
    sign = -1.0 if rule.bad_side == "below" else 1.0
    out: list[dict[str, Any]] = []
    groups = frame.groupby(rule.by, sort=True, dropna=False) if rule.by else [((), frame)]
    p_run = 1.0 / math.factorial(rule.periods + 1)
    for _, g in groups:
        g = g.sort_values("period").reset_index(drop=True)
        ok = (g["n"] >= rule.min_n) & g["value"].notna()
        worse = (sign * g["value"].diff() > 0) & ok & ok.shift(1, fill_value=False)
        run = 0
        for i in range(len(g)):
            run = run + 1 if worse.iloc[i] else 0
            if run == rule.periods:
                row = g.iloc[i].to_dict()
                first = g.iloc[i - rule.periods]
                out.append(
                    _candidate(
                        rule,
                        row,
                        first["value"],
                        p_run,
                        f"worse {rule.periods} periods in a row: "
                        f"{first['value']:.2f} → {row['value']:.2f} since {pd.Timestamp(first['period']):%Y-%m-%d} "
                        f"(run probability 1/{rule.periods + 1}! = {p_run:.3g} without a trend)",
                        since=first["period"],
                        change=row["value"] - first["value"],
                    )
                )
    if rule.lookback is not None and out:
        periods = sorted(frame["period"].unique())[-rule.lookback :]
        out = [c for c in out if c["period"] in set(pd.to_datetime(periods))]
    return out


def _event_rows(an: Analytics, rule: AlertRule) -> pd.DataFrame:
    need = {*rule.by, *rule.filters}
    f = source(an.backend, "feedback", need)
    for column, value in rule.filters.items():
        values = list(value) if isinstance(value, list | tuple | set) else [value]
        f = f.filter(f[column].isin(values))
    if rule.source == "complaints":
        f = f.filter(f.source_type == "complaint")
    else:
        a = an.table("text_aspects")
        a = a.filter((a.source == "feedback") & (a.aspect == rule.aspect))
        if rule.label:
            a = a.filter(a.label == rule.label)
        hits = a.select(fid=a.source_id).distinct()
        f = f.join(hits, f.feedback_key == hits.fid)
    return an.execute(f.select(*rule.by, "at"))


def _spike(where: Workspace | Analytics, rule: AlertRule) -> list[dict[str, Any]]:
    an = where if isinstance(where, Analytics) else Analytics.for_workspace(where)
    rows = _event_rows(an, rule)
    if rows.empty:
        return []
    rows["period"] = bucket(rows["at"], rule.every)
    counts = rows.groupby([*rule.by, "period"], dropna=False).size().rename("n")
    all_periods = pd.period_range(rows["period"].min(), rows["period"].max(), freq=_alias(rule.every)).start_time
    slices = counts.reset_index()[rule.by].drop_duplicates() if rule.by else pd.DataFrame(index=[0])
    grid = slices.merge(pd.DataFrame({"period": all_periods.astype("datetime64[us]")}), how="cross")
    frame = grid.merge(counts.reset_index(), on=[*rule.by, "period"], how="left").fillna({"n": 0})
    k = rule.baseline
    tested: list[dict[str, Any]] = []
    for _, g in frame.groupby(rule.by, sort=True, dropna=False) if rule.by else [((), frame)]:
        g = g.sort_values("period").reset_index(drop=True)
        c = g["n"].to_numpy(float)
        for i in range(k, len(g)):
            base = c[i - k : i].sum()
            p = float(stats.binom.sf(c[i] - 1, c[i] + base, 1 / (k + 1))) if c[i] > 0 else 1.0
            tested.append({**g.iloc[i].to_dict(), "value": c[i], "expected": base / k, "p_val": p})
    if not tested:
        return []
    scored = _lookback(pd.DataFrame(tested), rule).copy()
    scored["p_adj"] = adjust(scored["p_val"].to_numpy(float), rule.correction)
    hit = scored[
        (scored["value"] >= rule.min_count) & (scored["value"] > scored["expected"]) & (scored["p_adj"] < rule.alpha)
    ]
    what = "complaints" if rule.source == "complaints" else f"{rule.label or 'all'} mentions of {rule.aspect}"
    return [
        _candidate(
            rule,
            {**r, "n": int(r["value"])},
            r["expected"],
            r["p_adj"],
            f"{int(r['value'])} {what} vs {r['expected']:.1f} a period in the {k} before "
            f"(×{r['value'] / max(r['expected'], 1e-9):.1f}; conditional Poisson test p = {r['p_val']:.3g}, "
            f"{rule.correction} p = {r['p_adj']:.3g} < α = {rule.alpha:g})",
            test="poisson_conditional",
            p_raw=r["p_val"],
            correction=rule.correction,
            alpha=rule.alpha,
        )
        for r in hit.to_dict(orient="records")
    ]


def _alias(every: str) -> str:
    from cxlens.loop._common import PERIOD_ALIAS

    return PERIOD_ALIAS[every]


def _at_risk(where: Workspace | Analytics, rule: AlertRule) -> list[dict[str, Any]]:
    from cxlens.value.churn import churn_risk
    from cxlens.value.clv import clv

    risk = churn_risk(where, horizon_days=rule.horizon_days)
    value = clv(where).customers["clv"]
    cut = float(value.quantile(rule.value_quantile))
    joined = risk.scores.join(value.rename("clv"), how="inner")
    hit = joined[(joined["risk"] >= rule.risk) & (joined["clv"] >= cut)].sort_values("risk", ascending=False)
    at = pd.Timestamp(risk.evaluation["score_cutoff"])
    out = []
    for customer, r in hit.iterrows():
        factors = risk.factors[risk.factors["customer_id"] == customer]["feature"].tolist()
        out.append(
            {
                "slice": {"customer_id": str(customer)},
                "period": at,
                "value": float(r["risk"]),
                "reference": rule.risk,
                "p_val": None,
                "n": None,
                "message": f"customer {customer}: churn risk {r['risk']:.2f} ≥ {rule.risk:g}, in the top "
                f"{100 * (1 - rule.value_quantile):.0f} % by lifetime value (CLV {r['clv']:,.0f} ≥ {cut:,.0f}); "
                f"factors: {', '.join(factors) or '—'}",
                "detail": {"clv": float(r["clv"]), "factors": factors, "auc": plain(risk.evaluation.get("auc"))},
            }
        )
    return out


_EVALUATORS = {
    "threshold": _threshold,
    "target_miss": _target_miss,
    "decline": _decline,
    "spike": _spike,
    "at_risk": _at_risk,
}


def evaluate_rule(where: Workspace | Analytics, rule: AlertRule) -> pd.DataFrame:
    """What ``rule`` finds now, without storing anything: one row per slice and period that fires, with
    ``slice`` (dict), ``period``, ``value``, ``reference`` (threshold, target, previous or expected value),
    ``p_val`` (adjusted, where the kind has a test), ``n``, ``message`` and ``detail``."""
    rule.validate()
    if rule.kind == "significant_drop":
        found = _drop_previous(where, rule) if rule.test == "previous" else _drop_seasonal(where, rule)
    else:
        found = _EVALUATORS[rule.kind](where, rule)
    return pd.DataFrame(found, columns=CANDIDATE_COLUMNS)


# -- running and storing --------------------------------------------------------------------------------------
@dataclass
class AlertRun:
    """The outcome of :func:`run_alerts`."""

    rules: int
    new: pd.DataFrame
    existing: int
    notified: int
    errors: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": self.rules,
            "new": records(self.new),
            "new_count": len(self.new),
            "existing": self.existing,
            "notified": self.notified,
            "errors": self.errors,
        }


def dedup_key(rule: str, slc: Mapping[str, Any], period: Any) -> str:
    when = pd.Timestamp(period).isoformat() if period is not None and not pd.isna(period) else "-"
    return f"{rule}|{dumps(dict(slc))}|{when}"


def run_alerts(
    ws: Workspace,
    *,
    rules: Sequence[str] | None = None,
    notify: bool = False,
    notifiers: Mapping[str, Notifier] | None = None,
    analytics: Analytics | None = None,
) -> AlertRun:
    """Evaluate the active rules (or those named), store the alerts not stored yet, and with ``notify`` send
    each rule's new alerts to its notifiers (``notifiers`` maps a notifier type to an instance, overriding the
    rule's own settings — e.g. a :class:`~cxlens.loop.notify.MockNotifier`)."""
    chosen = [(i, r) for i, r in list_rules(ws, active_only=rules is None) if rules is None or r.name in rules]
    missing = sorted(set(rules or ()) - {r.name for _, r in chosen})
    if missing:
        raise LookupError(f"no alert rule named {', '.join(map(repr, missing))}")
    an = analytics or Analytics.for_workspace(ws)
    new_rows: list[dict[str, Any]] = []
    existing, notified, errors = 0, 0, []
    for rule_id, rule in chosen:
        found = evaluate_rule(an, rule)
        fresh, seen = _store(ws, rule_id, rule, found)
        existing += seen
        new_rows += fresh
        if notify and fresh:
            sent, problems = _notify(ws, rule, fresh, notifiers or {})
            notified += sent
            errors += problems
    return AlertRun(len(chosen), pd.DataFrame(new_rows), existing, notified, errors)


def _store(ws: Workspace, rule_id: int, rule: AlertRule, found: pd.DataFrame) -> tuple[list[dict[str, Any]], int]:
    if found.empty:
        return [], 0
    keys = [dedup_key(rule.name, r["slice"], r["period"]) for r in found.to_dict(orient="records")]
    now = utcnow()
    fresh: list[dict[str, Any]] = []
    with ws.begin() as conn:
        known = set(conn.execute(sa.select(t.alerts.c.dedup_key).where(t.alerts.c.rule_id == rule_id)).scalars())
        for key, r in zip(keys, found.to_dict(orient="records"), strict=True):
            if key in known:
                continue
            known.add(key)
            period = r["period"].to_pydatetime() if isinstance(r["period"], pd.Timestamp) else None
            row = {
                "rule_id": rule_id,
                "dedup_key": key,
                "kind": rule.kind,
                "metric": rule.metric,
                "slice_json": dumps(r["slice"]),
                "period": period,
                "value": r["value"],
                "reference": r["reference"],
                "p_val": r["p_val"],
                "n": r["n"],
                "message": r["message"],
                "detail_json": dumps(r["detail"]),
                "severity": rule.severity,
                "status": "open",
                "created_at": now,
            }
            alert_id = conn.execute(sa.insert(t.alerts).values(**row).returning(t.alerts.c.id)).scalar_one()
            fresh.append(
                {
                    "id": int(alert_id),
                    "rule": rule.name,
                    **{k: plain(v) for k, v in row.items()},
                    "slice": r["slice"],
                    "detail": r["detail"],
                }
            )
    for item in fresh:
        item.pop("slice_json", None)
        item.pop("detail_json", None)
    return fresh, len(keys) - len(fresh)


def _notify(
    ws: Workspace, rule: AlertRule, fresh: list[dict[str, Any]], overrides: Mapping[str, Notifier]
) -> tuple[int, list[str]]:
    sent, errors = 0, []
    for spec in rule.notify:
        try:
            notifier = overrides.get(str(spec.get("type"))) or notifier_for(spec, ws.path)
            sent = max(sent, notifier.send(fresh))
        except (NotificationError, ConfigurationError) as err:
            errors.append(f"{rule.name}: {err}")
    if sent:
        with ws.begin() as conn:
            conn.execute(
                sa.update(t.alerts).where(t.alerts.c.id.in_([a["id"] for a in fresh])).values(notified_at=utcnow())
            )
    return sent, errors


def list_alerts(ws: Workspace, *, status: str | None = None, rule: str | None = None) -> pd.DataFrame:
    """Stored alerts, newest first, with their rule's name."""
    a, r = t.alerts, t.alert_rules
    query = sa.select(a, r.c.name.label("rule")).join(r, a.c.rule_id == r.c.id).order_by(a.c.id.desc())
    if status is not None:
        if status not in t.ALERT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(t.ALERT_STATUSES)}, not {status!r}")
        query = query.where(a.c.status == status)
    if rule is not None:
        query = query.where(r.c.name == rule)
    with ws.engine.connect() as conn:
        frame = pd.read_sql(query, conn)
    return frame


def set_alert_status(ws: Workspace, alert_id: int, status: str) -> None:
    """Acknowledge or close an alert."""
    if status not in t.ALERT_STATUSES:
        raise ValueError(f"status must be one of {', '.join(t.ALERT_STATUSES)}, not {status!r}")
    with ws.begin() as conn:
        done = conn.execute(sa.update(t.alerts).where(t.alerts.c.id == alert_id).values(status=status)).rowcount
    if not done:
        raise LookupError(f"no alert with id {alert_id}")
