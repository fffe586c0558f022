"""Weeks of believable visit history for the demo city: each rep works Monday to Friday
through the stores that are due by grade, in a sensible order, with realistic times,
stock counts that fall with sales and jump with deliveries, problems raised and later
solved, payments collected, now and then a doubtful check-in or a skipped stop.

Deterministic from the seed (ids included) and written with bulk inserts. The stores'
current balance owed is left alone: it already reflects the payments of the past."""

from __future__ import annotations

import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fieldsales.db.models import (
    Observation,
    Payment,
    Problem,
    Product,
    SkippedVisit,
    StockCount,
    Store,
    Training,
    User,
    Visit,
    VisitPurpose,
)
from fieldsales.domain.types import GeoPoint, PaymentTerms, Role, great_circle_m
from fieldsales.domain.visits import (
    CheckPolicy,
    Fix,
    ObservationKind,
    PaymentMethod,
    ProblemCategory,
    ProblemStatus,
    Purpose,
    SkipReason,
    TrainingTopic,
    assess_fix,
)

FREQUENCY_DAYS = {"A": 7, "B": 14, "C": 30}
DAILY_SALES = {"A": (2.0, 6.0), "B": (1.0, 3.0), "C": (0.3, 1.5)}
METRES_PER_DEGREE = 111_195.0
HISTORY_HASH = "demo-history".ljust(64, "0")  # not a request: these rows were never sent
COMPETITORS = ("Sunrise Foods", "Golden Harvest", "BlueRiver", "Panda Snacks")

PROBLEMS: dict[ProblemCategory, tuple[str, str, str]] = {
    ProblemCategory.PROMOTION: (
        "Customers ask for the promotion price but the shelf tags show the old price",
        "Price tags were not changed when the promotion started",
        "Send the new tags with the next delivery",
    ),
    ProblemCategory.GIFT_DELIVERY: (
        "Promotion gifts have not arrived",
        "The dealer delivered the order without the gift cartons",
        "Bring the gifts this week; customers were promised them",
    ),
    ProblemCategory.DEALER_SERVICE: (
        "Last order arrived three days late",
        "The dealer's van skips this street on Tuesdays",
        "Deliver on Monday instead",
    ),
    ProblemCategory.AFTER_SALES: (
        "Two cases arrived damaged and were not replaced",
        "Nobody collected the damaged goods",
        "Replace them with the next order",
    ),
    ProblemCategory.SALES_PRESSURE: (
        "Competitor offers a bigger margin on the same shelf space",
        "Competitor rep visits twice a week",
        "A display bonus for the end cap",
    ),
    ProblemCategory.TRAINING_NEED: (
        "New shop assistant does not know the range",
        "Staff changed last month",
        "A short product session on the next visit",
    ),
    ProblemCategory.OTHER: (
        "Shelf strip is broken",
        "A trolley hit it",
        "Bring a new strip",
    ),
}
PROBLEM_WEIGHTS = {
    ProblemCategory.PROMOTION: 3,
    ProblemCategory.GIFT_DELIVERY: 3,
    ProblemCategory.DEALER_SERVICE: 4,
    ProblemCategory.AFTER_SALES: 2,
    ProblemCategory.SALES_PRESSURE: 2,
    ProblemCategory.TRAINING_NEED: 2,
    ProblemCategory.OTHER: 1,
}


@dataclass
class Shelf:
    """One product's stock at one store, as the simulation runs."""

    product_id: uuid.UUID
    daily_sales: float
    capacity: int
    on_hand: float


@dataclass
class StoreState:
    store: Store
    shelves: list[Shelf]
    last_visit: date
    neglected: bool  # nobody gets round to it: shows up as overdue
    open_problems: list[dict[str, Any]] = field(default_factory=list)


class _Rows:
    """Rows per table, inserted in bulk at the end."""

    def __init__(self) -> None:
        self.by_model: dict[type, list[dict[str, Any]]] = defaultdict(list)

    def add(self, model: type, **values: Any) -> None:
        self.by_model[model].append(values)

    def count(self, model: type) -> int:
        return len(self.by_model[model])


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _workdays(today: date, weeks: int) -> list[date]:
    start = today - timedelta(weeks=weeks)
    days = (start + timedelta(days=i) for i in range((today - start).days))
    return [d for d in days if d.weekday() < 5]


def _route(stores: list[StoreState], start: GeoPoint) -> list[StoreState]:
    """Nearest store next: what a rep does without a route planner."""
    left, here, out = stores[:], start, []
    while left:
        nxt = min(left, key=lambda s: great_circle_m(here, GeoPoint(s.store.lat, s.store.lon)))
        left.remove(nxt)
        out.append(nxt)
        here = GeoPoint(nxt.store.lat, nxt.store.lon)
    return out


def _position(rng: random.Random, store: Store) -> Fix:
    """Mostly on the spot; now and then far away, fuzzy, stale or faked."""
    roll = rng.random()
    north, east, accuracy, age, mock = rng.uniform(-30, 30), rng.uniform(-30, 30), 12.0, 5.0, False
    if roll < 0.02:
        north = rng.choice((-1, 1)) * rng.uniform(400, 2500)
    elif roll < 0.05:
        accuracy = rng.uniform(150, 400)
    elif roll < 0.06:
        age = rng.uniform(300, 1800)
    elif roll < 0.07:
        mock = True
    else:
        accuracy, age = rng.uniform(4, 45), rng.uniform(0, 30)
    lat = store.lat + north / METRES_PER_DEGREE
    lon = store.lon + east / (METRES_PER_DEGREE * max(0.1, math.cos(math.radians(store.lat))))
    return Fix(GeoPoint(lat, lon), round(accuracy, 1), round(age, 1), mock)


def _sell(state: StoreState, days: int, rng: random.Random) -> None:
    """Sales since the last count; a delivery arrives when stock ran low in between."""
    for shelf in state.shelves:
        sold = shelf.daily_sales * days * rng.uniform(0.7, 1.3)
        shelf.on_hand = max(0.0, shelf.on_hand - sold)
        if shelf.on_hand < shelf.capacity * 0.3 and rng.random() < 0.75:
            shelf.on_hand = float(shelf.capacity)


def load_visit_history(session: Session, *, seed: int, weeks: int = 8, today: date) -> str:
    """History for every active rep's active stores, for the `weeks` before `today`."""
    if session.scalar(select(Visit.id).limit(1)) is not None:
        return "visit history: already present"
    rng = random.Random(seed)
    reps = list(
        session.scalars(
            select(User).where(User.role == Role.REP, User.active).order_by(User.username)
        )
    )
    stores = list(
        session.scalars(
            select(Store).where(Store.active, Store.rep_id.is_not(None)).order_by(Store.code)
        )
    )
    products = list(session.scalars(select(Product).where(Product.active).order_by(Product.sku)))
    if not reps or not stores or not products:
        return "visit history: no reps, stores or products to build it on"

    days = _workdays(today, weeks)
    first_day = days[0] if days else today
    by_rep: dict[uuid.UUID, list[StoreState]] = defaultdict(list)
    for store in stores:
        freq = FREQUENCY_DAYS[store.grade.value]
        low, high = DAILY_SALES[store.grade.value]
        range_size = min(len(products), rng.randint(4, 8))
        shelves = []
        for product in rng.sample(products, range_size):
            capacity = rng.choice((24, 36, 48, 72))
            shelves.append(
                Shelf(product.id, rng.uniform(low, high), capacity, capacity * rng.uniform(0.5, 1))
            )
        by_rep[store.rep_id].append(  # type: ignore[index]
            StoreState(
                store=store,
                shelves=shelves,
                last_visit=first_day - timedelta(days=rng.randint(0, freq)),
                neglected=store.grade.value == "C" and rng.random() < 0.08,
            )
        )

    rows = _Rows()
    policy = CheckPolicy()
    for rep in reps:
        portfolio = by_rep.get(rep.id, [])
        if not portfolio:
            continue
        # The grade cadence is the minimum; a working day is 12-15 stores when the
        # territory has them (field reps make 15-40 calls a day).
        cadence = sum(7 / FREQUENCY_DAYS[s.store.grade.value] for s in portfolio) / 5 * 1.15
        per_day = max(3, min(28, round(max(cadence, min(15.0, len(portfolio) / 3)))))
        home = (
            GeoPoint(rep.home_lat, rep.home_lon)
            if rep.home_lat is not None and rep.home_lon is not None
            else GeoPoint(portfolio[0].store.lat, portfolio[0].store.lon)
        )
        for day in days:
            if rng.random() < 0.03:
                continue  # a sick day or a training day: no visits
            _rep_day(rng, rows, rep, portfolio, day, per_day, home, policy)

    for model in (
        Visit,
        SkippedVisit,
        VisitPurpose,
        Observation,
        Problem,
        StockCount,
        Training,
        Payment,
    ):
        if rows.by_model[model]:
            session.execute(insert(model), rows.by_model[model])
    session.flush()
    return (
        f"visit history: {rows.count(Visit)} visits over {weeks} weeks "
        f"({rows.count(StockCount)} stock counts, {rows.count(Problem)} problems, "
        f"{rows.count(Payment)} payments, {rows.count(SkippedVisit)} skipped stops)"
    )


def _rep_day(
    rng: random.Random,
    rows: _Rows,
    rep: User,
    portfolio: list[StoreState],
    day: date,
    per_day: int,
    home: GeoPoint,
    policy: CheckPolicy,
) -> None:
    def lateness(s: StoreState) -> float:
        return (day - s.last_visit).days / FREQUENCY_DAYS[s.store.grade.value]

    # Due stores first, then the longest unseen; nobody goes back within two days.
    due = sorted(
        (s for s in portfolio if not s.neglected and (day - s.last_visit).days > 2),
        key=lambda s: (lateness(s) < 0.8, -lateness(s), s.store.code),
    )[:per_day]
    if not due:
        return
    zone = ZoneInfo(due[0].store.timezone)
    at = datetime.combine(day, time(8, 40), tzinfo=zone) + timedelta(minutes=rng.randint(0, 40))
    here = home
    lunch_taken = False
    synced_at = datetime.combine(day, time(19, 0), tzinfo=zone) + timedelta(
        minutes=rng.randint(0, 120)
    )
    for state in _route(due, home):
        store = state.store
        spot = GeoPoint(store.lat, store.lon)
        travel_min = great_circle_m(here, spot) / 1000 / 20 * 60 + rng.uniform(3, 8)
        at += timedelta(minutes=travel_min)
        here = spot
        if not lunch_taken and at.astimezone(zone).hour >= 12:
            at += timedelta(minutes=rng.randint(35, 55))
            lunch_taken = True
        if at.astimezone(zone).hour >= 18:
            rows.add(
                SkippedVisit,
                id=_uuid(rng),
                rep_id=rep.id,
                store_id=store.id,
                day=day,
                reason=SkipReason.NO_TIME,
                note="Ran out of time",
                recorded_at=at,
                received_at=synced_at,
                payload_hash=HISTORY_HASH,
            )
            continue
        if rng.random() < 0.04:
            reason = rng.choice(
                [SkipReason.CLOSED, SkipReason.OWNER_ABSENT, SkipReason.REFUSED, SkipReason.OTHER]
            )
            rows.add(
                SkippedVisit,
                id=_uuid(rng),
                rep_id=rep.id,
                store_id=store.id,
                day=day,
                reason=reason,
                note=None,
                recorded_at=at,
                received_at=synced_at,
                payload_hash=HISTORY_HASH,
            )
            continue
        dwell = timedelta(minutes=store.dwell_minutes * rng.uniform(0.7, 1.4))
        _visit(rng, rows, rep, state, day, at, at + dwell, synced_at, policy)
        at += dwell


def _visit(
    rng: random.Random,
    rows: _Rows,
    rep: User,
    state: StoreState,
    day: date,
    start: datetime,
    end: datetime,
    synced_at: datetime,
    policy: CheckPolicy,
) -> None:
    store = state.store
    online = rng.random() < 0.7  # otherwise the phone syncs in the evening
    fix_in, fix_out = _position(rng, store), _position(rng, store)
    spot, radius = GeoPoint(store.lat, store.lon), store.geofence_radius_m
    # Demo phones keep good time: the clock is the one thing never flagged here.
    check_in = assess_fix(
        fix_in, store=spot, geofence_radius_m=radius, clock_offset=0.0, policy=policy
    )
    check_out = assess_fix(
        fix_out, store=spot, geofence_radius_m=radius, clock_offset=0.0, policy=policy
    )
    visit_id = _uuid(rng)
    received_in = start + timedelta(seconds=rng.randint(1, 20)) if online else synced_at
    received_out = end + timedelta(seconds=rng.randint(1, 20)) if online else synced_at
    rows.add(
        Visit,
        id=visit_id,
        rep_id=rep.id,
        store_id=store.id,
        planned=rng.random() < 0.93,
        local_day=day,
        met_with=rng.choice(("Owner", "Owner's wife", "Shop manager", "Shop assistant")),
        notes=None,
        clock_offset_s=0.0,
        payload_hash=HISTORY_HASH,
        checked_in_at=start,
        checkin_received_at=received_in,
        checkin_lat=fix_in.point.lat,
        checkin_lon=fix_in.point.lon,
        checkin_accuracy_m=fix_in.accuracy_m,
        checkin_fix_age_s=fix_in.fix_age_s,
        checkin_mock=fix_in.mock,
        checkin_distance_m=check_in.distance_m,
        checkin_flags=[f.value for f in check_in.flags],
        checked_out_at=end,
        checkout_received_at=received_out,
        checkout_lat=fix_out.point.lat,
        checkout_lon=fix_out.point.lon,
        checkout_accuracy_m=fix_out.accuracy_m,
        checkout_fix_age_s=fix_out.fix_age_s,
        checkout_mock=fix_out.mock,
        checkout_distance_m=check_out.distance_m,
        checkout_flags=[f.value for f in check_out.flags],
        flagged=bool(check_in.flags or check_out.flags),
        created_at=received_in,
        updated_at=received_out,
    )
    span = (end - start).total_seconds()
    tick = iter(sorted(start + timedelta(seconds=rng.uniform(30, span - 30)) for _ in range(64)))

    def child(model: type, **values: Any) -> None:
        at = next(tick)
        rows.add(
            model,
            id=_uuid(rng),
            visit_id=visit_id,
            recorded_at=at,
            received_at=max(at, received_in),
            payload_hash=HISTORY_HASH,
            **values,
        )

    # Pay-before-delivery stores pay as they order; monthly ones settle early in the month.
    owes = store.balance_owed > 0 or store.payment_terms is PaymentTerms.PREPAID or day.day <= 10
    purposes = [Purpose.MERCHANDISE, Purpose.REORDER]
    if owes and rng.random() < 0.35:
        purposes.append(Purpose.COLLECT_PAYMENT)
    purposes += rng.sample(
        [Purpose.POP_MAINTENANCE, Purpose.EXPLAIN_POLICY, Purpose.RELATIONSHIP], rng.randint(0, 2)
    )
    for purpose in purposes:
        child(VisitPurpose, purpose=purpose, achieved=rng.random() < 0.85, note=None)

    present = rng.random() < 0.92
    child(
        Observation,
        kind=ObservationKind.OUR_POP,
        pop_present=present,
        pop_visible=present and rng.random() < 0.9,
        pop_complete=present and rng.random() < 0.8,
        pop_damaged=present and rng.random() < 0.08,
        rating=None,
        competitor=None,
        note=None,
    )
    if rng.random() < 0.4:
        child(
            Observation,
            kind=rng.choice([ObservationKind.COMPETITOR_POP, ObservationKind.COMPETITOR_PROMOTION]),
            pop_present=None,
            pop_visible=None,
            pop_complete=None,
            pop_damaged=None,
            rating=rng.randint(2, 5),
            competitor=rng.choice(COMPETITORS),
            note="New display at the entrance",
        )
    if rng.random() < 0.3:
        child(
            Observation,
            kind=rng.choice([ObservationKind.FOOT_TRAFFIC, ObservationKind.STAFF_MORALE]),
            pop_present=None,
            pop_visible=None,
            pop_complete=None,
            pop_damaged=None,
            rating=rng.randint(1, 5),
            competitor=None,
            note=None,
        )

    _sell(state, max(1, (day - state.last_visit).days), rng)
    for shelf in state.shelves:
        on_hand = int(shelf.on_hand)
        on_shelf = min(on_hand, shelf.capacity // 2)
        child(
            StockCount,
            store_id=store.id,
            product_id=shelf.product_id,
            shelf_qty=on_shelf,
            backroom_qty=on_hand - on_shelf,
        )

    still_open = []
    for problem in state.open_problems:
        if rng.random() < 0.5:
            # Solved in this visit: a later row for an earlier problem.
            problem["status"] = ProblemStatus.SOLVED
            problem["resolution"] = "Followed up with the dealer; fixed"
            problem["resolved_at"] = start + timedelta(minutes=5)
            problem["resolved_by_id"] = rep.id
            problem["resolved_in_visit_id"] = visit_id
            problem["updated_at"] = problem["resolved_at"]
        else:
            still_open.append(problem)
    state.open_problems = still_open
    if rng.random() < 0.12:
        category = rng.choices(list(PROBLEM_WEIGHTS), weights=list(PROBLEM_WEIGHTS.values()))[0]
        what, why, suggestion = PROBLEMS[category]
        on_spot = rng.random() < 0.45
        at = next(tick)
        problem = {
            "id": _uuid(rng),
            "visit_id": visit_id,
            "recorded_at": at,
            "received_at": max(at, received_in),
            "payload_hash": HISTORY_HASH,
            "store_id": store.id,
            "rep_id": rep.id,
            "category": category,
            "what": what,
            "when_text": rng.choice(
                ("Since last week", "This morning", "Since the promotion began")
            ),
            "who": rng.choice(("Owner", "Shop manager", "Dealer's driver")),
            "where_text": rng.choice(("Shelf", "Back room", "Check-out counter")),
            "why": why,
            "suggestion": suggestion,
            "needs_support": not on_spot and rng.random() < 0.3,
            "dealer_id": store.dealer_id if category is ProblemCategory.DEALER_SERVICE else None,
            "status": ProblemStatus.SOLVED if on_spot else ProblemStatus.OPEN,
            "solved_on_spot": on_spot,
            "resolution": "Sorted out with the owner" if on_spot else None,
            "resolved_at": at if on_spot else None,
            "resolved_by_id": rep.id if on_spot else None,
            "resolved_in_visit_id": visit_id if on_spot else None,
            "created_at": max(at, received_in),
            "updated_at": max(at, received_in),
        }
        rows.by_model[Problem].append(problem)  # the same dict: a later visit may solve it
        if not on_spot:
            state.open_problems.append(problem)

    if Purpose.COLLECT_PAYMENT in purposes:
        child(
            Payment,
            store_id=store.id,
            amount=Decimal(rng.randint(20, 300) * 10),
            method=rng.choice(list(PaymentMethod)),
            reference=f"R{rng.randint(100000, 999999)}",
        )
    if rng.random() < 0.05:
        child(
            Training,
            topics=[rng.choice(list(TrainingTopic)).value],
            attendees=[{"name": "Shop assistant", "role": "staff"}],
            duration_minutes=rng.randint(5, 20),
            note=None,
        )
    state.last_visit = day
