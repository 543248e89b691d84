"""The relationship-quality score: per customer, per segment, per period, with tiers, the evidence behind
each score, its trend and how sensitive the ranking is to the weights.

For customer i with criterion scores ``s_ij`` (0–100, :mod:`cxlens.quality.criteria`) and weights ``w_j``
(sum 1, :mod:`cxlens.quality.weights`), over the criteria P_i the customer has a value for:

* **coverage** ``c_i = Σ_{j∈P_i} w_j`` — the share of the model's weight the data can speak to;
* **score** ``S_i = Σ_{j∈P_i} w_j s_ij / c_i`` — the weights renormalised over the criteria present, so a
  missing indicator (no tickets, no survey answer) neither counts as 0 nor as average. Customers whose
  coverage is below the model's ``min_coverage`` are not scored (tier ``insufficient_data``) and are
  reported, never silently dropped;
* **tier**: the first of strategic / healthy / watch whose lower bound ``S_i`` reaches, else at_risk;
* **evidence**: each criterion's contribution relative to the average customer,
  ``e_ij = (w_j / c_i)(s_ij − s̄_j)`` with ``s̄_j`` the mean criterion score of the scored customers;
  ``Σ_j e_ij = S_i − Σ_j (w_j / c_i) s̄_j``. Criteria with ``e_ij < 0`` pulled the score down, the most
  negative first (``weakest``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cxlens.exceptions import ConfigurationError
from cxlens.metrics.engines import Analytics
from cxlens.metrics.slicing import PERIODS
from cxlens.quality.criteria import Normalisation
from cxlens.quality.indicators import Window, customer_frame, data_span, indicator_values, metric_values
from cxlens.quality.model import TIERS, ScoringModel, default_model
from cxlens.quality.weights import METHODS, EntropyWeights, RegressionWeights, WeightEstimator
from cxlens.store import Workspace

__all__ = [
    "PeriodScores",
    "Scores",
    "compare_weights",
    "composite",
    "customer_quotes",
    "fit_weights",
    "score_customers",
    "score_periods",
    "segment_scores",
    "sensitivity",
]

Where = Workspace | Analytics


def _analytics(where: Where) -> Analytics:
    return where if isinstance(where, Analytics) else Analytics.for_workspace(where)


def _targets(where: Where, targets: Mapping[str, Mapping[str, float]] | None) -> Mapping[str, Mapping[str, float]]:
    if targets is not None:
        return targets
    if isinstance(where, Workspace) and (where.path / "targets.yaml").is_file():
        from cxlens.config import read_yaml_mapping

        return read_yaml_mapping(where.path / "targets.yaml", "targets file", ConfigurationError)
    return {}


# -- raw values and their normalisation ------------------------------------------------------------------
def criterion_values(
    where: Where, model: ScoringModel, window: Window, customers: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw criterion values and the number of records behind each: two frames indexed by customer_key,
    one column per criterion."""
    an = _analytics(where)
    raw, counts = pd.DataFrame(index=customers.index), pd.DataFrame(index=customers.index)
    for c in model.criteria:
        if c.indicator:
            got = indicator_values(an, c.indicator, window, customers, c.params, model.min_days)
        else:
            got = metric_values(an, str(c.metric), window, customers, c.params)
        raw[c.code], counts[c.code] = got["value"], got["n"]
    return raw, counts


def fit_normalisations(
    model: ScoringModel, raw: pd.DataFrame, targets: Mapping[str, Mapping[str, float]]
) -> dict[str, Normalisation]:
    """Each criterion's normalisation fitted on ``raw``; a metric-bound criterion's missing target or
    benchmark comes from ``targets`` (the workspace's targets.yaml)."""
    fitted = {}
    for c in model.criteria:
        norm = c.normalisation
        goal = targets.get(c.metric or "", {}) if c.metric else {}
        if norm.method == "target" and norm.target is None and "target" in goal:
            norm = replace(norm, target=float(goal["target"]))
        if norm.method == "benchmark" and norm.benchmark is None and "benchmark" in goal:
            norm = replace(norm, benchmark=float(goal["benchmark"]))
        try:
            fitted[c.code] = norm.fit(raw[c.code], c.direction)
        except ConfigurationError as e:
            raise ConfigurationError(f"{model.source}: criteria.{c.code}.normalise: {e}") from e
    return fitted


def normalise(model: ScoringModel, raw: pd.DataFrame, fitted: Mapping[str, Normalisation]) -> pd.DataFrame:
    """The 0–100 criterion scores of ``raw`` under the fitted normalisations."""
    return pd.DataFrame({c.code: fitted[c.code].transform(raw[c.code], c.direction) for c in model.criteria})


def composite(s: pd.DataFrame, weights: pd.Series, min_coverage: float = 0.0) -> pd.DataFrame:
    """``score`` and ``coverage`` per row of the criterion scores ``s`` (see the module docstring)."""
    w = weights.reindex(s.columns).fillna(0.0).to_numpy()
    values = s.to_numpy(dtype=float)
    present = ~np.isnan(values)
    cover = (present * w).sum(axis=1)
    total = (np.nan_to_num(values) * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where((cover > 0) & (cover >= min_coverage - 1e-12), total / cover, np.nan)
    return pd.DataFrame({"score": score, "coverage": cover}, index=s.index)


# -- scores ---------------------------------------------------------------------------------------------------
@dataclass
class Scores:
    """The scores of one window: ``customers`` (one row per customer: customer_id, segment, region,
    industry, score, tier, coverage, weakest), with the raw values, criterion scores, record counts,
    fitted normalisations and weights behind them."""

    model: ScoringModel
    window: Window
    method: str
    weights: pd.Series
    customers: pd.DataFrame
    raw: pd.DataFrame
    normalised: pd.DataFrame
    counts: pd.DataFrame
    normalisations: dict[str, Normalisation]
    estimator: WeightEstimator | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def scored(self) -> pd.DataFrame:
        return self.customers[self.customers["score"].notna()]

    def coverage(self) -> pd.DataFrame:
        """Per criterion: its weight, how many customers have a value, and the share of customers."""
        n = len(self.customers)
        have = self.raw.notna().sum()
        return pd.DataFrame(
            {
                "criterion": self.model.codes,
                "weight": [float(self.weights.get(c, 0.0)) for c in self.model.codes],
                "customers": [int(have[c]) for c in self.model.codes],
                "share": [float(have[c]) / n if n else np.nan for c in self.model.codes],
                "normalisation": [self.normalisations[c].describe() for c in self.model.codes],
            }
        )

    def tier_counts(self) -> pd.DataFrame:
        """Customers per tier (with insufficient_data), and their share of all customers."""
        order = [*TIERS, "insufficient_data"]
        counts = self.customers["tier"].value_counts().reindex(order, fill_value=0)
        total = int(counts.sum())
        return pd.DataFrame(
            {"tier": order, "customers": counts.to_numpy(), "share": counts.to_numpy() / total if total else np.nan}
        )

    def evidence(self, customer_id: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Each scored customer's criteria: raw value, criterion score, the average criterion score, the
        effective weight and the contribution vs. the average (negative = pulled the score down), most
        negative first within each customer."""
        return _evidence(self, customer_id)


def customer_quotes(where: Where, customer_id: str, window: Window | None = None, limit: int = 3) -> pd.DataFrame:
    """The qualitative evidence behind a score: the customer's own words in the window — complaints first,
    then texts the text analysis labelled negative, then the lowest ratings, most recent first. Columns:
    collected_at, source_type, rating, sentiment (label, when ``cxlens text analyze`` ran), text."""
    an = _analytics(where)
    con = an.backend
    window = window or _window(where if isinstance(where, Workspace) else an, None, None)
    f, c = con.table("feedback"), con.table("customers")
    rows = f.join(c, f.customer_id == c.id).filter(
        (c.external_id == customer_id) & (f.collected_at >= window.start) & (f.collected_at < window.end)
    )
    r = con.table("text_results")
    r = r.filter(r.source == "feedback").select(rid=r.source_id, sentiment=r.label)
    rows = rows.left_join(r, rows.id == r.rid).select("collected_at", "source_type", "rating", "sentiment", "text")
    frame = an.execute(rows)
    if frame.empty:
        return frame
    frame["_complaint"] = (frame["source_type"] != "complaint").astype(int)
    frame["_negative"] = (frame["sentiment"] != "negative").astype(int)
    frame = frame.sort_values(
        ["_complaint", "_negative", "rating", "collected_at"], ascending=[True, True, True, False], na_position="last"
    )
    return frame.drop(columns=["_complaint", "_negative"]).head(limit).reset_index(drop=True)


def _evidence(sc: Scores, customer_id: str | Sequence[str] | None) -> pd.DataFrame:
    keep = sc.customers["score"].notna()
    if customer_id is not None:
        wanted = [customer_id] if isinstance(customer_id, str) else list(customer_id)
        unknown = sorted(set(wanted) - set(sc.customers["customer_id"]))
        if unknown:
            raise ValueError(f"unknown customer(s) {', '.join(unknown)}")
        keep &= sc.customers["customer_id"].isin(wanted)
    s = sc.normalised[keep]
    mean = sc.normalised[sc.customers["score"].notna()].mean()
    w = sc.weights.reindex(s.columns).fillna(0.0)
    eff = s.notna().mul(w, axis=1).div(sc.customers.loc[s.index, "coverage"], axis=0)
    contrib = eff * (s - mean)
    long = contrib.stack(future_stack=True).rename("contribution").reset_index()
    long.columns = ["customer_key", "criterion", "contribution"]
    long = long.dropna(subset=["contribution"])
    idx = list(zip(long["customer_key"], long["criterion"], strict=True))
    long.insert(0, "customer_id", sc.customers.loc[long["customer_key"], "customer_id"].to_numpy())
    long["raw"] = [sc.raw.at[k, c] for k, c in idx]
    long["n"] = [int(sc.counts.at[k, c]) for k, c in idx]
    long["score"] = [s.at[k, c] for k, c in idx]
    long["mean_score"] = long["criterion"].map(mean)
    long["weight"] = [eff.at[k, c] for k, c in idx]
    long = long.sort_values(["customer_key", "contribution"], ignore_index=True)
    cols = ["customer_id", "criterion", "raw", "n", "score", "mean_score", "weight", "contribution"]
    return long[cols]


def _window(where: Where, start: datetime | None, end: datetime | None) -> Window:
    span = data_span(where)
    w = Window(start or span.start, end or span.end)
    if not w.end > w.start:
        raise ValueError(f"the scoring window is empty: start {w.start} is not before end {w.end}")
    return w


def score_customers(
    where: Where,
    model: ScoringModel | None = None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    method: str | None = None,
    weights: Mapping[str, float] | pd.Series | None = None,
    targets: Mapping[str, Mapping[str, float]] | None = None,
) -> Scores:
    """Score every customer over ``[start, end)`` (default: the whole data span) with ``model`` (default:
    the seeds' service-industry model). Weights come from ``weights`` when given, else from ``method``
    (default: the model's ``weights.use``) fitted by :func:`fit_weights`."""
    model = model or default_model()
    an = _analytics(where)
    window = _window(where if isinstance(where, Workspace) else an, start, end)
    customers = customer_frame(an, window)
    raw, counts = criterion_values(an, model, window, customers)
    fitted = fit_normalisations(model, raw, _targets(where, targets))
    s = normalise(model, raw, fitted)
    estimator: WeightEstimator | None = None
    if weights is not None:
        w = pd.Series(dict(weights), dtype=float).reindex(model.codes).fillna(0.0)
        w, used = w / w.sum(), "given"
    else:
        used = method or model.weights.use
        estimator = fit_weights(an, model, used, normalised=s, window=window)
        w = estimator.weights_.reindex(model.codes).fillna(0.0)
    return _assemble(model, window, used, w, customers, raw, s, counts, fitted, estimator)


def _assemble(
    model: ScoringModel,
    window: Window,
    method: str,
    w: pd.Series,
    customers: pd.DataFrame,
    raw: pd.DataFrame,
    s: pd.DataFrame,
    counts: pd.DataFrame,
    fitted: dict[str, Normalisation],
    estimator: WeightEstimator | None,
) -> Scores:
    comp = composite(s, w, model.min_coverage)
    frame = customers[["customer_id", "segment", "region", "industry"]].copy()
    frame["score"], frame["coverage"] = comp["score"], comp["coverage"]
    frame["tier"] = frame["score"].map(model.tier_of)
    frame["criteria"] = s.notna().sum(axis=1)
    sc = Scores(model, window, method, w, frame, raw, s, counts, fitted, estimator)
    if len(frame) and frame["score"].notna().any():
        ev = _evidence(sc, None)
        worst = ev[ev["contribution"] < 0].groupby(ev["customer_id"], sort=False)["criterion"].first()
        frame["weakest"] = frame["customer_id"].map(worst).fillna("")
    else:
        frame["weakest"] = ""
    absent = [c for c in model.codes if raw[c].notna().sum() == 0]
    if absent:
        sc.notes.append(
            f"no customer has a value for {', '.join(absent)}: their weight is spread over the other criteria"
        )
    unscored = int(frame["score"].isna().sum())
    if unscored:
        sc.notes.append(f"{unscored} customer(s) have less than {model.min_coverage:.0%} coverage and are not scored")
    return sc


# -- weights ----------------------------------------------------------------------------------------------------
def fit_weights(
    where: Where,
    model: ScoringModel,
    method: str,
    *,
    normalised: pd.DataFrame | None = None,
    window: Window | None = None,
    targets: Mapping[str, Mapping[str, float]] | None = None,
) -> WeightEstimator:
    """The fitted weight estimator of ``method``: direct, ahp and benchmark from the model's settings;
    entropy from the customers' criterion scores (``normalised``, computed when not given); regression from
    the history: criterion scores over ``[start, end − horizon_days)`` as drivers of the outcome indicator
    over the last ``horizon_days`` (default 180) of customers who had joined before that cut-off."""
    if method not in METHODS:
        raise ConfigurationError(f"weight method {method!r} is not one of {', '.join(METHODS)}")
    if method in ("direct", "ahp", "benchmark"):
        return model.estimator(method).fit()
    an = _analytics(where)
    window = window or _window(where if isinstance(where, Workspace) else an, None, None)
    if method == "entropy":
        if normalised is None:
            customers = customer_frame(an, window)
            raw, _ = criterion_values(an, model, window, customers)
            normalised = normalise(model, raw, fit_normalisations(model, raw, _targets(where, targets)))
        return EntropyWeights().fit(normalised)
    return _regression(where, an, model, window, targets)


def _regression(
    where: Where, an: Analytics, model: ScoringModel, window: Window, targets: Mapping[str, Mapping[str, float]] | None
) -> RegressionWeights:
    spec = model.weights.regression
    if not spec:
        raise ConfigurationError(f"{model.source}: regression weights need `weights.regression: {{outcome: …}}`")
    horizon = float(spec.get("horizon_days", 180))
    cutoff = window.end - timedelta(days=horizon)
    if not cutoff > window.start:
        raise ValueError(f"regression weights: the data span is shorter than horizon_days = {horizon:g}")
    before = Window(window.start, cutoff)
    customers = customer_frame(an, before)
    raw, _ = criterion_values(an, model, before, customers)
    s = normalise(model, raw, fit_normalisations(model, raw, _targets(where, targets)))
    outcome = indicator_values(
        an, str(spec["outcome"]), Window(cutoff, window.end), customers, spec.get("params"), model.min_days
    )["value"]
    usable = [c for c in s.columns if s[c].notna().mean() >= 0.5 and s[c].std() > 0]
    if not usable:
        raise ValueError("regression weights: no criterion has values for half of the customers")
    est = RegressionWeights(
        measure=str(spec.get("measure", "rel_weight")),
        n_boot=int(spec.get("n_boot", 200)),
        outcome=str(spec["outcome"]),
    ).fit(s[usable], outcome)
    dropped = [c for c in model.codes if c not in usable]
    if dropped:
        est.weights_ = est.weights_.reindex(model.codes).fillna(0.0)
        est.params_["dropped"] = dropped  # too sparse or constant before the cut-off: weight 0
    est.params_["cutoff"] = cutoff
    return est


def compare_weights(
    where: Where, model: ScoringModel | None = None, methods: Sequence[str] = METHODS
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The weights of every method side by side (one column per method, one row per criterion), and per
    method its diagnostics (CR for AHP, R² and n for regression …) or the reason it is unavailable."""
    model = model or default_model()
    an = _analytics(where)
    window = _window(where if isinstance(where, Workspace) else an, None, None)
    table = pd.DataFrame({"criterion": model.codes})
    info: dict[str, Any] = {}
    for method in methods:
        try:
            est = fit_weights(where, model, method, window=window)
        except (ConfigurationError, ValueError) as e:
            table[method] = np.nan
            info[method] = {"ok": False, "error": str(e)}
            continue
        table[method] = est.weights_.reindex(model.codes).fillna(0.0).to_numpy()
        info[method] = {"ok": True, **{k: v for k, v in est.params_.items() if k not in ("stated",)}}
        if isinstance(est, RegressionWeights):
            table[f"{method}_ci_low"] = est.ci_low_.reindex(model.codes).to_numpy()
            table[f"{method}_ci_high"] = est.ci_high_.reindex(model.codes).to_numpy()
    return table, info


# -- segments -----------------------------------------------------------------------------------------------------
def segment_scores(scores: Scores, by: str | Sequence[str] = "segment", alpha: float = 0.05) -> pd.DataFrame:
    """Per slice of ``by`` (segment, region, industry): n scored customers, mean score with its Student t
    interval, sd, median, mean coverage and the share of each tier."""
    keys = [by] if isinstance(by, str) else list(by)
    frame = scores.scored
    bad = [k for k in keys if k not in frame.columns]
    if bad:
        raise ValueError(f"cannot slice scores by {', '.join(bad)}; by segment, region or industry")
    rows = []
    for key, g in frame.groupby(keys, dropna=False, sort=True):
        rows.append({**dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True)), **_summary(g, alpha)})
    return pd.DataFrame(rows)


def _summary(g: pd.DataFrame, alpha: float) -> dict[str, Any]:
    x = g["score"].to_numpy(dtype=float)
    n = len(x)
    mean = float(x.mean()) if n else np.nan
    sd = float(x.std(ddof=1)) if n > 1 else np.nan
    half = stats.t.ppf(1 - alpha / 2, n - 1) * sd / np.sqrt(n) if n > 1 else np.nan
    out = {"n": n, "score": mean, "ci_low": mean - half, "ci_high": mean + half, "sd": sd}
    out["median"] = float(np.median(x)) if n else np.nan
    out["coverage"] = float(g["coverage"].mean()) if n else np.nan
    for tier in TIERS:
        out[f"{tier}_pct"] = 100.0 * float((g["tier"] == tier).mean()) if n else np.nan
    return out


# -- sensitivity ----------------------------------------------------------------------------------------------
def sensitivity(scores: Scores, step: float = 0.10) -> pd.DataFrame:
    """How the ranking moves when each weight moves by ±``step`` (relative, default 10 %) and the weights
    are renormalised to sum 1: per criterion and direction, the new weight, Kendall's τ-b and Spearman's ρ
    between the new and the base scores (with their p values), how many customers change tier, the largest
    rank shift, and the share of the base top decile still in the top decile. n = customers scored."""
    if not 0 < step < 1:
        raise ValueError(f"step must be a share between 0 and 1, not {step!r}")
    base = scores.scored
    s = scores.normalised.loc[base.index]
    rows = []
    for code in scores.model.codes:
        if not scores.weights.get(code, 0.0) > 0:
            continue
        for sign in (+1, -1):
            w = scores.weights.copy()
            w[code] *= 1 + sign * step
            w = w / w.sum()
            new = composite(s, w, 0.0)["score"]
            rows.append(_moved(scores, base, new, code, sign * step, float(w[code])))
    return pd.DataFrame(rows)


def _moved(
    scores: Scores, base: pd.DataFrame, new: pd.Series, code: str, change: float, weight: float
) -> dict[str, Any]:
    old = base["score"]
    tau, p_tau = stats.kendalltau(old, new)
    rho, p_rho = stats.spearmanr(old, new)
    tiers = new.map(scores.model.tier_of)
    shift = (old.rank(ascending=False) - new.rank(ascending=False)).abs()
    k = max(1, int(round(0.1 * len(old))))
    top_old, top_new = set(old.nlargest(k).index), set(new.nlargest(k).index)
    return {
        "criterion": code,
        "change": change,
        "weight_base": float(scores.weights[code]),
        "weight": weight,
        "kendall_tau": float(tau),
        "kendall_p_val": float(p_tau),
        "spearman_rho": float(rho),
        "spearman_p_val": float(p_rho),
        "tier_changes": int((tiers != base["tier"]).sum()),
        "max_rank_shift": int(shift.max()) if len(shift) else 0,
        "top10_overlap": len(top_old & top_new) / k,
        "n": len(old),
    }


# -- periods ---------------------------------------------------------------------------------------------------
@dataclass
class PeriodScores:
    """Scores per period on one scale (normalisations fitted on every period's values pooled): ``customers``
    (customer_id, period, score, tier, coverage), ``summary`` (per period: n, mean score with interval, tier
    shares), ``trend`` (per customer: periods scored, first, last, change, OLS slope per period) and
    ``overall`` (slope of the period means, its p value and n periods)."""

    model: ScoringModel
    every: str
    weights: pd.Series
    customers: pd.DataFrame
    summary: pd.DataFrame
    trend: pd.DataFrame
    overall: dict[str, Any]

    def by(self, column: str = "segment", alpha: float = 0.05) -> pd.DataFrame:
        """The per-period summary (n, mean score with its t interval, tier shares) for each value of
        ``column`` (segment, region or industry)."""
        if column not in ("segment", "region", "industry"):
            raise ValueError(f"cannot slice period scores by {column!r}; by segment, region or industry")
        rows = [
            {"period": p, column: k, **_summary(g, alpha)}
            for (p, k), g in self.customers.groupby(["period", column], sort=True, dropna=False)
        ]
        return pd.DataFrame(rows)


def _period_windows(span: Window, every: str) -> list[Window]:
    if every not in PERIODS:
        raise ValueError(f"every must be one of {', '.join(PERIODS)}, not {every!r}")
    freq = PERIODS[every][1]
    first = pd.Timestamp(span.start).to_period(freq[0] if every != "week" else "W-SUN").start_time
    starts = pd.date_range(first, pd.Timestamp(span.end), freq=freq)
    step = pd.tseries.frequencies.to_offset(freq)
    return [
        Window(max(s, pd.Timestamp(span.start)).to_pydatetime(), min(s + step, pd.Timestamp(span.end)).to_pydatetime())
        for s in starts
        if s < pd.Timestamp(span.end)
    ]


def score_periods(
    where: Where,
    model: ScoringModel | None = None,
    *,
    every: str = "quarter",
    start: datetime | None = None,
    end: datetime | None = None,
    method: str | None = None,
    targets: Mapping[str, Mapping[str, float]] | None = None,
    alpha: float = 0.05,
) -> PeriodScores:
    """Score every customer in each period (``every``: month, quarter, year …) with one set of weights
    (fitted over the whole window) and one normalisation per criterion (fitted on all periods' values
    pooled), so that scores are comparable across periods; then summarise each period and each customer's
    trend."""
    model = model or default_model()
    an = _analytics(where)
    span = _window(where if isinstance(where, Workspace) else an, start, end)
    windows = _period_windows(span, every)
    parts = []
    for w in windows:
        customers = customer_frame(an, w)
        raw, _ = criterion_values(an, model, w, customers)
        parts.append((w, customers, raw))
    pooled = pd.concat([raw for _, _, raw in parts], ignore_index=True)
    fitted = fit_normalisations(model, pooled, _targets(where, targets))
    used = method or model.weights.use
    if used == "entropy":
        est: WeightEstimator = EntropyWeights().fit(normalise(model, pooled, fitted))
    else:
        est = fit_weights(where, model, used, window=span, targets=targets)
    weights = est.weights_.reindex(model.codes).fillna(0.0)
    rows = []
    for w, customers, raw in parts:
        comp = composite(normalise(model, raw, fitted), weights, model.min_coverage)
        frame = customers[["customer_id", "segment", "region", "industry"]].assign(period=pd.Timestamp(w.start), **comp)
        rows.append(frame[frame["score"].notna()])
    long = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    long["tier"] = long["score"].map(model.tier_of)
    return _period_result(model, every, weights, long, alpha)


def _period_result(
    model: ScoringModel, every: str, weights: pd.Series, long: pd.DataFrame, alpha: float
) -> PeriodScores:
    summary = pd.DataFrame([{"period": p, **_summary(g, alpha)} for p, g in long.groupby("period", sort=True)])
    order = {p: i for i, p in enumerate(sorted(long["period"].unique()))}
    trend_rows = []
    for cid, g in long.groupby("customer_id", sort=True):
        g = g.sort_values("period")
        x = g["period"].map(order).to_numpy(dtype=float)
        y = g["score"].to_numpy(dtype=float)
        slope = float(np.polyfit(x, y, 1)[0]) if len(g) > 1 else np.nan
        trend_rows.append(
            {
                "customer_id": cid,
                "periods": len(g),
                "first": y[0],
                "last": y[-1],
                "change": y[-1] - y[0],
                "slope": slope,
            }
        )
    overall: dict[str, Any] = {"n_periods": len(summary)}
    if len(summary) > 2:
        fit = stats.linregress(np.arange(len(summary)), summary["score"].to_numpy(dtype=float))
        overall.update(slope=float(fit.slope), p_val=float(fit.pvalue), r=float(fit.rvalue))
    return PeriodScores(model, every, weights, long, summary, pd.DataFrame(trend_rows), overall)
