"""Segmentation beyond RFM: clusters of behavioural and attitudinal customer features, and demographic
segments by any customer attribute.

**Features** (:data:`FEATURES`, one row per customer, computed as one Ibis expression by
:func:`customer_features`): from orders before *as of* — recency_days, frequency, monetary, aov (mean
order value), tenure_days (days since the first order), categories (distinct categories bought); from
service — tickets, complaints (feedback of type complaint), first_response_hours (mean over the
customer's tickets); from surveys (through the metric layer's ``answers`` source) — recommend (the latest
0–10 recommendation answer) and satisfaction (the latest CSAT answer rescaled to 0–100 on the question's
own scale). Counts are 0 for a customer without rows; means and latest answers are missing.

**Clustering** (:class:`CustomerSegmenter`, sklearn's estimator contract): rows with a missing chosen
feature are left out; each feature is ``log1p``-transformed when ``log=True`` and it is never negative
(money and counts are right-skewed), then standardised. k-means (Lloyd; k-means++ starts, best of 5 runs) picks
k by the largest mean silhouette (Rousseeuw 1987, J. Comput. Appl. Math. 20) on a seeded sample; the
Gaussian mixture (full covariances) picks k by the smallest BIC (Schwarz 1978; Fraley & Raftery 2002,
JASA 97). Segments are numbered by size (1 = largest). Each profile shows the feature means on their
original scale, each mean's distance from the overall mean in overall standard deviations
(``<feature>_vs_overall``), and an automatic label naming the (at most three) features at least
``0.5`` SD away, strongest first — e.g. "high spend · frequent · low satisfaction".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import ibis
import numpy as np
import pandas as pd

from cxlens.metrics.engines import Analytics
from cxlens.metrics.intervals import nps_interval
from cxlens.metrics.sources import source
from cxlens.store import Workspace
from cxlens.value.rfm import analytics, default_as_of

__all__ = [
    "DEFAULT_FEATURES",
    "FEATURES",
    "CustomerSegmenter",
    "Segmentation",
    "customer_features",
    "demographic_profile",
    "latest_answers",
    "segment_customers",
]

#: feature → (description, (high zh, high en), (low zh, low en))
FEATURES: dict[str, tuple[str, tuple[str, str], tuple[str, str]]] = {
    "recency_days": ("days since the last order", ("久未购买", "lapsed"), ("近期购买", "recent")),
    "frequency": ("number of orders", ("高频购买", "frequent"), ("低频购买", "infrequent")),
    "monetary": ("total order amount", ("高消费", "high spend"), ("低消费", "low spend")),
    "aov": ("mean order amount", ("高客单价", "high order value"), ("低客单价", "low order value")),
    "tenure_days": ("days since the first order", ("老客户", "long tenure"), ("新近客户", "short tenure")),
    "categories": ("distinct categories bought", ("多品类", "many categories"), ("品类单一", "few categories")),
    "tickets": ("support tickets", ("工单多", "many tickets"), ("工单少", "few tickets")),
    "complaints": ("complaints (feedback)", ("投诉多", "complains often"), ("投诉少", "rarely complains")),
    "first_response_hours": (
        "mean first-response time of the customer's tickets (hours)",
        ("响应慢", "slow responses"),
        ("响应快", "fast responses"),
    ),
    "recommend": (
        "latest 0–10 recommendation answer",
        ("推荐意愿高", "likely to recommend"),
        ("推荐意愿低", "unlikely to recommend"),
    ),
    "satisfaction": ("latest CSAT answer, 0–100", ("满意度高", "high satisfaction"), ("满意度低", "low satisfaction")),
}
DEFAULT_FEATURES = ("recency_days", "frequency", "monetary", "tickets", "satisfaction")
_COUNTS = ("frequency", "monetary", "categories", "tickets", "complaints")
_CUSTOMER_COLUMNS = ("segment", "region", "industry")


def latest_answers(an: Analytics, kind: str, as_of: datetime | None = None) -> Any:
    """Per customer, the latest answer to a question of type ``kind`` (``nps`` or ``csat``) as an Ibis
    expression with customer_key, value (NPS 0–10; CSAT rescaled to 0–100 on its own scale), answered_at.
    Only answers before ``as_of`` count, when it is given. Two answers at the very same instant are a tie
    that either may win.

    Reads the metric layer's ``answers`` source, so it runs on whichever engine holds the workspace."""
    if kind not in ("nps", "csat"):
        raise ValueError(f"kind must be 'nps' or 'csat', not {kind!r}")
    a = source(an.backend, "answers", set())
    a = a.filter((a.question_type == kind) & a.customer_key.notnull() & a.value_number.notnull())
    if as_of is not None:
        a = a.filter(a.at < as_of)
    if kind == "csat":
        span = ibis.ifelse(a.scale_max > a.scale_min, a.scale_max - a.scale_min, None)
        value = 100.0 * (a.value_number - a.scale_min) / span
    else:
        value = a.value_number
    a = a.mutate(v=value.cast("float64"))
    return a.group_by("customer_key").aggregate(value=a.v.argmax(a.at), answered_at=a.at.max())


def _order_features(an: Analytics, as_of: datetime) -> Any:
    o = an.table("orders")
    o = o.filter(o.ordered_at < as_of)
    day = int(pd.Timestamp(as_of).timestamp()) // 86_400
    g = o.group_by(ck=o.customer_id).aggregate(
        last=o.ordered_at.max(),
        first=o.ordered_at.min(),
        frequency=o.count(),
        monetary=o.amount.sum().cast("float64"),
        categories=o.category.nunique(),
    )
    return g.select(
        "ck",
        "frequency",
        "monetary",
        "categories",
        recency_days=(day - g.last.epoch_seconds() // 86_400).cast("int64"),
        tenure_days=(day - g.first.epoch_seconds() // 86_400).cast("int64"),
        aov=g.monetary / g.frequency.cast("float64"),
    )


def customer_features(
    where: Workspace | Analytics, *, as_of: datetime | None = None, attributes: Sequence[str] = ()
) -> pd.DataFrame:
    """Every feature of :data:`FEATURES` for every customer (those without orders included), plus the
    customer's segment, region and industry and any extra ``attributes`` (customer attribute keys).

    Columns: customer_key, customer_id, segment, region, industry, the attributes, then the features."""
    an = analytics(where)
    cutoff = as_of or default_as_of(an)
    c = an.table("customers")
    base = c.select(
        customer_key=c.id, customer_id=c.external_id, segment=c.segment, region=c.region, industry=c.industry
    )
    o = _order_features(an, cutoff)
    t = an.table("tickets")
    t = t.filter(t.created_at < cutoff)
    hours = (t.first_response_at.epoch_seconds() - t.created_at.epoch_seconds()).cast("float64") / 3600.0
    tk = t.group_by(ck=t.customer_id).aggregate(tickets=t.count(), first_response_hours=hours.mean())
    f = an.table("feedback")
    f = f.filter((f.source_type == "complaint") & (f.collected_at < cutoff))
    fb = f.group_by(ck=f.customer_id).aggregate(complaints=f.count())
    rec = latest_answers(an, "nps", cutoff).select(ck="customer_key", recommend="value")
    sat = latest_answers(an, "csat", cutoff).select(ck="customer_key", satisfaction="value")
    out = base
    for part in (o, tk, fb, rec, sat):
        out = out.left_join(part, out.customer_key == part.ck).drop("ck")
    frame = an.execute(out.order_by("customer_key"))
    for column in ("frequency", "categories", "tickets", "complaints"):
        frame[column] = frame[column].fillna(0).astype("int64")
    frame["monetary"] = frame["monetary"].fillna(0.0).astype("float64")
    for column in ("recency_days", "tenure_days"):
        frame[column] = frame[column].astype("Float64").astype("float64")
    if attributes:
        frame = frame.merge(_attributes(an, list(attributes)), on="customer_key", how="left")
    cols = ["customer_key", "customer_id", *_CUSTOMER_COLUMNS, *attributes, *FEATURES]
    return frame[cols]


def _attributes(an: Analytics, keys: list[str]) -> pd.DataFrame:
    """Customer attributes as text columns (numbers without a needless ``.0``, dates as ISO dates)."""
    k, v = an.table("customer_attribute_keys"), an.table("customer_attributes")
    known = set(an.execute(k.key).tolist())
    missing = [key for key in keys if key not in known]
    if missing:
        have = ", ".join(sorted(known | set(_CUSTOMER_COLUMNS))) or "none"
        raise ValueError(f"no customer attribute {', '.join(missing)}; the customers have {have}")
    j = v.join(k, v.key_id == k.id).filter(k.key.isin(keys))
    raw = an.execute(j.select(customer_key=j.customer_id, key=j.key, t=j.value_text, x=j.value_number, d=j.value_date))
    number = raw["x"].map(lambda x: None if pd.isna(x) else (str(int(x)) if float(x).is_integer() else str(x)))
    date = pd.to_datetime(raw["d"]).dt.strftime("%Y-%m-%d")
    raw["value"] = raw["t"].where(raw["t"].notna(), number.where(number.notna(), date))
    wide = raw.pivot(index="customer_key", columns="key", values="value").reset_index()
    for key in keys:
        if key not in wide:
            wide[key] = None
    return wide[["customer_key", *keys]]


@dataclass
class Segmentation:
    """The result of :func:`segment_customers`: per-customer ``assignments`` (customer_key, customer_id,
    segment, segment_label), the k-selection ``scores``, the segment ``profiles`` and the fitted model."""

    assignments: pd.DataFrame
    scores: pd.DataFrame
    profiles: pd.DataFrame
    model: CustomerSegmenter
    left_out: int


class CustomerSegmenter:
    """k-means or Gaussian-mixture segmentation of customer features with automatic k selection.

    Parameters
    ----------
    method : "kmeans" or "gmm".
    k : number of segments; ``None`` chooses it (silhouette for k-means over k_min…k_max, BIC for the
        mixture over 1…k_max).
    log : log1p-transform non-negative features before standardising.
    sample_size : customers sampled (seeded) to compute silhouettes.
    reg_covar : added to the mixture's covariance diagonals (in standardised units). Counts and 0–10
        answers are discrete, and without this floor a component sitting on one value gets a near-zero
        variance and an unboundedly high likelihood, which makes BIC pick such degenerate fits.

    Attributes after :meth:`fit`: ``k_``, ``scores_`` (DataFrame k, silhouette or bic, chosen),
    ``labels_`` (segment 1…k per row, 1 = largest), ``features_``, ``scaler_``, ``model_``, ``profiles_``.
    """

    def __init__(
        self,
        method: str = "kmeans",
        k: int | None = None,
        *,
        k_min: int = 2,
        k_max: int = 8,
        log: bool = True,
        random_state: int = 0,
        sample_size: int = 5000,
        reg_covar: float = 0.01,
        lang: str = "en",
    ) -> None:
        self.method = method
        self.k = k
        self.k_min = k_min
        self.k_max = k_max
        self.log = log
        self.random_state = random_state
        self.sample_size = sample_size
        self.reg_covar = reg_covar
        self.lang = lang

    def _transform(self, X: pd.DataFrame) -> np.ndarray:
        values = X[self.features_].to_numpy(dtype=float).copy()
        for j in range(len(self.features_)):
            if self.log_columns_[j]:
                values[:, j] = np.log1p(values[:, j])
        return np.asarray(self.scaler_.transform(values))

    def _candidates(self, n: int) -> list[int]:
        low = 1 if self.method == "gmm" else max(2, self.k_min)
        return [k for k in range(low, self.k_max + 1) if k < n]

    def fit(self, X: pd.DataFrame) -> CustomerSegmenter:
        """Fit on a frame whose columns are the features (numeric, no missing values)."""
        from sklearn.preprocessing import StandardScaler

        if self.method not in ("kmeans", "gmm"):
            raise ValueError(f"method must be 'kmeans' or 'gmm', not {self.method!r}")
        if X.empty or X.shape[1] == 0:
            raise ValueError("no customers or no features to segment")
        if X.isna().any().any():
            raise ValueError(f"features have missing values in {', '.join(X.columns[X.isna().any()])}")
        self.features_ = list(X.columns)
        raw = X.to_numpy(dtype=float)
        self.log_columns_ = [bool(self.log and (raw[:, j] >= 0).all()) for j in range(raw.shape[1])]
        self.scaler_ = StandardScaler().fit(np.where(self.log_columns_, np.log1p(np.abs(raw)), raw))
        Z = self._transform(X)
        n = len(Z)
        if self.k is not None:
            if not 1 <= self.k < n:
                raise ValueError(f"k = {self.k} must be at least 1 and below the number of customers ({n})")
            candidates = [self.k]
        else:
            candidates = self._candidates(n)
            if not candidates:
                raise ValueError(f"too few customers ({n}) to choose k between {self.k_min} and {self.k_max}")
        fits = {k: self._fit_one(Z, k) for k in candidates}
        self.scores_ = self._scores(Z, fits)
        self.k_ = int(self.scores_.loc[self.scores_["chosen"], "k"].iloc[0])
        self.model_ = fits[self.k_]
        raw_labels = self.model_.predict(Z)
        order = pd.Series(raw_labels).value_counts().sort_index().sort_values(ascending=False, kind="stable").index
        self.relabel_ = {int(old): i + 1 for i, old in enumerate(order)}
        self.labels_ = np.array([self.relabel_[int(v)] for v in raw_labels])
        self.profiles_ = profile_segments(X, self.labels_, self.lang)
        return self

    def _fit_one(self, Z: np.ndarray, k: int) -> Any:
        from sklearn.cluster import KMeans
        from sklearn.mixture import GaussianMixture

        if self.method == "kmeans":
            return KMeans(n_clusters=k, n_init=5, random_state=self.random_state).fit(Z)
        return GaussianMixture(
            n_components=k, covariance_type="full", n_init=3, reg_covar=self.reg_covar, random_state=self.random_state
        ).fit(Z)

    def _scores(self, Z: np.ndarray, fits: dict[int, Any]) -> pd.DataFrame:
        from sklearn.metrics import silhouette_score

        rows = []
        for k, model in fits.items():
            if self.method == "kmeans":
                labels = model.labels_
                score = np.nan
                if len(set(labels)) > 1:
                    size = min(self.sample_size, len(Z))
                    score = float(silhouette_score(Z, labels, sample_size=size, random_state=self.random_state))
                rows.append({"k": k, "silhouette": score})
            else:
                rows.append({"k": k, "bic": float(model.bic(Z))})
        scores = pd.DataFrame(rows)
        column = "silhouette" if self.method == "kmeans" else "bic"
        best = scores[column].idxmax() if self.method == "kmeans" else scores[column].idxmin()
        if pd.isna(best):
            best = scores.index[0]
        scores["chosen"] = scores.index == best
        return scores

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Segment numbers (1…k, as in ``labels_``) for new customers' features."""
        missing = [f for f in self.features_ if f not in X.columns]
        if missing:
            raise ValueError(f"missing feature column(s) {', '.join(missing)}")
        return np.array([self.relabel_[int(v)] for v in self.model_.predict(self._transform(X))])


def auto_label(vs_overall: pd.Series, lang: str = "en", threshold: float = 0.5, top: int = 3) -> str:
    """'high spend · frequent · low satisfaction': the features whose segment mean lies at least
    ``threshold`` overall SDs from the overall mean, strongest first; "average" when none does."""
    strong = vs_overall[vs_overall.abs() >= threshold]
    strong = strong.reindex(strong.abs().sort_values(ascending=False, kind="stable").index)[:top]
    words = []
    for feature, z in strong.items():
        _, high, low = FEATURES.get(str(feature), ("", (f"high {feature}",) * 2, (f"low {feature}",) * 2))
        zh, en = high if z > 0 else low
        words.append(zh if lang == "zh" else en)
    if not words:
        return "整体平均" if lang == "zh" else "average"
    return " · ".join(words)


def profile_segments(X: pd.DataFrame, labels: np.ndarray, lang: str = "en") -> pd.DataFrame:
    """Per segment: n, share (%), each feature's mean, its distance from the overall mean in overall SDs
    (``<feature>_vs_overall``) and the automatic label; a last row ``segment = 0`` holds the overall means."""
    features = list(X.columns)
    overall_mean, overall_sd = X.mean(), X.std(ddof=0).replace(0, np.nan)
    rows = []
    for seg in sorted(set(labels.tolist())):
        part = X[labels == seg]
        mean = part.mean()
        z = ((mean - overall_mean) / overall_sd).fillna(0.0)
        row = {"segment": int(seg), "label": auto_label(z, lang), "n": len(part), "share": 100 * len(part) / len(X)}
        row |= {f: float(mean[f]) for f in features} | {f"{f}_vs_overall": float(z[f]) for f in features}
        rows.append(row)
    overall = {"segment": 0, "label": "全部客户" if lang == "zh" else "all customers", "n": len(X), "share": 100.0}
    rows.append(overall | {f: float(overall_mean[f]) for f in features} | {f"{f}_vs_overall": 0.0 for f in features})
    return pd.DataFrame(rows)


def segment_customers(
    where: Workspace | Analytics,
    features: Sequence[str] = DEFAULT_FEATURES,
    *,
    method: str = "kmeans",
    k: int | None = None,
    k_max: int = 8,
    as_of: datetime | None = None,
    log: bool = True,
    random_state: int = 0,
    lang: str = "en",
) -> Segmentation:
    """Segment the workspace's customers on ``features`` (names from :data:`FEATURES`); customers missing
    a chosen feature (e.g. no survey answer, or no order for recency) are left out and counted."""
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature(s) {', '.join(unknown)}; features are {', '.join(FEATURES)}")
    if not features:
        raise ValueError("choose at least one feature")
    table = customer_features(where, as_of=as_of)
    usable = table.dropna(subset=list(features)).reset_index(drop=True)
    model = CustomerSegmenter(method, k, k_max=k_max, log=log, random_state=random_state, lang=lang)
    model.fit(usable[list(features)])
    labels = dict(zip(model.profiles_["segment"], model.profiles_["label"], strict=True))
    assignments = usable[["customer_key", "customer_id"]].assign(segment=model.labels_)
    assignments["segment_label"] = assignments["segment"].map(labels)
    return Segmentation(assignments, model.scores_, model.profiles_, model, len(table) - len(usable))


def demographic_profile(where: Workspace | Analytics, attribute: str, *, as_of: datetime | None = None) -> pd.DataFrame:
    """Profile of the customers by one attribute (segment, region, industry or any imported customer
    attribute such as age or member_tier): one row per value (missing values as ``None``) with customers,
    share (%), buyers_pct (customers with an order), orders_per_customer, revenue, revenue_share (%),
    revenue_per_customer, tickets_per_customer, complaints_per_customer, and NPS over the customers'
    latest recommendation answers (nps, nps_n, nps_ci_low, nps_ci_high)."""
    extra = () if attribute in _CUSTOMER_COLUMNS else (attribute,)
    table = customer_features(where, as_of=as_of, attributes=extra)
    table[attribute] = table[attribute].astype(object).where(table[attribute].notna(), None)
    g = table.groupby(attribute, dropna=False)
    prof = g.agg(
        customers=("customer_key", "size"),
        buyers=("frequency", lambda s: int((s > 0).sum())),
        orders=("frequency", "sum"),
        revenue=("monetary", "sum"),
        tickets=("tickets", "sum"),
        complaints=("complaints", "sum"),
        nps_n=("recommend", "count"),
        promoters=("recommend", lambda s: int((s >= 9).sum())),
        detractors=("recommend", lambda s: int((s <= 6).sum())),
    ).reset_index()
    prof[attribute] = prof[attribute].astype(object).where(prof[attribute].notna(), None)
    n_all, revenue_all = float(prof["customers"].sum()), float(prof["revenue"].sum())
    prof["share"] = 100 * prof["customers"] / n_all
    prof["buyers_pct"] = 100 * prof["buyers"] / prof["customers"]
    for column in ("orders", "revenue", "tickets", "complaints"):
        prof[f"{column}_per_customer"] = prof[column] / prof["customers"]
    prof["revenue_share"] = 100 * prof["revenue"] / revenue_all if revenue_all else np.nan
    prof["nps"], _, prof["nps_ci_low"], prof["nps_ci_high"] = nps_interval(
        prof["promoters"], prof["detractors"], prof["nps_n"]
    )
    cols = [attribute, "customers", "share", "buyers_pct", "orders_per_customer", "revenue", "revenue_share"]
    cols += ["revenue_per_customer", "tickets_per_customer", "complaints_per_customer", "nps", "nps_n"]
    return prof[[*cols, "nps_ci_low", "nps_ci_high"]].sort_values("customers", ascending=False, ignore_index=True)
