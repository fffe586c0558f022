"""Small builders for test data. Each fills believable defaults and takes overrides."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fieldsales import security
from fieldsales.db.models import (
    Dealer,
    Payment,
    Price,
    Problem,
    Product,
    Promotion,
    PromotionGift,
    SkippedVisit,
    StockCount,
    Store,
    Team,
    User,
    Visit,
)
from fieldsales.domain.types import GiftAllocation, Grade, PaymentTerms, Role
from fieldsales.domain.visits import (
    PaymentMethod,
    ProblemCategory,
    ProblemStatus,
    SkipReason,
    local_day,
)

PASSWORD = "correct horse battery"
# Hashing is deliberately slow; every factory user shares one hash of PASSWORD.
PASSWORD_HASH = security.hash_password(PASSWORD)
_seq = itertools.count(1)


def n() -> int:
    return next(_seq)


class Factory:
    """Each built row is committed: in the test session that only releases a SAVEPOINT (the
    test's outer transaction still rolls it back), but it survives the session being closed
    at the end of each request. Flushed-only rows would vanish after the first request."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _add(self, obj: Any) -> Any:
        # Commit (which only releases the test's SAVEPOINT): a flushed-only row would be
        # rolled back when the test client tears down the previous request's session.
        self.session.add(obj)
        self.session.commit()
        return obj

    def team(self, supervisor: User | None = None, **over: Any) -> Team:
        i = n()
        return self._add(
            Team(
                **{
                    "name": f"Team {i}",
                    "supervisor_id": supervisor.id if supervisor else None,
                    **over,
                }
            )
        )

    def user(self, role: Role = Role.REP, **over: Any) -> User:
        i = n()
        values = {
            "username": f"{role.value}{i}",
            "display_name": f"{role.value.title()} {i}",
            "password_hash": PASSWORD_HASH,
            "role": role,
            **over,
        }
        return self._add(User(**values))

    def supervisor_with_team(self, **over: Any) -> tuple[User, Team]:
        sup = self.user(Role.SUPERVISOR, **over)
        return sup, self.team(supervisor=sup)

    def rep(self, team: Team | None = None, **over: Any) -> User:
        return self.user(Role.REP, team_id=team.id if team else None, **over)

    def dealer(self, **over: Any) -> Dealer:
        i = n()
        values = {
            "code": f"D{i:03d}",
            "name": f"Dealer {i}",
            "region": "north",
            "lead_time_days": 2,
            "minimum_order": Decimal("100.00"),
            **over,
        }
        return self._add(Dealer(**values))

    def dealer_user(self, dealer: Dealer, **over: Any) -> User:
        return self.user(Role.DEALER, dealer_id=dealer.id, **over)

    def store(self, rep: User | None = None, dealer: Dealer | None = None, **over: Any) -> Store:
        i = n()
        values = {
            "code": f"S{i:04d}",
            "name": f"Store {i}",
            "address": f"{i} Market Street",
            "region": "north",
            # A metre apart: distinct, yet ~10 km from the first even after a whole suite's
            # worth of stores, so no route test depends on how many tests ran before it.
            "lat": 31.2 + i * 1e-5,
            "lon": 121.4 + i * 1e-5,
            "timezone": "Asia/Shanghai",
            "grade": Grade.B,
            "owner_windows": [{"weekday": 0, "start": "09:00", "end": "09:30"}],
            "opening_hours": [],
            "dwell_minutes": 20,
            "appointment_required": False,
            "geofence_radius_m": 150,
            "rep_id": rep.id if rep else None,
            "dealer_id": dealer.id if dealer else None,
            "payment_terms": PaymentTerms.MONTHLY,
            "credit_limit": Decimal("5000.00"),
            "balance_owed": Decimal("0.00"),
            **over,
        }
        return self._add(Store(**values))

    def product(self, **over: Any) -> Product:
        i = n()
        values = {"sku": f"SKU-{i:05d}", "name": f"Product {i}", "case_pack": 12, **over}
        return self._add(Product(**values))

    def price(self, product: Product, unit_price: str = "9.90", **over: Any) -> Price:
        values = {
            "product_id": product.id,
            "unit_price": Decimal(unit_price),
            "valid_from": date(2026, 1, 1),
            **over,
        }
        return self._add(Price(**values))

    def promotion(self, **over: Any) -> Promotion:
        i = n()
        values = {
            "name": f"Promo {i}",
            "mechanics": "Buy 10 get 1",
            "starts_on": date(2026, 11, 1),
            "ends_on": date(2026, 11, 30),
            **over,
        }
        return self._add(Promotion(**values))

    def visit(
        self,
        rep: User,
        store: Store,
        *,
        at: datetime | None = None,
        minutes: int | None = 20,
        **over: Any,
    ) -> Visit:
        """A visit checked in on the store's spot at `at`, closed `minutes` later (None: open)."""
        at = at or datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
        values = {
            "rep_id": rep.id,
            "store_id": store.id,
            "planned": True,
            "local_day": local_day(at, store.timezone),
            "payload_hash": "0" * 64,
            "checked_in_at": at,
            "checkin_received_at": at,
            "checkin_lat": store.lat,
            "checkin_lon": store.lon,
            "checkin_accuracy_m": 10.0,
            "checkin_distance_m": 0.0,
            "checkin_flags": [],
            "checkout_flags": [],
            **over,
        }
        if minutes is not None:
            out = at + timedelta(minutes=minutes)
            values.setdefault("checked_out_at", out)
            values.setdefault("checkout_received_at", out)
            values.setdefault("checkout_lat", store.lat)
            values.setdefault("checkout_lon", store.lon)
            values.setdefault("checkout_accuracy_m", 10.0)
            values.setdefault("checkout_distance_m", 0.0)
        return self._add(Visit(**values))

    def problem(self, visit: Visit, **over: Any) -> Problem:
        values = {
            "visit_id": visit.id,
            "store_id": visit.store_id,
            "rep_id": visit.rep_id,
            "category": ProblemCategory.GIFT_DELIVERY,
            "what": "Gifts for the November promotion have not arrived",
            "status": ProblemStatus.OPEN,
            "recorded_at": visit.checked_in_at,
            "payload_hash": "0" * 64,
            **over,
        }
        return self._add(Problem(**values))

    def stock_count(self, visit: Visit, product: Product, **over: Any) -> StockCount:
        values = {
            "visit_id": visit.id,
            "store_id": visit.store_id,
            "product_id": product.id,
            "shelf_qty": 12,
            "backroom_qty": 24,
            "recorded_at": visit.checked_in_at,
            "payload_hash": "0" * 64,
            **over,
        }
        return self._add(StockCount(**values))

    def payment(self, visit: Visit, amount: str = "100.00", **over: Any) -> Payment:
        values = {
            "visit_id": visit.id,
            "store_id": visit.store_id,
            "amount": Decimal(amount),
            "method": PaymentMethod.CASH,
            "recorded_at": visit.checked_in_at,
            "payload_hash": "0" * 64,
            **over,
        }
        return self._add(Payment(**values))

    def skipped(self, rep: User, store: Store, day: date, **over: Any) -> SkippedVisit:
        values = {
            "rep_id": rep.id,
            "store_id": store.id,
            "day": day,
            "reason": SkipReason.CLOSED,
            "recorded_at": datetime.combine(day, datetime.min.time(), tzinfo=UTC),
            "payload_hash": "0" * 64,
            **over,
        }
        return self._add(SkippedVisit(**values))


WORLD_NAMESPACE = uuid.UUID("5b1f7a52-43c6-4c55-9b1e-6f0d9d7c2a10")


def world_id(name: str) -> uuid.UUID:
    """The fixed id of a world row (the fuzz run aims path parameters at them)."""
    return uuid.uuid5(WORLD_NAMESPACE, name)


@dataclass
class World:
    """Two teams, three dealers, a dealer user each for two of them, stores on both sides,
    and a little catalogue: enough for every role to have something in and out of scope.

    - team A: supervisor `sup_a`, rep `rep_a`; team B: `sup_b`, `rep_b`.
    - dealer `d1` supplies `store_a` (rep_a) and `store_u` (no rep); `d2` supplies `store_b`
      (rep_b); `d3` supplies nothing. `du1`/`du2` are the dealer users of d1/d2.
    """

    admin: User
    sup_a: User
    sup_b: User
    team_a: Team
    team_b: Team
    rep_a: User
    rep_b: User
    d1: Dealer
    d2: Dealer
    d3: Dealer
    du1: User
    du2: User
    store_a: Store
    store_b: Store
    store_u: Store
    product: Product
    price: Price
    promotion: Promotion

    def actor(self, role: Role) -> User:
        """The signed-in user the matrix and fuzz tests use for a role (team A's side)."""
        return {
            Role.ADMIN: self.admin,
            Role.SUPERVISOR: self.sup_a,
            Role.REP: self.rep_a,
            Role.DEALER: self.du1,
        }[role]


def build_world(make: Factory) -> World:
    def ids(name: str) -> dict[str, Any]:
        return {"id": world_id(name)}

    admin = make.user(Role.ADMIN, **ids("admin"))
    sup_a = make.user(Role.SUPERVISOR, **ids("sup_a"))
    sup_b = make.user(Role.SUPERVISOR, **ids("sup_b"))
    team_a = make.team(supervisor=sup_a, **ids("team_a"))
    team_b = make.team(supervisor=sup_b, **ids("team_b"))
    rep_a = make.rep(team_a, **ids("rep_a"))
    rep_b = make.rep(team_b, **ids("rep_b"))
    d1, d2, d3 = (make.dealer(**ids(name)) for name in ("d1", "d2", "d3"))
    product = make.product(**ids("product"))
    store_a = make.store(rep=rep_a, dealer=d1, **ids("store_a"))
    # Every kind of promotion target and a gift, so reading it exercises the whole schema.
    promotion = make.promotion(
        products=[product],
        stores=[store_a],
        gifts=[
            PromotionGift(
                description="Shelf sticker",
                quantity=50,
                arrives_on=date(2026, 10, 25),
                allocation=GiftAllocation.BY_GRADE,
            )
        ],
        **ids("promotion"),
    )
    promotion.set_targets(grades=["A", "B"], regions=["north"])
    make.session.commit()
    return World(
        admin=admin,
        sup_a=sup_a,
        sup_b=sup_b,
        team_a=team_a,
        team_b=team_b,
        rep_a=rep_a,
        rep_b=rep_b,
        d1=d1,
        d2=d2,
        d3=d3,
        du1=make.dealer_user(d1, **ids("du1")),
        du2=make.dealer_user(d2, **ids("du2")),
        store_a=store_a,
        store_b=make.store(rep=rep_b, dealer=d2, **ids("store_b")),
        store_u=make.store(dealer=d1, **ids("store_u")),
        product=product,
        price=make.price(product, **ids("price")),
        promotion=promotion,
    )


class Auth:
    def __init__(self, secret: str, ttl_s: int) -> None:
        self.secret = secret
        self.ttl_s = ttl_s

    def token(self, user: User, *, now: datetime | None = None) -> str:
        return security.issue_access_token(
            user_id=user.id,
            role=user.role,
            secret=self.secret,
            now=now or datetime.now(UTC),
            ttl_s=self.ttl_s,
        )

    def headers(self, user: User, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}", **extra}


def random_id() -> str:
    return str(uuid.uuid4())
