"""Business-hours first-response and resolution times, computed by hand, on every engine.

Calendar of the Shanghai workspace (UTC+8 all year, no DST): Monday–Friday 09:00–12:00 and 13:00–18:00,
holiday 2025-01-01 (a Wednesday), make-up working day 2025-01-26 (a Sunday, 调休).
- A: created Tue 2024-12-31 09:00 UTC (17:00 local), first response Thu 2025-01-02 02:00 UTC (10:00 local):
  1 h on Tuesday + 0 on the holiday + 1 h on Thursday = 2 h (41 clock hours).
- B: created Fri 2025-01-24 10:00 UTC (18:00, closed), response Mon 2025-01-27 01:30 UTC (09:30): Saturday
  nothing, Sunday 26th is worked (8 h), Monday 0.5 h = 8.5 h.
- C: created Mon 2025-01-06 03:30 UTC (11:30), answered and resolved 05:30 UTC (13:30): 0.5 h before lunch +
  0.5 h after = 1 h.
- N: created Mon 2025-01-06 14:00 UTC (22:00), response Tue 00:30 UTC (08:30): a night, 0 h.
Median of 0, 1, 2, 8.5 = 1.5 business hours; SLA within 1 business hour: N and C → 50 %.

New York (DST from Sun 2025-03-09, back on Sun 2025-11-02), Monday–Friday 09:00–17:00:
- D: Fri 2025-03-07 21:00 UTC (16:00 EST) → Mon 2025-03-10 14:00 UTC (10:00 EDT): 1 h + 1 h = 2 h (a fixed
  UTC−5 offset would give 1 h).
- E: Fri 2025-10-31 20:00 UTC (16:00 EDT) → Mon 2025-11-03 15:00 UTC (10:00 EST): 2 h.
London, every day 00:00–24:00 (so business time is clock time, through the DST change of 2025-03-30):
- F: Sat 2025-03-29 23:00 UTC → Mon 2025-03-31 00:00 UTC: 25 h.
"""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxlens.exceptions import ConfigurationError
from cxlens.ingest import import_file
from cxlens.metrics import Analytics, compute
from cxlens.metrics.calendar import BusinessCalendar
from cxlens.metrics.service import GRID
from cxlens.metrics.sources import source
from cxlens.store import Workspace

SHANGHAI = {
    "timezone": "Asia/Shanghai",
    "hours": [["09:00", "12:00"], ["13:00", "18:00"]],
    "holidays": ["2025-01-01"],
    "workdays": ["2025-01-26"],
}
TICKETS = """ticket_id,team,created_at,first_response_at,resolved_at
A,sh,2024-12-31 09:00,2025-01-02 02:00,
B,sh,2025-01-24 10:00,2025-01-27 01:30,
C,sh,2025-01-06 03:30,2025-01-06 05:30,2025-01-06 05:30
N,sh,2025-01-06 14:00,2025-01-07 00:30,
D,ny,2025-03-07 21:00,2025-03-10 14:00,
E,ny,2025-10-31 20:00,2025-11-03 15:00,
F,ldn,2025-03-29 23:00,,2025-03-31 00:00
"""
HAS_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None
NEW_YORK = BusinessCalendar(timezone="America/New_York", hours=(("09:00", "17:00"),))
LONDON = BusinessCalendar(timezone="Europe/London", days=tuple(range(7)), hours=(("00:00", "24:00"),))


@pytest.fixture(scope="module")
def hours_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("bh")
    (folder / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    ws = Workspace.init(folder / "ws")
    import_file(ws, folder / "tickets.csv", "tickets")
    ws.set_setting("business_hours", SHANGHAI)
    yield ws
    ws.close()


_ENGINES: dict[str, Analytics] = {}


@pytest.fixture(params=["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def hours(request: pytest.FixtureRequest, hours_ws: Workspace) -> Analytics:
    name = str(request.param)
    if name == "pyspark" and not HAS_SPARK:
        pytest.skip("pyspark or java is not installed")
    if name not in _ENGINES:
        session = request.getfixturevalue("spark_session") if name == "pyspark" else None
        _ENGINES[name] = Analytics.for_workspace(hours_ws, name, session)
    return _ENGINES[name]


def test_the_workspace_calendar_gives_hand_computed_business_hours(hours: Analytics) -> None:
    sh = {"team": "sh"}
    row = compute(hours, "first_response_time", business_hours=True, filters=sh).iloc[0]
    assert (row["value"], row["n"]) == (pytest.approx(1.5), 4)
    assert row["mean"] == pytest.approx((2 + 8.5 + 1 + 0) / 4)
    clock = compute(hours, "first_response_time", filters=sh).iloc[0]
    assert clock["mean"] == pytest.approx((41 + 63.5 + 2 + 10.5) / 4)
    sla = compute(hours, "sla_attainment", business_hours=True, target_hours=1, filters=sh).iloc[0]
    assert (sla["value"], sla["n"]) == (pytest.approx(50.0), 4)
    resolution = compute(hours, "resolution_time", business_hours=True, filters=sh).iloc[0]
    assert (resolution["value"], resolution["n"]) == (pytest.approx(1.0), 1)


def test_daylight_saving_days_have_their_true_length(hours: Analytics) -> None:
    ny = compute(hours, "first_response_time", business_hours=NEW_YORK, by=["team"], median_ci="exact")
    assert ny.set_index("team").loc["ny", "value"] == pytest.approx(2.0)
    assert ny.set_index("team").loc["ny", "n"] == 2
    london = compute(hours, "resolution_time", business_hours=LONDON, filters={"team": "ldn"}).iloc[0]
    assert london["value"] == pytest.approx(25.0)


def test_a_calendar_can_be_given_as_a_mapping_and_false_means_clock_hours(hours: Analytics) -> None:
    as_map = compute(hours, "first_response_time", business_hours=SHANGHAI, filters={"team": "sh"})
    assert as_map["value"].iloc[0] == pytest.approx(1.5)
    off = compute(hours, "first_response_time", business_hours=False, filters={"team": "ny"})
    assert off["mean"].iloc[0] == pytest.approx((65 + 67) / 2)


def test_python_reference_agrees_per_ticket() -> None:
    cal = BusinessCalendar.from_settings(SHANGHAI)
    assert cal.seconds_between(datetime(2024, 12, 31, 9), datetime(2025, 1, 2, 2)) == 2 * 3600
    assert cal.seconds_between(datetime(2025, 1, 24, 10), datetime(2025, 1, 27, 1, 30)) == 8.5 * 3600
    assert NEW_YORK.seconds_between(datetime(2025, 10, 31, 20), datetime(2025, 11, 3, 15)) == 2 * 3600
    assert LONDON.seconds_between(datetime(2025, 3, 29, 23), datetime(2025, 3, 31)) == 25 * 3600


def test_bad_calendars_say_what_is_wrong() -> None:
    with pytest.raises(ConfigurationError, match="time zone"):
        BusinessCalendar.from_settings({"timezone": "Mars/Base"})
    with pytest.raises(ConfigurationError, match="weekday"):
        BusinessCalendar.from_settings({"days": ["someday"]})
    with pytest.raises(ConfigurationError, match="overlap"):
        BusinessCalendar.from_settings({"hours": [["09:00", "13:00"], ["12:00", "18:00"]]})
    with pytest.raises(ConfigurationError, match="ends before"):
        BusinessCalendar.from_settings({"hours": [["18:00", "09:00"]]})
    with pytest.raises(ConfigurationError, match="unknown key"):
        BusinessCalendar.from_settings({"zone": "UTC"})
    with pytest.raises(ConfigurationError, match="not a date"):
        BusinessCalendar.from_settings({"holidays": ["2025-13-01"]})


def test_only_time_metrics_take_business_hours(hours: Analytics) -> None:
    with pytest.raises(ValueError, match="no business-hours option"):
        compute(hours, "resolution_rate", business_hours=True)


# --- the median's interval: grid vs exact order statistics --------------------------------------------------
def _reference(values: np.ndarray) -> tuple[float, float, float, float]:
    v = np.sort(values)
    n = len(v)
    half = np.sqrt(n) * 1.959964 / 2
    low, high = max(int(np.floor(n / 2 - half)), 0), min(int(np.ceil(n / 2 + half)), n - 1)
    return float(np.median(v)), float(np.quantile(v, 0.9)), float(v[low]), float(v[high])


def _write_tickets(
    path: Path, created: pd.DatetimeIndex, answered: pd.DatetimeIndex, fmt: str = "%Y-%m-%d %H:%M:%S"
) -> None:
    """A ticket export: one ticket per creation time, answered at ``answered``."""
    frame = pd.DataFrame(
        {
            "ticket_id": [f"T{i}" for i in range(len(created))],
            "created_at": created.strftime(fmt),
            "first_response_at": answered.strftime(fmt),
        }
    )
    frame.to_csv(path, index=False)


def test_grid_interval_is_exact_on_the_grid_and_bracketed_off_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 400  # ranks 180 and 220 of 0…399: levels 0.451 and 0.551, between grid points
    created = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(n), unit="h")
    minutes = np.round(rng.lognormal(3, 1, n), 0)
    _write_tickets(tmp_path / "t.csv", created, created + pd.to_timedelta(minutes, unit="min"))
    with Workspace.init(tmp_path / "ws") as ws:
        import_file(ws, tmp_path / "t.csv", "tickets")
        an = Analytics.for_workspace(ws)
        grid = compute(an, "first_response_time").iloc[0]
        exact = compute(an, "first_response_time", median_ci="exact").iloc[0]
        hours = minutes / 60
        median, p90, low, high = _reference(hours)
        assert (exact["value"], exact["p90"], exact["ci_low"], exact["ci_high"]) == pytest.approx(
            (median, p90, low, high)
        )
        assert (grid["value"], grid["p90"]) == pytest.approx((median, p90))
        q = np.quantile(hours, [0.45, 0.5, 0.55, 0.6])
        assert q[0] <= grid["ci_low"] <= q[1] and q[2] <= grid["ci_high"] <= q[3]
        assert grid["ci_low"] == pytest.approx(low, rel=0.05) and grid["ci_high"] == pytest.approx(high, rel=0.05)
        with pytest.raises(ValueError, match="median_ci"):
            compute(an, "first_response_time", median_ci="bootstrap")
        assert set(source(an.backend, "tickets", set()).columns) >= {"reopen_count", "agent_replies"}


def test_grid_levels_are_documented() -> None:
    assert GRID == (0.0, 0.45, 0.5, 0.55, 0.9, 1.0)


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def test_times_keep_fractions_of_a_second_on_every_engine(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Times are differences in whole microseconds: sub-second response times give numpy's median, p90 and
    mean to 1 µs on DuckDB and on Spark (whose epoch seconds are whole seconds), in clock and business hours."""
    if engine == "pyspark" and not HAS_SPARK:
        pytest.skip("pyspark or java is not installed")
    rng = np.random.default_rng(11)
    n = 150
    created = pd.Timestamp("2025-03-01") + pd.to_timedelta(np.arange(n), unit="min")
    micros = rng.integers(1, 5_000_000, n)  # 1 µs … 5 s
    _write_tickets(tmp_path / "t.csv", created, created + pd.to_timedelta(micros, unit="us"), "%Y-%m-%d %H:%M:%S.%f")
    with Workspace.init(tmp_path / "ws") as ws:
        import_file(ws, tmp_path / "t.csv", "tickets")
        session = request.getfixturevalue("spark_session") if engine == "pyspark" else None
        an = Analytics.for_workspace(ws, engine, session)
        grid = compute(an, "first_response_time").iloc[0]
        exact = compute(an, "first_response_time", median_ci="exact").iloc[0]
        always = BusinessCalendar(timezone="UTC", days=tuple(range(7)), hours=(("00:00", "24:00"),))
        business = compute(an, "first_response_time", business_hours=always).iloc[0]  # = clock time
    hours = micros / 3.6e9
    one_micro = 1 / 3.6e9
    for row in (grid, exact, business):
        assert row["n"] == n
        assert row["value"] == pytest.approx(float(np.median(hours)), abs=one_micro)
        assert row["p90"] == pytest.approx(float(np.quantile(hours, 0.9)), abs=one_micro)
        assert row["mean"] == pytest.approx(float(hours.mean()), abs=one_micro)
