"""Reporting periods for dealer scorecards: ISO weeks, calendar months and quarters, or any
date range. Dates are calendar days of the manufacturer's reporting time zone; `utc_bounds`
turns a period into the half-open UTC interval the records' timestamps are compared with."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fieldsales.domain.errors import InvalidInput

MAX_RANGE_DAYS = 366


class PeriodKind(enum.StrEnum):
    WEEK = "week"  # ISO week, Monday to Sunday
    MONTH = "month"
    QUARTER = "quarter"
    RANGE = "range"  # any from..to, both days included


CALENDAR_KINDS = (PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER)


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def key(self) -> str:
        """A readable label: 2026-W47, 2026-11, 2026-Q4, 2026-11-01..2026-11-15."""
        match self.kind:
            case PeriodKind.WEEK:
                year, week, _ = self.start.isocalendar()
                return f"{year}-W{week:02d}"
            case PeriodKind.MONTH:
                return f"{self.start:%Y-%m}"
            case PeriodKind.QUARTER:
                return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def previous(self) -> Period:
        """The period just before: the previous week / month / quarter, or for a range the
        same number of days ending the day before it starts."""
        if self.kind is PeriodKind.RANGE:
            return Period(self.kind, self.start - timedelta(days=self.days), self.start - _DAY)
        return period_containing(self.kind, self.start - _DAY)

    def is_closed(self, today: date) -> bool:
        """Over: its last day is before today (nothing recorded later can fall in it)."""
        return self.end < today

    def utc_bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """[start, end) in UTC: midnight at the start, midnight after the last day."""
        zone = ZoneInfo(timezone)
        first = datetime.combine(self.start, time.min, tzinfo=zone)
        after = datetime.combine(self.end + _DAY, time.min, tzinfo=zone)
        return first.astimezone(UTC), after.astimezone(UTC)


_DAY = timedelta(days=1)


def period_containing(kind: PeriodKind, day: date) -> Period:
    """The calendar week, month or quarter that contains `day`."""
    match kind:
        case PeriodKind.WEEK:
            start = day - timedelta(days=day.weekday())
            return Period(kind, start, start + timedelta(days=6))
        case PeriodKind.MONTH:
            return Period(kind, day.replace(day=1), _month_end(day.year, day.month))
        case PeriodKind.QUARTER:
            first_month = (day.month - 1) // 3 * 3 + 1
            return Period(
                kind, date(day.year, first_month, 1), _month_end(day.year, first_month + 2)
            )
    raise InvalidInput(
        "A date range needs from and to.",
        errors=[{"path": "query.period", "message": "Use week, month or quarter with date."}],
    )


def date_range(start: date, end: date) -> Period:
    """A free from..to period (both days included), at most MAX_RANGE_DAYS long."""
    if end < start:
        raise InvalidInput(
            "The range ends before it starts.",
            errors=[{"path": "query.to", "message": "Must be on or after from."}],
        )
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(
            f"A range is at most {MAX_RANGE_DAYS} days.",
            errors=[{"path": "query.to", "message": f"At most {MAX_RANGE_DAYS} days after from."}],
        )
    return Period(PeriodKind.RANGE, start, end)


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - _DAY
