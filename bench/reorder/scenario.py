"""One random world of stores, products, dealers and 26 weeks of demand, drawn once per seed.

Everything random is drawn here, up front, indexed by store/product and day, so every policy
faces the same demand, the same dealer lead times, the same skipped visits and the same counting
errors (common random numbers): differences between policies are the policies'.

What a real system could know is in `Catalog`; what only the simulator knows is in `Truth`, and
the labels the report groups by (demand type, dealer class) are in `Labels`. Policies get the
catalog and what the simulation records as it runs (counts, deliveries, order history), never
the truth or the labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DEMAND_TYPES = (
    "steady",
    "overdispersed",
    "trend_up",
    "trend_down",
    "promo",
    "slow",
    "new_listing",
)
TYPE_SHARES = (0.18, 0.18, 0.1, 0.1, 0.16, 0.15, 0.13)

GRADES = ("A", "B", "C")
GRADE_SHARES = (0.25, 0.4, 0.35)
GRADE_INTERVAL_DAYS = {"A": 7, "B": 14, "C": 28}
GRADE_SIZE = {"A": 2.0, "B": 1.0, "C": 0.5}

# Mon..Sun, mean 1.
WEEKDAY = np.array([0.9, 0.85, 0.9, 0.95, 1.1, 1.25, 1.05]) / (7.05 / 7)

TREND_OVER_HORIZON = 2.2  # trending products multiply (or divide) their rate by this in 26 weeks
PROMO_UPLIFT_RANGE = (1.5, 3.5)
# What the company plans a promotion to add, and how much past promotions strayed from plan: its
# experience of past promotions, not this one's true uplift (drawn from PROMO_UPLIFT_RANGE).
PROMO_PLANNING_UPLIFT = 2.5
PROMO_PLANNING_UPLIFT_SD = 0.6
PROMO_ANNOUNCED_DAYS_AHEAD = 28


@dataclass(frozen=True)
class DealerClass:
    name: str
    stated_lead_time: int
    lead_time_pmf: dict[int, float]
    short_ship: float
    short_fill: tuple[float, float]


DEALER_CLASSES = (
    DealerClass("reliable", 3, {1: 0.15, 2: 0.6, 3: 0.2, 4: 0.05}, 0.02, (0.7, 0.95)),
    DealerClass("average", 3, {2: 0.15, 3: 0.5, 4: 0.2, 5: 0.1, 6: 0.05}, 0.06, (0.5, 0.9)),
    DealerClass(
        "unreliable",
        2,
        {2: 0.35, 3: 0.2, 4: 0.15, 6: 0.15, 8: 0.1, 10: 0.05},
        0.2,
        (0.3, 0.8),
    ),
)


@dataclass(frozen=True)
class Realism:
    """How messy the world is. `CLEAN` is the textbook's world, to check the textbook works."""

    type_shares: tuple[float, ...] = TYPE_SHARES
    dealer_classes: tuple[DealerClass, ...] = DEALER_CLASSES
    skip_rates: tuple[float, ...] = (0.03, 0.1, 0.25)  # a store's, drawn with SKIP_RATE_SHARES
    missed_count: float = 0.05  # a visit where this product was not counted
    forgot_backroom: float = 0.04  # only the shelf was counted
    miscount: float = 0.08  # off by one or two


SKIP_RATE_SHARES = (0.5, 0.3, 0.2)
REALISTIC = Realism()
CLEAN = Realism(
    type_shares=(1.0, 0, 0, 0, 0, 0, 0),
    dealer_classes=tuple(DealerClass(c.name, 3, {3: 1.0}, 0.0, (1.0, 1.0)) for c in DEALER_CLASSES),
    skip_rates=(0.0, 0.0, 0.0),
    missed_count=0.0,
    forgot_backroom=0.0,
    miscount=0.0,
)


@dataclass(frozen=True)
class PromoWindow:
    start: int  # first day, inclusive
    end: int  # last day, inclusive
    announced: int  # day it enters the master data


@dataclass(frozen=True)
class Catalog:
    """What the service knows: master data, plans, announced promotions."""

    days: int
    warmup_days: int
    n_stores: int
    n_products: int
    store_grade: tuple[str, ...]
    store_dealer: tuple[int, ...]
    store_visit_days: tuple[tuple[int, ...], ...]  # planned visit days (route plan)
    n_dealers: int
    dealer_stated_lead_time: tuple[int, ...]
    sp_store: np.ndarray  # store of each store×product
    sp_product: np.ndarray
    sp_case_pack: np.ndarray
    sp_hand_rate: np.ndarray  # what a person would set by hand: roughly right, never updated
    sp_listed_on: np.ndarray  # day the product is listed at the store (0 = always was)
    sp_promos: tuple[tuple[PromoWindow, ...], ...]
    sp_shelf_capacity: np.ndarray

    @property
    def n_sp(self) -> int:
        return len(self.sp_store)

    def interval(self, store: int) -> int:
        return GRADE_INTERVAL_DAYS[self.store_grade[store]]


@dataclass(frozen=True)
class Truth:
    """What only the simulator knows: the draws that play out."""

    demand: np.ndarray  # [sp, day] units wanted
    visit_skipped: tuple[frozenset[int], ...]  # per store, planned days that were skipped
    lead_time: np.ndarray  # [store, day] days an order placed that day takes
    short_fill: np.ndarray  # [sp, day] share delivered (1.0 = in full)
    count_error: np.ndarray  # [sp, day] 0 ok, 1 missed, 2 backroom forgotten, 3 miscount
    miscount: np.ndarray  # [sp, day] −2..2
    launch_quantity: np.ndarray  # [sp] what a new listing starts with (the listing deal)


@dataclass(frozen=True)
class Labels:
    """What the report groups by; known to the simulator, not to any policy."""

    sp_type: tuple[str, ...]
    dealer_class: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    catalog: Catalog
    truth: Truth
    labels: Labels


def build_scenario(
    *,
    seed: int,
    stores: int,
    products: int,
    weeks: int,
    warmup_weeks: int,
    realism: Realism = REALISTIC,
) -> Scenario:
    rng = np.random.default_rng(seed)
    warmup = warmup_weeks * 7
    days = warmup + weeks * 7
    horizon = weeks * 7

    grade = tuple(rng.choice(GRADES, size=stores, p=GRADE_SHARES).tolist())
    n_dealers = max(3, stores // 10)
    classes = realism.dealer_classes
    dealer_class = tuple(classes[d % len(classes)].name for d in range(n_dealers))
    store_dealer = tuple(int(x) for x in rng.integers(0, n_dealers, size=stores))
    store_factor = np.array([GRADE_SIZE[g] for g in grade]) * rng.lognormal(0, 0.3, size=stores)
    skip_rate = rng.choice(realism.skip_rates, size=stores, p=SKIP_RATE_SHARES)
    visit_days, skipped = [], []
    for s in range(stores):
        every = GRADE_INTERVAL_DAYS[grade[s]]
        planned = tuple(range(int(rng.integers(0, every)), days, every))
        visit_days.append(planned)
        skipped.append(frozenset(d for d in planned if rng.random() < skip_rate[s]))

    sku_base = rng.lognormal(math.log(2.5), 0.7, size=products)
    n_sp = stores * products
    sp_store = np.repeat(np.arange(stores), products)
    sp_product = np.tile(np.arange(products), stores)
    sp_type = tuple(rng.choice(DEMAND_TYPES, size=n_sp, p=realism.type_shares).tolist())
    rate = sku_base[sp_product] * store_factor[sp_store] * rng.lognormal(0, 0.2, size=n_sp)
    slow = np.array([t == "slow" for t in sp_type])
    rate[slow] = rng.uniform(0.05, 0.4, size=slow.sum())

    day = np.arange(days)
    mean = np.outer(rate, WEEKDAY[day % 7])
    growth = math.log(TREND_OVER_HORIZON) * (day - warmup) / horizon
    listed_on = np.zeros(n_sp, dtype=int)
    promos: list[tuple[PromoWindow, ...]] = []
    for i, kind in enumerate(sp_type):
        windows: tuple[PromoWindow, ...] = ()
        if kind == "trend_up":
            mean[i] *= np.exp(growth)
        elif kind == "trend_down":
            mean[i] *= np.exp(-growth)
        elif kind == "promo":
            windows = _promotions(rng, days)
            for w in windows:
                mean[i, w.start : w.end + 1] *= rng.uniform(*PROMO_UPLIFT_RANGE)
        elif kind == "new_listing":
            store = int(sp_store[i])
            candidates = [
                d
                for d in visit_days[store]
                if warmup + 14 <= d <= warmup + 120 and d not in skipped[store]
            ]
            listed_on[i] = candidates[int(rng.integers(len(candidates)))] if candidates else days
            mean[i, : listed_on[i]] = 0.0
        promos.append(windows)

    dispersion = np.ones(n_sp)
    for i, kind in enumerate(sp_type):
        if kind == "overdispersed":
            dispersion[i] = rng.uniform(3, 8)
        elif kind == "slow":
            dispersion[i] = 2.5
        elif kind != "steady":
            dispersion[i] = 1.3
    demand = _draw_demand(rng, mean, dispersion)

    case_pack = np.where(rate < 1.5, 6, np.where(rate < 6, 12, 24))
    hand_rate = rate * rng.lognormal(0, 0.25, size=n_sp)
    stated = tuple(_dealer(classes, dealer_class[d]).stated_lead_time for d in range(n_dealers))
    launch = np.zeros(n_sp, dtype=int)
    for i in np.flatnonzero(listed_on > 0):
        store = int(sp_store[i])
        cover = hand_rate[i] * (GRADE_INTERVAL_DAYS[grade[store]] + stated[store_dealer[store]])
        launch[i] = max(1, math.ceil(cover / case_pack[i])) * case_pack[i]

    lead = np.empty((stores, days), dtype=int)
    for s in range(stores):
        cls = _dealer(classes, dealer_class[store_dealer[s]])
        lead[s] = rng.choice(list(cls.lead_time_pmf), size=days, p=list(cls.lead_time_pmf.values()))
    short_fill = np.ones((n_sp, days))
    for i in range(n_sp):
        cls = _dealer(classes, dealer_class[store_dealer[sp_store[i]]])
        short = rng.random(days) < cls.short_ship
        short_fill[i, short] = rng.uniform(*cls.short_fill, size=short.sum())
    u = rng.random((n_sp, days))
    count_error = np.select(
        [
            u < realism.missed_count,
            u < realism.missed_count + realism.forgot_backroom,
            u < realism.missed_count + realism.forgot_backroom + realism.miscount,
        ],
        [1, 2, 3],
        default=0,
    )
    miscount = rng.choice([-2, -1, 1, 2], size=(n_sp, days))

    catalog = Catalog(
        days=days,
        warmup_days=warmup,
        n_stores=stores,
        n_products=products,
        store_grade=grade,
        store_dealer=store_dealer,
        store_visit_days=tuple(visit_days),
        n_dealers=n_dealers,
        dealer_stated_lead_time=stated,
        sp_store=sp_store,
        sp_product=sp_product,
        sp_case_pack=case_pack,
        sp_hand_rate=hand_rate,
        sp_listed_on=listed_on,
        sp_promos=tuple(promos),
        sp_shelf_capacity=np.maximum(case_pack, np.ceil(rate * 4)).astype(int),
    )
    truth = Truth(
        demand=demand,
        visit_skipped=tuple(skipped),
        lead_time=lead,
        short_fill=short_fill,
        count_error=count_error,
        miscount=miscount,
        launch_quantity=launch,
    )
    return Scenario(catalog, truth, Labels(sp_type, dealer_class))


def _dealer(classes: tuple[DealerClass, ...], name: str) -> DealerClass:
    return next(c for c in classes if c.name == name)


def _promotions(rng: np.random.Generator, days: int) -> tuple[PromoWindow, ...]:
    windows = []
    start = int(rng.integers(7, 42))
    while start < days:
        end = start + int(rng.integers(7, 15)) - 1
        windows.append(PromoWindow(start, min(end, days - 1), start - PROMO_ANNOUNCED_DAYS_AHEAD))
        start = end + int(rng.integers(42, 71))
    return tuple(windows)


def _draw_demand(rng: np.random.Generator, mean: np.ndarray, dispersion: np.ndarray) -> np.ndarray:
    """Poisson where dispersion is 1, else gamma-Poisson with variance = dispersion × mean."""
    lam = mean.copy()
    over = dispersion > 1
    shape = mean[over] / (dispersion[over, None] - 1)
    positive = shape > 0
    drawn = np.zeros_like(shape)
    drawn[positive] = rng.gamma(shape[positive], mean[over][positive] / shape[positive])
    lam[over] = drawn
    return rng.poisson(lam)
