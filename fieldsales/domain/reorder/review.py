"""When the rep will really be back: the review period of the order-up-to policy.

The next visit comes from the route plan when one exists, else from the store's grade frequency.
Planned visits do get skipped; a skipped visit pushes the next chance to order one whole visit
interval later. The store's own skip record (blended with a prior for stores with little record)
turns that into a distribution of review periods.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class VisitPlanSource(enum.StrEnum):
    ROUTE_PLAN = "route_plan"
    GRADE_FREQUENCY = "grade_frequency"


@dataclass(frozen=True, slots=True)
class VisitOutlook:
    """The store's next expected visit and its record of planned and skipped visits."""

    next_visit_on: date
    source: VisitPlanSource
    interval_days: int  # the grade's visit interval: what a skipped visit costs
    planned_visits: int = 0
    skipped_visits: int = 0

    def __post_init__(self) -> None:
        if self.interval_days <= 0:
            raise ValueError("a visit interval is at least one day")
        if not 0 <= self.skipped_visits <= self.planned_visits:
            raise ValueError("skipped visits are a subset of planned visits")


@dataclass(frozen=True, slots=True)
class ReviewPeriod:
    """Days until the next chance to order, as planned and as a distribution `(days, prob)`."""

    planned_days: int
    source: VisitPlanSource
    skip_rate: float
    pmf: tuple[tuple[int, float], ...]

    @property
    def expected_days(self) -> float:
        return sum(d * p for d, p in self.pmf)


def review_period(
    outlook: VisitOutlook,
    *,
    today: date,
    skip_prior_rate: float,
    skip_prior_weight: float,
    max_skips: int,
) -> ReviewPeriod:
    """Review period: the planned days, stretched by up to `max_skips` skipped visits."""
    planned = max(1, (outlook.next_visit_on - today).days)
    skip = (outlook.skipped_visits + skip_prior_rate * skip_prior_weight) / (
        outlook.planned_visits + skip_prior_weight
    )
    pmf = [(planned + k * outlook.interval_days, skip**k * (1 - skip)) for k in range(max_skips)]
    # The last entry takes the whole tail: at least `max_skips` skips in a row.
    pmf.append((planned + max_skips * outlook.interval_days, skip**max_skips))
    return ReviewPeriod(planned, outlook.source, skip, tuple((d, p) for d, p in pmf if p > 0))
