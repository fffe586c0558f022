"""Sell rate of one product at one store, from its stock counts and the deliveries in between.

Between two counts, sold = previous count + delivered − current count. Four things make the raw
numbers lie, and each is handled here:

* A wrong count (the backroom forgotten, a miscount) shows up as a negative "sale" in the interval
  after it. The earlier count of that interval is dropped, which merges two intervals into one
  whose total is right again. The latest count has no interval after it; when it implies sales
  far beyond what the history allows, it is reported as suspect and left out.
* Sales stop when the shelf is empty (lost sales), so an interval that ran out only shows what
  the stock allowed. Such an interval is scored over the days it probably had stock, so it can
  raise the estimate but never drag it down.
* Promotion days sell more; they count as `uplift` days of ordinary demand, so the base rate is
  not inflated by the last promotion.
* A product that is growing or fading makes any average lag behind. A log-linear trend is fitted
  (Poisson regression on the intervals), shrunk toward no trend by how sure it is, and the rate
  is the level today, not the average of the last weeks.

With little or no history, a prior (the same product at similar stores) is blended in as
`weight_days` of pseudo-history, gamma-Poisson style, and the result says so.
"""

from __future__ import annotations

import bisect
import dataclasses
import enum
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from fieldsales.domain.reorder.promotions import DAY, Promotion, demand_days

# Variance / mean assumed before the history says otherwise: mildly over-dispersed, as
# store-level daily sales usually are; worth two intervals of history.
DISPERSION_PRIOR = 1.5
DISPERSION_PRIOR_INTERVALS = 2.0
MAX_DISPERSION = 25.0
# Trends: log growth per day. The prior says most products change by less than ×2.5 in half a
# year, so a trend has to show clearly in the counts before it moves a forecast.
TREND_PRIOR_SD = 0.005
MAX_TREND = 0.01
MIN_TREND_INTERVALS = 3
MIN_TREND_SPAN_DAYS = 28.0
# A latest count that makes the last interval sell this many standard deviations above the rest
# of the history is treated as a miscount, not as sales; it takes some history to say so.
SUSPECT_SDS = 4.0
MIN_INTERVALS_TO_DOUBT_A_COUNT = 4


@dataclass(frozen=True, slots=True)
class StockCount:
    """Units of one product found at one store: on the shelf plus in the backroom."""

    counted_at: datetime
    shelf: int
    backroom: int = 0

    def __post_init__(self) -> None:
        if self.counted_at.tzinfo is None:
            raise ValueError("counted_at must be timezone-aware")
        if self.shelf < 0 or self.backroom < 0:
            raise ValueError("a stock count cannot be negative")

    @property
    def on_hand(self) -> int:
        return self.shelf + self.backroom


@dataclass(frozen=True, slots=True)
class Delivery:
    """Units of one product delivered to one store."""

    delivered_at: datetime
    quantity: int

    def __post_init__(self) -> None:
        if self.delivered_at.tzinfo is None:
            raise ValueError("delivered_at must be timezone-aware")
        if self.quantity < 0:
            raise ValueError("a delivered quantity cannot be negative")


@dataclass(frozen=True, slots=True)
class SellRatePrior:
    """What the product sells elsewhere, worth `weight_days` days of this store's own history."""

    daily_rate: float
    weight_days: float
    basis: str

    def __post_init__(self) -> None:
        if self.daily_rate < 0 or self.weight_days <= 0:
            raise ValueError("a prior needs a non-negative rate and a positive weight")


class RateSource(enum.StrEnum):
    HISTORY = "history"
    HISTORY_AND_PRIOR = "history_and_prior"
    PRIOR = "prior"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class SellRate:
    """Estimated ordinary (non-promotion) daily sales and how much to trust them.

    `daily_rate` is the level at the time of the estimate and `daily_trend` its log growth per day
    (0.01 = +1 % a day). `dispersion` is variance / mean of daily demand (1 = Poisson).
    `rate_variance` is the uncertainty of `daily_rate` itself, large when the history is short.
    """

    daily_rate: float
    daily_trend: float
    dispersion: float
    rate_variance: float
    source: RateSource
    observed_days: float
    intervals: int
    censored_intervals: int
    discarded_counts: tuple[datetime, ...]
    suspect_count: datetime | None  # the latest count, when it looks like a miscount
    prior_basis: str | None


@dataclass(frozen=True, slots=True)
class _Interval:
    start: StockCount
    end: StockCount
    deliveries: tuple[Delivery, ...]

    @property
    def delivered(self) -> int:
        return sum(d.quantity for d in self.deliveries)

    @property
    def sold(self) -> int:
        return self.start.on_hand + self.delivered - self.end.on_hand


@dataclass(frozen=True, slots=True)
class _Observation:
    sold: float
    exposure: float  # base-rate days the interval lasted
    before_delivery: float | None  # base-rate days until its first delivery, if any
    start_on_hand: int
    end_on_hand: int
    age: float  # days from the middle of the interval to now
    weight: float  # recency
    trend_weight: float  # recency, slower: a trend needs a longer view than a level


def estimate_sell_rate(
    counts: Iterable[StockCount],
    deliveries: Iterable[Delivery],
    *,
    now: datetime,
    promotions: Sequence[Promotion] = (),
    prior: SellRatePrior | None = None,
    half_life_days: float = 28.0,
) -> SellRate:
    """Estimate the base daily sell rate at `now` from counts and deliveries up to `now`."""
    usable = sorted((c for c in counts if c.counted_at <= now), key=lambda c: c.counted_at)
    arrived = sorted((d for d in deliveries if d.delivered_at <= now), key=lambda d: d.delivered_at)
    intervals, discarded = _consistent_intervals(usable, arrived)
    observations = [_observe(iv, promotions, now, half_life_days) for iv in intervals]
    fit = _fit(observations, prior)
    suspect = None
    if len(observations) > MIN_INTERVALS_TO_DOUBT_A_COUNT:
        # The latest count cannot be checked against a later one; check it against the others.
        earlier = _fit(observations[:-1], prior)
        if _implausibly_high(observations[-1], earlier):
            fit, suspect = earlier, intervals[-1].end.counted_at
    return SellRate(
        daily_rate=fit.rate,
        daily_trend=fit.trend,
        dispersion=fit.dispersion,
        rate_variance=fit.rate * fit.dispersion / fit.effective_days if fit.effective_days else 0.0,
        source=_source(bool(intervals), prior),
        observed_days=fit.observed_days,
        intervals=len(intervals),
        censored_intervals=fit.censored,
        discarded_counts=tuple(c.counted_at for c in discarded),
        suspect_count=suspect,
        prior_basis=prior.basis if prior else None,
    )


@dataclass(frozen=True, slots=True)
class _Fit:
    rate: float
    trend: float
    dispersion: float
    effective_days: float
    observed_days: float
    censored: int


def _fit(observations: Sequence[_Observation], prior: SellRatePrior | None) -> _Fit:
    # A first pass on the intervals that ended with stock tells how fast the product sells when it
    # is there; the intervals that ran out are then scored over the days they probably had stock.
    ended_with_stock = [o for o in observations if o.end_on_hand > 0] or observations
    preliminary = _pooled_rate(ended_with_stock, prior)
    scored = [_uncensor(o, preliminary) for o in observations]
    flat = _pooled_rate(scored, prior)
    trend = _trend(scored, _dispersion(observations, scored, flat, 0.0))
    rate = _pooled_rate(scored, prior, trend)
    effective_days = sum(o.weight * o.exposure * math.exp(-trend * o.age) for o in scored)
    return _Fit(
        rate=rate,
        trend=trend,
        dispersion=_dispersion(observations, scored, rate, trend),
        effective_days=effective_days + (prior.weight_days if prior else 0),
        observed_days=sum(o.exposure for o in scored),
        censored=sum(
            1 for o, s in zip(observations, scored, strict=True) if s.exposure < o.exposure
        ),
    )


def _implausibly_high(last: _Observation, fit: _Fit) -> bool:
    """Did the last interval "sell" far more than the history allows? Then its closing count is
    the likelier story (a backroom not counted) than a sudden surge in sales."""
    expected = fit.rate * last.exposure
    variance = expected * fit.dispersion + last.exposure**2 * (
        fit.rate * fit.dispersion / fit.effective_days if fit.effective_days else 0
    )
    return variance > 0 and last.sold - expected > SUSPECT_SDS * math.sqrt(variance)


def prior_from_peers(
    peer_rates: Sequence[float], *, basis: str, max_weight_days: float = 56.0
) -> SellRatePrior | None:
    """A prior from the same product's rates at similar stores (same grade, same region…).

    Matched to a gamma distribution: centre = the median peer rate, spread = the robust spread of
    peer rates. Its weight in days is centre / spread², so peers that agree count for a lot of
    own history and peers that scatter count for little.
    """
    rates = sorted(r for r in peer_rates if r >= 0)
    if not rates:
        return None
    centre = statistics.median(rates)
    if centre <= 0:
        return SellRatePrior(0.0, max_weight_days, basis)
    mad = statistics.median(abs(r - centre) for r in rates) * 1.4826
    # One peer, or peers that agree suspiciously well, say less than they seem to: the spread is
    # kept at least at a quarter of the centre.
    spread = max(mad, 0.25 * centre) if len(rates) > 1 else centre
    weight = min(max(centre / spread**2, 1.0), max_weight_days)
    return SellRatePrior(centre, weight, basis)


def _consistent_intervals(
    counts: Sequence[StockCount], deliveries: Sequence[Delivery]
) -> tuple[list[_Interval], list[StockCount]]:
    """Intervals between counts, dropping any count that makes a later interval sell < 0.

    Dropping the earlier count of a negative interval merges it with the one before; the merged
    total no longer depends on the bad count. Undercounts (a forgotten backroom) are the common
    error, which is why the earlier count is the one presumed wrong. The latest count is never
    dropped: it is the only view of the shelf today.
    """
    kept: list[StockCount] = []
    discarded: list[StockCount] = []
    for count in counts:
        while kept and _between(kept[-1], count, deliveries).sold < 0:
            discarded.append(kept.pop())
        kept.append(count)
    intervals = [_between(a, b, deliveries) for a, b in zip(kept, kept[1:], strict=False)]
    return intervals, discarded


def _between(start: StockCount, end: StockCount, deliveries: Sequence[Delivery]) -> _Interval:
    """The interval from `start` to `end`; `deliveries` are sorted by time."""
    first = bisect.bisect_right(deliveries, start.counted_at, key=lambda d: d.delivered_at)
    last = bisect.bisect_right(deliveries, end.counted_at, key=lambda d: d.delivered_at)
    return _Interval(start, end, tuple(deliveries[first:last]))


def _observe(
    iv: _Interval, promotions: Sequence[Promotion], now: datetime, half_life_days: float
) -> _Observation:
    start, end = iv.start.counted_at, iv.end.counted_at
    first = iv.deliveries[0].delivered_at if iv.deliveries else None
    age = (now - (start + (end - start) / 2)) / DAY
    return _Observation(
        sold=float(iv.sold),
        exposure=demand_days(start, end, promotions),
        before_delivery=demand_days(start, first, promotions) if first else None,
        start_on_hand=iv.start.on_hand,
        end_on_hand=iv.end.on_hand,
        age=age,
        weight=0.5 ** (age / half_life_days),
        trend_weight=0.5 ** (age / (2 * half_life_days)),
    )


def _uncensor(o: _Observation, rate: float) -> _Observation:
    """Shorten an interval's exposure to the days it probably had stock at `rate`.

    If the opening stock could not last until the first delivery, the days between running out
    and the delivery sold nothing. If the interval ended empty, it sold out at some unknown point;
    assuming it sold at `rate` until then means the interval can only push the rate up.
    """
    if rate <= 0:
        return o
    exposure = o.exposure
    if o.before_delivery is not None and o.start_on_hand < rate * o.before_delivery:
        exposure -= o.before_delivery - o.start_on_hand / rate
    if o.end_on_hand == 0:
        exposure = min(exposure, o.sold / rate)
    return dataclasses.replace(o, exposure=max(exposure, 0.0))


def _pooled_rate(
    observations: Sequence[_Observation], prior: SellRatePrior | None, trend: float = 0.0
) -> float:
    """Rate today: sales over exposure, each interval's exposure scaled by the trend since."""
    sold = sum(o.weight * o.sold for o in observations)
    days = sum(o.weight * o.exposure * math.exp(-trend * o.age) for o in observations)
    if prior:
        sold += prior.daily_rate * prior.weight_days
        days += prior.weight_days
    return sold / days if days > 0 else 0.0


def _trend(observations: Sequence[_Observation], dispersion: float) -> float:
    """Log growth per day: Poisson regression of sales on time, shrunk toward zero.

    Newton steps on the profile likelihood of the slope (the level has a closed form given the
    slope); then a normal prior of sd TREND_PRIOR_SD pulls the slope in by its standard error.
    """
    usable = [o for o in observations if o.exposure > 0]
    if len(usable) < MIN_TREND_INTERVALS:
        return 0.0
    if max(o.age for o in usable) - min(o.age for o in usable) < MIN_TREND_SPAN_DAYS:
        return 0.0
    sold = sum(o.trend_weight * o.sold for o in usable)
    if sold <= 0:
        return 0.0
    slope, spread = 0.0, 0.0
    for _ in range(8):
        q = [o.trend_weight * o.exposure * math.exp(-slope * o.age) for o in usable]
        total = sum(q)
        mean_t = sum(qi * -o.age for qi, o in zip(q, usable, strict=True)) / total
        spread = sum(qi * (-o.age - mean_t) ** 2 for qi, o in zip(q, usable, strict=True)) / total
        if spread <= 0:
            return 0.0
        gradient = sum(o.trend_weight * o.sold * -o.age for o in usable) - sold * mean_t
        step = gradient / (sold * spread)
        slope = max(-5 * MAX_TREND, min(5 * MAX_TREND, slope + step))
        if abs(step) < 1e-6:
            break
    variance = dispersion / (sold * spread)
    shrunk = slope * TREND_PRIOR_SD**2 / (TREND_PRIOR_SD**2 + variance)
    return max(-MAX_TREND, min(MAX_TREND, shrunk))


def _dispersion(
    observed: Sequence[_Observation], scored: Sequence[_Observation], rate: float, trend: float
) -> float:
    """Variance / mean of daily demand, from how far interval totals stray from rate × days.

    An interval that ran out hides how much more it would have sold, so it counts only when it
    sold more than expected even so; dropping all of them would drop the busiest periods and
    understate the spread. Dispersion is a steady trait of a product at a store, so it is read
    over the longer trend window, and shrunk toward a mildly over-dispersed prior because a
    handful of intervals says little.
    """
    if rate <= 0:
        return DISPERSION_PRIOR
    residuals = []
    for o, s in zip(observed, scored, strict=True):
        expected = rate * o.exposure * math.exp(-trend * o.age)
        if o.exposure > 0 and (s.exposure == o.exposure or o.sold > expected):
            residuals.append((o.trend_weight, o.sold - expected, expected))
    if not residuals:
        return DISPERSION_PRIOR
    spread = sum(w * r**2 for w, r, _ in residuals) / sum(w * e for w, _, e in residuals)
    n = sum(w for w, _, _ in residuals)
    shrunk = (spread * n + DISPERSION_PRIOR * DISPERSION_PRIOR_INTERVALS) / (
        n + DISPERSION_PRIOR_INTERVALS
    )
    return min(max(shrunk, 1.0), MAX_DISPERSION)


def _source(has_history: bool, prior: SellRatePrior | None) -> RateSource:
    if has_history:
        return RateSource.HISTORY_AND_PRIOR if prior else RateSource.HISTORY
    return RateSource.PRIOR if prior else RateSource.NONE
