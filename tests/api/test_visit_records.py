"""What a visit records: purposes, observations, 5W1H problems, stock counts, training,
payments; later resolution of problems; planned stops skipped."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fieldsales.db.models import (
    Observation,
    Payment,
    Problem,
    SkippedVisit,
    StockCount,
    Store,
    Training,
    VisitPurpose,
)
from fieldsales.domain.types import Role
from tests import bodies
from tests.bodies import iso, now
from tests.visit_factories import RECORD_KINDS, open_visit, record_fields


@pytest.fixture
def world(make):
    supervisor, team = make.supervisor_with_team()
    other_supervisor, other_team = make.supervisor_with_team()
    rep = make.rep(team)
    dealer = make.dealer()
    store = make.store(rep=rep, dealer=dealer, balance_owed=Decimal("500.00"))
    return {
        "rep": rep,
        "teammate": make.rep(team),
        "other_rep": make.rep(other_team),
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "admin": make.user(Role.ADMIN),
        "dealer": dealer,
        "dealer_user": make.dealer_user(dealer),
        "store": store,
        "product": make.product(),
        "visit": open_visit(make, rep, store),
    }


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def post(client, auth, user, visit, path, body):
    return client.post(f"/api/v1/visits/{visit.id}/{path}", json=body, headers=auth.headers(user))


MODELS = {
    "purposes": VisitPurpose,
    "observations": Observation,
    "problems": Problem,
    "stock-counts": StockCount,
    "trainings": Training,
    "payments": Payment,
}
KINDS = list(RECORD_KINDS)


def record_bodies(world) -> dict[str, tuple[type, dict]]:
    return {kind: (MODELS[kind], record_fields(kind, world["product"])) for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_record_is_created_once_and_retries_return_it(client, auth, world, session, kind):
    model, fields = record_bodies(world)[kind]
    body = {"id": bodies.new_id(), **fields}
    first = post(client, auth, world["rep"], world["visit"], kind, body)
    again = post(client, auth, world["rep"], world["visit"], kind, body)
    assert first.status_code == again.status_code == 201, first.json
    assert again.json == first.json
    assert first.json["id"] == body["id"]
    assert first.json["visit_id"] == str(world["visit"].id)
    assert count(session, model) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_record_lists_under_the_visit(client, auth, world, kind):
    _, fields = record_bodies(world)[kind]
    post(client, auth, world["rep"], world["visit"], kind, {"id": bodies.new_id(), **fields})
    rv = client.get(
        f"/api/v1/visits/{world['visit'].id}/{kind}", headers=auth.headers(world["supervisor"])
    )
    assert rv.status_code == 200
    assert len(rv.json) == 1


@pytest.mark.parametrize("who", ["teammate", "other_rep"])
@pytest.mark.parametrize("kind", KINDS)
def test_another_rep_cannot_record_in_my_visit(client, auth, world, session, kind, who):
    model, fields = record_bodies(world)[kind]
    rv = post(client, auth, world[who], world["visit"], kind, {"id": bodies.new_id(), **fields})
    assert rv.status_code == 404
    assert count(session, model) == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("teammate", 404), ("other_rep", 404), ("other_supervisor", 404), ("dealer_user", 404)],
)
def test_records_are_hidden_outside_scope(client, auth, world, who, status):
    rv = client.get(
        f"/api/v1/visits/{world['visit'].id}/payments", headers=auth.headers(world[who])
    )
    assert rv.status_code == status


@pytest.mark.parametrize(
    ("kind", "fields", "path"),
    [
        ("purposes", {"purpose": "sightseeing"}, "json.purpose"),
        ("observations", {"kind": "our_pop", "pop_present": None}, "json.pop_present"),
        ("observations", {"kind": "foot_traffic", "pop_present": True}, "json.pop_present"),
        ("observations", {"kind": "foot_traffic", "rating": 6}, "json.rating"),
        ("problems", {"category": "other", "what": ""}, "json.what"),
        ("problems", {"category": "other", "what": "x", "resolution": "y"}, "json._schema"),
        ("stock-counts", {"product_id": None, "shelf_qty": 1}, "json.product_id"),
        ("stock-counts", {"shelf_qty": -1}, "json.shelf_qty"),
        ("trainings", {"topics": []}, "json.topics"),
        ("payments", {"amount": "0.00", "method": "cash"}, "json.amount"),
        ("payments", {"amount": "-5.00", "method": "cash"}, "json.amount"),
        ("payments", {"amount": "12.345", "method": "cash"}, "json.amount"),
        ("payments", {"amount": "10.00", "method": "iou"}, "json.method"),
    ],
)
def test_bad_record_is_a_422_and_stores_nothing(client, auth, world, session, kind, fields, path):
    model, good = record_bodies(world)[kind]
    body = {"id": bodies.new_id(), **good, **fields}
    rv = post(client, auth, world["rep"], world["visit"], kind, body)
    assert rv.status_code == 422, rv.json
    assert rv.mimetype == "application/problem+json"
    assert path in [e["path"] for e in rv.json["errors"]]
    assert count(session, model) == 0
    assert session.get(Store, world["store"].id).balance_owed == Decimal("500.00")


def test_stock_count_of_an_unknown_product_is_a_422(client, auth, world, session):
    body = {"id": bodies.new_id(), "product_id": bodies.new_id(), "shelf_qty": 3}
    rv = post(client, auth, world["rep"], world["visit"], "stock-counts", body)
    assert rv.status_code == 422
    assert rv.json["errors"][0]["path"] == "json.product_id"


def test_a_product_is_counted_once_per_visit(client, auth, world, session):
    _, fields = record_bodies(world)["stock-counts"]
    post(
        client,
        auth,
        world["rep"],
        world["visit"],
        "stock-counts",
        {"id": bodies.new_id(), **fields},
    )
    rv = post(
        client,
        auth,
        world["rep"],
        world["visit"],
        "stock-counts",
        {"id": bodies.new_id(), **fields},
    )
    assert rv.status_code == 409
    assert rv.json["type"] == "/problems/already-recorded"
    assert count(session, StockCount) == 1


def test_record_made_during_the_visit_is_accepted_after_check_out(client, auth, world, make):
    closed = make.visit(world["rep"], world["store"], at=now() - timedelta(hours=3), minutes=20)
    body = {
        "id": bodies.new_id(),
        "purpose": "reorder",
        "recorded_at": iso(closed.checked_in_at + timedelta(minutes=15)),
    }
    assert post(client, auth, world["rep"], closed, "purposes", body).status_code == 201


def test_record_made_long_after_check_out_is_refused(client, auth, world, make, session):
    closed = make.visit(world["rep"], world["store"], at=now() - timedelta(hours=3), minutes=20)
    rv = post(
        client,
        auth,
        world["rep"],
        closed,
        "purposes",
        {"id": bodies.new_id(), "purpose": "reorder"},
    )
    assert rv.status_code == 409
    assert rv.json["type"] == "/problems/visit-closed"
    assert count(session, VisitPurpose) == 0


def test_payment_lowers_the_balance_even_below_zero(client, auth, world, session):
    body = {"id": bodies.new_id(), "amount": "600.00", "method": "bank_transfer"}
    assert post(client, auth, world["rep"], world["visit"], "payments", body).status_code == 201
    store = client.get(
        f"/api/v1/stores/{world['store'].id}", headers=auth.headers(world["rep"])
    ).json
    assert store["balance_owed"] == "-100.00"


# --- problems ----------------------------------------------------------------------------


def raise_problem(client, auth, world, **over):
    _, fields = record_bodies(world)["problems"]
    body = {"id": bodies.new_id(), **fields, **over}
    rv = post(client, auth, world["rep"], world["visit"], "problems", body)
    assert rv.status_code == 201, rv.json
    return rv.json


def test_problem_keeps_the_5w1h(client, auth, world):
    p = raise_problem(client, auth, world)
    assert {k: p[k] for k in ("what", "when", "who", "where", "why", "suggestion")} == {
        "what": "Gifts missing",
        "when": "Since Monday",
        "who": "Owner",
        "where": "Back room",
        "why": "Dealer forgot",
        "suggestion": "Bring them Friday",
    }
    assert p["status"] == "open"
    assert p["store_id"] == str(world["store"].id)
    assert p["rep_id"] == str(world["rep"].id)


def test_dealer_service_problem_is_attributed_to_the_stores_dealer(client, auth, world):
    p = raise_problem(client, auth, world, category="dealer_service")
    assert p["dealer_id"] == str(world["dealer"].id)


def test_problem_attributed_to_an_unknown_dealer_is_a_422(client, auth, world, session):
    _, fields = record_bodies(world)["problems"]
    body = {"id": bodies.new_id(), **fields, "dealer_id": bodies.new_id()}
    rv = post(client, auth, world["rep"], world["visit"], "problems", body)
    assert rv.status_code == 422
    assert count(session, Problem) == 0


def test_problem_solved_on_the_spot(client, auth, world):
    p = raise_problem(client, auth, world, solved_on_spot=True, resolution="Re-hung the POP")
    assert p["status"] == "solved"
    assert p["resolved_by_id"] == str(world["rep"].id)
    assert p["resolved_in_visit_id"] == str(world["visit"].id)


def resolve(client, auth, user, problem_id, **over):
    body = {"resolution": "Dealer delivered", "resolved_at": iso(now()), **over}
    return client.post(
        f"/api/v1/problems/{problem_id}/resolution", json=body, headers=auth.headers(user)
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("rep", 200),
        ("supervisor", 200),
        ("admin", 200),
        ("teammate", 404),
        ("other_rep", 404),
        ("other_supervisor", 404),
        ("dealer_user", 404),  # dealer users see no problems: out of scope before forbidden
    ],
)
def test_resolve_problem_permissions(client, auth, world, who, status):
    p = raise_problem(client, auth, world)
    rv = resolve(client, auth, world[who], p["id"])
    assert rv.status_code == status
    if status == 200:
        assert rv.json["status"] == "solved"
        assert rv.json["resolved_by_id"] == str(world[who].id)


def test_resolving_again_is_a_retry_or_a_conflict(client, auth, world):
    p = raise_problem(client, auth, world)
    at = iso(now())
    first = resolve(client, auth, world["rep"], p["id"], resolved_at=at)
    again = resolve(client, auth, world["rep"], p["id"], resolved_at=at)
    assert again.status_code == 200
    assert again.json == first.json
    later = resolve(client, auth, world["rep"], p["id"], resolved_at=iso(now() + timedelta(1)))
    assert later.status_code == 409
    assert later.json["type"] == "/problems/problem-already-resolved"


def test_resolving_in_a_visit_at_another_store_is_a_422(client, auth, world, make):
    p = raise_problem(client, auth, world)
    elsewhere = make.visit(world["rep"], make.store(rep=world["rep"]))
    rv = resolve(client, auth, world["rep"], p["id"], visit_id=str(elsewhere.id))
    assert rv.status_code == 422


def test_open_problems_of_my_stores_are_listed(client, auth, world):
    raise_problem(client, auth, world)
    raise_problem(client, auth, world, solved_on_spot=True)
    rv = client.get(
        f"/api/v1/problems?status=open&store_id={world['store'].id}",
        headers=auth.headers(world["supervisor"]),
    )
    assert [p["status"] for p in rv.json] == ["open"]


@pytest.mark.parametrize(
    ("who", "status", "seen"),
    [
        ("rep", 200, 1),
        ("supervisor", 200, 1),
        ("teammate", 200, 0),
        ("other_supervisor", 200, 0),
        ("dealer_user", 403, None),
    ],
)
def test_problem_list_scope(client, auth, world, who, status, seen):
    raise_problem(client, auth, world)
    rv = client.get("/api/v1/problems", headers=auth.headers(world[who]))
    assert rv.status_code == status
    if seen is not None:
        assert len(rv.json) == seen


# --- skipped stops -----------------------------------------------------------------------


def skip(client, auth, user, store, **over):
    body = {
        "id": bodies.new_id(),
        "store_id": str(store.id),
        "day": now().date().isoformat(),
        "reason": "closed",
        "note": "Shutters down",
        **over,
    }
    return client.post("/api/v1/skipped-visits", json=body, headers=auth.headers(user)), body


def test_skipped_stop_is_recorded_once(client, auth, world, session):
    first, body = skip(client, auth, world["rep"], world["store"])
    again = client.post("/api/v1/skipped-visits", json=body, headers=auth.headers(world["rep"]))
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    other_id, _ = skip(client, auth, world["rep"], world["store"], reason="no_time")
    assert other_id.status_code == 409
    assert count(session, SkippedVisit) == 1


def test_skipping_a_store_outside_the_territory_is_a_422(client, auth, world, make, session):
    rv, _ = skip(client, auth, world["rep"], make.store(rep=world["other_rep"]))
    assert rv.status_code == 422
    assert count(session, SkippedVisit) == 0


@pytest.mark.parametrize(("who", "seen"), [("rep", 1), ("supervisor", 1), ("teammate", 0)])
def test_skipped_stops_list_scope(client, auth, world, who, seen):
    skip(client, auth, world["rep"], world["store"])
    rv = client.get("/api/v1/skipped-visits", headers=auth.headers(world[who]))
    assert len(rv.json) == seen
