"""GET /api/v1/stores/{id}/briefing: content, store-local "today", permissions, and a fixed
number of SQL statements whatever the store's history."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from fieldsales.db.models import PromotionGift, VisitPurpose
from fieldsales.domain.types import Actor, GiftAllocation, Role
from fieldsales.domain.visits import ProblemStatus, Purpose
from fieldsales.services.briefing import store_briefing

# The bound the endpoint promises: auth (1) + store and dealer (1) + last visit and its
# purposes, observations, problems, counts with products (5) + open problems (1) +
# promotions, their gifts and products (3) + last payment (1) + pending reorder requests
# and their lines (2) + reorder prompts: the store's counts, deliveries, open lines,
# products, prices, promotions and their products, peers' counts and deliveries, visit
# record, next planned visit, dealer history (12) = 26.
MAX_STATEMENTS = 26


@pytest.fixture
def world(make):
    supervisor, team = make.supervisor_with_team()
    other_supervisor, other_team = make.supervisor_with_team()
    rep = make.rep(team)
    dealer = make.dealer(name="Northern Supply")
    store = make.store(
        rep=rep,
        dealer=dealer,
        credit_limit=Decimal("2000.00"),
        balance_owed=Decimal("2500.50"),
        owner_windows=[{"weekday": d, "start": "09:00", "end": "09:30"} for d in range(7)],
    )
    return {
        "rep": rep,
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "other_rep": make.rep(other_team),
        "admin": make.user(Role.ADMIN),
        "dealer_user": make.dealer_user(dealer),
        "dealer": dealer,
        "store": store,
    }


def brief(client, auth, user, store):
    return client.get(f"/api/v1/stores/{store.id}/briefing", headers=auth.headers(user))


def today_in_shanghai() -> date:
    return (datetime.now(UTC) + timedelta(hours=8)).date()


def history(make, rep, store, *, visits: int, problems: int, promotions: int, counts: int):
    """`visits` past visits, the last with `counts` stock counts and a purpose; `problems`
    open problems; `promotions` running promotions with two gifts each; one payment."""
    start = datetime.now(UTC) - timedelta(days=visits + 1)
    made = [make.visit(rep, store, at=start + timedelta(days=i)) for i in range(visits)]
    last = made[-1]
    make._add(
        VisitPurpose(
            visit_id=last.id,
            purpose=Purpose.MERCHANDISE,
            recorded_at=last.checked_in_at,
            payload_hash="0" * 64,
        )
    )
    for _ in range(counts):
        make.stock_count(last, make.product())
    for i in range(problems):
        make.problem(made[i % visits])
    today = today_in_shanghai()
    for i in range(promotions):
        promo = make.promotion(
            starts_on=today - timedelta(days=3), ends_on=today + timedelta(days=3 + i)
        )
        promo.stores = [store]
        promo.gifts = [
            PromotionGift(
                description="Umbrella",
                quantity=50,
                arrives_on=today - timedelta(days=1),
                allocation=GiftAllocation.EQUAL,
            ),
            PromotionGift(
                description="Apron",
                quantity=20,
                arrives_on=today + timedelta(days=2),
                allocation=GiftAllocation.BY_GRADE,
            ),
        ]
        make.session.commit()
    make.payment(last, "120.00")
    return made


@contextlib.contextmanager
def statements(engine):
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        # Only the queries: SAVEPOINT/ROLLBACK TO are the test harness's transaction dance.
        if statement.split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_briefing_brings_profile_history_policy_and_money(client, auth, world, make):
    store, rep = world["store"], world["rep"]
    visits = history(make, rep, store, visits=3, problems=2, promotions=1, counts=4)
    make.problem(visits[0], status=ProblemStatus.SOLVED, what="Already solved")
    make.promotion(
        ends_on=today_in_shanghai() - timedelta(days=1),
        starts_on=today_in_shanghai() - timedelta(days=9),
    )  # over
    rv = brief(client, auth, rep, store)
    assert rv.status_code == 200
    b = rv.json
    assert b["store"]["id"] == str(store.id)
    assert b["today"] == today_in_shanghai().isoformat()
    assert b["owner_windows_today"] == [
        {"weekday": today_in_shanghai().weekday(), "start": "09:00", "end": "09:30"}
    ]
    assert b["dealer"]["name"] == "Northern Supply"
    assert b["last_visit"]["id"] == str(visits[-1].id)
    assert b["last_visit"]["purposes"] == ["merchandise"]
    assert len(b["last_visit"]["stock_counts"]) == 4
    assert len(b["open_problems"]) == 2
    assert [p["status"] for p in b["open_problems"]] == ["open", "open"]
    assert len(b["promotions"]) == 1
    assert [g["status"] for g in b["promotions"][0]["gifts"]] == ["arrived", "expected"]
    assert b["money"] == {
        "payment_terms": "monthly",
        "credit_limit": "2000.00",
        "balance_owed": "2500.50",
        "available_credit": "-500.50",
        "over_limit": True,
        "last_payment": {
            "amount": "120.00",
            "method": "cash",
            "reference": None,
            "recorded_at": visits[-1].checked_in_at.isoformat(),
        },
    }
    assert b["pending_reorders"] == []
    assert b["reminders"][0].startswith("Over the credit limit by 500.50")


def test_briefing_of_a_store_never_visited(client, auth, world):
    b = brief(client, auth, world["rep"], world["store"]).json
    assert b["last_visit"] is None
    assert b["open_problems"] == []
    assert b["money"]["last_payment"] is None


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("rep", 200),
        ("other_rep", 404),
        ("supervisor", 200),
        ("other_supervisor", 404),
        ("admin", 200),
        ("dealer_user", 403),
    ],
)
def test_briefing_permissions(client, auth, world, who, status):
    assert brief(client, auth, world[who], world["store"]).status_code == status


def test_briefing_sql_statements_do_not_grow_with_history(client, auth, world, make, engine):
    small_store = make.store(rep=world["rep"], dealer=world["dealer"])
    history(make, world["rep"], small_store, visits=1, problems=1, promotions=1, counts=1)
    big_store = world["store"]
    history(make, world["rep"], big_store, visits=30, problems=20, promotions=8, counts=15)

    brief(client, auth, world["rep"], small_store)  # both measured requests start cold
    with statements(engine) as small:
        assert brief(client, auth, world["rep"], small_store).status_code == 200
    with statements(engine) as big:
        rv = brief(client, auth, world["rep"], big_store)
    assert len(rv.json["open_problems"]) == 20
    assert len(rv.json["promotions"]) == 8
    assert len(big) == len(small)
    assert len(big) <= MAX_STATEMENTS


def test_briefing_today_is_the_stores_local_date(make, session):
    # 17:00 UTC on 30 November is already 1 December in Shanghai.
    rep = make.rep(make.team())
    store = make.store(rep=rep)
    december = make.promotion(starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 31))
    make.promotion(starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 30))
    actor = Actor(user_id=rep.id, role=Role.REP, team_id=rep.team_id)
    now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    b = store_briefing(session, actor=actor, store_id=store.id, now=now)
    assert b["today"] == date(2026, 12, 1)
    assert [p["id"] for p in b["promotions"]] == [december.id]
