"""The simulated world of the demo company 极光智能 / Aurora Smart Home: calendar, catalogue, customers,
tickets, churn and orders.

Times are seconds since :data:`T0` (2024-11-01 00:00:00 UTC) in ``float64`` arrays, ``nan`` when missing and
``inf`` for "never" (a customer who does not churn). Every number that docs/demo.md quotes as a planted
parameter is a module constant here or in ``demo_surveys`` / ``demo_feedback``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlens.datasets.demo_text import chinese_names, company_names, english_names, ticket_texts

DAY = 86_400.0
HOUR = 3_600.0
T0 = np.datetime64("2024-11-01T00:00:00", "s")
DAYS = 730
T_END = DAYS * DAY  # 2026-11-01 00:00:00, exclusive


def sec(date: str) -> float:
    """Seconds from :data:`T0` to a UTC date or timestamp."""
    return float((np.datetime64(date, "s") - T0) / np.timedelta64(1, "s"))


DIP_START, DIP_END = sec("2026-04-01"), sec("2026-07-01")  # 华南 logistics partner change
ACTION_AT = sec("2026-01-01")  # after-sales action plan takes effect

REGIONS = ("华东", "华北", "华南", "西部", "海外")
REGION_P = (0.30, 0.22, 0.20, 0.13, 0.15)
SOUTH, OVERSEAS = 2, 4
SEGMENTS = ("consumer", "business", "vip")
SEGMENT_P = (0.75, 0.18, 0.07)
INDUSTRIES = ("医疗", "零售", "科技", "教育")
TIERS = ("银卡", "金卡", "铂金卡")
TIER_P = ((0.65, 0.30, 0.05), (0.30, 0.50, 0.20), (0.0, 0.25, 0.75))  # per segment

# --- catalogue ------------------------------------------------------------------------------------------
CATEGORIES = ("智能音箱", "智能门锁", "扫地机器人", "安防摄像头", "服务套餐")
CATEGORY_P = (0.25, 0.15, 0.15, 0.20, 0.25)
#: (name, category index, list price, short name zh, short name en)
PRODUCTS: tuple[tuple[str, int, float, str, str], ...] = (
    ("极光音箱 Mini", 0, 199.0, "音箱", "speaker"),
    ("极光音箱 Pro", 0, 599.0, "音箱", "speaker"),
    ("极光智慧屏 S8", 0, 1299.0, "智慧屏", "smart display"),
    ("极光智能门锁 S1", 1, 1499.0, "门锁", "smart lock"),
    ("极光智能门锁 X2", 1, 2299.0, "门锁", "smart lock"),
    ("极光扫地机器人 R3", 2, 1999.0, "扫地机", "robot vacuum"),
    ("极光扫地机器人 R5 Max", 2, 3499.0, "扫地机", "robot vacuum"),
    ("极光摄像头 C2", 3, 299.0, "摄像头", "camera"),
    ("极光室外摄像头 C4", 3, 599.0, "摄像头", "camera"),
    ("极光云存储年卡", 4, 199.0, "云存储", "cloud plan"),
    ("极光延保服务", 4, 299.0, "延保", "warranty plan"),
    ("极光上门安装", 4, 99.0, "安装服务", "installation"),
)
DEVICES = np.array([i for i, p in enumerate(PRODUCTS) if p[1] != 4])
ORDER_CHANNELS = ("官网", "天猫", "京东", "门店")
PROMOTIONS = ("", "双十一", "618", "会员日")
PROMO_DISCOUNT = (1.0, 0.85, 0.88, 0.92)
PEAKS = (("2024-11-11", 5.0), ("2025-06-18", 3.5), ("2025-11-11", 5.0), ("2026-06-18", 3.5))
DELIVERY_MEDIAN_DAYS = (2.2, 3.8)  # mainland, overseas; lognormal sigma 0.35, clipped to 1..6 days
DIP_DELIVERY_FACTOR = 2.0

# --- service desk ---------------------------------------------------------------------------------------
TEAMS = ("售前咨询", "技术支持", "售后服务", "投诉处理")
TICKET_CATEGORIES = (
    "产品咨询",
    "价格咨询",
    "设备连接",
    "安装调试",
    "App问题",
    "退换货",
    "维修",
    "物流查询",
    "投诉",
)
TICKET_CATEGORY_TEAM = np.array([0, 0, 1, 1, 1, 2, 2, 2, 3])
TICKET_CATEGORY_P = np.array([0.12, 0.08, 0.14, 0.08, 0.10, 0.12, 0.12, 0.12, 0.12])
AGENT_NAMES = (
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨帆",
    "周婷",
    "赵磊",
    "黄丽",
    "吴敏",
    "徐强",
    "孙悦",
    "马超",
    "朱琳",
    "胡斌",
    "郭靖",
    "何欣",
    "吴昊",
    "林涛",
    "罗佳",
    "郑凯",
    "梁雪",
    "谢晨",
    "宋雨",
    "唐宁",
    "许亮",
    "韩梅",
    "冯博",
    "郑丽",
    "邓宇",
    "曹阳",
    "彭程",
    "曾敏",
    "肖然",
    "田甜",
    "董洁",
    "袁野",
    "潘辉",
    "于洋",
    "蒋文",
)
SLOW_AGENTS = np.array([6, 17, 28])  # A07 周婷 (售前咨询), A18 吴昊 (技术支持), A29 郑丽 (售后服务)
SLOW_FIRST_RESPONSE_FACTOR = 2.0
SLOW_CSAT_SHIFT = -0.6
TICKET_CHANNELS = ("电话", "在线客服", "邮件", "微信")
TICKET_CHANNEL_P = ((0.30, 0.35, 0.10, 0.25), (0.25, 0.35, 0.40, 0.0))  # mainland, overseas
PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_P = (0.20, 0.55, 0.18, 0.07)
FIRST_RESPONSE_MEDIAN_MIN = 30.0
FIRST_RESPONSE_SIGMA = 0.8
CHANNEL_FIRST_RESPONSE = np.array([0.1, 0.25, 8.0, 0.6])
PRIORITY_FIRST_RESPONSE = np.array([1.4, 1.0, 0.65, 0.35])
WEEKEND_FIRST_RESPONSE = 2.0
TEAM_RESOLUTION_MEDIAN_H = np.array([3.0, 20.0, 40.0, 90.0])
RESOLUTION_SIGMA = 1.0
PRIORITY_RESOLUTION = np.array([1.3, 1.0, 0.75, 0.5])
WEEKEND_RESOLUTION = 1.25
ACTION_RESOLUTION_FACTOR = 0.7  # 售后服务 from 2026-01-01
ACTION_CSAT_SHIFT = 0.3
STUCK_P = 0.045  # tickets never resolved
SLOW_TICKET_DAYS = 7.0  # a ticket not resolved within this is a bad experience
CSAT_BASE, CSAT_SAT_LOAD, CSAT_RES_LOAD, CSAT_NOISE = 3.8, 0.45, 0.3, 0.7
# contacts: agent replies = 1 + Poisson(base × team × channel) (+ one per reopening); resolved tickets reopen
REPLY_BASE = 0.35
TEAM_REPLIES = np.array([0.5, 1.6, 1.2, 2.0])  # 售前咨询, 技术支持, 售后服务, 投诉处理
CHANNEL_REPLIES = np.array([0.6, 1.0, 1.8, 1.0])  # 电话, 在线客服, 邮件, 微信
REOPEN_P = 0.05
REOPEN_TECH_FACTOR = 3.0  # 技术支持: fixes that do not hold
REOPEN_ACTION_FACTOR = 2.0  # 售后服务 from 2026-01-01: the faster closing of the action plan reopens more
REOPEN_AGAIN_P = 0.25

# --- churn ----------------------------------------------------------------------------------------------
CHURN_BASE_HAZARD = 0.04  # per year at latent satisfaction 0
CHURN_SAT_LOAD = 1.7  # hazard multiplied by exp(-load * latent)
CHURN_BAD_TICKET_P = 0.15  # chance that one bad ticket makes the customer leave
CHURN_BAD_TICKET_DELAY_DAYS = 21.0  # mean (exponential) delay after the ticket became bad

ORDER_HOURS = np.array(
    [
        1.0,
        1.0,
        1.1,
        1.1,
        1.0,
        0.9,
        1.0,
        1.1,
        1.1,
        1.2,
        1.3,
        1.5,
        1.8,
        1.9,
        1.8,
        1.2,
        0.5,
        0.3,
        0.2,
        0.2,
        0.2,
        0.3,
        0.5,
        0.8,
    ]
)
TICKET_HOURS = np.array(
    [
        0.4,
        1.2,
        1.3,
        1.2,
        1.1,
        0.8,
        1.2,
        1.3,
        1.2,
        1.1,
        1.0,
        0.8,
        0.7,
        0.6,
        0.3,
        0.2,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.2,
    ]
)
ORDER_HOURS, TICKET_HOURS = ORDER_HOURS / ORDER_HOURS.sum(), TICKET_HOURS / TICKET_HOURS.sum()


@dataclass
class Customers:
    """The customer base with its hidden truth (latent satisfaction, churn time)."""

    ids: np.ndarray
    region: np.ndarray
    segment: np.ndarray
    signup: np.ndarray
    sat: np.ndarray
    churn: np.ndarray
    table: pd.DataFrame

    @property
    def start(self) -> np.ndarray:
        return np.maximum(self.signup, 0.0)

    @property
    def end(self) -> np.ndarray:
        return np.maximum(np.minimum(self.churn, T_END), self.start)

    @property
    def english(self) -> np.ndarray:
        return self.region == OVERSEAS

    def active(self, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (self.signup[idx] <= t) & (t < self.churn[idx]) & (t < T_END)


# --- helpers --------------------------------------------------------------------------------------------
def day_parts(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Month (1..12), day of month and weekday (0 = Monday) of each time."""
    dates = T0.astype("datetime64[D]") + np.floor(np.asarray(t) / DAY).astype("int64")
    months = dates.astype("datetime64[M]")
    month = months.astype("int64") % 12 + 1
    dom = (dates - months.astype("datetime64[D]")).astype("int64") + 1
    weekday = (dates.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday
    return month, dom, weekday


def order_day_weights() -> np.ndarray:
    """Relative order volume per day of the window: slow growth, 双十一 and 618 peaks, monthly 会员日."""
    d = np.arange(DAYS, dtype=float)
    w = 1.0 + 0.25 * d / DAYS
    for date, amplitude in PEAKS:
        dist = d - sec(date) / DAY
        w += amplitude * np.where(dist <= 0, np.exp(np.minimum(dist, 0) / 3.0), np.exp(-np.maximum(dist, 0)))
    _, dom, _ = day_parts(d * DAY)
    w += 0.5 * (dom == 8)
    return w / w.mean()


def ticket_day_weights(order_weights: np.ndarray) -> np.ndarray:
    lagged = np.concatenate([np.full(7, order_weights[0]), order_weights[:-7]])
    return 0.6 + 0.4 * lagged


def _cumulative(weights: np.ndarray, t: np.ndarray) -> np.ndarray:
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    return np.interp(np.asarray(t) / DAY, np.arange(DAYS + 1, dtype=float), cum)


def exposure(weights: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Weighted days between ``lo`` and ``hi`` (weights average 1 over the window)."""
    return _cumulative(weights, hi) - _cumulative(weights, lo)


def sample_times(
    rng: np.random.Generator, weights: np.ndarray, lo: np.ndarray, hi: np.ndarray, hours: np.ndarray
) -> np.ndarray:
    """One time per row in ``[lo, hi)``: day density proportional to ``weights``, hour of day from ``hours``."""
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    u = rng.uniform(_cumulative(weights, lo), _cumulative(weights, hi))
    x = np.interp(u, cum, np.arange(DAYS + 1, dtype=float))
    t = np.floor(x) * DAY + rng.choice(24, size=len(x), p=hours) * HOUR + rng.uniform(0, HOUR, len(x))
    return np.where((t >= lo) & (t < hi), t, np.minimum(x * DAY, hi - 1.0))


def allocate(rng: np.random.Generator, expected: np.ndarray, total: float) -> np.ndarray:
    """Poisson counts per row, proportional to ``expected`` and summing to about ``total``."""
    s = expected.sum()
    return rng.poisson(expected * (total / s)) if s > 0 else np.zeros(len(expected), dtype=np.int64)


# --- customers ------------------------------------------------------------------------------------------
def make_customers(rng: np.random.Generator, n: int) -> Customers:
    region = rng.choice(len(REGIONS), n, p=REGION_P)
    segment = rng.choice(len(SEGMENTS), n, p=SEGMENT_P)
    before = rng.random(n) < 0.45
    signup = np.where(before, rng.uniform(sec("2021-01-01"), 0.0, n), rng.uniform(0.0, sec("2026-09-30"), n))
    order = np.argsort(signup, kind="stable")
    region, segment, signup = region[order], segment[order], np.floor(signup[order])
    sat = rng.normal(0.0, 1.0, n) + 0.2 * (segment == 2)
    ids = np.array([f"C{i + 1:05d}" for i in range(n)], dtype=object)
    table = _customer_table(rng, ids, region, segment, signup)
    return Customers(ids, region, segment, signup, sat, np.full(n, np.inf), table)


def _customer_table(
    rng: np.random.Generator, ids: np.ndarray, region: np.ndarray, segment: np.ndarray, signup: np.ndarray
) -> pd.DataFrame:
    n = len(ids)
    business, overseas = segment == 1, region == OVERSEAS
    industry = np.where(business, np.array(INDUSTRIES, dtype=object)[rng.integers(0, 4, n)], "")
    female = rng.random(n) < 0.48
    zh_names, en_names = (
        np.array(chinese_names(rng, female), object),
        np.array(english_names(rng, female), object),
    )
    names = np.where(overseas, en_names, zh_names)
    if business.any():
        names[business] = company_names(rng, list(industry[business]), region[business], overseas[business])
    age = np.clip(np.rint(rng.normal(36.0, 10.0, n)), 18, 75)
    gender = np.where(female, "女", "男")
    u = rng.random(n)
    cum = np.cumsum(np.array(TIER_P), axis=1)[segment]
    tier = np.array(TIERS, dtype=object)[(u[:, None] > cum).sum(axis=1).clip(0, 2)]
    return pd.DataFrame(
        {
            "customer_id": ids,
            "name": names,
            "segment": np.array(SEGMENTS, dtype=object)[segment],
            "region": np.array(REGIONS, dtype=object)[region],
            "industry": industry,
            "signed_up_at": fmt_time(signup),
            "age": fmt_int(np.where(business, np.nan, age)),
            "gender": np.where(business, "", gender),
            "member_tier": tier,
        }
    )


# --- tickets --------------------------------------------------------------------------------------------
def make_tickets(rng: np.random.Generator, cust: Customers, total: float, weights: np.ndarray) -> pd.DataFrame:
    """Tickets over each customer's whole life in the window (the caller drops those after churn)."""
    rate = np.exp(-0.25 * cust.sat) * np.where(cust.segment == 1, 1.6, 1.0)
    counts = allocate(rng, rate * exposure(weights, cust.start, np.full(len(rate), T_END)), total)
    ci = np.repeat(np.arange(len(counts)), counts)
    m = len(ci)
    created = np.floor(sample_times(rng, weights, cust.start[ci], np.full(m, T_END), TICKET_HOURS))
    south_dip = (cust.region[ci] == SOUTH) & (created >= DIP_START) & (created < DIP_END)
    p_dip = TICKET_CATEGORY_P * np.where(np.array(TICKET_CATEGORIES) == "物流查询", 3.0, 1.0)
    category = np.where(south_dip, rng.choice(9, m, p=p_dip / p_dip.sum()), rng.choice(9, m, p=TICKET_CATEGORY_P))
    team = TICKET_CATEGORY_TEAM[category]
    agent = team * 10 + rng.integers(0, 10, m)
    english = cust.english[ci]
    channel = np.where(english, rng.choice(4, m, p=TICKET_CHANNEL_P[1]), rng.choice(4, m, p=TICKET_CHANNEL_P[0]))
    priority = rng.choice(4, m, p=PRIORITY_P)
    tk = pd.DataFrame(
        {
            "cust": ci,
            "created": created,
            "category": category,
            "team": team,
            "agent": agent,
            "channel": channel,
            "priority": priority,
            "english": english,
        }
    )
    _ticket_times(rng, tk)
    _ticket_csat(rng, tk, cust.sat[ci])
    return tk


def _ticket_times(rng: np.random.Generator, tk: pd.DataFrame) -> None:
    m = len(tk)
    created, team, priority = tk["created"].to_numpy(), tk["team"].to_numpy(), tk["priority"].to_numpy()
    weekend = day_parts(created)[2] >= 5
    slow = np.isin(tk["agent"].to_numpy(), SLOW_AGENTS)
    fr_median = (
        FIRST_RESPONSE_MEDIAN_MIN
        * 60.0
        * CHANNEL_FIRST_RESPONSE[tk["channel"].to_numpy()]
        * PRIORITY_FIRST_RESPONSE[priority]
        * np.where(weekend, WEEKEND_FIRST_RESPONSE, 1.0)
        * np.where(slow, SLOW_FIRST_RESPONSE_FACTOR, 1.0)
    )
    first = created + np.ceil(fr_median * np.exp(FIRST_RESPONSE_SIGMA * rng.standard_normal(m)))
    res_median = (
        TEAM_RESOLUTION_MEDIAN_H[team]
        * PRIORITY_RESOLUTION[priority]
        * np.where((team == 2) & (created >= ACTION_AT), ACTION_RESOLUTION_FACTOR, 1.0)
        * np.where(weekend, WEEKEND_RESOLUTION, 1.0)
    )
    z = rng.standard_normal(m)
    resolved = first + np.ceil(res_median * np.exp(RESOLUTION_SIGMA * z) * HOUR)
    stuck = rng.random(m) < STUCK_P
    tk["bad"] = stuck | (resolved - created > SLOW_TICKET_DAYS * DAY)
    tk["bad_at"] = created + SLOW_TICKET_DAYS * DAY
    tk["z_res"], tk["slow_agent"] = z, slow
    tk["first"] = np.where(first < T_END, first, np.nan)
    tk["resolved"] = np.where(stuck | (resolved >= T_END), np.nan, resolved)
    u = rng.random(m)
    done = np.isfinite(tk["resolved"].to_numpy())
    closed = done & (tk["resolved"].to_numpy() < T_END - 7 * DAY) & (u < 0.75)
    tk["status"] = np.where(done, np.where(closed, "closed", "resolved"), np.where(u < 0.6, "open", "pending"))


def _ticket_csat(rng: np.random.Generator, tk: pd.DataFrame, sat: np.ndarray) -> None:
    """Each ticket's experience (shared with the post-ticket survey) and its optional 1..5 CSAT."""
    m = len(tk)
    experience = (
        CSAT_SAT_LOAD * sat
        - CSAT_RES_LOAD * tk["z_res"].to_numpy()
        + SLOW_CSAT_SHIFT * tk["slow_agent"].to_numpy()
        + ACTION_CSAT_SHIFT * (tk["created"].to_numpy() >= ACTION_AT)
    )
    tk["experience"] = experience
    rated = np.isfinite(tk["resolved"].to_numpy()) & (rng.random(m) < 0.63)
    csat = np.clip(np.rint(CSAT_BASE + experience + CSAT_NOISE * rng.standard_normal(m)), 1, 5)
    tk["csat"] = np.where(rated, csat, np.nan)


def ticket_contacts(rng: np.random.Generator, tk: pd.DataFrame) -> None:
    """Each ticket's agent replies and reopenings (docs/demo.md, *Contacts and reopenings*)."""
    m = len(tk)
    team, created = tk["team"].to_numpy(), tk["created"].to_numpy()
    resolved = np.isfinite(tk["resolved"].to_numpy())
    p = REOPEN_P * np.where(team == 1, REOPEN_TECH_FACTOR, 1.0)
    p = p * np.where((team == 2) & (created >= ACTION_AT), REOPEN_ACTION_FACTOR, 1.0)
    reopens = np.where(resolved & (rng.random(m) < p), 1 + (rng.random(m) < REOPEN_AGAIN_P), 0)
    mu = REPLY_BASE * TEAM_REPLIES[team] * CHANNEL_REPLIES[tk["channel"].to_numpy()]
    replies = 1 + rng.poisson(mu) + reopens
    tk["reopens"] = reopens
    tk["replies"] = np.where(np.isfinite(tk["first"].to_numpy()), replies, 0)


def apply_churn(rng: np.random.Generator, cust: Customers, tk: pd.DataFrame) -> pd.DataFrame:
    """Set each customer's churn time and return the tickets created before it."""
    n = len(cust.ids)
    hazard = CHURN_BASE_HAZARD * np.exp(-CHURN_SAT_LOAD * cust.sat)
    churn = cust.start + rng.exponential(1.0, n) / hazard * 365.0 * DAY
    trigger = tk["bad"].to_numpy() & (rng.random(len(tk)) < CHURN_BAD_TICKET_P)
    when = tk["bad_at"].to_numpy() + rng.exponential(CHURN_BAD_TICKET_DELAY_DAYS * DAY, len(tk))
    np.minimum.at(churn, tk["cust"].to_numpy()[trigger], when[trigger])
    cust.churn = np.where(churn < T_END, np.floor(churn), np.inf)
    return tk[tk["created"].to_numpy() < cust.churn[tk["cust"].to_numpy()]].reset_index(drop=True)


def ticket_table(rng: np.random.Generator, cust: Customers, tk: pd.DataFrame) -> pd.DataFrame:
    tk = tk.sort_values("created", kind="stable", ignore_index=True)
    tk["id"] = [f"T{i + 1:06d}" for i in range(len(tk))]
    lang = np.where(tk["english"].to_numpy(), "en", "zh")
    product = DEVICES[rng.integers(0, len(DEVICES), len(tk))]
    short = [PRODUCTS[p][4 if la == "en" else 3] for p, la in zip(product, lang, strict=True)]
    category = np.array(TICKET_CATEGORIES, dtype=object)[tk["category"].to_numpy()]
    subject, description = ticket_texts(rng, list(lang), list(category), short)
    agent = tk["agent"].to_numpy()
    return pd.DataFrame(
        {
            "ticket_id": tk["id"],
            "customer_id": cust.ids[tk["cust"].to_numpy()],
            "created_at": fmt_time(tk["created"].to_numpy()),
            "agent_id": [f"A{a + 1:02d}" for a in agent],
            "agent_name": np.array(AGENT_NAMES, dtype=object)[agent],
            "team": np.array(TEAMS, dtype=object)[tk["team"].to_numpy()],
            "channel": np.array(TICKET_CHANNELS, dtype=object)[tk["channel"].to_numpy()],
            "priority": np.array(PRIORITIES, dtype=object)[tk["priority"].to_numpy()],
            "category": category,
            "subject": subject,
            "description": description,
            "first_response_at": fmt_time(tk["first"].to_numpy()),
            "resolved_at": fmt_time(tk["resolved"].to_numpy()),
            "status": tk["status"],
            "csat": fmt_int(tk["csat"].to_numpy()),
            "reopen_count": fmt_int(tk["reopens"].to_numpy().astype(float)),
            "agent_replies": fmt_int(tk["replies"].to_numpy().astype(float)),
        }
    )


# --- orders ---------------------------------------------------------------------------------------------
def make_orders(rng: np.random.Generator, cust: Customers, total: float, weights: np.ndarray) -> pd.DataFrame:
    rate = np.array([1.0, 2.5, 2.2])[cust.segment] * np.exp(0.15 * cust.sat)
    counts = allocate(rng, rate * exposure(weights, cust.start, cust.end), total)
    ci = np.repeat(np.arange(len(counts)), counts)
    m = len(ci)
    ordered = np.floor(sample_times(rng, weights, cust.start[ci], cust.end[ci], ORDER_HOURS))
    by_time = np.argsort(ordered, kind="stable")
    ci, ordered = ci[by_time], ordered[by_time]
    category = rng.choice(len(CATEGORIES), m, p=CATEGORY_P)
    in_cat = [np.array([i for i, p in enumerate(PRODUCTS) if p[1] == c]) for c in range(len(CATEGORIES))]
    pick = rng.random(m)
    product = np.empty(m, dtype=np.int64)
    for c, members in enumerate(in_cat):
        sel = category == c
        product[sel] = members[(pick[sel] * len(members)).astype(np.int64)]
    business, overseas = cust.segment[ci] == 1, cust.english[ci]
    quantity = np.where(business, 1 + rng.geometric(0.25, m), rng.choice([1, 2, 3], m, p=[0.85, 0.12, 0.03]))
    channel = np.where(
        overseas,
        rng.choice(4, m, p=[0.9, 0.0, 0.0, 0.1]),
        np.where(business, rng.choice(4, m, p=[0.5, 0.0, 0.3, 0.2]), rng.choice(4, m, p=[0.25, 0.35, 0.30, 0.10])),
    )
    return _order_table(rng, cust, ci, ordered, product, quantity, channel)


def _order_table(
    rng: np.random.Generator,
    cust: Customers,
    ci: np.ndarray,
    ordered: np.ndarray,
    product: np.ndarray,
    quantity: np.ndarray,
    channel: np.ndarray,
) -> pd.DataFrame:
    m = len(ci)
    month, dom, _ = day_parts(ordered)
    u = rng.random(m)
    promo = np.where(
        (month == 11) & (dom <= 11) & (u < 0.85),
        1,
        np.where((month == 6) & (dom <= 18) & (u < 0.85), 2, np.where((dom == 8) & (u < 0.6), 3, 0)),
    )
    price = np.array([p[2] for p in PRODUCTS])[product]
    coupon = np.where(rng.random(m) < 0.3, rng.uniform(0.9, 1.0, m), 1.0)
    amount = np.round(price * quantity * np.array(PROMO_DISCOUNT)[promo] * coupon, 2)
    overseas = cust.english[ci]
    median = np.where(overseas, DELIVERY_MEDIAN_DAYS[1], DELIVERY_MEDIAN_DAYS[0])
    days = np.clip(median * np.exp(0.35 * rng.standard_normal(m)), 1.0, 6.0)
    dip = (cust.region[ci] == SOUTH) & (ordered >= DIP_START) & (ordered < DIP_END)
    fulfilled = ordered + np.floor(days * np.where(dip, DIP_DELIVERY_FACTOR, 1.0) * DAY)
    fulfilled = np.where((fulfilled < T_END) & (rng.random(m) >= 0.015), fulfilled, np.nan)
    return pd.DataFrame(
        {
            "order_id": [f"O{i + 1:07d}" for i in range(m)],
            "customer_id": cust.ids[ci],
            "ordered_at": fmt_time(ordered),
            "fulfilled_at": fmt_time(fulfilled),
            "amount": fmt_decimal(amount),
            "product": np.array([p[0] for p in PRODUCTS], dtype=object)[product],
            "category": np.array(CATEGORIES, dtype=object)[np.array([p[1] for p in PRODUCTS])[product]],
            "quantity": fmt_int(quantity.astype(float)),
            "channel": np.array(ORDER_CHANNELS, dtype=object)[channel],
            "promotion": np.array(PROMOTIONS, dtype=object)[promo],
        }
    )


# --- formatting -----------------------------------------------------------------------------------------
def fmt_time(t: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD HH:MM:SS`` (UTC) for each time; empty for nan or inf."""
    t = np.asarray(t, dtype=float)
    out = np.full(t.shape, "", dtype=object)
    ok = np.isfinite(t)
    if ok.any():
        stamps = T0 + np.floor(t[ok]).astype("int64").astype("timedelta64[s]")
        out[ok] = [s.replace("T", " ") for s in np.datetime_as_string(stamps, unit="s")]
    return out


def fmt_int(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    out = np.full(x.shape, "", dtype=object)
    ok = np.isfinite(x)
    out[ok] = [str(int(v)) for v in x[ok]]
    return out


def fmt_decimal(x: np.ndarray, places: int = 2) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    out = np.full(x.shape, "", dtype=object)
    ok = np.isfinite(x)
    out[ok] = [f"{v:.{places}f}" for v in x[ok]]
    return out
