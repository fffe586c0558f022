"""Dealer evaluation: normalise each metric to 0–100 on a documented scale, combine with
weights, rank within a region, compare with the previous period.

A metric with too little data behind it is "not enough data", never a made-up number: it
drops out and the remaining weights are rescaled. If what remains carries less than half of
the total weight, the dealer has no score for the period.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class Metric(enum.StrEnum):
    FILL_RATE = "fill_rate"  # units delivered / units requested
    FULL_LINE_RATE = "full_line_rate"  # share of lines delivered complete
    ON_TIME_RATE = "on_time_rate"  # deliveries by the confirmed date
    RESPONSE_HOURS_MEDIAN = "response_hours_median"  # submitted -> acknowledged
    CANNOT_FILL_RATE = "cannot_fill_rate"  # requests answered "cannot fill"
    DEALER_STOCKOUT_RATE = "dealer_stockout_rate"  # stock-outs the dealer caused
    PROBLEMS_PER_100_VISITS = "problems_per_100_visits"  # dealer-attributed problems
    RESOLUTION_DAYS_MEDIAN = "resolution_days_median"  # of those problems
    POP_COMPLIANCE = "pop_compliance"  # mean review score of photos at its stores


@dataclass(frozen=True, slots=True)
class Scale:
    """Linear from `worst` (0 points) to `best` (100 points), clamped; works either way round
    (for response time the best value is the smallest)."""

    worst: float
    best: float
    min_sample: int  # fewer observations than this: not enough data

    def points(self, value: float) -> float:
        share = (value - self.worst) / (self.best - self.worst)
        return round(100.0 * min(1.0, max(0.0, share)), 1)


# Documented defaults (README, "Dealer scorecards"). Rates are fractions 0..1.
SCALES: Mapping[Metric, Scale] = {
    Metric.FILL_RATE: Scale(worst=0.80, best=1.00, min_sample=10),
    Metric.FULL_LINE_RATE: Scale(worst=0.60, best=1.00, min_sample=10),
    Metric.ON_TIME_RATE: Scale(worst=0.60, best=1.00, min_sample=5),
    Metric.RESPONSE_HOURS_MEDIAN: Scale(worst=48.0, best=2.0, min_sample=5),
    Metric.CANNOT_FILL_RATE: Scale(worst=0.20, best=0.0, min_sample=10),
    Metric.DEALER_STOCKOUT_RATE: Scale(worst=0.10, best=0.0, min_sample=20),
    Metric.PROBLEMS_PER_100_VISITS: Scale(worst=10.0, best=0.0, min_sample=20),
    Metric.RESOLUTION_DAYS_MEDIAN: Scale(worst=14.0, best=1.0, min_sample=3),
    Metric.POP_COMPLIANCE: Scale(worst=0.0, best=100.0, min_sample=5),
}

DEFAULT_WEIGHTS: Mapping[Metric, float] = {
    Metric.FILL_RATE: 20,
    Metric.FULL_LINE_RATE: 10,
    Metric.ON_TIME_RATE: 15,
    Metric.RESPONSE_HOURS_MEDIAN: 10,
    Metric.CANNOT_FILL_RATE: 5,
    Metric.DEALER_STOCKOUT_RATE: 15,
    Metric.PROBLEMS_PER_100_VISITS: 10,
    Metric.RESOLUTION_DAYS_MEDIAN: 5,
    Metric.POP_COMPLIANCE: 10,
}

MIN_WEIGHT_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Observation:
    """A metric's raw value and how many observations it rests on (None: no data)."""

    value: float | None
    sample: int


@dataclass(frozen=True, slots=True)
class MetricScore:
    metric: Metric
    value: float | None
    sample: int
    points: float | None  # None: not enough data
    weight: float  # effective weight after rescaling (0 when not enough data)


@dataclass(frozen=True, slots=True)
class DealerScore:
    score: float | None  # None: not enough data overall
    breakdown: tuple[MetricScore, ...]
    weight_with_data: float  # share of the configured weight that had data, 0..1

    @property
    def enough_data(self) -> bool:
        return self.score is not None


def score_dealer(
    observations: Mapping[Metric, Observation],
    *,
    weights: Mapping[Metric, float] = DEFAULT_WEIGHTS,
    scales: Mapping[Metric, Scale] = SCALES,
) -> DealerScore:
    total_weight = sum(w for w in weights.values() if w > 0)
    points: dict[Metric, float] = {}
    for metric, weight in weights.items():
        obs = observations.get(metric)
        scale = scales[metric]
        if (
            weight > 0
            and obs is not None
            and obs.value is not None
            and obs.sample >= scale.min_sample
        ):
            points[metric] = scale.points(obs.value)
    weight_with_data = sum(weights[m] for m in points)
    share = weight_with_data / total_weight if total_weight else 0.0
    breakdown = tuple(
        MetricScore(
            metric=metric,
            value=observations[metric].value if metric in observations else None,
            sample=observations[metric].sample if metric in observations else 0,
            points=points.get(metric),
            weight=round(weights[metric] / weight_with_data, 4) if metric in points else 0.0,
        )
        for metric in weights
    )
    if share < MIN_WEIGHT_SHARE:
        return DealerScore(score=None, breakdown=breakdown, weight_with_data=round(share, 4))
    score = sum(points[m] * weights[m] for m in points) / weight_with_data
    return DealerScore(score=round(score, 1), breakdown=breakdown, weight_with_data=round(share, 4))


@dataclass(frozen=True, slots=True)
class Ranked:
    key: str
    region: str
    score: float | None
    rank: int | None  # 1 = best in its region; None when there is no score
    change: float | None  # score minus the previous period's (None if either is missing)


@dataclass(frozen=True, slots=True)
class RankInput:
    key: str
    region: str
    score: float | None
    previous_score: float | None = field(default=None)


def rank_within_regions(entries: Iterable[RankInput]) -> list[Ranked]:
    """Competition ranking ("1, 2, 2, 4") per region; unscored dealers are listed unranked."""
    items = list(entries)
    ranks: dict[str, int] = {}
    for region in {e.region for e in items}:
        scored = sorted(
            (e for e in items if e.region == region and e.score is not None),
            key=lambda e: -(e.score or 0.0),
        )
        for position, entry in enumerate(scored, start=1):
            tied = position > 1 and scored[position - 2].score == entry.score
            ranks[entry.key] = ranks[scored[position - 2].key] if tied else position
    return [
        Ranked(
            key=e.key,
            region=e.region,
            score=e.score,
            rank=ranks.get(e.key),
            change=(
                round(e.score - e.previous_score, 1)
                if e.score is not None and e.previous_score is not None
                else None
            ),
        )
        for e in sorted(items, key=lambda e: (e.region, ranks.get(e.key, 10**9), e.key))
    ]
