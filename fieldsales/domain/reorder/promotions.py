"""Announced promotions and the demand they add, measured in "base-rate days".

A day with a promotion that doubles sales counts as two days of ordinary demand. Both the sell-rate
estimator (to take promotion sales out of the base rate) and the policy (to add the uplift that
falls in the horizon) use the same arithmetic, so an estimate and a forecast never disagree on
what a promotion is worth.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Promotion:
    """A promotion for one store and product on the store's local dates `starts_on..ends_on`.

    `uplift` is the expected sales multiplier on promotion days (2.0 = sells twice as much), as
    planned by whoever announced it or learnt from earlier runs of the same mechanic;
    `uplift_sd` is how far actual uplifts of such promotions stray from that plan.
    """

    starts_on: date
    ends_on: date
    uplift: float
    label: str = ""
    uplift_sd: float = 0.0

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise ValueError("a promotion must end on or after its start")
        if self.uplift <= 0 or self.uplift_sd < 0:
            raise ValueError("a promotion uplift is a positive multiplier with a spread >= 0")

    def window(self, tz_of: datetime) -> tuple[datetime, datetime]:
        """The promotion as a half-open interval of instants in the store's time zone."""
        tz = tz_of.tzinfo
        start = datetime.combine(self.starts_on, time(0), tzinfo=tz)
        end = datetime.combine(self.ends_on + DAY, time(0), tzinfo=tz)
        return start, end


def overlap_days(promotion: Promotion, start: datetime, end: datetime) -> float:
    """Days of `promotion` inside [start, end)."""
    p_start, p_end = promotion.window(start)
    lo, hi = max(start, p_start), min(end, p_end)
    return max(0.0, (hi - lo) / DAY)


def demand_days(start: datetime, end: datetime, promotions: Iterable[Promotion]) -> float:
    """Base-rate days of demand in [start, end): calendar days plus the uplift of promo days."""
    if end <= start:
        return 0.0
    extra = sum((p.uplift - 1.0) * overlap_days(p, start, end) for p in promotions)
    return max(0.0, (end - start) / DAY + extra)
