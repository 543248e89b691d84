"""Free-text feedback of the demo company: complaints, suggestions, reviews, social posts, e-mails, call
notes and interviews, with the ground-truth aspect and sentiment of each text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlens.datasets.demo_text import ASPECTS, compose
from cxlens.datasets.demo_world import (
    DEVICES,
    DIP_END,
    DIP_START,
    PRODUCTS,
    SOUTH,
    T_END,
    Customers,
    fmt_int,
    fmt_time,
    sample_times,
)

SOURCE_TYPES = ("complaint", "review", "social", "suggestion", "email", "call", "interview")
SOURCE_TYPE_P = (0.25, 0.33, 0.18, 0.08, 0.07, 0.06, 0.03)
LINKED_P = (1.0, 0.15, 0.05, 1.0, 1.0, 1.0, 1.0)  # share of rows with a known customer
NEGATIVE_BIAS = (0.0, -0.9, -0.2, 0.0, 0.3, 0.5, -0.3)  # logit of a negative text at latent satisfaction 0
NEGATIVE_SAT_LOAD = 1.1
NEUTRAL_SHARE = 0.25  # of the texts that are not negative
COMPLAINT_NEGATIVE = 0.92
ASPECT_P = (0.17, 0.15, 0.17, 0.22, 0.14, 0.15)
COMPLAINT_ASPECT_P = (0.28, 0.07, 0.20, 0.15, 0.20, 0.10)
DIP_DELIVERY_COMPLAINT_FACTOR = 3.0
ANONYMOUS_ENGLISH = 0.22
SOURCES = {
    "complaint": ((("热线", "在线客服", "黑猫投诉"), (0.5, 0.3, 0.2)), (("Hotline", "Email"), (0.4, 0.6))),
    "review": ((("天猫", "京东", "官网商城"), (0.45, 0.45, 0.1)), (("Amazon", "App Store"), (0.7, 0.3))),
    "social": ((("微博", "小红书", "抖音"), (0.5, 0.4, 0.1)), (("Twitter", "Reddit"), (0.6, 0.4))),
    "suggestion": ((("App", "官网"), (0.6, 0.4)), (("App", "Website"), (0.6, 0.4))),
    "email": ((("邮件",), (1.0,)), (("Email",), (1.0,))),
    "call": ((("热线",), (1.0,)), (("Hotline",), (1.0,))),
    "interview": ((("用户访谈",), (1.0,)), (("User interview",), (1.0,))),
}
#: competitor reviews: (product, short zh, short en) and sentiment probabilities (positive, negative, neutral)
STELLAR_PRODUCTS = (
    ("星辰扫地机器人 S9", "扫地机", "robot vacuum"),
    ("星辰智能门锁 L7", "门锁", "smart lock"),
    ("星辰音箱 Nova", "音箱", "speaker"),
    ("星辰摄像头 E3", "摄像头", "camera"),
)
STELLAR_SENTIMENT_P = {"price": (0.7, 0.1, 0.2), "after_sales": (0.15, 0.7, 0.15), "service": (0.2, 0.6, 0.2)}
STELLAR_OTHER_SENTIMENT_P = (0.5, 0.3, 0.2)
COMPETITOR_REVIEWS = 500
STELLAR_CODE = "stellar"  # the competitor code of the benchmark survey (feedback.competitor holds codes)


def _choose(rng: np.random.Generator, options: tuple[str, ...], p: tuple[float, ...], n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.choice(len(options), n, p=p)]


def _linked_rows(rng: np.random.Generator, cust: Customers, n: int, weight: np.ndarray) -> tuple[np.ndarray, ...]:
    """``n`` (customer, time) pairs, uniform over active customer time weighted by ``weight``."""
    duration = cust.end - cust.start
    p = duration * weight
    idx = rng.choice(len(p), n, p=p / p.sum())
    return idx, np.floor(cust.start[idx] + rng.uniform(0.0, 1.0, n) * duration[idx])


def _dip_complaints(rng: np.random.Generator, cust: Customers, base: int, weight: np.ndarray) -> tuple[np.ndarray, ...]:
    """Extra delivery complaints from 华南 customers during the dip: (factor - 1) x the expected base count."""
    duration = cust.end - cust.start
    overlap = np.clip(np.minimum(cust.end, DIP_END) - np.maximum(cust.start, DIP_START), 0.0, None)
    overlap = overlap * (cust.region == SOUTH) * weight
    share = overlap.sum() / (duration * weight).sum()
    expected = base * COMPLAINT_ASPECT_P[0] * share * (DIP_DELIVERY_COMPLAINT_FACTOR - 1.0)
    k = int(rng.poisson(expected)) if overlap.sum() > 0 else 0
    idx = rng.choice(len(overlap), k, p=overlap / overlap.sum()) if k else np.zeros(0, dtype=np.int64)
    lo = np.maximum(cust.start[idx], DIP_START)
    hi = np.minimum(cust.end[idx], DIP_END)
    return idx, np.floor(lo + rng.uniform(0.0, 1.0, k) * (hi - lo))


def _sentiment(rng: np.random.Generator, stype: np.ndarray, sat: np.ndarray) -> np.ndarray:
    n = len(stype)
    bias = np.array(NEGATIVE_BIAS)[stype]
    negative = rng.random(n) < 1.0 / (1.0 + np.exp(-(bias - NEGATIVE_SAT_LOAD * sat)))
    neutral = rng.random(n) < NEUTRAL_SHARE
    out = np.where(negative, "negative", np.where(neutral, "neutral", "positive")).astype(object)
    complaint = stype == 0
    out[complaint] = np.where(rng.random(complaint.sum()) < COMPLAINT_NEGATIVE, "negative", "neutral")
    out[stype == 3] = "neutral"
    return out


def _aurora_rows(rng: np.random.Generator, cust: Customers, n: int, weights: np.ndarray) -> pd.DataFrame:
    stype = rng.choice(len(SOURCE_TYPES), n, p=SOURCE_TYPE_P)
    linked = rng.random(n) < np.array(LINKED_P)[stype]
    complaint_weight = np.exp(-0.6 * cust.sat)
    idx = np.full(n, -1)
    t = np.zeros(n)
    for is_complaint in (True, False):
        sel = np.flatnonzero(linked & ((stype == 0) == is_complaint))
        idx[sel], t[sel] = _linked_rows(
            rng, cust, len(sel), complaint_weight if is_complaint else np.ones(len(cust.ids))
        )
    anon = np.flatnonzero(~linked)
    t[anon] = np.floor(sample_times(rng, weights, np.zeros(len(anon)), np.full(len(anon), T_END), np.full(24, 1 / 24)))
    aspect = np.where(stype == 0, rng.choice(6, n, p=COMPLAINT_ASPECT_P), rng.choice(6, n, p=ASPECT_P))
    extra_idx, extra_t = _dip_complaints(rng, cust, int((stype == 0).sum()), complaint_weight)
    k = len(extra_idx)
    stype = np.concatenate([stype, np.zeros(k, dtype=stype.dtype)])
    idx, t = np.concatenate([idx, extra_idx]), np.concatenate([t, extra_t])
    aspect = np.concatenate([aspect, np.zeros(k, dtype=aspect.dtype)])
    sat = np.where(idx >= 0, cust.sat[np.maximum(idx, 0)], rng.standard_normal(len(idx)))
    sentiment = _sentiment(rng, stype, sat)
    sentiment[n:] = "negative"
    english = np.where(idx >= 0, cust.english[np.maximum(idx, 0)], rng.random(len(idx)) < ANONYMOUS_ENGLISH)
    product = DEVICES[rng.integers(0, len(DEVICES), len(idx))]
    return pd.DataFrame(
        {
            "cust": idx,
            "t": t,
            "stype": stype,
            "aspect": np.array(ASPECTS, dtype=object)[aspect],
            "sentiment": sentiment,
            "english": english,
            "product": [PRODUCTS[p][0] for p in product],
            "short": [PRODUCTS[p][4 if en else 3] for p, en in zip(product, english, strict=True)],
            "competitor": "",
        }
    )


def _stellar_rows(rng: np.random.Generator, n: int, weights: np.ndarray) -> pd.DataFrame:
    aspect = np.array(ASPECTS, dtype=object)[rng.choice(6, n, p=ASPECT_P)]
    u = rng.random(n)
    sentiment = np.empty(n, dtype=object)
    for i, a in enumerate(aspect):
        pos, neg, _ = STELLAR_SENTIMENT_P.get(a, STELLAR_OTHER_SENTIMENT_P)
        sentiment[i] = "positive" if u[i] < pos else "negative" if u[i] < pos + neg else "neutral"
    english = rng.random(n) < 0.2
    product = rng.integers(0, len(STELLAR_PRODUCTS), n)
    return pd.DataFrame(
        {
            "cust": -1,
            "t": np.floor(sample_times(rng, weights, np.zeros(n), np.full(n, T_END), np.full(24, 1 / 24))),
            "stype": SOURCE_TYPES.index("review"),
            "aspect": aspect,
            "sentiment": sentiment,
            "english": english,
            "product": [STELLAR_PRODUCTS[p][0] for p in product],
            "short": [STELLAR_PRODUCTS[p][2 if en else 1] for p, en in zip(product, english, strict=True)],
            "competitor": STELLAR_CODE,
        }
    )


def _rating(rng: np.random.Generator, sentiment: np.ndarray) -> np.ndarray:
    u = rng.random(len(sentiment))
    return np.select(
        [sentiment == "positive", sentiment == "neutral"],
        [np.where(u < 0.7, 5, 4), np.where(u < 0.7, 3, 4)],
        np.where(u < 0.55, 1, 2),
    ).astype(float)


def make_feedback(
    rng: np.random.Generator, cust: Customers, total: int, weights: np.ndarray, scale: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The feedback table and its ground truth (feedback_id, aspect, sentiment)."""
    n_stellar = min(round(COMPETITOR_REVIEWS * scale), total // 2)
    fb = pd.concat(
        [_aurora_rows(rng, cust, total - n_stellar, weights), _stellar_rows(rng, n_stellar, weights)],
        ignore_index=True,
    )
    fb = fb.sort_values("t", kind="stable", ignore_index=True)
    m = len(fb)
    english, stype = fb["english"].to_numpy(dtype=bool), fb["stype"].to_numpy()
    lang = np.where(english, "en", "zh")
    style = np.where(stype == 3, "suggest", "feedback")
    text = np.empty(m, dtype=object)
    for s in ("feedback", "suggest"):
        sel = np.flatnonzero(style == s)
        text[sel] = compose(
            rng,
            list(lang[sel]),
            list(fb["aspect"].to_numpy()[sel]),
            list(fb["sentiment"].to_numpy()[sel]),
            list(fb["short"].to_numpy()[sel]),
            style=s,
        )
    source = np.empty(m, dtype=object)
    for k, name in enumerate(SOURCE_TYPES):
        for en in (False, True):
            sel = np.flatnonzero((stype == k) & (english == en))
            options, p = SOURCES[name][int(en)]
            source[sel] = _choose(rng, options, p, len(sel))
    is_review = stype == SOURCE_TYPES.index("review")
    rating = np.where(is_review, _rating(rng, fb["sentiment"].to_numpy()), np.nan)
    ids = [f"F{i + 1:06d}" for i in range(m)]
    idx = fb["cust"].to_numpy()
    table = pd.DataFrame(
        {
            "feedback_id": ids,
            "customer_id": np.where(idx >= 0, cust.ids[np.maximum(idx, 0)], ""),
            "source_type": np.array(SOURCE_TYPES, dtype=object)[stype],
            "source": source,
            "collected_at": fmt_time(fb["t"].to_numpy()),
            "language": lang,
            "product": fb["product"],
            "competitor": fb["competitor"],
            "rating": fmt_int(rating),
            "text": text,
        }
    )
    truth = pd.DataFrame({"feedback_id": ids, "aspect": fb["aspect"], "sentiment": fb["sentiment"]})
    return table, truth
