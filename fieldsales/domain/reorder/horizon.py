"""Demand over the protection period (lead time + review period) as a probability distribution.

Both ends of the period are uncertain: the dealer's lead time and whether the next visit happens.
The distribution is a mixture with one component per possible period length; each component is
negative-binomial (Poisson when not over-dispersed), widened by the uncertainty of the rate
itself, and computed exactly for small means, by its normal approximation for large ones.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fieldsales.domain.reorder.promotions import DAY, Promotion, demand_days, overlap_days
from fieldsales.domain.reorder.sell_rate import SellRate

# Above this mean the normal approximation is within a unit of the exact quantile and much cheaper.
EXACT_MAX_MEAN = 50.0
TAIL_SDS = 12.0
TAIL_MASS = 1e-12
MAX_TERMS = 100_000


@dataclass(frozen=True, slots=True)
class HorizonComponent:
    """Demand over one possible horizon length (`days`), with the chance of that length."""

    weight: float
    days: int
    mean: float
    variance: float
    cumulative: tuple[float, ...]  # P(D <= k) for k = 0..; empty when approximated as normal
    shortfalls: tuple[float, ...]  # E[(D − s)+] for s = 0..len(cumulative)

    def cdf(self, x: float) -> float:
        if x < 0:
            return 0.0
        if self.mean <= 0:
            return 1.0
        k = math.floor(x)
        if self.cumulative:
            return self.cumulative[k] if k < len(self.cumulative) else self.cumulative[-1]
        z = (k + 0.5 - self.mean) / math.sqrt(self.variance)
        return 0.5 * math.erfc(-z / math.sqrt(2))

    def shortfall(self, x: float) -> float:
        """Expected demand beyond `x` units of stock: E[(D − x)+]."""
        if self.mean <= 0:
            return 0.0
        stock = max(0, math.floor(x))
        if self.shortfalls:
            return self.shortfalls[min(stock, len(self.shortfalls) - 1)]
        sd = math.sqrt(self.variance)
        z = (stock - self.mean) / sd
        density = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
        return sd * (density - z * 0.5 * math.erfc(z / math.sqrt(2)))


@dataclass(frozen=True, slots=True)
class HorizonDemand:
    """Demand until stock ordered at the next visit can arrive: a mixture over horizon lengths."""

    components: tuple[HorizonComponent, ...]

    @property
    def mean(self) -> float:
        return sum(c.weight * c.mean for c in self.components)

    @property
    def sd(self) -> float:
        second_moment = sum(c.weight * (c.variance + c.mean**2) for c in self.components)
        return math.sqrt(max(0.0, second_moment - self.mean**2))

    @property
    def mean_days(self) -> float:
        return sum(c.weight * c.days for c in self.components)

    def cdf(self, x: float) -> float:
        return sum(c.weight * c.cdf(x) for c in self.components)

    def shortfall(self, x: float) -> float:
        return sum(c.weight * c.shortfall(x) for c in self.components)

    def upper_bound(self) -> int:
        """Units beyond which demand has no practical chance of reaching."""
        return max(
            (
                max(len(c.cumulative), math.ceil(c.mean + TAIL_SDS * math.sqrt(c.variance)) + 1)
                for c in self.components
            ),
            default=0,
        )


def horizon_demand(
    rate: SellRate,
    *,
    review_pmf: Sequence[tuple[int, float]],
    lead_time_pmf: Sequence[tuple[int, float]],
    promotions: Sequence[Promotion],
    now: datetime,
) -> HorizonDemand:
    """Demand from `now` until stock ordered at the next visit can arrive."""
    weights: defaultdict[int, float] = defaultdict(float)
    for review_days, p_review in review_pmf:
        for lead_days, p_lead in lead_time_pmf:
            weights[review_days + lead_days] += p_review * p_lead
    components = []
    for days, weight in sorted(weights.items()):
        end = now + days * DAY
        trend = growth(rate.daily_trend, 0, days)
        base_days = demand_days(now, end, promotions) * trend
        mean = rate.daily_rate * base_days
        # Daily noise scales with the days; not knowing the rate exactly scales with their square;
        # not knowing a promotion's uplift exactly scales with the square of its days.
        variance = (
            mean * rate.dispersion
            + base_days**2 * rate.rate_variance
            + sum(
                (rate.daily_rate * trend * overlap_days(p, now, end) * p.uplift_sd) ** 2
                for p in promotions
            )
        )
        pmf = _pmf(mean, variance)
        cumulative = tuple(min(total, 1.0) for total in itertools.accumulate(pmf))
        components.append(
            HorizonComponent(weight, days, mean, variance, cumulative, _shortfalls(pmf))
        )
    return HorizonDemand(tuple(components))


def cycle_demand(
    rate: SellRate,
    *,
    review_pmf: Sequence[tuple[int, float]],
    lead_time_days: float,
    promotions: Sequence[Promotion],
    now: datetime,
) -> float:
    """Expected demand between this order's arrival and the next one's: what a fill rate divides."""
    arrival = now + lead_time_days * DAY
    return sum(
        p
        * rate.daily_rate
        * demand_days(arrival, arrival + days * DAY, promotions)
        * growth(rate.daily_trend, lead_time_days, lead_time_days + days)
        for days, p in review_pmf
    )


def growth(trend: float, start_days: float, end_days: float) -> float:
    """Mean of e^(trend·t) over [start, end) days from now: what a trend does to the rate."""
    if trend == 0 or end_days <= start_days:
        return 1.0
    rise = math.exp(trend * end_days) - math.exp(trend * start_days)
    return rise / (trend * (end_days - start_days))


def _shortfalls(pmf: Sequence[float]) -> tuple[float, ...]:
    """E[(D − s)+] for s = 0..len(pmf), summed from the tail inwards.

    Not as mean − s + sum of P(D <= k): with a tiny mean P(D <= k) is 1 − (a tail below the
    rounding of 1), so that difference loses the whole tail and with it the fill rate.
    """
    if not pmf:
        return ()
    # P(D > k), then E[(D − s)+] = sum over k >= s of P(D > k).
    survival = list(itertools.accumulate(reversed(pmf[1:]), initial=0.0))[::-1]
    return tuple(itertools.accumulate(reversed(survival), initial=0.0))[::-1]


def _pmf(mean: float, variance: float) -> tuple[float, ...]:
    """P(D = k) of a negative binomial with this mean and variance (Poisson if not wider)."""
    if mean <= 0 or mean > EXACT_MAX_MEAN:
        return ()
    top = math.ceil(mean + TAIL_SDS * math.sqrt(variance)) + 1
    # Successive probabilities follow pmf(k + 1) = pmf(k) · (a·k + b) / (k + 1).
    if variance <= mean * (1 + 1e-9):
        pmf, a, b = math.exp(-mean), 0.0, mean
    else:
        success = mean / variance
        size = mean * success / (1 - success)
        pmf, a, b = success**size, 1 - success, (1 - success) * size
    # Run past `top` until the tail is negligible: a skewed distribution with a tiny mean keeps
    # a tail that matters next to its mean, and a fill rate divides by that mean.
    probabilities, total, k = [], 0.0, 0
    while k < top or (total < 1 - TAIL_MASS and k < MAX_TERMS):
        total += pmf
        probabilities.append(pmf)
        pmf *= (a * k + b) / (k + 1)
        k += 1
    return tuple(probabilities)
