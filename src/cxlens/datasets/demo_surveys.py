"""The demo company's four surveys: their definitions (YAML) and their wide responses.

The planted parameters (drivers of overall satisfaction, the 华南 dip, the Stellar Home gaps, the action
plan's CSAT lift) are the module constants below; docs/demo.md quotes them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxlens.datasets.demo_text import compose
from cxlens.datasets.demo_world import (
    DAY,
    DEVICES,
    DIP_END,
    DIP_START,
    PRODUCTS,
    SOUTH,
    T_END,
    Customers,
    fmt_int,
    fmt_time,
    sec,
)

# --- planted parameters ---------------------------------------------------------------------------------
NPS_MEAN, NPS_SAT_LOAD, NPS_NOISE = 7.9, 1.7, 1.3
NPS_DIP_SHIFT = -0.75  # 华南 respondents during the dip, on the 0..10 latent scale
NPS_WAVES = (
    "2024-11-15",
    "2025-02-15",
    "2025-05-15",
    "2025-08-15",
    "2025-11-15",
    "2026-02-15",
    "2026-05-15",
    "2026-08-15",
)
WAVE_DAYS = 21.0
DIM_SAT_LOAD, DIM_UNIQUE, ITEM_NOISE = 0.5, 0.6, 0.45
DIP_DELIVERY_SHIFT = -1.0
#: code, zh, en, declared weight, latent mean (1..5), true driver coefficient, aspect, items
DIMENSIONS: tuple[tuple[str, str, str, float, float, float, str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "service_quality",
        "服务质量",
        "Service quality",
        0.25,
        3.8,
        0.7,
        "service",
        (
            ("sq_1", "客服人员专业且乐于助人", "Support staff are professional and helpful"),
            ("sq_2", "我的问题能得到及时回应", "My questions are answered promptly"),
            ("sq_3", "客服人员理解我的需求", "Staff understand my needs"),
        ),
    ),
    (
        "product_performance",
        "产品性能",
        "Product performance",
        0.25,
        3.9,
        0.5,
        "quality",
        (
            ("pp_1", "产品运行稳定可靠", "The products work reliably"),
            ("pp_2", "产品功能满足我的需求", "The features meet my needs"),
            ("pp_3", "产品质量与宣传一致", "Quality matches what was advertised"),
        ),
    ),
    (
        "price",
        "价格",
        "Price",
        0.20,
        3.3,
        0.15,
        "price",
        (
            ("pr_1", "产品价格合理", "Prices are reasonable"),
            ("pr_2", "与同类品牌相比物有所值", "Good value compared with similar brands"),
        ),
    ),
    (
        "delivery",
        "交付",
        "Delivery",
        0.15,
        3.9,
        0.4,
        "delivery",
        (
            ("dl_1", "订单能按时送达", "Orders arrive on time"),
            ("dl_2", "配送过程让我放心", "Delivery is reliable"),
        ),
    ),
    (
        "after_sales",
        "售后",
        "After-sales",
        0.15,
        3.5,
        0.9,
        "after_sales",
        (
            ("as_1", "维修和退换货处理及时", "Repairs and returns are handled quickly"),
            ("as_2", "售后人员能解决我的问题", "After-sales staff solve my problems"),
            ("as_3", "保修政策清晰公平", "The warranty policy is clear and fair"),
        ),
    ),
)
OVERALL_INTERCEPT, OVERALL_NOISE = -2.8, 0.8
SATISFACTION_FROM = "2025-01-01"
STELLAR_DELTA = {
    "service_quality": -0.5,
    "product_performance": 0.0,
    "price": 0.6,
    "delivery": 0.0,
    "after_sales": -0.8,
}
BENCHMARK_PERIOD = ("2025-09-01", "2025-12-01")
ITEM_NONRESPONSE, TEXT_NONRESPONSE = 0.03, 0.30
POST_TICKET_CSAT_BASE, POST_TICKET_CES_BASE = 3.8, 5.0
SURVEY_SIZES = {
    "relationship_nps": 4000,
    "post_ticket": 5000,
    "satisfaction_2025": 3000,
    "benchmark_stellar": 800,
}
ID_PREFIX = {
    "relationship_nps": "RN",
    "post_ticket": "PT",
    "satisfaction_2025": "SA",
    "benchmark_stellar": "BS",
}
STELLAR = {"code": "stellar", "name": {"zh": "星辰家居", "en": "Stellar Home"}}
CHANNELS_ZH, CHANNELS_ZH_P = ("wechat", "sms", "app", "web", "email"), (0.35, 0.15, 0.2, 0.15, 0.15)
CHANNELS_EN, CHANNELS_EN_P = ("email", "web", "app"), (0.5, 0.3, 0.2)
PREF_CHOICES = (
    ("web", "官网", "Website"),
    ("tmall", "天猫", "Tmall"),
    ("jd", "京东", "JD.com"),
    ("store", "门店", "Retail store"),
    ("app", "极光App", "Aurora app"),
)
FEATURES = (
    ("voice", "语音控制", "Voice control", 0.7),
    ("remote", "远程控制", "Remote control", 0.6),
    ("automation", "场景自动化", "Automations", 0.35),
    ("security", "安防提醒", "Security alerts", 0.45),
    ("energy", "能耗统计", "Energy statistics", 0.25),
)


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _q(code: str, qtype: str, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "type": qtype, "text": _t(zh, en), **extra}


def definitions() -> dict[str, dict[str, Any]]:
    """The four survey definitions, in import order, as the YAML parser expects them."""
    return {
        "relationship_nps": _relationship_nps(),
        "post_ticket": _post_ticket(),
        "satisfaction_2025": _satisfaction(),
        "benchmark_stellar": _benchmark(),
    }


def _relationship_nps() -> dict[str, Any]:
    return {
        "code": "relationship_nps",
        "title": _t("客户关系NPS调查", "Relationship NPS survey"),
        "default_language": "zh",
        "status": "in_progress",
        "template": "generic",
        "competitor": None,
        "questions": [
            _q(
                "nps",
                "nps",
                "您有多大可能向朋友或同事推荐极光智能？",
                "How likely are you to recommend Aurora to a friend or colleague?",
                scale=[0, 10],
                required=True,
            ),
            _q(
                "nps_reason",
                "text",
                "您给出这个分数的主要原因是什么？",
                "What is the main reason for your score?",
            ),
            _q(
                "channel_pref",
                "single",
                "您最常通过哪个渠道购买极光产品？",
                "Where do you usually buy Aurora products?",
                choices=[{"code": c, "text": _t(zh, en)} for c, zh, en in PREF_CHOICES],
            ),
            _q(
                "features_used",
                "multi",
                "您经常使用哪些功能？（可多选）",
                "Which features do you use regularly?",
                choices=[{"code": c, "text": _t(zh, en)} for c, zh, en, _ in FEATURES],
            ),
        ],
    }


def _post_ticket() -> dict[str, Any]:
    return {
        "code": "post_ticket",
        "title": _t("服务工单满意度回访", "Post-ticket satisfaction survey"),
        "default_language": "zh",
        "status": "in_progress",
        "template": "generic",
        "competitor": None,
        "questions": [
            _q(
                "csat",
                "csat",
                "您对本次服务的满意程度如何？",
                "How satisfied are you with the support you received?",
                scale=[1, 5],
                required=True,
            ),
            _q(
                "ces",
                "ces",
                "极光智能让我很容易地处理了我的问题。",
                "Aurora made it easy to handle my issue.",
                scale=[1, 7],
            ),
            _q(
                "resolved",
                "single",
                "您的问题解决了吗？",
                "Was your issue resolved?",
                choices=[{"code": "yes", "text": _t("是", "Yes")}, {"code": "no", "text": _t("否", "No")}],
            ),
            _q("comment", "text", "还有什么想告诉我们的吗？", "Anything else you would like to tell us?"),
        ],
    }


def _dimensions() -> list[dict[str, Any]]:
    return [{"code": d[0], "name": _t(d[1], d[2]), "weight": d[3]} for d in DIMENSIONS]


def _satisfaction() -> dict[str, Any]:
    items = [_q(code, "likert", zh, en, scale=[1, 5], dimension=d[0]) for d in DIMENSIONS for code, zh, en in d[7]]
    return {
        "code": "satisfaction_2025",
        "title": _t("客户满意度调查（2025版）", "Customer satisfaction survey (2025 edition)"),
        "default_language": "zh",
        "status": "in_progress",
        "template": "generic",
        "competitor": None,
        "dimensions": _dimensions(),
        "questions": [
            *items,
            _q(
                "overall",
                "rating",
                "总体而言，您对极光智能的满意程度如何？（1-10分）",
                "Overall, how satisfied are you with Aurora? (1-10)",
                scale=[1, 10],
                required=True,
            ),
            _q(
                "repurchase_intent",
                "likert",
                "我会再次购买极光智能的产品。",
                "I will buy Aurora products again.",
                scale=[1, 5],
            ),
            _q("improve", "text", "您认为我们最需要改进的是什么？", "What should we improve most?"),
        ],
    }


def _benchmark() -> dict[str, Any]:
    items = [
        _q(
            d[7][0][0],
            "likert",
            f"（星辰家居）{d[7][0][1]}",
            f"(Stellar Home) {d[7][0][2]}",
            scale=[1, 5],
            dimension=d[0],
        )
        for d in DIMENSIONS
    ]
    return {
        "code": "benchmark_stellar",
        "title": _t("竞品对标调查：星辰家居", "Competitor benchmark: Stellar Home"),
        "default_language": "zh",
        "status": "completed",
        "template": "generic",
        "competitor": STELLAR,
        "dimensions": _dimensions(),
        "questions": [
            *items,
            _q(
                "overall",
                "rating",
                "总体而言，您对星辰家居的满意程度如何？（1-10分）",
                "Overall, how satisfied are you with Stellar Home? (1-10)",
                scale=[1, 10],
                required=True,
            ),
        ],
    }


# --- responses ------------------------------------------------------------------------------------------
def _meta(
    rng: np.random.Generator, survey: str, submitted: np.ndarray, customer: np.ndarray, english: np.ndarray
) -> dict[str, Any]:
    n = len(submitted)
    zh_ch = np.array(CHANNELS_ZH, dtype=object)[rng.choice(len(CHANNELS_ZH), n, p=CHANNELS_ZH_P)]
    en_ch = np.array(CHANNELS_EN, dtype=object)[rng.choice(len(CHANNELS_EN), n, p=CHANNELS_EN_P)]
    return {
        "response_id": [f"{ID_PREFIX[survey]}{i + 1:06d}" for i in range(n)],
        "customer_id": customer,
        "submitted_at": fmt_time(submitted),
        "channel": np.where(english, en_ch, zh_ch),
        "language": np.where(english, "en", "zh"),
    }


def _blank(rng: np.random.Generator, values: np.ndarray, p: float = ITEM_NONRESPONSE) -> np.ndarray:
    out = np.asarray(values, dtype=object).copy()
    out[rng.random(len(out)) < p] = ""
    return out


def _scale(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return np.clip(np.rint(x), lo, hi)


def _products(rng: np.random.Generator, english: np.ndarray) -> list[str]:
    pick = DEVICES[rng.integers(0, len(DEVICES), len(english))]
    return [PRODUCTS[p][4 if en else 3] for p, en in zip(pick, english, strict=True)]


def _in_dip(cust: Customers, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
    return (cust.region[idx] == SOUTH) & (t >= DIP_START) & (t < DIP_END)


def _sorted(idx: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(t, kind="stable")
    return idx[order], np.floor(t[order])


def relationship_nps(rng: np.random.Generator, cust: Customers, total: int) -> pd.DataFrame:
    n = len(cust.ids)
    per_wave = [total // len(NPS_WAVES) + (i < total % len(NPS_WAVES)) for i in range(len(NPS_WAVES))]
    picks, times = [], []
    for wave, k in zip(NPS_WAVES, per_wave, strict=True):
        t = sec(wave) + rng.uniform(0.0, WAVE_DAYS * DAY, n)
        eligible = np.flatnonzero(cust.active(np.arange(n), t))
        chosen = rng.choice(eligible, size=min(k, len(eligible)), replace=False)
        picks.append(chosen)
        times.append(t[chosen])
    idx, t = _sorted(np.concatenate(picks), np.concatenate(times))
    m, english = len(idx), cust.english[idx]
    latent = NPS_MEAN + NPS_SAT_LOAD * cust.sat[idx] + NPS_NOISE * rng.standard_normal(m)
    nps = _scale(latent + NPS_DIP_SHIFT * _in_dip(cust, idx, t), 0, 10)
    sentiment = np.where(nps >= 9, "positive", np.where(nps <= 6, "negative", "neutral"))
    aspect = rng.choice(
        ["delivery", "price", "service", "quality", "after_sales", "connectivity"],
        m,
        p=[0.15, 0.15, 0.2, 0.25, 0.15, 0.1],
    )
    aspect = np.where(_in_dip(cust, idx, t) & (nps <= 6) & (rng.random(m) < 0.6), "delivery", aspect)
    lang = list(np.where(english, "en", "zh"))
    reason = compose(rng, lang, list(aspect), list(sentiment), _products(rng, english), style="short")
    prefs = np.where(english[:, None], [0.6, 0.0, 0.0, 0.1, 0.3], [0.2, 0.3, 0.25, 0.1, 0.15])
    pref = (rng.random(m)[:, None] > np.cumsum(prefs, axis=1)).sum(axis=1).clip(0, len(PREF_CHOICES) - 1)
    used = rng.random((m, len(FEATURES))) < np.array([f[3] for f in FEATURES])
    used[~used.any(axis=1), 0] = True
    codes = [f[0] for f in FEATURES]
    features = [";".join(c for c, u in zip(codes, row, strict=True) if u) for row in used]
    return pd.DataFrame(
        {
            **_meta(rng, "relationship_nps", t, cust.ids[idx], english),
            "nps": fmt_int(nps),  # required: always answered
            "nps_reason": _blank(rng, np.array(reason, dtype=object), TEXT_NONRESPONSE),
            "channel_pref": _blank(rng, np.array([c[0] for c in PREF_CHOICES], dtype=object)[pref]),
            "features_used": _blank(rng, np.array(features, dtype=object)),
        }
    )


def post_ticket(rng: np.random.Generator, cust: Customers, tk: pd.DataFrame, total: int) -> pd.DataFrame:
    """Responses to resolved tickets, sent and answered within a day of resolution."""
    resolved = tk["resolved"].to_numpy()
    eligible = np.flatnonzero(np.isfinite(resolved) & (resolved + DAY < T_END))
    rows = np.sort(rng.choice(eligible, size=min(total, len(eligible)), replace=False))
    t = resolved[rows] + rng.uniform(600.0, DAY, len(rows))
    order = np.argsort(t, kind="stable")
    rows, t = rows[order], np.floor(t[order])
    m, idx = len(rows), tk["cust"].to_numpy()[rows]
    english, e = cust.english[idx], tk["experience"].to_numpy()[rows]
    csat = _scale(POST_TICKET_CSAT_BASE + e + 0.6 * rng.standard_normal(m), 1, 5)
    ces = _scale(POST_TICKET_CES_BASE + e + 0.8 * rng.standard_normal(m), 1, 7)
    unresolved = rng.random(m) < 1.0 / (1.0 + np.exp(2.2 + 1.5 * e))
    sentiment = np.where(csat >= 4, "positive", np.where(csat <= 2, "negative", "neutral"))
    team = tk["team"].to_numpy()[rows]
    other = np.array(["service", "connectivity", "after_sales", "after_sales"])[team]
    aspect = np.where(rng.random(m) < np.array([1.0, 0.5, 0.3, 0.5])[team], "service", other)
    lang = list(np.where(english, "en", "zh"))
    comment = compose(rng, lang, list(aspect), list(sentiment), _products(rng, english), style="short")
    return pd.DataFrame(
        {
            **_meta(rng, "post_ticket", t, cust.ids[idx], english),
            "csat": fmt_int(csat),  # required: always answered
            "ces": _blank(rng, fmt_int(ces)),
            "resolved": _blank(rng, np.where(unresolved, "no", "yes")),
            "comment": _blank(rng, np.array(comment, dtype=object), 0.5),
        }
    )


def _respondents(rng: np.random.Generator, cust: Customers, t: np.ndarray) -> np.ndarray:
    """For each time, a random customer who is active then."""
    idx = rng.integers(0, len(cust.ids), len(t))
    pending = np.flatnonzero(~cust.active(idx, t))
    for _ in range(200):
        if not len(pending):
            break
        idx[pending] = rng.integers(0, len(cust.ids), len(pending))
        pending = pending[~cust.active(idx[pending], t[pending])]
    return idx


def _dimension_answers(
    rng: np.random.Generator, sat: np.ndarray, shift: dict[str, np.ndarray | float], single: bool
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Likert items (with nan for non-response), the overall latent, and each row's weakest aspect."""
    m = len(sat)
    items: dict[str, np.ndarray] = {}
    overall = OVERALL_INTERCEPT + OVERALL_NOISE * rng.standard_normal(m)
    latents = []
    for code, _, _, _, mean, beta, _, dim_items in DIMENSIONS:
        latent = mean + shift.get(code, 0.0) + DIM_SAT_LOAD * sat + DIM_UNIQUE * rng.standard_normal(m)
        latents.append(latent)
        answers = []
        for item in dim_items[:1] if single else dim_items:
            x = _scale(latent + ITEM_NOISE * rng.standard_normal(m), 1, 5)
            x[rng.random(m) < ITEM_NONRESPONSE] = np.nan
            items[item[0]] = x
            answers.append(x)
        stacked = np.vstack(answers)
        seen = np.isfinite(stacked).any(axis=0)
        mean_answer = np.where(
            seen,
            np.nansum(stacked, axis=0) / np.maximum(np.isfinite(stacked).sum(axis=0), 1),
            np.clip(latent, 1, 5),
        )
        overall += beta * mean_answer
    weakest = np.array([d[6] for d in DIMENSIONS])[np.argmin(np.vstack(latents), axis=0)]
    return items, overall, weakest


def satisfaction(rng: np.random.Generator, cust: Customers, total: int) -> pd.DataFrame:
    t = np.sort(np.floor(rng.uniform(sec(SATISFACTION_FROM), T_END - 1.0, total)))
    idx = _respondents(rng, cust, t)
    english = cust.english[idx]
    dip = np.where(_in_dip(cust, idx, t), DIP_DELIVERY_SHIFT, 0.0)
    items, overall_latent, weakest = _dimension_answers(rng, cust.sat[idx], {"delivery": dip}, single=False)
    overall = _scale(overall_latent, 1, 10)  # required: always answered
    repurchase = _scale(0.35 * overall_latent + 1.3 + 0.6 * rng.standard_normal(total), 1, 5)
    lang = list(np.where(english, "en", "zh"))
    improve = compose(rng, lang, list(weakest), ["neutral"] * total, _products(rng, english), style="suggest")
    return pd.DataFrame(
        {
            **_meta(rng, "satisfaction_2025", t, cust.ids[idx], english),
            **{code: fmt_int(x) for code, x in items.items()},
            "overall": fmt_int(overall),
            "repurchase_intent": _blank(rng, fmt_int(repurchase)),
            "improve": _blank(rng, np.array(improve, dtype=object), 0.4),
        }
    )


def benchmark(rng: np.random.Generator, cust: Customers, total: int) -> pd.DataFrame:
    """A market panel's ratings of Stellar Home: no customer ids.

    Panellists' general satisfaction follows the distribution of Aurora's active customers at the same time,
    so the Stellar - Aurora gaps in the same period are the planted ``STELLAR_DELTA``.
    """
    lo, hi = sec(BENCHMARK_PERIOD[0]), sec(BENCHMARK_PERIOD[1])
    t = np.sort(np.floor(rng.uniform(lo, hi, total)))
    english = rng.random(total) < 0.15
    shift: dict[str, np.ndarray | float] = dict(STELLAR_DELTA)
    items, overall_latent, _ = _dimension_answers(rng, cust.sat[_respondents(rng, cust, t)], shift, single=True)
    overall = _scale(overall_latent, 1, 10)  # required: always answered
    meta = _meta(rng, "benchmark_stellar", t, np.full(total, "", dtype=object), english)
    meta["channel"] = np.where(rng.random(total) < 0.7, "web", "app")
    return pd.DataFrame({**meta, **{code: fmt_int(x) for code, x in items.items()}, "overall": fmt_int(overall)})
