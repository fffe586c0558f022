"""The simulation engine: one world per policy, stepping day by day, lost sales.

Each day: the morning's deliveries arrive; at each visited store the rep counts stock (noisily,
sometimes not at all) and the policy orders; the day's demand is served from stock and what
cannot be served is lost. The `Ledger` is what a real system would have recorded by then, and
the only thing policies read besides the catalog.
"""

from __future__ import annotations

import bisect
import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from bench.reorder.scenario import Catalog, Scenario
from fieldsales.domain.reorder import Delivery, StockCount, SupplyRecord

EPOCH = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday: day 0 of the warm-up
DELIVERY_HOUR = 7  # dealers deliver before opening …
VISIT_HOUR = 9  # … and the rep counts before the day's sales


def at(day: int, hour: int) -> datetime:
    return EPOCH + timedelta(days=day, hours=hour)


def on(day: int) -> date:
    return (EPOCH + timedelta(days=day)).date()


@dataclass
class Ledger:
    """What the service has recorded: counts, deliveries, orders, visits."""

    counts: list[list[StockCount]]
    count_days: list[list[int]]
    deliveries: list[list[Delivery]]
    open_orders: list[list[tuple[int, int]]]  # per sp: (ordered day, quantity) not yet arrived
    order_history: list[list[int]]  # per sp: quantities ordered, oldest first
    supply: list[list[SupplyRecord]]  # per dealer, in order of ordering
    supply_days: list[list[int]]
    visits: list[list[tuple[int, bool]]]  # per store: (planned day, skipped)

    @classmethod
    def empty(cls, catalog: Catalog) -> Ledger:
        n, dealers = catalog.n_sp, catalog.n_dealers
        return cls(
            counts=[[] for _ in range(n)],
            count_days=[[] for _ in range(n)],
            deliveries=[[] for _ in range(n)],
            open_orders=[[] for _ in range(n)],
            order_history=[[] for _ in range(n)],
            supply=[[] for _ in range(dealers)],
            supply_days=[[] for _ in range(dealers)],
            visits=[[] for _ in range(catalog.n_stores)],
        )

    def counted_today(self, sp: int, day: int) -> StockCount | None:
        days = self.count_days[sp]
        return self.counts[sp][-1] if days and days[-1] == day else None

    def supply_since(self, dealer: int, day: int) -> list[SupplyRecord]:
        start = bisect.bisect_left(self.supply_days[dealer], day)
        return self.supply[dealer][start:]


@dataclass
class Outcome:
    """Per store×product totals over the measured days."""

    demand: np.ndarray
    served: np.ndarray
    stockout_days: np.ndarray
    days: np.ndarray
    on_hand: np.ndarray  # sum over days of the day's average stock
    order_lines: np.ndarray

    @classmethod
    def zeros(cls, n: int) -> Outcome:
        return cls(*(np.zeros(n) for _ in range(6)))


@dataclass
class World:
    scenario: Scenario
    stock: np.ndarray
    pending: np.ndarray  # [sp, day] units arriving that morning
    pending_lines: dict[int, list[tuple[int, int, int, int]]]  # day -> (sp, ordered, qty, got)
    ledger: Ledger
    outcome: Outcome
    visiting: list[list[int]]  # per day, the stores with a planned visit
    day: int = 0
    supply_index: dict[tuple[int, int, int], int] = field(default_factory=dict)

    @classmethod
    def start(cls, scenario: Scenario) -> World:
        c = scenario.catalog
        return cls(
            scenario=scenario,
            stock=np.zeros(c.n_sp, dtype=int),
            pending=np.zeros((c.n_sp, c.days + 32), dtype=int),
            pending_lines={},
            ledger=Ledger.empty(c),
            outcome=Outcome.zeros(c.n_sp),
            visiting=_visiting(c),
        )

    def fork(self) -> World:
        """An independent copy: the shared warm-up ends, each policy continues on its own."""
        return copy.deepcopy(self, memo={id(self.scenario): self.scenario})

    def run(self, policy: Policy, until: int) -> None:
        while self.day < until:
            self._step(policy)
            self.day += 1

    def _step(self, policy: Policy) -> None:
        c, t, d = self.scenario.catalog, self.scenario.truth, self.day
        self._receive(d)
        for sp in np.flatnonzero(c.sp_listed_on == d):
            if d > 0:
                self._launch(int(sp), d)
        for store in self.visiting[d]:
            skipped = d in t.visit_skipped[store]
            self.ledger.visits[store].append((d, skipped))
            if not skipped:
                self._visit(store, d, policy)
        listed = c.sp_listed_on <= d
        morning = self.stock.copy()
        served = np.minimum(self.stock, t.demand[:, d])
        self.stock -= served
        if d >= c.warmup_days:
            o = self.outcome
            o.demand += np.where(listed, t.demand[:, d], 0)
            o.served += np.where(listed, served, 0)
            o.stockout_days += listed & (self.stock == 0)
            o.days += listed
            o.on_hand += np.where(listed, (morning + self.stock) / 2, 0)

    def _receive(self, d: int) -> None:
        self.stock += self.pending[:, d]
        c = self.scenario.catalog
        for sp, ordered, qty, got in self.pending_lines.pop(d, []):
            if got > 0:
                self.ledger.deliveries[sp].append(Delivery(at(d, DELIVERY_HOUR), got))
            self.ledger.open_orders[sp].remove((ordered, qty))
            dealer = c.store_dealer[c.sp_store[sp]]
            i = self.supply_index.pop((sp, ordered, qty))
            self.ledger.supply[dealer][i] = SupplyRecord(on(ordered), qty, on(d), got)

    def _launch(self, sp: int, d: int) -> None:
        qty = int(self.scenario.truth.launch_quantity[sp])
        self.stock[sp] += qty
        self.ledger.deliveries[sp].append(Delivery(at(d, DELIVERY_HOUR), qty))
        self.ledger.order_history[sp].extend([qty] * 3)

    def _visit(self, store: int, d: int, policy: Policy) -> None:
        c, t = self.scenario.catalog, self.scenario.truth
        sps = [int(sp) for sp in np.flatnonzero((c.sp_store == store) & (c.sp_listed_on <= d))]
        for sp in sps:
            count = self._count(sp, d)
            if count is not None:
                self.ledger.counts[sp].append(count)
                self.ledger.count_days[sp].append(d)
        orders = policy.order(c, self.ledger, store=store, day=d, sps=sps)
        lead = int(t.lead_time[store, d])
        dealer = c.store_dealer[store]
        for sp, qty in orders.items():
            if qty <= 0 or c.sp_listed_on[sp] == d:
                continue
            got = int(qty * t.short_fill[sp, d]) if t.short_fill[sp, d] < 1 else qty
            self.pending[sp, d + lead] += got
            self.pending_lines.setdefault(d + lead, []).append((sp, d, qty, got))
            self.ledger.open_orders[sp].append((d, qty))
            self.ledger.order_history[sp].append(qty)
            self.supply_index[(sp, d, qty)] = len(self.ledger.supply[dealer])
            self.ledger.supply[dealer].append(SupplyRecord(on(d), qty))
            self.ledger.supply_days[dealer].append(d)
            if d >= c.warmup_days:
                self.outcome.order_lines[sp] += 1

    def _count(self, sp: int, d: int) -> StockCount | None:
        """What the rep writes down: shelf and backroom, with the usual mistakes."""
        c, t = self.scenario.catalog, self.scenario.truth
        true = int(self.stock[sp])
        shelf = min(true, int(c.sp_shelf_capacity[sp]))
        backroom = true - shelf
        error = t.count_error[sp, d]
        if error == 1:
            return None
        if error == 2:
            backroom = 0
        elif error == 3:
            shelf = max(0, shelf + int(t.miscount[sp, d]))
        return StockCount(at(d, VISIT_HOUR), shelf, backroom)


def _visiting(catalog: Catalog) -> list[list[int]]:
    stores: list[list[int]] = [[] for _ in range(catalog.days)]
    for store, planned in enumerate(catalog.store_visit_days):
        for d in planned:
            stores[d].append(store)
    return stores


class Policy:
    """A reorder policy: at a visit, the quantity to order per store×product."""

    name = "policy"

    def order(
        self, catalog: Catalog, ledger: Ledger, *, store: int, day: int, sps: list[int]
    ) -> dict[int, int]:
        raise NotImplementedError
