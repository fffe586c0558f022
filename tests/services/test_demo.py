"""The demo city: has the promised shape, is deterministic and idempotent. (Its load time
is measured by `make bench-sync`, not asserted here.)"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fieldsales import security
from fieldsales.db.models import Dealer, Price, Product, Promotion, Store, Team, User
from fieldsales.domain.types import Grade, PaymentTerms, Role
from fieldsales.services import demo
from fieldsales.services.demo import build_demo_city, load_demo
from schemas.master import ProductCreateSchema, StoreCreateSchema

TODAY = date(2026, 11, 23)
SMALL = 48


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def loaded(session):
    return load_demo(session, seed=7, today=TODAY, store_count=SMALL)


def test_load_demo_creates_the_people_and_the_catalogue(session, loaded):
    assert count(session, Store) == SMALL
    assert count(session, Team) == 2
    assert count(session, Dealer) == 4
    assert count(session, User, User.role == Role.REP) == 12
    assert count(session, User, User.role == Role.SUPERVISOR) == 2
    assert count(session, User, User.role == Role.DEALER) == 4
    assert count(session, User, User.role == Role.ADMIN) == 1
    assert count(session, Product) >= 60
    assert count(session, Price) > count(session, Product)  # some price history
    assert count(session, Promotion) >= 3


def test_load_demo_gives_every_store_a_rep_of_a_team_and_a_dealer(session, loaded):
    stores = session.scalars(select(Store)).all()
    reps = {u.id: u for u in session.scalars(select(User).where(User.role == Role.REP))}

    assert all(s.rep_id in reps and s.dealer_id is not None for s in stores)
    assert sorted(Counter(r.team_id for r in reps.values()).values()) == [6, 6]
    assert all(r.home_lat is not None for r in reps.values())
    teams = session.scalars(select(Team)).all()
    leads = {t.supervisor_id for t in teams}
    assert {session.get(User, i).role for i in leads} == {Role.SUPERVISOR}


def test_load_demo_logins_work_for_each_role(session, loaded):
    logins = {
        "admin": Role.ADMIN,
        "sup1": Role.SUPERVISOR,
        "rep01": Role.REP,
        "dealer1": Role.DEALER,
    }
    for username, role in logins.items():
        user = session.scalar(select(User).where(User.username == username))

        assert user.role is role
        assert security.verify_password(user.password_hash, demo.PASSWORDS[role])
        assert f"{username}" in loaded and demo.PASSWORDS[role] in loaded


def test_load_demo_twice_changes_nothing(session, loaded):
    stores = count(session, Store)

    text = load_demo(session, seed=8, today=TODAY, store_count=SMALL)

    assert "already loaded" in text
    assert count(session, Store) == stores


def test_demo_city_is_the_same_for_the_same_seed():
    one = build_demo_city(seed=7, today=TODAY)
    two = build_demo_city(seed=7, today=TODAY)

    assert [(s["code"], s["lat"], s["lon"], s["id"]) for s in one.stores] == [
        (s["code"], s["lat"], s["lon"], s["id"]) for s in two.stores
    ]
    assert one.users == two.users
    assert one.prices == two.prices


def test_demo_city_differs_for_another_seed():
    one = build_demo_city(seed=7, today=TODAY)
    two = build_demo_city(seed=8, today=TODAY)

    assert [(s["lat"], s["lon"]) for s in one.stores] != [(s["lat"], s["lon"]) for s in two.stores]


def test_demo_city_has_the_promised_shape():
    city = build_demo_city(seed=7, today=TODAY)
    stores = city.stores
    grades = Counter(s["grade"] for s in stores)
    north_km = [(s["lat"] - demo.CENTRE[0]) * 111.32 for s in stores]
    east_km = [
        (s["lon"] - demo.CENTRE[1]) * 111.32 * math.cos(math.radians(demo.CENTRE[0]))
        for s in stores
    ]

    assert len(stores) >= 400
    assert len({s["code"] for s in stores}) == len(stores)
    assert (grades[Grade.A], grades[Grade.B], grades[Grade.C]) == (84, 168, 168)
    assert max(map(abs, north_km + east_km)) <= 15
    assert max(north_km) - min(north_km) > 20 and max(east_km) - min(east_km) > 20
    assert 0.10 <= sum(s["appointment_required"] for s in stores) / len(stores) <= 0.20
    usual = {"09:00", "13:00"}
    with_usual = [s for s in stores if usual & {w["start"] for w in s["owner_windows"]}]
    assert len(with_usual) / len(stores) > 0.6
    assert {s["timezone"] for s in stores} == {"Asia/Shanghai"}
    assert Counter(s["rep_id"] for s in stores).most_common()[-1][1] == len(stores) // 12


def test_demo_territories_are_compact():
    """Each rep's stores lie closer to each other than the city's stores do overall."""
    stores = build_demo_city(seed=7, today=TODAY).stores

    def spread(group):
        lat = sum(s["lat"] for s in group) / len(group)
        lon = sum(s["lon"] for s in group) / len(group)
        return max(math.hypot(s["lat"] - lat, s["lon"] - lon) for s in group)

    by_rep: dict = {}
    for s in stores:
        by_rep.setdefault(s["rep_id"], []).append(s)
    assert max(spread(g) for g in by_rep.values()) < spread(stores) * 0.6


def test_demo_city_needs_a_store_per_rep():
    with pytest.raises(ValueError):
        build_demo_city(seed=7, today=TODAY, store_count=11)


def test_demo_rows_pass_the_api_create_schemas():
    """The demo city is data an admin could have entered through the API."""
    city = build_demo_city(seed=7, today=TODAY)

    def wire(row):
        return {
            k: (v.value if isinstance(v, Grade | PaymentTerms) else str(v))
            if isinstance(v, Grade | PaymentTerms | Decimal | uuid.UUID)
            else v
            for k, v in row.items()
            if k != "id"
        }

    assert [StoreCreateSchema().validate(wire(s)) for s in city.stores] == [{}] * len(city.stores)
    assert [ProductCreateSchema().validate(wire(p)) for p in city.products] == [{}] * len(
        city.products
    )
