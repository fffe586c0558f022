"""The four policies compared. Each reads only the catalog and the ledger, never the truth.

* `AverageOfLastThree`: the market's habit, order what was ordered the last three times
  (skipped when the counted stock already holds that much).
* `HandMinMax`: min/max levels set once by hand from a rough rate, never revised.
* `Textbook`: periodic-review order-up-to, EWMA rate and EWMA squared error,
  S = r·(L+R) + z·σ·√(L+R) with the dealer's stated lead time and the grade's visit interval.
* `Ours`: `fieldsales.domain.reorder.suggest_reorder` fed the way the service will feed it.
"""

from __future__ import annotations

import bisect
import math
from statistics import NormalDist

from bench.reorder.scenario import PROMO_PLANNING_UPLIFT, PROMO_PLANNING_UPLIFT_SD, Catalog
from bench.reorder.world import VISIT_HOUR, Ledger, Policy, at, on
from fieldsales.domain.reorder import (
    DEFAULT_POLICY,
    DealerProfile,
    OpenOrder,
    Promotion,
    ReorderItem,
    ReorderPolicy,
    SellRatePrior,
    StockCount,
    VisitOutlook,
    VisitPlanSource,
    estimate_sell_rate,
    prior_from_peers,
    profile_dealer,
    suggest_reorder,
)

HISTORY_DAYS = 182  # what the service loads: the last 26 weeks
NEW_LISTING_DAYS = 56  # a product this young at a store gets a prior from similar stores
PEER_MIN_AGE_DAYS = 28  # a peer needs this much history to be one


def round_up_to_cases(units: float, case_pack: int) -> int:
    return max(0, math.ceil(units / case_pack - 1e-9)) * case_pack


def _on_order(ledger: Ledger, sp: int) -> int:
    return sum(q for _, q in ledger.open_orders[sp])


def _stated_lead_time(catalog: Catalog, store: int) -> int:
    return catalog.dealer_stated_lead_time[catalog.store_dealer[store]]


class AverageOfLastThree(Policy):
    name = "avg-last-3"

    def order(
        self, catalog: Catalog, ledger: Ledger, *, store: int, day: int, sps: list[int]
    ) -> dict[int, int]:
        orders = {}
        for sp in sps:
            pack = int(catalog.sp_case_pack[sp])
            last = ledger.order_history[sp][-3:] or [
                catalog.sp_hand_rate[sp] * catalog.interval(store)
            ]
            qty = round_up_to_cases(sum(last) / len(last), pack)
            count = ledger.counted_today(sp, day)
            if count is None or count.on_hand < qty:
                orders[sp] = qty
        return orders


class HandMinMax(Policy):
    name = "min/max"

    def order(
        self, catalog: Catalog, ledger: Ledger, *, store: int, day: int, sps: list[int]
    ) -> dict[int, int]:
        orders = {}
        lead, review = _stated_lead_time(catalog, store), catalog.interval(store)
        for sp in sps:
            count = ledger.counted_today(sp, day)
            if count is None:
                continue  # nobody orders blind from a min/max sheet
            pack, rate = int(catalog.sp_case_pack[sp]), catalog.sp_hand_rate[sp]
            low = round_up_to_cases(rate * (lead + review), pack)
            high = max(round_up_to_cases(rate * (lead + 2 * review), pack), low + pack)
            position = count.on_hand + _on_order(ledger, sp)
            if position <= low:
                orders[sp] = round_up_to_cases(high - position, pack)
        return orders


class Textbook(Policy):
    name = "textbook"

    def __init__(self, *, alpha: float = 0.2, service_level: float = 0.95) -> None:
        self.alpha = alpha
        self.z = NormalDist().inv_cdf(service_level)

    def order(
        self, catalog: Catalog, ledger: Ledger, *, store: int, day: int, sps: list[int]
    ) -> dict[int, int]:
        orders = {}
        protection = _stated_lead_time(catalog, store) + catalog.interval(store)
        for sp in sps:
            smoothed = self.smoothed_rate(ledger.counts[sp], ledger.deliveries[sp])
            if smoothed is None:
                continue  # no sales observed yet: nothing to base a level on
            rate, variance = smoothed
            level = rate * protection + self.z * math.sqrt(variance * protection)
            position = self.on_hand(ledger, sp, day, rate) + _on_order(ledger, sp)
            orders[sp] = round_up_to_cases(level - position, int(catalog.sp_case_pack[sp]))
        return orders

    def smoothed_rate(
        self, counts: list[StockCount], deliveries: list
    ) -> tuple[float, float] | None:
        """EWMA of daily sales per count interval, and EWMA of the squared error per day."""
        rate: float | None = None
        variance = 0.0
        k = 0
        for start, end in zip(counts, counts[1:], strict=False):
            delivered = 0
            while k < len(deliveries) and deliveries[k].delivered_at <= end.counted_at:
                if deliveries[k].delivered_at > start.counted_at:
                    delivered += deliveries[k].quantity
                k += 1
            days = (end.counted_at - start.counted_at).total_seconds() / 86400
            sold = max(0, start.on_hand + delivered - end.on_hand)  # demand cannot be negative
            if rate is None:
                rate, variance = sold / days, max(sold / days, 0.01)
                continue
            error = sold - rate * days
            variance = self.alpha * error**2 / days + (1 - self.alpha) * variance
            rate = self.alpha * sold / days + (1 - self.alpha) * rate
        return None if rate is None else (rate, variance)

    @staticmethod
    def on_hand(ledger: Ledger, sp: int, day: int, rate: float) -> float:
        """Today's count; without one, the last count plus deliveries minus expected sales."""
        if not ledger.counts[sp]:
            return 0.0
        last = ledger.counts[sp][-1]
        if ledger.count_days[sp][-1] == day:
            return float(last.on_hand)
        since = sum(d.quantity for d in ledger.deliveries[sp] if d.delivered_at > last.counted_at)
        elapsed = (at(day, VISIT_HOUR) - last.counted_at).total_seconds() / 86400
        return max(0.0, last.on_hand + since - rate * elapsed)


class Ours(Policy):
    name = "ours"

    def __init__(self, *, policy: ReorderPolicy = DEFAULT_POLICY) -> None:
        self.policy = policy
        self._dealers: dict[tuple[int, int], DealerProfile] = {}
        self._priors: dict[tuple[int, str, int], SellRatePrior | None] = {}

    def order(
        self, catalog: Catalog, ledger: Ledger, *, store: int, day: int, sps: list[int]
    ) -> dict[int, int]:
        now = at(day, VISIT_HOUR)
        items = [self.item(catalog, ledger, sp, day) for sp in sps]
        proposal = suggest_reorder(
            items,
            dealer=self.dealer(catalog, ledger, catalog.store_dealer[store], day),
            visits=self.outlook(catalog, ledger, store, day),
            now=now,
            policy=self.policy,
        )
        return {sp: p.quantity for sp, p in zip(sps, proposal.prompts, strict=True)}

    def item(self, catalog: Catalog, ledger: Ledger, sp: int, day: int) -> ReorderItem:
        since = day - HISTORY_DAYS
        first = bisect.bisect_left(ledger.count_days[sp], since)
        start = at(since, 0)
        promotions = tuple(
            Promotion(
                on(w.start),
                on(w.end),
                PROMO_PLANNING_UPLIFT,
                f"promo {on(w.start)}",
                PROMO_PLANNING_UPLIFT_SD,
            )
            for w in catalog.sp_promos[sp]
            if w.announced <= day
        )
        young = 0 < catalog.sp_listed_on[sp] and day - catalog.sp_listed_on[sp] < NEW_LISTING_DAYS
        return ReorderItem(
            sku=f"P{catalog.sp_product[sp]}",
            case_pack=int(catalog.sp_case_pack[sp]),
            counts=tuple(ledger.counts[sp][first:]),
            deliveries=tuple(d for d in ledger.deliveries[sp] if d.delivered_at >= start),
            open_orders=tuple(OpenOrder(on(d), q) for d, q in ledger.open_orders[sp]),
            promotions=promotions,
            prior=self.peer_prior(catalog, ledger, sp, day) if young else None,
        )

    def dealer(self, catalog: Catalog, ledger: Ledger, dealer: int, day: int) -> DealerProfile:
        key = (dealer, day)
        if key not in self._dealers:
            self._dealers[key] = profile_dealer(
                ledger.supply_since(dealer, day - 180),
                stated_lead_time_days=catalog.dealer_stated_lead_time[dealer],
                today=on(day),
            )
        return self._dealers[key]

    def outlook(self, catalog: Catalog, ledger: Ledger, store: int, day: int) -> VisitOutlook:
        interval = catalog.interval(store)
        planned = catalog.store_visit_days[store]
        i = bisect.bisect_right(planned, day)
        next_day = planned[i] if i < len(planned) else day + interval
        record = [skipped for d, skipped in ledger.visits[store] if d > day - HISTORY_DAYS]
        return VisitOutlook(
            next_visit_on=on(next_day),
            source=VisitPlanSource.ROUTE_PLAN,
            interval_days=interval,
            planned_visits=len(record),
            skipped_visits=sum(record),
        )

    def peer_prior(
        self, catalog: Catalog, ledger: Ledger, sp: int, day: int
    ) -> SellRatePrior | None:
        """The product's rate at other stores of the same grade, as the service would compute."""
        grade = catalog.store_grade[catalog.sp_store[sp]]
        key = (int(catalog.sp_product[sp]), grade, day)
        if key not in self._priors:
            now = at(day, VISIT_HOUR)
            rates = [
                estimate_sell_rate(ledger.counts[p], ledger.deliveries[p], now=now).daily_rate
                for p in range(catalog.n_sp)
                if catalog.sp_product[p] == catalog.sp_product[sp]
                and catalog.store_grade[catalog.sp_store[p]] == grade
                and catalog.sp_listed_on[p] <= day - PEER_MIN_AGE_DAYS
                and len(ledger.counts[p]) >= 2
            ]
            basis = f"P{key[0]} at {len(rates)} grade-{grade} stores"
            self._priors[key] = prior_from_peers(rates, basis=basis)
        return self._priors[key]
