"""Dealer evaluation: normalise each metric to 0–100 on a documented scale, combine with
weights, rank within a region, compare with the previous period.

A metric with too little data behind it is "not enough data", never a made-up number: it
drops out and the remaining weights are rescaled. If what remains carries less than half of
the total weight, the dealer has no score for the period.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from fieldsales.domain.errors import InvalidInput


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
MAX_WEIGHT = 1000.0


def check_weights(weights: Mapping[str, float]) -> dict[Metric, float]:
    """An admin's weights: every metric once, each 0..MAX_WEIGHT, at least one above 0
    (a weight of 0 leaves the metric out of the score; it is still reported)."""
    errors = [
        {"path": f"json.weights.{name}", "message": "Unknown metric."}
        for name in weights
        if name not in Metric.__members__.values()
    ]
    errors += [
        {"path": f"json.weights.{m.value}", "message": "Missing."}
        for m in Metric
        if m.value not in weights
    ]
    errors += [
        {"path": f"json.weights.{name}", "message": f"Must be between 0 and {MAX_WEIGHT:g}."}
        for name, w in weights.items()
        if name in Metric.__members__.values() and not (0 <= w <= MAX_WEIGHT)  # refuses NaN
    ]
    if not errors and not any(w > 0 for w in weights.values()):
        errors.append({"path": "json.weights", "message": "At least one weight above 0."})
    if errors:
        raise InvalidInput("The weights are not valid.", errors=errors)
    return {Metric(name): float(w) for name, w in weights.items()}


@dataclass(frozen=True, slots=True)
class Observation:
    """A metric's raw value and how many observations it rests on (None: no data)."""

    value: float | None
    sample: int


@dataclass(frozen=True, slots=True)
class DealerFigures:
    """What the database counts for one dealer and period (services/scorecards.py says
    which rows each count covers). Medians come ready-made: they are not sums."""

    lines: int = 0  # reorder lines due by now
    units_requested: int = 0
    units_delivered: int = 0
    full_lines: int = 0  # delivered complete
    promised_requests: int = 0  # due requests with a confirmed delivery date
    on_time_requests: int = 0  # of those, delivered complete by that date
    responses: int = 0  # requests submitted (answered or still waiting)
    response_hours_median: float | None = None
    response_hours_p90: float | None = None
    requests: int = 0  # requests submitted, not cancelled by the rep
    cannot_fill_requests: int = 0
    stock_counts: int = 0  # counts of active products at the dealer's stores
    stockouts: int = 0  # counts at zero
    dealer_stockouts: int = 0  # of those, with a request open since the previous visit
    visits: int = 0  # visits at the dealer's stores
    dealer_problems: int = 0  # problems raised and attributed to the dealer
    resolved_problems: int = 0  # attributed problems resolved in the period
    resolution_days_median: float | None = None
    reviewed_photos: int = 0  # our-POP photos with a review decision
    approved_photos: int = 0
    scored_photos: int = 0  # reviewed with a compliance score
    mean_compliance: float | None = None
    # (reason, requests) of the cannot-fill answers, most frequent first
    cannot_fill_reasons: tuple[tuple[str, int], ...] = ()

    @property
    def rep_stockouts(self) -> int:
        """At zero with no request open since the previous visit: the rep never asked."""
        return self.stockouts - self.dealer_stockouts

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> DealerFigures:
        """From stored JSON or a result row: known names only, missing ones at zero."""
        names = {f.name for f in fields(cls)}
        known: dict[str, Any] = {k: v for k, v in values.items() if k in names}
        reasons = known.get("cannot_fill_reasons") or ()
        known["cannot_fill_reasons"] = tuple((str(r), int(n)) for r, n in reasons)
        return cls(**known)


def ratio(part: float, whole: float, *, per: float = 1.0) -> float | None:
    return None if whole == 0 else round(per * part / whole, 4)


def observations(f: DealerFigures) -> dict[Metric, Observation]:
    """Each scored metric's value and the number of observations behind it."""
    return {
        Metric.FILL_RATE: Observation(ratio(f.units_delivered, f.units_requested), f.lines),
        Metric.FULL_LINE_RATE: Observation(ratio(f.full_lines, f.lines), f.lines),
        Metric.ON_TIME_RATE: Observation(
            ratio(f.on_time_requests, f.promised_requests), f.promised_requests
        ),
        Metric.RESPONSE_HOURS_MEDIAN: Observation(_rounded(f.response_hours_median), f.responses),
        Metric.CANNOT_FILL_RATE: Observation(ratio(f.cannot_fill_requests, f.requests), f.requests),
        Metric.DEALER_STOCKOUT_RATE: Observation(
            ratio(f.dealer_stockouts, f.stock_counts), f.stock_counts
        ),
        Metric.PROBLEMS_PER_100_VISITS: Observation(
            ratio(f.dealer_problems, f.visits, per=100), f.visits
        ),
        Metric.RESOLUTION_DAYS_MEDIAN: Observation(
            _rounded(f.resolution_days_median), f.resolved_problems
        ),
        Metric.POP_COMPLIANCE: Observation(_rounded(f.mean_compliance), f.scored_photos),
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


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


def score_change(score: float | None, previous: float | None) -> float | None:
    """Score minus the previous period's; None if either period has no score."""
    return None if score is None or previous is None else round(score - previous, 1)


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
            change=score_change(e.score, e.previous_score),
        )
        for e in sorted(items, key=lambda e: (e.region, ranks.get(e.key, 10**9), e.key))
    ]
