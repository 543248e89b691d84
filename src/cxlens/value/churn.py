"""Churn risk: who is likely to stop buying and engaging in the next period, and why.

**What is predicted.** At a cut-off date *c*, the customers *at risk* are those with any activity (an
order, a ticket, a survey response or a linked feedback) in the ``active_days`` before *c*. Such a customer
*churns in the next period* when they have no activity at all in [*c*, *c* + ``horizon_days``). This is the
behavioural definition a non-contractual business can observe; contractual churn (a cancelled plan) fits
the same frame with the label given directly to :class:`ChurnClassifier`.

**Features** (:data:`FEATURES`), each computed from data dated before *c* only, through the metric layer's
sources (:mod:`cxlens.metrics.sources`), so on DuckDB or Spark alike:

* behaviour — recency, frequency and spend of orders, their trend (last 90 days against the 90 before),
  tenure and days since any activity;
* service experience — tickets, median first-response and resolution hours, tickets still open, *bad*
  tickets (unresolved or resolved after more than 7 days), ticket CSAT, complaints (complaint feedback and
  complaint tickets);
* satisfaction — the latest NPS and CSAT answers and the mean review rating.

**Model.** :class:`ChurnClassifier` — L2-regularised logistic regression on standardised features (the
default) or scikit-learn's histogram gradient boosting. **Out-of-time evaluation**: the model is trained on
snapshots at earlier cut-offs whose outcome windows end before the test cut-off, and tested on the later
cut-off; the report gives the AUC with its DeLong 95 % interval (DeLong, DeLong & Clarke-Pearson 1988,
Biometrics 44(3); the fast algorithm of Sun & Xu 2014, IEEE Signal Processing Letters 21(11)), the Brier
score with its skill against the base rate, and a calibration table by decile of predicted risk with
Wilson intervals.

**Explanations** (:meth:`ChurnClassifier.explain`): for the logistic model a customer's factor is the
coefficient × the customer's standardised deviation from the training mean, in log-odds; these add up
exactly to the customer's log-odds minus the log-odds of an average customer. For gradient boosting the
factor is an occlusion contribution: the change in log-odds when that feature alone is set to its training
median (missing for an absent measurement) — not additive, but it reads the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

if TYPE_CHECKING:
    from cxlens.metrics.engines import Analytics
    from cxlens.store import Workspace

__all__ = [
    "FEATURES",
    "ChurnClassifier",
    "ChurnResult",
    "Events",
    "calibration_table",
    "churn_features",
    "churn_labels",
    "churn_risk",
    "cross_validated_auc",
    "load_events",
    "roc_auc_delong",
]

DAY = pd.Timedelta(days=1)

#: the features of a workspace's churn model: name → (group, meaning)
FEATURES: dict[str, tuple[str, str]] = {
    "days_since_last_order": ("behaviour", "days since the last order (missing: never ordered)"),
    "orders_90d": ("behaviour", "orders in the last 90 days"),
    "orders_365d": ("behaviour", "orders in the last 365 days"),
    "spend_365d": ("behaviour", "order amount in the last 365 days"),
    "order_trend": ("behaviour", "log((orders in the last 90 days + 1) / (orders in the 90 days before + 1))"),
    "tenure_days": ("behaviour", "days since sign-up (or the first record)"),
    "days_since_last_activity": ("behaviour", "days since the last order, ticket, response or feedback"),
    "tickets_90d": ("service", "tickets opened in the last 90 days"),
    "tickets_365d": ("service", "tickets opened in the last 365 days"),
    "median_first_response_hours": ("service", "median first-response time of the last 365 days' tickets"),
    "median_resolution_hours": ("service", "median resolution time of the last 365 days' resolved tickets"),
    "open_tickets": ("service", "tickets not resolved at the cut-off"),
    "bad_tickets_90d": ("service", "tickets of the last 90 days unresolved or resolved after more than 7 days"),
    "days_since_bad_ticket": ("service", "days since the last bad ticket (missing: none)"),
    "ticket_csat": ("service", "mean ticket CSAT of the last 365 days"),
    "complaints_365d": ("service", "complaint feedback and complaint tickets in the last 365 days"),
    "last_nps": ("satisfaction", "the latest NPS answer (0–10)"),
    "last_csat": ("satisfaction", "the latest CSAT answer, rescaled to 0–1"),
    "mean_review_rating": ("satisfaction", "mean rating of the customer's reviews"),
    "segment": ("profile", "the customer's segment"),
}
_COMPLAINT_CATEGORIES = ("投诉", "complaint", "complaints")


@dataclass(slots=True)
class Events:
    """A workspace's dated records per customer (external id), read once through the metric layer."""

    customers: pd.DataFrame
    orders: pd.DataFrame
    tickets: pd.DataFrame
    answers: pd.DataFrame
    feedback: pd.DataFrame
    responses: pd.DataFrame

    @property
    def end(self) -> pd.Timestamp:
        """The time of the latest record."""
        stamps = [f["at"].max() for f in (self.orders, self.tickets, self.responses, self.feedback) if len(f)]
        if not stamps:
            raise ValueError("the workspace has no orders, tickets, responses or feedback linked to customers")
        return pd.Timestamp(max(stamps))

    def activity(self) -> pd.DataFrame:
        frames = [f[["customer_id", "at"]] for f in (self.orders, self.tickets, self.responses, self.feedback)]
        return pd.concat(frames, ignore_index=True)


def load_events(where: Workspace | Analytics) -> Events:
    """Read the records churn features need, per customer, through :func:`cxlens.metrics.sources.source`."""
    from cxlens.metrics.engines import Analytics
    from cxlens.metrics.sources import source

    an = where if isinstance(where, Analytics) else Analytics.for_workspace(where)
    con = an.backend

    def read(name: str, **columns: Any) -> pd.DataFrame:
        t = source(con, name, {"customer_id"})
        t = t.filter(t.customer_id.notnull() & t.at.notnull())
        return an.execute(t.select(customer_id=t.customer_id, at=t.at, **{k: t[v] for k, v in columns.items()}))

    c = source(con, "customers", set())
    customers = an.execute(c.select(customer_id=c.customer_id, segment=c.segment, signed_up_at=c.signed_up_at))
    answers = source(con, "answers", {"customer_id"})
    answers = answers.filter(answers.customer_id.notnull() & answers.question_type.isin(["nps", "csat"]))
    answers = an.execute(
        answers.select(
            customer_id=answers.customer_id,
            at=answers.at,
            kind=answers.question_type,
            value=answers.value_number,
            scale_min=answers.scale_min,
            scale_max=answers.scale_max,
        )
    )
    return Events(
        customers=customers,
        orders=read("orders", amount="amount"),
        tickets=read(
            "tickets",
            resolved_at="resolved_at",
            first_response_hours="first_response_hours",
            resolution_hours="resolution_hours",
            csat="csat",
            category="category",
        ),
        answers=answers,
        feedback=read("feedback", source_type="source_type", rating="rating"),
        responses=read("responses"),
    )


def _days_since(at: pd.Timestamp, stamps: pd.Series) -> pd.Series:
    return (at - stamps).dt.total_seconds() / 86400.0


def _window(frame: pd.DataFrame, at: pd.Timestamp, days: float) -> pd.DataFrame:
    return frame[(frame["at"] < at) & (frame["at"] >= at - days * DAY)]


def _count(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby("customer_id").size()


def _behaviour(ev: Events, at: pd.Timestamp, out: pd.DataFrame) -> None:
    orders = ev.orders[ev.orders["at"] < at]
    g = orders.groupby("customer_id")
    out["days_since_last_order"] = _days_since(at, g["at"].max())
    out["orders_90d"] = _count(_window(orders, at, 90))
    out["orders_365d"] = _count(_window(orders, at, 365))
    out["spend_365d"] = _window(orders, at, 365).groupby("customer_id")["amount"].sum()
    before = _count(orders[(orders["at"] < at - 90 * DAY) & (orders["at"] >= at - 180 * DAY)])
    recent = out["orders_90d"].reindex(out.index).fillna(0)
    out["order_trend"] = np.log((recent + 1) / (before.reindex(out.index).fillna(0) + 1))
    activity = ev.activity()
    activity = activity[activity["at"] < at]
    first = activity.groupby("customer_id")["at"].min()
    signed = ev.customers.set_index("customer_id")["signed_up_at"]
    start = pd.concat([signed.reindex(out.index), first.reindex(out.index)], axis=1).min(axis=1)
    out["tenure_days"] = _days_since(at, start)
    out["days_since_last_activity"] = _days_since(at, activity.groupby("customer_id")["at"].max())


def _service(ev: Events, at: pd.Timestamp, out: pd.DataFrame) -> None:
    tickets = ev.tickets[ev.tickets["at"] < at]
    year = _window(tickets, at, 365)
    out["tickets_90d"] = _count(_window(tickets, at, 90))
    out["tickets_365d"] = _count(year)
    out["median_first_response_hours"] = year.groupby("customer_id")["first_response_hours"].median()
    resolved_then = year["resolved_at"].notna() & (year["resolved_at"] < at)
    out["median_resolution_hours"] = year[resolved_then].groupby("customer_id")["resolution_hours"].median()
    open_now = tickets["resolved_at"].isna() | (tickets["resolved_at"] >= at)
    out["open_tickets"] = _count(tickets[open_now])
    week_later = tickets["at"] + 7 * DAY
    late = tickets["resolved_at"].isna() | (tickets["resolved_at"] > week_later)
    bad = tickets[late & (week_later <= at)]  # judged only once its 7 days have passed
    out["bad_tickets_90d"] = _count(_window(bad, at, 97))
    out["days_since_bad_ticket"] = _days_since(at, bad.groupby("customer_id")["at"].max())
    out["ticket_csat"] = year.groupby("customer_id")["csat"].mean()
    fb = _window(ev.feedback, at, 365)
    complaints = _count(fb[fb["source_type"] == "complaint"]).add(
        _count(year[year["category"].isin(_COMPLAINT_CATEGORIES)]), fill_value=0
    )
    out["complaints_365d"] = complaints


def _satisfaction(ev: Events, at: pd.Timestamp, out: pd.DataFrame) -> None:
    answers = ev.answers[(ev.answers["at"] < at) & ev.answers["value"].notna()].sort_values("at")
    nps = answers[answers["kind"] == "nps"]
    out["last_nps"] = nps.groupby("customer_id")["value"].last()
    csat = answers[answers["kind"] == "csat"]
    span = (csat["scale_max"] - csat["scale_min"]).where(lambda s: s > 0)
    csat = csat.assign(value=(csat["value"] - csat["scale_min"]) / span)
    out["last_csat"] = csat.groupby("customer_id")["value"].last()
    reviews = ev.feedback[(ev.feedback["at"] < at) & ev.feedback["rating"].notna()]
    out["mean_review_rating"] = reviews.groupby("customer_id")["rating"].mean()


def churn_features(
    events: Events, at: date | datetime | str, *, active_days: float = 180, customers: pd.Index | None = None
) -> pd.DataFrame:
    """The features (:data:`FEATURES`) of the customers at risk at cut-off ``at``: those with activity in
    the ``active_days`` before it (or the given ``customers``). Counts are 0 where nothing happened; times
    and scores are missing (NaN) where there was nothing to measure."""
    cut = pd.Timestamp(at)
    if customers is None:
        recent = _window(events.activity(), cut, active_days)
        customers = pd.Index(sorted(recent["customer_id"].unique()), name="customer_id")
    out = pd.DataFrame(index=pd.Index(customers, name="customer_id"))
    _behaviour(events, cut, out)
    _service(events, cut, out)
    _satisfaction(events, cut, out)
    counts = ["orders_90d", "orders_365d", "spend_365d", "tickets_90d", "tickets_365d", "open_tickets"]
    counts += ["bad_tickets_90d", "complaints_365d"]
    out[counts] = out[counts].fillna(0.0)
    segment = events.customers.set_index("customer_id")["segment"].reindex(out.index)
    out["segment"] = segment.fillna("unknown").astype("category")
    return out[list(FEATURES)]


def _lapse_starts(events: Events, gap_days: float) -> pd.DataFrame:
    """Every activity followed by more than ``gap_days`` of silence (up to the latest record)."""
    act = events.activity().sort_values(["customer_id", "at"], kind="stable")
    following = act.groupby("customer_id")["at"].shift(-1).fillna(events.end)
    return act[(following - act["at"]) > gap_days * DAY]


def churn_labels(
    events: Events,
    at: date | datetime | str,
    horizon_days: float,
    customers: pd.Index,
    *,
    label: Literal["inactive", "lapse"] = "inactive",
    gap_days: float = 90,
) -> pd.Series:
    """The outcome of each of ``customers`` in the period [``at``, ``at`` + ``horizon_days``).

    ``label="inactive"``: 1 where the customer has no activity at all in the period, else 0.
    ``label="lapse"``: 1 where a *lapse* — an activity followed by more than ``gap_days`` of silence —
    begins in the period, 0 where none does, and NaN for a customer already in a lapse at ``at`` (their last
    activity before it begins one): known only in hindsight, so for training and evaluation.
    """
    cut = pd.Timestamp(at)
    index = pd.Index(customers)
    if label == "inactive":
        activity = events.activity()
        seen = activity[(activity["at"] >= cut) & (activity["at"] < cut + horizon_days * DAY)]["customer_id"].unique()
        return pd.Series((~index.isin(seen)).astype("int64"), index=index, name="churned")
    if label != "lapse":
        raise ValueError(f"label must be 'inactive' or 'lapse', not {label!r}")
    lapses = _lapse_starts(events, gap_days)
    activity = events.activity()
    last_before = activity[activity["at"] < cut].groupby("customer_id")["at"].max()
    lapsed = lapses.merge(last_before.rename("last").reset_index(), on="customer_id")
    already = set(lapsed.loc[lapsed["at"] == lapsed["last"], "customer_id"])
    starting = lapses[(lapses["at"] >= cut) & (lapses["at"] < cut + horizon_days * DAY)]["customer_id"].unique()
    out = pd.Series(index.isin(starting).astype("float64"), index=index, name="churned")
    out[index.isin(list(already))] = np.nan
    return out


# -- evaluation ----------------------------------------------------------------------------------------


def _check_scores(y_true: Any, y_score: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true).reshape(-1)
    p = np.asarray(y_score, dtype="float64").reshape(-1)
    if len(y) != len(p):
        raise ValueError(f"y_true and y_score differ in length ({len(y)}, {len(p)})")
    if not np.isin(y, [0, 1]).all():
        raise ValueError("y_true must hold only 0 and 1")
    if not np.isfinite(p).all():
        raise ValueError("y_score has missing or infinite values")
    return y.astype("int64"), p


def roc_auc_delong(y_true: Any, y_score: Any, confidence: float = 0.95) -> dict[str, float]:
    """The area under the ROC curve with its DeLong standard error and interval.

    The interval is computed on the logit scale and transformed back, so it stays within (0, 1) (Pepe
    2003, §5.2.4). Returns ``auc``, ``se``, ``ci_low``, ``ci_high``, ``n``, ``n_pos``.

    Examples
    --------
    >>> r = roc_auc_delong([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> r["auc"]
    0.75
    """
    y, p = _check_scores(y_true, y_score)
    pos, neg = p[y == 1], p[y == 0]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        raise ValueError(f"the AUC needs both outcomes; got {m} positive and {n} negative")
    # placement values through midranks (Sun & Xu 2014)
    from scipy.stats import rankdata

    all_ranks = rankdata(np.r_[pos, neg])
    tx, ty = rankdata(pos), rankdata(neg)
    auc = float((all_ranks[:m].sum() - m * (m + 1) / 2) / (m * n))
    v10 = (all_ranks[:m] - tx) / n
    v01 = 1.0 - (all_ranks[m:] - ty) / m
    var = np.var(v10, ddof=1) / m if m > 1 else 0.0
    var += np.var(v01, ddof=1) / n if n > 1 else 0.0
    se = float(np.sqrt(var))
    z = norm.ppf(0.5 + confidence / 2)
    if 0 < auc < 1 and se > 0:
        logit, logit_se = np.log(auc / (1 - auc)), se / (auc * (1 - auc))
        low, high = (1 / (1 + np.exp(-(logit + s * z * logit_se))) for s in (-1, 1))
    else:
        low = high = auc
    return {"auc": auc, "se": se, "ci_low": float(low), "ci_high": float(high), "n": float(m + n), "n_pos": float(m)}


def calibration_table(y_true: Any, y_score: Any, bins: int = 10) -> pd.DataFrame:
    """Observed churn against predicted risk by quantile bin of the prediction: columns ``bin``, ``n``,
    ``mean_predicted``, ``observed``, ``ci_low``, ``ci_high`` (Wilson 95 % interval of the observed rate)."""
    y, p = _check_scores(y_true, y_score)
    order = np.argsort(p, kind="stable")
    rows = []
    z = norm.ppf(0.975)
    for k, idx in enumerate(np.array_split(order, min(bins, len(p)))):
        if len(idx) == 0:
            continue
        n, rate = len(idx), float(y[idx].mean())
        centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        rows.append((k + 1, n, float(p[idx].mean()), rate, centre - half, centre + half))
    return pd.DataFrame(rows, columns=["bin", "n", "mean_predicted", "observed", "ci_low", "ci_high"])


def _brier(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    brier = float(np.mean((p - y) ** 2))
    base = float(np.mean((y.mean() - y) ** 2))
    return {"brier": brier, "brier_skill": 1 - brier / base if base > 0 else float("nan")}


# -- the model -----------------------------------------------------------------------------------------


class ChurnClassifier:
    """Churn probability from a DataFrame of features, with per-customer explanations.

    Parameters
    ----------
    model : {"logistic", "gbm"}
        L2-regularised logistic regression on standardised features, or histogram gradient boosting.
    C : float
        Inverse regularisation strength of the logistic model.
    max_iter : int
        Boosting iterations (gbm), with early stopping on a 10 % validation split.
    random_state : int

    Numeric columns may have missing values: the logistic model imputes the training median and adds a
    ``<name>_missing`` indicator; gradient boosting handles them natively. Columns of dtype object,
    string, bool or category are one-hot encoded (logistic) or treated as categorical (gbm).
    """

    def __init__(
        self, model: Literal["logistic", "gbm"] = "logistic", C: float = 0.5, max_iter: int = 300, random_state: int = 0
    ) -> None:
        self.model = model
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state

    # -- design matrix ---------------------------------------------------------------------------------
    def _learn_design(self, X: pd.DataFrame) -> None:
        self.categorical_ = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c]) or X[c].dtype == bool]
        self.numeric_ = [c for c in X.columns if c not in self.categorical_]
        numeric = X[self.numeric_].astype("float64")
        self.medians_ = numeric.median().fillna(0.0)
        self.with_missing_ = [c for c in self.numeric_ if numeric[c].isna().any()]
        self.levels_ = {c: sorted(map(str, X[c].dropna().unique())) for c in self.categorical_}

    def _design(self, X: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in [*self.numeric_, *self.categorical_] if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks the column(s) the model was fitted on: {', '.join(missing)}")
        numeric = X[self.numeric_].astype("float64")
        if self.model == "gbm":
            parts = [numeric]
            for c in self.categorical_:
                codes = pd.Categorical(X[c].astype("string"), categories=self.levels_[c]).codes.astype("float64")
                parts.append(pd.DataFrame({c: np.where(codes < 0, np.nan, codes)}, index=X.index))
            return pd.concat(parts, axis=1)
        parts = [numeric.fillna(self.medians_)]
        parts += [numeric[self.with_missing_].isna().astype("float64").add_suffix("_missing")]
        for c in self.categorical_:
            text = X[c].astype("string")
            parts.append(
                pd.DataFrame(
                    {f"{c}={v}": (text == v).fillna(False).astype("float64") for v in self.levels_[c][1:]},
                    index=X.index,
                )
            )
        return pd.concat(parts, axis=1)

    def fit(self, X: pd.DataFrame, y: Any) -> ChurnClassifier:
        """Fit on features ``X`` (one row per customer) and outcomes ``y`` (1 = churned). Returns ``self``."""
        if self.model not in ("logistic", "gbm"):
            raise ValueError(f"model must be 'logistic' or 'gbm', not {self.model!r}")
        if not isinstance(X, pd.DataFrame) or X.empty:
            raise ValueError("X must be a non-empty DataFrame of features")
        yy = np.asarray(y).reshape(-1)
        if len(yy) != len(X):
            raise ValueError(f"X has {len(X)} rows but y has {len(yy)}")
        if not np.isin(yy, [0, 1]).all() or len(np.unique(yy)) < 2:
            raise ValueError("y must hold 0 and 1, and both must occur")
        self._learn_design(X)
        design = self._design(X)
        self.feature_names_in_ = list(X.columns)
        if self.model == "gbm":
            mask = [c in self.categorical_ for c in design.columns]
            self.estimator_ = HistGradientBoostingClassifier(
                max_iter=self.max_iter,
                learning_rate=0.05,
                categorical_features=mask if any(mask) else None,
                early_stopping=True,
                random_state=self.random_state,
            ).fit(design.to_numpy(), yy)
        else:
            self.means_ = design.mean()
            self.scales_ = design.std(ddof=0).replace(0.0, 1.0)
            z = (design - self.means_) / self.scales_
            self.estimator_ = LogisticRegression(C=self.C, max_iter=2000).fit(z.to_numpy(), yy)
            self.coef_ = pd.Series(self.estimator_.coef_[0], index=design.columns, name="coef")
        self.design_columns_ = list(design.columns)
        return self

    def _logit(self, design: pd.DataFrame) -> np.ndarray:
        if self.model == "gbm":
            return np.asarray(self.estimator_.decision_function(design.to_numpy()), dtype="float64")
        z = (design - self.means_) / self.scales_
        return np.asarray(self.estimator_.decision_function(z.to_numpy()), dtype="float64")

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """P(churn) per row, shape (n,) — the probability of class 1 only."""
        if not hasattr(self, "estimator_"):
            raise ValueError("this ChurnClassifier is not fitted yet; call fit() first")
        return np.asarray(1 / (1 + np.exp(-self._logit(self._design(X)))), dtype="float64")

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Each feature's contribution to each row's log-odds (see the module docstring): one column per
        input feature (a categorical's dummies and a numeric's missing indicator are added to it)."""
        design = self._design(X)
        if self.model == "logistic":
            z = (design - self.means_) / self.scales_
            parts = z * self.coef_
            owner = {c: self._owner(c) for c in design.columns}
            return parts.T.groupby(owner).sum().T.reindex(columns=self.feature_names_in_)
        base = self._logit(design)
        out = {}
        for name in self.feature_names_in_:
            probe = design.copy()
            probe[name] = np.nan if name in self.categorical_ else self.medians_[name]
            out[name] = base - self._logit(probe)
        return pd.DataFrame(out, index=X.index)

    def _owner(self, column: str) -> str:
        if column.endswith("_missing") and column[: -len("_missing")] in self.numeric_:
            return column[: -len("_missing")]
        return column.split("=", 1)[0] if "=" in column else column

    def explain(self, X: pd.DataFrame, top: int = 3) -> pd.DataFrame:
        """The ``top`` factors that raise each row's risk most: long table with the row's index,
        ``rank``, ``feature``, ``value`` (as given) and ``contribution`` (log-odds, > 0 raises risk)."""
        parts = self.contributions(X)
        rows = []
        values = X[self.feature_names_in_]
        for key, contrib in zip(parts.index, parts.to_numpy(), strict=True):
            order = np.argsort(-contrib, kind="stable")[:top]
            for rank, j in enumerate(order, start=1):
                if contrib[j] <= 0:
                    break
                name = self.feature_names_in_[j]
                rows.append((key, rank, name, values.at[key, name], float(contrib[j])))
        index_name = X.index.name or "index"
        return pd.DataFrame(rows, columns=[index_name, "rank", "feature", "value", "contribution"])


def cross_validated_auc(
    X: pd.DataFrame,
    y: Any,
    *,
    model: Literal["logistic", "gbm"] = "logistic",
    folds: int = 5,
    random_state: int = 0,
) -> dict[str, Any]:
    """Stratified k-fold cross-validation of :class:`ChurnClassifier` on a feature table (for data sets
    without dates, such as a contract churn extract). Returns the AUC of the pooled out-of-fold predictions
    with its DeLong interval, the per-fold AUCs (``fold_auc``), and the pooled Brier score and skill."""
    from sklearn.model_selection import StratifiedKFold

    yy = np.asarray(y).reshape(-1).astype("int64")
    if folds < 2:
        raise ValueError(f"folds must be at least 2, not {folds}")
    oof = np.empty(len(yy))
    fold_auc = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    for train, test in splitter.split(np.zeros(len(yy)), yy):
        clf = ChurnClassifier(model=model, random_state=random_state).fit(X.iloc[train], yy[train])
        oof[test] = clf.predict_proba(X.iloc[test])
        fold_auc.append(roc_auc_delong(yy[test], oof[test])["auc"])
    out: dict[str, Any] = roc_auc_delong(yy, oof)
    out |= _brier(yy, oof)
    out |= {"model": model, "folds": folds, "fold_auc": fold_auc}
    return out


# -- a workspace's churn risk ---------------------------------------------------------------------------


@dataclass(slots=True)
class ChurnResult:
    """The out-of-time evaluation of a workspace's churn model and everyone's current risk."""

    evaluation: dict[str, Any]
    calibration: pd.DataFrame
    scores: pd.DataFrame
    factors: pd.DataFrame
    importance: pd.DataFrame
    model: ChurnClassifier = field(repr=False)

    def to_dict(self, top: int = 20) -> dict[str, Any]:
        """Stable JSON-ready keys; ``top`` highest-risk customers with their factors."""
        head = self.scores.head(top).reset_index()
        rows = []
        for row in head.itertuples(index=False):
            mine = self.factors[self.factors["customer_id"] == row.customer_id]
            rows.append(
                {
                    "customer_id": str(row.customer_id),
                    "risk": float(row.risk),
                    "factors": [
                        {"feature": f.feature, "value": _plain(f.value), "contribution": float(f.contribution)}
                        for f in mine.itertuples(index=False)
                    ],
                }
            )
        return {
            "evaluation": self.evaluation,
            "calibration": self.calibration.to_dict(orient="records"),
            "importance": self.importance.to_dict(orient="records"),
            "customers": rows,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    return None if isinstance(value, float) and np.isnan(value) else value


def _snapshot(
    ev: Events, cut: pd.Timestamp, horizon: float, active: float, label: Literal["inactive", "lapse"], gap: float
) -> tuple[pd.DataFrame, pd.Series]:
    X = churn_features(ev, cut, active_days=active)
    y = churn_labels(ev, cut, horizon, X.index, label=label, gap_days=gap)
    known = y.notna().to_numpy()
    return X[known], y[known].astype("int64")


def churn_risk(
    where: Workspace | Analytics | Events,
    *,
    horizon_days: float = 90,
    at: date | datetime | str | None = None,
    label: Literal["inactive", "lapse"] = "inactive",
    gap_days: float = 90,
    model: Literal["logistic", "gbm"] = "logistic",
    train_cutoffs: int = 6,
    step_days: float = 30,
    active_days: float = 180,
    top: int = 3,
) -> ChurnResult:
    """Train, evaluate out of time, and score a workspace's customers for churn in the next period.

    ``label`` chooses the outcome (:func:`churn_labels`): ``"inactive"`` (no activity in the next
    ``horizon_days``) or ``"lapse"`` (a silence of more than ``gap_days`` begins in the next
    ``horizon_days``, among customers not already in one). An outcome is fully observed ``span`` days after
    its cut-off (the horizon, plus the gap for lapses). The scoring cut-off is ``at`` (default: the day
    after the latest record); the **test** cut-off is one span before it; the model is **trained** on
    snapshots at ``train_cutoffs`` earlier cut-offs, ``step_days`` apart, the latest one span before the
    test cut-off, so no training outcome overlaps the test period. The reported model is then refitted on
    the training and test snapshots together and applied to the customers active at ``at``.

    Returns a :class:`ChurnResult`: ``evaluation`` (AUC with DeLong CI, Brier score and skill, counts, the
    cut-offs), ``calibration`` (deciles), ``scores`` (customer_id → risk, highest first), ``factors``
    (each customer's ``top`` risk-raising factors) and ``importance`` (per feature: mean absolute
    contribution, and the standardised coefficient for the logistic model).
    """
    if min(horizon_days, step_days, active_days, gap_days) <= 0 or train_cutoffs < 1:
        raise ValueError("horizon_days, gap_days, step_days and active_days must be positive; train_cutoffs ≥ 1")
    ev = where if isinstance(where, Events) else load_events(where)
    score_at = pd.Timestamp(at) if at is not None else ev.end.normalize() + DAY
    span = horizon_days + (gap_days if label == "lapse" else 0)
    test_at = score_at - span * DAY
    start = ev.activity()["at"].min()
    cuts = [test_at - (span + k * step_days) * DAY for k in range(train_cutoffs)]
    cuts = sorted(c for c in cuts if c - active_days * DAY >= start)
    if not cuts:
        raise ValueError(
            f"the data are too short for an out-of-time evaluation: they start {start:%Y-%m-%d}, and the "
            f"first training cut-off needs {active_days:g} days of history and two outcome spans of "
            f"{span:g} days before {score_at:%Y-%m-%d}"
        )
    train = [_snapshot(ev, c, horizon_days, active_days, label, gap_days) for c in cuts]
    X_train = pd.concat([x for x, _ in train], ignore_index=True)
    y_train = pd.concat([y for _, y in train], ignore_index=True)
    X_test, y_test = _snapshot(ev, test_at, horizon_days, active_days, label, gap_days)
    for what, yy in (("training", y_train), ("test", y_test)):
        if yy.nunique() < 2:
            raise ValueError(f"the {what} snapshots have only one outcome ({int(yy.sum())} churned of {len(yy)})")
    clf = ChurnClassifier(model=model).fit(X_train, y_train)
    p_test = clf.predict_proba(X_test)
    evaluation: dict[str, Any] = roc_auc_delong(y_test, p_test)
    evaluation |= _brier(y_test.to_numpy(), p_test)
    evaluation |= {
        "model": model,
        "label": label,
        "horizon_days": horizon_days,
        "train_cutoffs": [c.date().isoformat() for c in cuts],
        "test_cutoff": test_at.date().isoformat(),
        "score_cutoff": score_at.date().isoformat(),
        "n_train": len(y_train),
        "train_churn_rate": float(y_train.mean()),
        "test_churn_rate": float(y_test.mean()),
    }
    X_all, y_all = pd.concat([X_train, X_test], ignore_index=True), pd.concat([y_train, y_test], ignore_index=True)
    final = ChurnClassifier(model=model).fit(X_all, y_all)
    X_now = churn_features(ev, score_at, active_days=active_days)
    risk = pd.DataFrame({"risk": final.predict_proba(X_now)}, index=X_now.index)
    scores = risk.sort_values("risk", ascending=False)
    factors = final.explain(X_now.loc[scores.index], top=top)
    return ChurnResult(evaluation, calibration_table(y_test, p_test), scores, factors, _importance(final, X_now), final)


def _importance(model: ChurnClassifier, X: pd.DataFrame) -> pd.DataFrame:
    contrib = model.contributions(X).abs().mean()
    out = pd.DataFrame(
        {
            "feature": contrib.index,
            "group": [FEATURES[f][0] if f in FEATURES else "" for f in contrib.index],
            "mean_abs_contribution": contrib.to_numpy(),
        }
    )
    if model.model == "logistic":
        out["coef"] = [float(model.coef_.get(f, np.nan)) for f in out["feature"]]
    return out.sort_values("mean_abs_contribution", ascending=False, ignore_index=True)
