"""The demo data set: deterministic, canonical columns, valid surveys, and every planted effect findable."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cxlens.datasets.demo import CUSTOMER_ATTRIBUTES, DemoFiles, generate
from cxlens.ingest.fields import FIELDS

SMALL = 0.05
MINIMUMS = {"customers": 2000, "orders": 50_000, "tickets": 20_000, "feedback": 5000, "responses": 10_000}
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
SLOW_AGENTS = ["A07", "A18", "A29"]
DIMENSIONS = {
    "service_quality": ["sq_1", "sq_2", "sq_3"],
    "product_performance": ["pp_1", "pp_2", "pp_3"],
    "price": ["pr_1", "pr_2"],
    "delivery": ["dl_1", "dl_2"],
    "after_sales": ["as_1", "as_2", "as_3"],
}
SCALE_TYPES = ("nps", "csat", "ces", "rating", "likert", "number")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate(tmp_path_factory.mktemp("small"), seed=11, scale=SMALL)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return generate(tmp_path_factory.mktemp("full"))


def read(path: Path, encoding: str = "utf-8") -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)


def feedback(files: DemoFiles) -> pd.DataFrame:
    return read(files.feedback, "gb18030")


def stamps(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", None), format="%Y-%m-%d %H:%M:%S")


def numbers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.replace("", None))


def counts(files: DemoFiles) -> dict[str, int]:
    out = {kind: len(read(getattr(files, kind))) for kind in ("customers", "orders", "tickets")}
    out["feedback"] = len(feedback(files))
    out["responses"] = sum(len(read(p)) for p in files.responses.values())
    return out


def quarter(t: pd.Series) -> pd.Series:
    return t.dt.year.astype(str) + "Q" + t.dt.quarter.astype(str)


# --- determinism and shape ------------------------------------------------------------------------------
def test_same_seed_writes_identical_bytes_and_another_seed_does_not(tmp_path: Path, small: DemoFiles) -> None:
    again = generate(tmp_path / "again", seed=11, scale=SMALL)
    other = generate(tmp_path / "other", seed=12, scale=SMALL)
    names = sorted(p.name for p in small.folder.iterdir())
    assert names == sorted(p.name for p in again.folder.iterdir())
    assert len(names) == 14
    for name in names:
        assert (small.folder / name).read_bytes() == (again.folder / name).read_bytes(), name
    for name in ("orders.csv", "tickets.csv", "feedback.csv", "responses_satisfaction_2025.csv"):
        assert (small.folder / name).read_bytes() != (other.folder / name).read_bytes(), name


def test_row_counts_meet_the_minimums_and_scale(small: DemoFiles, full: DemoFiles) -> None:
    big, little = counts(full), counts(small)
    for kind, minimum in MINIMUMS.items():
        assert big[kind] >= minimum, kind
        assert little[kind] >= minimum * SMALL, kind
        assert 0.8 * SMALL < little[kind] / big[kind] < 1.2 * SMALL, kind


def test_files_dataclass_points_at_the_written_files(full: DemoFiles) -> None:
    assert [p.name for p in full.surveys] == [
        f"survey_{c}.yaml" for c in ("relationship_nps", "post_ticket", "satisfaction_2025", "benchmark_stellar")
    ]
    assert list(full.responses) == ["relationship_nps", "post_ticket", "satisfaction_2025", "benchmark_stellar"]
    for path in [
        full.customers,
        full.orders,
        full.tickets,
        full.feedback,
        full.customers_truth,
        full.feedback_truth,
        *full.responses.values(),
    ]:
        assert path.parent == full.folder and path.stat().st_size > 0


def test_feedback_is_gb18030_not_utf8(small: DemoFiles) -> None:
    raw = small.feedback.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gb18030")
    assert text.startswith("feedback_id,") and "客服" in text
    for path in [small.customers, small.orders, small.tickets, *small.responses.values()]:
        path.read_bytes().decode("utf-8")


def test_columns_are_the_canonical_field_names(small: DemoFiles) -> None:
    canonical = {kind: [f.name for f in fields] for kind, fields in FIELDS.items()}
    required = {kind: {f.name for f in fields if f.required} for kind, fields in FIELDS.items()}
    assert list(read(small.customers).columns) == canonical["customers"] + list(CUSTOMER_ATTRIBUTES)
    for kind in ("orders", "tickets"):
        assert set(read(getattr(small, kind)).columns) == set(canonical[kind]), kind
    assert set(feedback(small).columns) == set(canonical["feedback"])
    for path in small.responses.values():
        meta = list(read(path).columns[:5])
        assert meta == ["response_id", "customer_id", "submitted_at", "channel", "language"]
        assert set(meta) <= set(canonical["responses"]) and required["responses"] <= set(meta)


def test_values_are_well_formed(small: DemoFiles) -> None:
    orders, tickets, fb = read(small.orders), read(small.tickets), feedback(small)
    for frame, columns in (
        (orders, ["ordered_at", "fulfilled_at"]),
        (tickets, ["created_at", "resolved_at"]),
        (fb, ["collected_at"]),
        (read(small.customers), ["signed_up_at"]),
    ):
        for column in columns:
            filled = frame[column][frame[column] != ""]
            assert filled.str.match(STAMP).all(), column
    window = (pd.Timestamp("2024-11-01"), pd.Timestamp("2026-11-01"))
    for t in (stamps(orders["ordered_at"]), stamps(tickets["created_at"]), stamps(fb["collected_at"])):
        assert t.min() >= window[0] and t.max() < window[1]
    assert orders["amount"].str.match(r"^\d+\.\d{2}$").all()
    assert orders["order_id"].is_unique and tickets["ticket_id"].is_unique and fb["feedback_id"].is_unique
    assert set(fb["source_type"]) <= {"complaint", "suggestion", "review", "social", "email", "call", "interview"}
    assert set(tickets["priority"]) == {"low", "normal", "high", "urgent"}
    assert set(orders["promotion"]) <= {"", "双十一", "618", "会员日"}
    ratings = fb.loc[fb["rating"] != "", "source_type"]
    assert (ratings == "review").all()


def test_ticket_status_agrees_with_its_times(full: DemoFiles) -> None:
    t = read(full.tickets)
    created, first, resolved = stamps(t["created_at"]), stamps(t["first_response_at"]), stamps(t["resolved_at"])
    open_ = resolved.isna()
    assert set(t.loc[open_, "status"]) <= {"open", "pending"}
    assert set(t.loc[~open_, "status"]) <= {"resolved", "closed"}
    assert 0.03 < open_.mean() < 0.08
    assert (first.dropna() >= created[first.notna()]).all() and (resolved.dropna() >= first[resolved.notna()]).all()
    assert 0.3 < (t["csat"] == "").mean() < 0.5 and (t.loc[open_, "csat"] == "").all()


# --- surveys --------------------------------------------------------------------------------------------
def _check_answers(survey: dict, frame: pd.DataFrame) -> tuple[int, int]:
    """Check each answered value against its question; return (blank, all) optional closed-question cells."""
    blank = cells = 0
    for q in survey["questions"]:
        answers = frame[q["code"]][frame[q["code"]] != ""]
        assert len(answers) > 0, q["code"]
        if q.get("required"):
            assert len(answers) == len(frame), q["code"]
        elif q["type"] != "text":
            blank, cells = blank + len(frame) - len(answers), cells + len(frame)
        if q["type"] in SCALE_TYPES:
            lo, hi = q["scale"]
            values = answers.astype(int)
            assert values.between(lo, hi).all() and values.nunique() > 2, q["code"]
        elif q["type"] in ("single", "multi"):
            codes = {c["code"] for c in q["choices"]}
            picked = answers.str.split(";").explode() if q["type"] == "multi" else answers
            assert set(picked) <= codes, q["code"]
    return blank, cells


def test_surveys_parse_and_responses_use_their_question_codes(small: DemoFiles) -> None:
    blank = cells = 0
    for path, (code, responses) in zip(small.surveys, small.responses.items(), strict=True):
        survey = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert survey["code"] == code and set(survey["title"]) == {"zh", "en"}
        assert survey["status"] in {"draft", "in_progress", "paused", "completed"}
        dims = {d["code"]: d["weight"] for d in survey.get("dimensions", [])}
        if dims:
            assert sum(dims.values()) == pytest.approx(1.0)
        for q in survey["questions"]:
            assert q["type"] in {"nps", "csat", "ces", "rating", "likert", "single", "multi", "text", "number"}
            assert set(q["text"]) == {"zh", "en"}
            assert ("scale" in q) == (q["type"] in SCALE_TYPES)
            assert ("choices" in q) == (q["type"] in ("single", "multi"))
            assert q.get("dimension", next(iter(dims), None)) in dims or not dims
        frame = read(responses)
        assert list(frame.columns[5:]) == [q["code"] for q in survey["questions"]]
        assert frame["response_id"].is_unique
        blank, cells = map(sum, zip((blank, cells), _check_answers(survey, frame), strict=True))
    assert 0.015 < blank / cells < 0.05  # about 3% item non-response
    stellar = yaml.safe_load(small.surveys[-1].read_text(encoding="utf-8"))
    assert stellar["competitor"] == {"code": "stellar", "name": {"zh": "星辰家居", "en": "Stellar Home"}}
    assert (read(small.responses["benchmark_stellar"])["customer_id"] == "").all()


def test_response_language_follows_region(small: DemoFiles) -> None:
    region = read(small.customers).set_index("customer_id")["region"]
    for code in ("relationship_nps", "post_ticket", "satisfaction_2025"):
        r = read(small.responses[code])
        overseas = r["customer_id"].map(region) == "海外"
        assert ((r["language"] == "en") == overseas).all(), code


# --- planted effects ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def satisfaction(full: DemoFiles) -> pd.DataFrame:
    frame = read(full.responses["satisfaction_2025"])
    region = read(full.customers).set_index("customer_id")["region"]
    out = pd.DataFrame({dim: frame[items].apply(numbers).mean(axis=1) for dim, items in DIMENSIONS.items()})
    out["overall"] = numbers(frame["overall"])
    out["q"] = quarter(stamps(frame["submitted_at"]))
    out["submitted_at"] = stamps(frame["submitted_at"])
    out["region"] = frame["customer_id"].map(region)
    return out


def test_drivers_of_overall_satisfaction(full: DemoFiles, satisfaction: pd.DataFrame) -> None:
    data = satisfaction.dropna()
    x = np.column_stack([np.ones(len(data)), data[list(DIMENSIONS)].to_numpy()])
    beta = dict(zip(["const", *DIMENSIONS], np.linalg.lstsq(x, data["overall"].to_numpy(), rcond=None)[0], strict=True))
    assert beta["after_sales"] > beta["service_quality"] > beta["product_performance"] > beta["price"] > 0
    assert beta["after_sales"] == pytest.approx(0.9, abs=0.15)
    assert beta["price"] == pytest.approx(0.15, abs=0.12)
    frame = read(full.responses["satisfaction_2025"])
    for dim, items in DIMENSIONS.items():
        x_items = frame[items].apply(numbers).dropna()
        k = len(items)
        alpha = k / (k - 1) * (1 - x_items.var().sum() / x_items.sum(axis=1).var())
        assert 0.72 < alpha < 0.92, dim


def test_south_china_dip_in_delivery(full: DemoFiles, satisfaction: pd.DataFrame) -> None:
    orders = read(full.orders)
    region = read(full.customers).set_index("customer_id")["region"]
    ordered = stamps(orders["ordered_at"])
    days = (stamps(orders["fulfilled_at"]) - ordered).dt.total_seconds() / 86400
    assert days.min() >= 1.0 and days.max() <= 12.0
    south = orders["customer_id"].map(region) == "华南"
    by_q = days[south].groupby(quarter(ordered)[south]).median()
    assert by_q["2026Q2"] > 1.5 * by_q.drop("2026Q2").max()
    assert by_q["2026Q3"] < 1.2 * by_q.drop(["2026Q2", "2026Q3"]).median()
    assert days[~south].groupby(quarter(ordered)[~south]).median()["2026Q2"] < 1.2 * days[~south].median()
    s = satisfaction[satisfaction["region"] == "华南"]
    dip = s["q"] == "2026Q2"
    assert s.loc[~dip, "delivery"].mean() - s.loc[dip, "delivery"].mean() > 0.6
    assert abs(s.loc[~dip, "service_quality"].mean() - s.loc[dip, "service_quality"].mean()) < 0.3


def _nps(scores: pd.Series) -> float:
    return 100.0 * ((scores >= 9).mean() - (scores <= 6).mean())


def test_south_china_dip_in_nps_and_complaints(full: DemoFiles) -> None:
    r = read(full.responses["relationship_nps"])
    region = read(full.customers).set_index("customer_id")["region"]
    r = r[r["nps"] != ""]
    score, q = numbers(r["nps"]), quarter(stamps(r["submitted_at"]))
    south = r["customer_id"].map(region) == "华南"
    dip = south & (q == "2026Q2")
    assert _nps(score[south & ~dip]) - _nps(score[dip]) > 10  # planted ~20 points; ~100 respondents: SE ~9
    # the same dip, with the respondents' latent satisfaction (the truth) taken out: much less noise
    latent = numbers(r["customer_id"].map(read(full.customers_truth).set_index("customer_id")["latent_satisfaction"]))
    fit = np.polyfit(latent[~dip], score[~dip], 1)
    residual = score - np.polyval(fit, latent)
    assert residual[south & ~dip].mean() - residual[dip].mean() > 0.3
    assert abs(residual[~south & (q == "2026Q2")].mean()) < 0.2
    fb = feedback(full).merge(read(full.feedback_truth), on="feedback_id")
    complaints = fb[
        (fb["source_type"] == "complaint") & (fb["aspect"] == "delivery") & (fb["customer_id"].map(region) == "华南")
    ]
    per_q = quarter(stamps(complaints["collected_at"])).value_counts()
    full_quarters = per_q.drop(["2024Q4", "2026Q4", "2026Q2"], errors="ignore")
    assert per_q["2026Q2"] > 2.0 * full_quarters.mean()


def test_agents_teams_priorities_and_weekends(full: DemoFiles) -> None:
    t = read(full.tickets)
    created = stamps(t["created_at"])
    wait = (stamps(t["first_response_at"]) - created).dt.total_seconds()
    resolve = (stamps(t["resolved_at"]) - created).dt.total_seconds()
    csat = numbers(t["csat"])
    slow = t["agent_id"].isin(SLOW_AGENTS)
    assert wait[slow].median() > 1.5 * wait[~slow].median()
    assert 0.4 < csat[~slow].mean() - csat[slow].mean() < 0.8
    by_agent = wait.groupby(t["agent_id"]).median()
    assert set(by_agent.nlargest(3).index) == set(SLOW_AGENTS)
    by_team = resolve.groupby(t["team"]).median()
    assert by_team.idxmax() == "投诉处理"
    by_priority = wait.groupby(t["priority"]).median()
    assert by_priority["urgent"] < by_priority["high"] < by_priority["normal"] < by_priority["low"]
    weekend = created.dt.day_of_week >= 5
    assert wait[weekend].median() > 1.5 * wait[~weekend].median()


def test_action_plan_cuts_after_sales_time_and_lifts_post_ticket_csat(full: DemoFiles) -> None:
    t = read(full.tickets)
    created = stamps(t["created_at"])
    hours = (stamps(t["resolved_at"]) - created).dt.total_seconds() / 3600
    after_sales, after = t["team"] == "售后服务", created >= "2026-01-01"
    assert hours[after_sales & after].median() < 0.8 * hours[after_sales & ~after].median()
    others = ~after_sales & t["team"].ne("投诉处理")
    assert hours[others & after].median() > 0.85 * hours[others & ~after].median()
    r = read(full.responses["post_ticket"])
    csat, submitted = numbers(r["csat"]), stamps(r["submitted_at"])
    lift = csat[submitted >= "2026-01-01"].mean() - csat[submitted < "2026-01-01"].mean()
    assert 0.2 < lift < 0.5


def test_churn_follows_satisfaction_nps_and_bad_tickets(full: DemoFiles) -> None:
    truth = read(full.customers_truth).set_index("customer_id")
    churned, churned_at = truth["churned"] == "1", stamps(truth["churned_at"])
    assert 0.15 < churned.mean() < 0.4
    orders = read(full.orders)
    last_order = stamps(orders["ordered_at"]).groupby(orders["customer_id"]).max()
    gone = churned_at.dropna()
    last = last_order.reindex(gone.index).dropna()
    assert len(last) > 0.5 * len(gone) and (last < gone[last.index]).all()
    r = read(full.responses["relationship_nps"])
    r = r[r["nps"] != ""].sort_values("submitted_at").drop_duplicates("customer_id")
    score, left = numbers(r["nps"]), r["customer_id"].map(churned)
    ratio = left[score <= 6].mean() / left[score >= 9].mean()
    assert 2.0 < ratio < 4.5
    latent = numbers(truth["latent_satisfaction"])
    assert latent[churned].mean() < latent[~churned].mean() - 0.4
    t = read(full.tickets)
    hours = (stamps(t["resolved_at"]) - stamps(t["created_at"])).dt.total_seconds() / 3600
    bad = (t["resolved_at"] == "") | (hours > 7 * 24)
    has_bad = pd.Series(False, index=truth.index)
    has_bad[t.loc[bad, "customer_id"].unique()] = True
    assert churned[has_bad].mean() > 1.3 * churned[~has_bad].mean()


def test_stellar_home_gaps(full: DemoFiles, satisfaction: pd.DataFrame) -> None:
    bench = read(full.responses["benchmark_stellar"])
    period = satisfaction[
        (satisfaction["submitted_at"] >= "2025-09-01") & (satisfaction["submitted_at"] < "2025-12-01")
    ]
    gap = {dim: numbers(bench[items[0]]).mean() - period[dim].mean() for dim, items in DIMENSIONS.items()}
    assert gap["price"] > 0.3
    assert gap["after_sales"] < -0.5
    assert gap["service_quality"] < -0.25
    assert abs(gap["product_performance"]) < 0.25 and abs(gap["delivery"]) < 0.25


def test_order_seasonality(full: DemoFiles) -> None:
    per_day = stamps(read(full.orders)["ordered_at"]).dt.floor("D").value_counts()
    typical = per_day.median()
    for start, end in (
        ("2024-11-09", "2024-11-11"),
        ("2025-06-16", "2025-06-18"),
        ("2025-11-09", "2025-11-11"),
        ("2026-06-16", "2026-06-18"),
    ):
        assert per_day[(per_day.index >= start) & (per_day.index <= end)].mean() > 2.5 * typical
    assert per_day[(per_day.index >= "2025-03-01") & (per_day.index < "2025-04-01")].mean() < 1.3 * typical


def test_feedback_mix_and_ground_truth(full: DemoFiles) -> None:
    fb = feedback(full).merge(read(full.feedback_truth), on="feedback_id", validate="1:1")
    assert 0.15 < (fb["language"] == "en").mean() < 0.25
    competitor = fb["competitor"] != ""
    assert 400 < competitor.sum() < 600 and (fb.loc[competitor, "source_type"] == "review").all()
    assert set(fb.loc[competitor, "competitor"]) == {"stellar"}  # the benchmark survey's competitor code
    assert (fb.loc[competitor, "customer_id"] == "").all()
    social = fb["source_type"] == "social"
    assert (fb.loc[social, "customer_id"] == "").mean() > 0.8
    assert (fb.loc[fb["source_type"] == "complaint", "customer_id"] != "").all()
    rating = numbers(fb["rating"])
    by_sentiment = rating.groupby(fb["sentiment"]).mean()
    assert by_sentiment["positive"] > by_sentiment["neutral"] > by_sentiment["negative"]
    assert set(fb["aspect"]) == {"delivery", "price", "service", "quality", "after_sales", "connectivity"}
    assert fb["text"].nunique() > 0.5 * len(fb)
    stellar = fb[competitor].groupby("aspect")["sentiment"].apply(lambda s: (s == "negative").mean())
    assert stellar["after_sales"] > 0.5 > stellar["price"]
