from __future__ import annotations

from datetime import datetime

import pytest

from cxlens.report.period import Period, last_complete_period, parse_period


@pytest.mark.parametrize(
    ("text", "every", "start", "end", "previous"),
    [
        ("2026-Q3", "quarter", datetime(2026, 7, 1), datetime(2026, 10, 1), "2026-Q2"),
        ("2026q1", "quarter", datetime(2026, 1, 1), datetime(2026, 4, 1), "2025-Q4"),
        ("2026-07", "month", datetime(2026, 7, 1), datetime(2026, 8, 1), "2026-06"),
        ("2026-01", "month", datetime(2026, 1, 1), datetime(2026, 2, 1), "2025-12"),
        ("2026", "year", datetime(2026, 1, 1), datetime(2027, 1, 1), "2025"),
        ("2026-W27", "week", datetime(2026, 6, 29), datetime(2026, 7, 6), "2026-W26"),
        ("2025-W01", "week", datetime(2024, 12, 30), datetime(2025, 1, 6), "2024-W52"),
    ],
)
def test_parse_period(text: str, every: str, start: datetime, end: datetime, previous: str) -> None:
    p = parse_period(text)
    assert (p.every, p.start, p.end, p.previous().label) == (every, start, end, previous)
    assert parse_period(p.label) == p


@pytest.mark.parametrize("bad", ["2026-13", "2026-Q5", "Q3 2026", "", "2026-W54", "26-07"])
def test_bad_period_says_what_is_accepted(bad: str) -> None:
    with pytest.raises(ValueError, match="period"):
        parse_period(bad)


def test_labels_in_both_languages() -> None:
    p = parse_period("2026-Q3")
    assert p.label_in("zh") == "2026年第3季度"
    assert p.label_in("en") == "2026 Q3"
    assert parse_period("2026-07").label_in("zh") == "2026年7月"


def test_last_complete_period_skips_the_running_one() -> None:
    end_of_demo = datetime(2026, 10, 31, 23, 59, 59)
    assert last_complete_period(end_of_demo, "quarter").label == "2026-Q3"
    assert last_complete_period(end_of_demo, "month").label == "2026-10"
    assert last_complete_period(end_of_demo, "week").label == "2026-W43"  # 2026-10-31 is a Saturday
    assert last_complete_period(datetime(2026, 10, 1), "quarter") == Period("quarter", datetime(2026, 7, 1))
