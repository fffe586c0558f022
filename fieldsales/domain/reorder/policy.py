"""The reorder prompt: a periodic-review order-up-to policy that uses what the service knows.

The horizon runs from now until stock ordered at the *next* visit can arrive (review period +
lead time). The order-up-to level is the least stock that serves the target share of the
horizon's demand (fill rate, the default) or, as a setting, that runs out with at most the
complementary chance (cycle service). Suggested quantity = level − on hand − on order, in whole
cases; then the dealer's minimum order is honoured across the store's lines.

Where a textbook policy takes one lead time, one review period, a lagging average and a normal
approximation, this one takes the dealer's delivered lead-time distribution and short-shipping,
the store's record of skipped visits, the announced promotions in the horizon, the product's
trend, and for a new product the rate at similar stores, and it reads the level off the
resulting demand distribution. Every prompt carries those inputs so the rep can explain it.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from fieldsales.domain.reorder.dealer import DealerProfile
from fieldsales.domain.reorder.horizon import HorizonDemand, cycle_demand, horizon_demand
from fieldsales.domain.reorder.promotions import DAY, Promotion, demand_days, overlap_days
from fieldsales.domain.reorder.review import ReviewPeriod, VisitOutlook, review_period
from fieldsales.domain.reorder.sell_rate import (
    Delivery,
    RateSource,
    SellRate,
    SellRatePrior,
    StockCount,
    estimate_sell_rate,
)

# A dealer that once delivered almost nothing on a line must not make us order ten times over.
MIN_SHORT_FILL_RATIO = 0.3
MAX_COVER_DAYS = 3650.0  # "lasts ten years" is as precise as a rep needs


class OnHandSource(enum.StrEnum):
    COUNTED = "counted"  # counted today
    PROJECTED = "projected"  # last count + deliveries since − expected sales since


class PromptAction(enum.StrEnum):
    ORDER = "order"
    NOTHING = "nothing"  # stock on hand and on order covers the horizon
    DEFERRED = "deferred"  # needed, but below the dealer's minimum and can wait a visit


class ServiceMeasure(enum.StrEnum):
    FILL_RATE = "fill_rate"  # share of demand served from stock until the next delivery
    CYCLE = "cycle"  # chance of not running out at all before the next delivery


class MinimumEffect(enum.StrEnum):
    NOTHING_TO_ORDER = "nothing_to_order"
    NO_MINIMUM = "no_minimum"
    MET = "met"
    TOPPED_UP = "topped_up"
    DEFERRED = "deferred"


@dataclass(frozen=True, slots=True)
class ReorderPolicy:
    """Settings of the policy.

    `service_level` is read as a fill rate by default: the share of the demand until the next
    delivery that stock is expected to serve, which is what the store loses when it runs out.
    `ServiceMeasure.CYCLE` reads it as the chance of not running out at all.
    """

    service_level: float = 0.95
    service_measure: ServiceMeasure = ServiceMeasure.FILL_RATE
    half_life_days: float = 28.0  # how fast old sales stop counting
    skip_prior_rate: float = 0.1  # assumed share of visits skipped at a store with no record
    skip_prior_weight: float = 10.0  # … worth this many planned visits
    max_skips: int = 2  # consecutive skips considered

    def __post_init__(self) -> None:
        if not 0 < self.service_level < 1:
            raise ValueError("a service level is a probability strictly between 0 and 1")


DEFAULT_POLICY = ReorderPolicy()


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """Quantity ordered from the dealer and not delivered yet."""

    ordered_on: date
    quantity: int

    def __post_init__(self) -> None:
        if self.quantity < 0:
            raise ValueError("an open quantity cannot be negative")


@dataclass(frozen=True, slots=True)
class ReorderItem:
    """Everything known about one product at one store."""

    sku: str
    case_pack: int
    counts: tuple[StockCount, ...]
    deliveries: tuple[Delivery, ...] = ()
    open_orders: tuple[OpenOrder, ...] = ()
    promotions: tuple[Promotion, ...] = ()
    prior: SellRatePrior | None = None
    unit_price: Decimal | None = None  # needed only for a minimum order value

    def __post_init__(self) -> None:
        if self.case_pack <= 0:
            raise ValueError("a case pack holds at least one unit")


@dataclass(frozen=True, slots=True)
class MinimumOrder:
    """The dealer's minimum order, in cases across lines, in money, or both (0 = none)."""

    cases: int = 0
    value: Decimal = Decimal(0)


NO_MINIMUM = MinimumOrder()


@dataclass(frozen=True, slots=True)
class PromotionEffect:
    label: str
    starts_on: date
    ends_on: date
    uplift: float
    extra_units: float  # expected extra sales inside the expected horizon


@dataclass(frozen=True, slots=True)
class PromptExplanation:
    """Every input of the formula, so the prompt can be explained and audited."""

    sell_rate: SellRate
    on_hand: int
    on_hand_source: OnHandSource
    on_hand_as_of: datetime | None
    on_order: int
    on_order_expected: float  # what of it should arrive, given the dealer's short-shipping
    days_of_cover: float | None  # how long on hand lasts at the expected rate
    review: ReviewPeriod
    dealer: DealerProfile
    promotions: tuple[PromotionEffect, ...]
    service_level: float
    service_measure: ServiceMeasure
    horizon_days: float  # expected review period + lead time
    expected_demand: float  # over the horizon
    cycle_demand: float  # between this order's arrival and the next one's
    order_up_to: int  # units that cover the horizon at the service level
    safety_stock: float  # order_up_to − expected_demand
    short_ship_allowance: int  # units added because the dealer may ship short
    need: float  # order_up_to − on_hand − on_order_expected
    expected_service: float  # the service level the suggested quantity reaches
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReorderPrompt:
    sku: str
    action: PromptAction
    quantity: int  # units, a multiple of case_pack
    case_pack: int
    urgent: bool  # expected to run out before stock ordered at the next visit can arrive
    explanation: PromptExplanation
    summary: str

    @property
    def cases(self) -> int:
        return self.quantity // self.case_pack


@dataclass(frozen=True, slots=True)
class ReorderProposal:
    """The prompts for one store and dealer, after the dealer's minimum order."""

    prompts: tuple[ReorderPrompt, ...]
    minimum: MinimumOrder
    minimum_effect: MinimumEffect
    minimum_note: str

    @property
    def lines(self) -> tuple[ReorderPrompt, ...]:
        return tuple(p for p in self.prompts if p.quantity > 0)


def suggest_reorder(
    items: Iterable[ReorderItem],
    *,
    dealer: DealerProfile,
    visits: VisitOutlook,
    now: datetime,
    policy: ReorderPolicy = DEFAULT_POLICY,
    minimum: MinimumOrder = NO_MINIMUM,
) -> ReorderProposal:
    """Prompts for a store's products supplied by one dealer, honouring its minimum order.

    `now` is aware and in the store's time zone: its date is the store's today.
    """
    listed = tuple(items)
    prompts = [
        prompt_for_item(i, dealer=dealer, visits=visits, now=now, policy=policy) for i in listed
    ]
    prices = {i.sku: i.unit_price for i in listed}
    return apply_minimum_order(prompts, prices=prices, minimum=minimum)


def prompt_for_item(
    item: ReorderItem,
    *,
    dealer: DealerProfile,
    visits: VisitOutlook,
    now: datetime,
    policy: ReorderPolicy = DEFAULT_POLICY,
) -> ReorderPrompt:
    """The prompt for one product, before any minimum order."""
    rate = estimate_sell_rate(
        item.counts,
        item.deliveries,
        now=now,
        promotions=item.promotions,
        prior=item.prior,
        half_life_days=policy.half_life_days,
    )
    on_hand, source, as_of = current_stock(item, rate, now=now)
    review = review_period(
        visits,
        today=now.date(),
        skip_prior_rate=policy.skip_prior_rate,
        skip_prior_weight=policy.skip_prior_weight,
        max_skips=policy.max_skips,
    )
    return plan_order(
        item.sku,
        rate,
        on_hand=on_hand,
        on_hand_source=source,
        on_hand_as_of=as_of,
        open_orders=item.open_orders,
        case_pack=item.case_pack,
        review=review,
        dealer=dealer,
        promotions=item.promotions,
        now=now,
        policy=policy,
    )


def current_stock(
    item: ReorderItem, rate: SellRate, *, now: datetime
) -> tuple[int, OnHandSource, datetime | None]:
    """Units on hand now: today's count, else the last count carried forward.

    Carrying forward adds what was delivered since and takes off what should have sold since,
    so a visit whose count was missed, or whose count looks wrong, still gets a prompt.
    """
    counts = [c for c in item.counts if c.counted_at <= now and c.counted_at != rate.suspect_count]
    latest = max(counts, key=lambda c: c.counted_at, default=None)
    arrived = sorted(
        (d for d in item.deliveries if d.delivered_at <= now), key=lambda d: d.delivered_at
    )
    if latest is None:
        if not arrived:
            return 0, OnHandSource.PROJECTED, None
        # Never counted (a listing delivered before the first visit): start from the first delivery.
        since, base = arrived[0].delivered_at, 0
        delivered = sum(d.quantity for d in arrived)
    else:
        since, base = latest.counted_at, latest.on_hand
        delivered = sum(d.quantity for d in arrived if d.delivered_at > since)
        if latest.counted_at.astimezone(now.tzinfo).date() == now.date():
            return base + delivered, OnHandSource.COUNTED, since
    sold = rate.daily_rate * demand_days(since, now, item.promotions)
    return max(0, round(base + delivered - sold)), OnHandSource.PROJECTED, since


def plan_order(
    sku: str,
    rate: SellRate,
    *,
    on_hand: int,
    case_pack: int,
    review: ReviewPeriod,
    dealer: DealerProfile,
    now: datetime,
    open_orders: Sequence[OpenOrder] = (),
    promotions: Sequence[Promotion] = (),
    policy: ReorderPolicy = DEFAULT_POLICY,
    on_hand_source: OnHandSource = OnHandSource.COUNTED,
    on_hand_as_of: datetime | None = None,
) -> ReorderPrompt:
    """Order-up-to quantity in whole cases for one product, with its explanation."""
    demand = horizon_demand(
        rate,
        review_pmf=review.pmf,
        lead_time_pmf=dealer.lead_time_pmf,
        promotions=promotions,
        now=now,
    )
    target = _ServiceTarget(
        demand=demand,
        cycle_demand=cycle_demand(
            rate,
            review_pmf=review.pmf,
            lead_time_days=dealer.mean_lead_time,
            promotions=promotions,
            now=now,
        ),
        level=policy.service_level,
        measure=policy.service_measure,
    )
    on_order = sum(o.quantity for o in open_orders)
    on_order_expected = on_order * dealer.expected_fill
    position = on_hand + on_order_expected
    order_up_to = target.order_up_to()
    plain_cases = math.ceil(max(0.0, order_up_to - position) / case_pack)
    fills = _fill_outcomes(dealer)
    cases = target.cases_needed(position, fills, case_pack, guess=plain_cases)
    quantity = cases * case_pack
    explanation = PromptExplanation(
        sell_rate=rate,
        on_hand=on_hand,
        on_hand_source=on_hand_source,
        on_hand_as_of=on_hand_as_of,
        on_order=on_order,
        on_order_expected=on_order_expected,
        days_of_cover=_days_of_cover(on_hand, rate.daily_rate, promotions, now),
        review=review,
        dealer=dealer,
        promotions=_promotion_effects(rate.daily_rate, promotions, now, demand.mean_days),
        service_level=policy.service_level,
        service_measure=policy.service_measure,
        horizon_days=demand.mean_days,
        expected_demand=demand.mean,
        cycle_demand=target.cycle_demand,
        order_up_to=order_up_to,
        safety_stock=order_up_to - demand.mean,
        short_ship_allowance=max(0, cases - plain_cases) * case_pack,
        need=order_up_to - position,
        expected_service=target.achieved(_arrivals(position, quantity, fills)),
        notes=(
            *_rate_notes(rate),
            *_stock_notes(rate, on_hand, on_hand_source, on_hand_as_of, promotions, now, dealer),
            *_overdue_notes(open_orders, dealer, now),
        ),
    )
    action = PromptAction.ORDER if quantity > 0 else PromptAction.NOTHING
    return ReorderPrompt(
        sku=sku,
        action=action,
        quantity=quantity,
        case_pack=case_pack,
        urgent=position < demand.mean,
        explanation=explanation,
        summary=_summary(action, quantity, case_pack, explanation),
    )


@dataclass(frozen=True, slots=True)
class _ServiceTarget:
    """The service level to reach over the horizon, and how close a stock level gets to it."""

    demand: HorizonDemand
    cycle_demand: float
    level: float
    measure: ServiceMeasure

    def achieved(self, stock: Sequence[tuple[float, float]]) -> float:
        """Service reached when the stock is `(probability, units)` outcomes."""
        if self.measure is ServiceMeasure.CYCLE:
            return sum(p * self.demand.cdf(units) for p, units in stock)
        if self.cycle_demand <= 0:
            return 1.0
        # Demand beyond the stock is lost; as a share of the cycle's demand it is what is missed.
        lost = sum(p * self.demand.shortfall(units) for p, units in stock)
        return max(0.0, 1.0 - lost / self.cycle_demand)

    def met(self, stock: Sequence[tuple[float, float]]) -> bool:
        return self.achieved(stock) >= self.level

    def order_up_to(self) -> int:
        """Fewest units that reach the level if everything ordered arrives."""
        return _smallest(
            lambda units: self.met(((1.0, float(units)),)),
            self.demand.upper_bound(),
            guess=round(self.demand.mean + self.demand.sd),
        )

    def cases_needed(
        self, position: float, fills: Sequence[tuple[float, float]], case_pack: int, guess: int
    ) -> int:
        """Fewest cases that reach the level, given how much of an order tends to arrive."""
        # Past the point where even the smallest share arriving covers any plausible demand,
        # more cases cannot help: the search stops there.
        smallest_share = min(share for _, share in fills)
        limit = math.ceil(self.demand.upper_bound() / (case_pack * smallest_share)) + 1
        return _smallest(
            lambda cases: self.met(_arrivals(position, cases * case_pack, fills)), limit
        )


def _arrivals(
    position: float, quantity: int, fills: Sequence[tuple[float, float]]
) -> tuple[tuple[float, float], ...]:
    return tuple((p, position + quantity * share) for p, share in fills)


def _smallest(ok: Callable[[int], bool], limit: int, guess: int = 0) -> int:
    """Smallest n in [0, limit] with ok(n), for ok monotone; limit if none.

    Searched outward from `guess` in doubling steps, then by bisection, so a good guess costs a
    handful of evaluations.
    """
    guess = min(max(guess, 0), limit)
    if ok(guess):
        hi, step = guess, 1
        while hi - step >= 0 and ok(hi - step):
            hi, step = hi - step, step * 2
        lo = hi - step  # fails, or is below 0
    else:
        lo, step = guess, 1
        while lo + step < limit and not ok(lo + step):
            lo, step = lo + step, step * 2
        hi = min(lo + step, limit)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if mid >= 0 and ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def apply_minimum_order(
    prompts: Sequence[ReorderPrompt],
    *,
    prices: dict[str, Decimal | None],
    minimum: MinimumOrder,
) -> ReorderProposal:
    """Make the store's order meet the dealer's minimum, or hold it until the next visit.

    If some line would likely run out before an order from the next visit could arrive, cases
    are added to the lines with the fewest days of cover until the minimum is met. Otherwise
    nothing is urgent, and the small order waits for the next visit.
    """
    lines = [p for p in prompts if p.quantity > 0]
    if not lines:
        return ReorderProposal(tuple(prompts), minimum, MinimumEffect.NOTHING_TO_ORDER, "")
    if not minimum.cases and not minimum.value:
        return ReorderProposal(tuple(prompts), minimum, MinimumEffect.NO_MINIMUM, "")
    quantities = {p.sku: p.quantity for p in prompts}
    if _meets(quantities, prompts, prices, minimum):
        note = f"The order meets the dealer's minimum ({_describe(minimum)})."
        return ReorderProposal(tuple(prompts), minimum, MinimumEffect.MET, note)
    if not any(p.urgent for p in lines):
        note = (
            f"Below the dealer's minimum ({_describe(minimum)}) and every line lasts until an "
            "order from the next visit can arrive: held until then."
        )
        held = tuple(_hold(p, note) if p.quantity > 0 else p for p in prompts)
        return ReorderProposal(held, minimum, MinimumEffect.DEFERRED, note)
    candidates = [p for p in lines if minimum.value == 0 or prices.get(p.sku) is not None]
    added: dict[str, int] = {}
    while candidates and not _meets(quantities, prompts, prices, minimum):
        pick = min(candidates, key=lambda p: _cover_after(p, quantities[p.sku]))
        quantities[pick.sku] += pick.case_pack
        added[pick.sku] = added.get(pick.sku, 0) + 1
    if not _meets(quantities, prompts, prices, minimum):
        note = f"The dealer's minimum ({_describe(minimum)}) cannot be checked: prices missing."
        return ReorderProposal(tuple(prompts), minimum, MinimumEffect.NO_MINIMUM, note)
    note = f"Topped up to the dealer's minimum ({_describe(minimum)}) with " + ", ".join(
        f"+{n} case{'s' if n > 1 else ''} of {sku}" for sku, n in added.items()
    )
    topped = tuple(_top_up(p, quantities[p.sku], note) if p.sku in added else p for p in prompts)
    return ReorderProposal(topped, minimum, MinimumEffect.TOPPED_UP, note)


def _fill_outcomes(dealer: DealerProfile) -> tuple[tuple[float, float], ...]:
    """(probability, share of the order that arrives)."""
    short = dealer.short_ship_share
    return ((1.0 - short, 1.0), (short, max(dealer.short_fill_ratio, MIN_SHORT_FILL_RATIO)))


def _days_of_cover(
    on_hand: int, daily_rate: float, promotions: Sequence[Promotion], now: datetime
) -> float | None:
    """Days until `on_hand` sells out at the rate, promotions included (bisection)."""
    if daily_rate <= 0:
        return None
    slowest = min((p.uplift for p in promotions), default=1.0)
    lo, hi = 0.0, min(on_hand / (daily_rate * min(1.0, slowest)), MAX_COVER_DAYS)
    for _ in range(40):
        mid = (lo + hi) / 2
        if daily_rate * demand_days(now, now + mid * DAY, promotions) < on_hand:
            lo = mid
        else:
            hi = mid
    return hi


def _promotion_effects(
    daily_rate: float, promotions: Sequence[Promotion], now: datetime, horizon_days: float
) -> tuple[PromotionEffect, ...]:
    end = now + horizon_days * DAY
    return tuple(
        PromotionEffect(
            p.label,
            p.starts_on,
            p.ends_on,
            p.uplift,
            daily_rate * (p.uplift - 1) * overlap_days(p, now, end),
        )
        for p in promotions
        if overlap_days(p, now, end) > 0
    )


def _rate_notes(rate: SellRate) -> list[str]:
    notes = []
    if rate.source is RateSource.NONE:
        notes.append("No sales history and no comparable stores: nothing to base an order on.")
    elif rate.source is RateSource.PRIOR:
        notes.append(f"No sales history here yet: rate taken from {rate.prior_basis}.")
    elif rate.source is RateSource.HISTORY_AND_PRIOR:
        notes.append(f"Short history, blended with {rate.prior_basis}.")
    if rate.discarded_counts:
        days = ", ".join(t.date().isoformat() for t in rate.discarded_counts)
        notes.append(f"Counts of {days} disagree with later counts and deliveries: not used.")
    if rate.suspect_count is not None:
        notes.append(
            "Today's count is far below what sales since the last count explain "
            "(backroom missed?): not used; please recount."
        )
    if rate.censored_intervals:
        notes.append(
            f"Ran out in {rate.censored_intervals} of {rate.intervals} periods: "
            "rate estimated from the days it was in stock."
        )
    if abs(rate.daily_trend) * 28 >= 0.05:
        notes.append(f"Sales trend {math.expm1(rate.daily_trend * 28):+.0%} per 4 weeks.")
    return notes


def _stock_notes(
    rate: SellRate,
    on_hand: int,
    source: OnHandSource,
    as_of: datetime | None,
    promotions: Sequence[Promotion],
    now: datetime,
    dealer: DealerProfile,
) -> list[str]:
    notes = []
    if source is OnHandSource.PROJECTED and as_of is not None:
        notes.append(f"Stock carried forward from the count of {as_of.date()}.")
    lead_demand = rate.daily_rate * demand_days(now, now + dealer.mean_lead_time * DAY, promotions)
    if on_hand < lead_demand:
        notes.append("Stock may run out before this order arrives.")
    return notes


def _overdue_notes(
    open_orders: Sequence[OpenOrder], dealer: DealerProfile, now: datetime
) -> list[str]:
    usual = dealer.lead_time_quantile(0.95)
    return [
        f"{o.quantity} ordered on {o.ordered_on} not delivered yet "
        f"(the dealer usually delivers within {usual} days): chase the dealer."
        for o in open_orders
        if (now.date() - o.ordered_on).days > usual
    ]


def _summary(action: PromptAction, quantity: int, case_pack: int, e: PromptExplanation) -> str:
    r = e.sell_rate
    parts = [f"Sells {r.daily_rate:.1f}/day ({_basis(r)})."]
    cover = f", lasts {e.days_of_cover:.1f} days" if e.days_of_cover is not None else ""
    parts.append(f"{e.on_hand} on hand ({e.on_hand_source.value}{cover}); {e.on_order} on order.")
    d = e.dealer
    parts.append(
        f"Dealer delivers in {d.mean_lead_time:.1f} days on average "
        f"({d.late_share:.0%} later than the {d.stated_lead_time_days} promised); "
        f"next visit in {e.review.planned_days} days ({e.review.source.value}, "
        f"{e.review.skip_rate:.0%} of visits skipped)."
    )
    parts.extend(
        f"Promotion {p.label or p.starts_on.isoformat()} (x{p.uplift:g}) adds ~{p.extra_units:.0f}."
        for p in e.promotions
    )
    parts.append(
        f"Covering {e.horizon_days:.1f} days at {e.service_level:.0%} "
        f"{_MEASURE_TEXT[e.service_measure]} needs {e.order_up_to} "
        f"(expected {e.expected_demand:.0f} + safety {e.safety_stock:.0f})."
    )
    if e.short_ship_allowance:
        parts.append(
            f"The dealer ships short on {d.short_ship_share:.0%} of lines "
            f"(~{d.short_fill_ratio:.0%} arrives): {e.short_ship_allowance} extra."
        )
    if action is PromptAction.ORDER:
        parts.append(f"Order {quantity} ({quantity // case_pack} x {case_pack}).")
    elif action is PromptAction.NOTHING:
        parts.append("No order needed.")
    return " ".join(parts)


_MEASURE_TEXT = {
    ServiceMeasure.FILL_RATE: "of demand served",
    ServiceMeasure.CYCLE: "chance of not running out",
}


def _basis(rate: SellRate) -> str:
    if rate.source is RateSource.HISTORY:
        return f"{rate.observed_days:.0f} days of counts"
    if rate.source is RateSource.HISTORY_AND_PRIOR:
        return f"{rate.observed_days:.0f} days of counts and similar stores"
    if rate.source is RateSource.PRIOR:
        return "similar stores"
    return "no data"


def _meets(
    quantities: dict[str, int],
    prompts: Sequence[ReorderPrompt],
    prices: dict[str, Decimal | None],
    minimum: MinimumOrder,
) -> bool:
    cases = sum(quantities[p.sku] // p.case_pack for p in prompts)
    value = sum(
        (quantities[p.sku] * (prices.get(p.sku) or Decimal(0)) for p in prompts), Decimal(0)
    )
    return cases >= minimum.cases and value >= minimum.value


def _cover_after(prompt: ReorderPrompt, quantity: int) -> float:
    e = prompt.explanation
    rate = e.sell_rate.daily_rate
    return (e.on_hand + e.on_order_expected + quantity) / rate if rate > 0 else math.inf


def _describe(minimum: MinimumOrder) -> str:
    parts = []
    if minimum.cases:
        parts.append(f"{minimum.cases} cases")
    if minimum.value:
        parts.append(f"value {minimum.value}")
    return " and ".join(parts)


def _hold(prompt: ReorderPrompt, note: str) -> ReorderPrompt:
    e = dataclasses.replace(prompt.explanation, notes=(*prompt.explanation.notes, note))
    return dataclasses.replace(
        prompt,
        action=PromptAction.DEFERRED,
        quantity=0,
        explanation=e,
        summary=f"{prompt.summary} {note}",
    )


def _top_up(prompt: ReorderPrompt, quantity: int, note: str) -> ReorderPrompt:
    e = dataclasses.replace(prompt.explanation, notes=(*prompt.explanation.notes, note))
    cases = quantity // prompt.case_pack
    text = f"{prompt.summary} {note}: order {quantity} ({cases} x {prompt.case_pack})."
    return dataclasses.replace(prompt, quantity=quantity, explanation=e, summary=text)
