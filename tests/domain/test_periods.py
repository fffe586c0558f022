from datetime import UTC, date, datetime

import pytest

from fieldsales.domain.errors import InvalidInput
from fieldsales.domain.periods import (
    MAX_RANGE_DAYS,
    Period,
    PeriodKind,
    date_range,
    period_containing,
)


@pytest.mark.parametrize(
    ("kind", "day", "start", "end", "key"),
    [
        (PeriodKind.WEEK, date(2026, 11, 18), date(2026, 11, 16), date(2026, 11, 22), "2026-W47"),
        (PeriodKind.WEEK, date(2027, 1, 1), date(2026, 12, 28), date(2027, 1, 3), "2026-W53"),
        (PeriodKind.MONTH, date(2028, 2, 10), date(2028, 2, 1), date(2028, 2, 29), "2028-02"),
        (PeriodKind.MONTH, date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31), "2026-12"),
        (PeriodKind.QUARTER, date(2026, 11, 23), date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
        (PeriodKind.QUARTER, date(2026, 2, 1), date(2026, 1, 1), date(2026, 3, 31), "2026-Q1"),
    ],
)
def test_calendar_periods_contain_the_day(kind, day, start, end, key):
    period = period_containing(kind, day)
    assert (period.start, period.end, period.key) == (start, end, key)


@pytest.mark.parametrize(
    ("period", "previous"),
    [
        (
            period_containing(PeriodKind.WEEK, date(2026, 1, 1)),
            (date(2025, 12, 22), date(2025, 12, 28)),
        ),
        (
            period_containing(PeriodKind.MONTH, date(2026, 3, 15)),
            (date(2026, 2, 1), date(2026, 2, 28)),
        ),
        (
            period_containing(PeriodKind.QUARTER, date(2026, 1, 5)),
            (date(2025, 10, 1), date(2025, 12, 31)),
        ),
        (
            date_range(date(2026, 11, 1), date(2026, 11, 10)),
            (date(2026, 10, 22), date(2026, 10, 31)),
        ),
    ],
)
def test_previous_period_ends_the_day_before(period, previous):
    before = period.previous()
    assert (before.start, before.end) == previous
    assert before.kind is period.kind


def test_a_period_is_closed_once_its_last_day_is_past():
    november = period_containing(PeriodKind.MONTH, date(2026, 11, 5))
    assert not november.is_closed(date(2026, 11, 30))
    assert november.is_closed(date(2026, 12, 1))


def test_utc_bounds_are_local_midnights():
    day = Period(PeriodKind.RANGE, date(2026, 11, 1), date(2026, 11, 1))
    assert day.utc_bounds("Asia/Shanghai") == (
        datetime(2026, 10, 31, 16, 0, tzinfo=UTC),
        datetime(2026, 11, 1, 16, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("start", "end", "path"),
    [
        (date(2026, 11, 2), date(2026, 11, 1), "query.to"),
        (date(2025, 1, 1), date(2026, 1, 2), "query.to"),  # 367 days
    ],
)
def test_bad_ranges_are_refused(start, end, path):
    with pytest.raises(InvalidInput) as err:
        date_range(start, end)
    assert err.value.errors[0]["path"] == path


def test_a_range_of_the_maximum_length_is_fine():
    assert date_range(date(2025, 1, 1), date(2025, 1, 1).replace(year=2026)).days == MAX_RANGE_DAYS
