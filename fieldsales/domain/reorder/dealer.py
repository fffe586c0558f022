"""How a dealer really delivers: its lead-time distribution and how often it ships short.

The master data holds one stated lead time. The reorder workflow records when each line was
ordered and what arrived when, which is the dealer's actual behaviour. A few pseudo-observations
at the stated lead time keep a dealer with little history close to what it promised.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

PROMISE_WEIGHT_LINES = 5.0  # pseudo-lines at the stated lead time
SHORT_PRIOR_SHARE = 0.02
SHORT_PRIOR_FILL = 0.7


@dataclass(frozen=True, slots=True)
class SupplyRecord:
    """One order line sent to the dealer and what came of it (nothing yet: `delivered_on` None)."""

    ordered_on: date
    quantity_ordered: int
    delivered_on: date | None = None
    quantity_delivered: int = 0

    def __post_init__(self) -> None:
        if self.quantity_ordered <= 0 or self.quantity_delivered < 0:
            raise ValueError("an order line needs a positive quantity")
        if self.delivered_on is not None and self.delivered_on < self.ordered_on:
            raise ValueError("a delivery cannot precede its order")


@dataclass(frozen=True, slots=True)
class DealerProfile:
    """Lead-time distribution `(days, probability)` and short-shipping of one dealer."""

    stated_lead_time_days: int
    lead_time_pmf: tuple[tuple[int, float], ...]
    short_ship_share: float  # share of delivered lines that came short
    short_fill_ratio: float  # on those lines, the share of the quantity that came
    observed_lines: int

    @classmethod
    def as_stated(cls, lead_time_days: int) -> DealerProfile:
        """A dealer with no history: trust the master data (what `profile_dealer` gives for [])."""
        return cls(lead_time_days, ((lead_time_days, 1.0),), SHORT_PRIOR_SHARE, SHORT_PRIOR_FILL, 0)

    @property
    def mean_lead_time(self) -> float:
        return sum(d * p for d, p in self.lead_time_pmf)

    @property
    def late_share(self) -> float:
        return sum(p for d, p in self.lead_time_pmf if d > self.stated_lead_time_days)

    @property
    def expected_fill(self) -> float:
        """Expected share of an ordered quantity that arrives."""
        return 1.0 - self.short_ship_share * (1.0 - self.short_fill_ratio)

    def lead_time_quantile(self, p: float) -> int:
        total = 0.0
        for days, prob in self.lead_time_pmf:
            total += prob
            if total >= p - 1e-12:
                return days
        return self.lead_time_pmf[-1][0]


def profile_dealer(
    records: Iterable[SupplyRecord],
    *,
    stated_lead_time_days: int,
    today: date,
    window_days: int = 180,
) -> DealerProfile:
    """Profile a dealer from its order lines of the last `window_days` days."""
    if stated_lead_time_days < 0:
        raise ValueError("a lead time cannot be negative")
    since = today - timedelta(days=window_days)
    recent = [r for r in records if since <= r.ordered_on <= today]
    samples = [_lead_time_sample(r, stated_lead_time_days, today) for r in recent]
    weights: dict[int, float] = {stated_lead_time_days: PROMISE_WEIGHT_LINES}
    for days in samples:
        if days is not None:
            weights[days] = weights.get(days, 0.0) + 1
    total = sum(weights.values())
    pmf = tuple((d, weights[d] / total) for d in sorted(weights))

    delivered = [r for r in recent if r.delivered_on is not None]
    short = [r for r in delivered if r.quantity_delivered < r.quantity_ordered]
    short_share = (len(short) + SHORT_PRIOR_SHARE * PROMISE_WEIGHT_LINES) / (
        len(delivered) + PROMISE_WEIGHT_LINES
    )
    fill = (
        sum(r.quantity_delivered / r.quantity_ordered for r in short) / len(short)
        if short
        else SHORT_PRIOR_FILL
    )
    return DealerProfile(stated_lead_time_days, pmf, short_share, fill, len(delivered))


def _lead_time_sample(record: SupplyRecord, stated: int, today: date) -> int | None:
    """Days the line took; a line still open past its promise is at least this late already."""
    if record.delivered_on is not None:
        return (record.delivered_on - record.ordered_on).days
    age = (today - record.ordered_on).days
    return age + 1 if age > stated else None
