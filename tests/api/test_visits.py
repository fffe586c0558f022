"""Visit lifecycle over HTTP: check-in flags, one open visit, check-out, idempotent retries,
Idempotency-Key, and who may read or write which visit."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fieldsales.db.models import IdempotencyKey, Store, Visit
from fieldsales.domain.types import Role
from tests import bodies
from tests.bodies import iso, now

VISITS = "/api/v1/visits"


@pytest.fixture
def world(make):
    """Two teams: the rep under test with a store, a teammate, and a rep of another team."""
    supervisor, team = make.supervisor_with_team()
    other_supervisor, other_team = make.supervisor_with_team()
    rep = make.rep(team)
    dealer = make.dealer()
    return {
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "rep": rep,
        "teammate": make.rep(team),
        "other_rep": make.rep(other_team),
        "admin": make.user(Role.ADMIN),
        "dealer": dealer,
        "dealer_user": make.dealer_user(dealer),
        "store": make.store(rep=rep, dealer=dealer),
    }


def visit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Visit))


def check_in(client, auth, user, body, **headers):
    return client.post(VISITS, json=body, headers=auth.headers(user, **headers))


# --- check-in ----------------------------------------------------------------------------


def test_check_in_on_the_spot_is_stored_unflagged(client, auth, world):
    store = world["store"]
    body = bodies.check_in(store)
    rv = check_in(client, auth, world["rep"], body)
    assert rv.status_code == 201, rv.json
    assert rv.json["id"] == body["id"]
    assert rv.json["status"] == "open"
    assert rv.json["checkin_flags"] == []
    assert rv.json["flagged"] is False
    assert rv.json["checkin_distance_m"] < 1
    assert rv.headers["ETag"] == '"1"'


def test_check_in_2_km_away_is_stored_and_flagged(client, auth, world, session):
    store = world["store"]
    body = bodies.check_in(store, position=bodies.position(store, north_m=2000))
    rv = check_in(client, auth, world["rep"], body)
    assert rv.status_code == 201
    assert rv.json["checkin_flags"] == ["outside_geofence"]
    assert rv.json["flagged"] is True
    assert rv.json["checkin_distance_m"] == pytest.approx(2000, rel=0.01)
    assert visit_count(session) == 1


def test_check_in_local_day_is_the_stores_calendar_day(client, auth, world, make):
    # 23:30 UTC is already the next morning in Shanghai.
    at = now().replace(hour=23, minute=30, second=0) - timedelta(days=1)
    body = bodies.check_in(world["store"], at=at, sent_at=iso(now()))
    rv = check_in(client, auth, world["rep"], body)
    assert rv.json["local_day"] == (at + timedelta(hours=8)).date().isoformat()


@pytest.mark.parametrize(
    ("position_over", "flag"),
    [
        ({"accuracy_m": 350.0}, "poor_accuracy"),
        ({"fix_age_s": 900.0}, "stale_fix"),
        ({"mock": True}, "mock_location"),
    ],
)
def test_check_in_doubtful_fix_is_flagged(client, auth, world, position_over, flag):
    store = world["store"]
    body = bodies.check_in(store, position=bodies.position(store, **position_over))
    rv = check_in(client, auth, world["rep"], body)
    assert rv.status_code == 201
    assert rv.json["checkin_flags"] == [flag]


def test_check_in_from_a_phone_clock_an_hour_fast_is_flagged(client, auth, world):
    phone_now = now() + timedelta(hours=1)
    body = bodies.check_in(world["store"], at=phone_now, sent_at=iso(phone_now))
    rv = check_in(client, auth, world["rep"], body)
    assert rv.json["checkin_flags"] == ["clock_skew"]
    assert rv.json["clock_offset_s"] == pytest.approx(3600, abs=30)


def test_check_in_made_offline_hours_ago_is_not_clock_skew(client, auth, world):
    body = bodies.check_in(world["store"], at=now() - timedelta(hours=5), sent_at=iso(now()))
    rv = check_in(client, auth, world["rep"], body)
    assert rv.json["checkin_flags"] == []


def test_check_in_retry_returns_the_original_and_stores_one(client, auth, world, session):
    body = bodies.check_in(world["store"])
    first = check_in(client, auth, world["rep"], body)
    again = check_in(client, auth, world["rep"], body)
    assert again.status_code == first.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert visit_count(session) == 1


def test_check_in_reusing_an_id_for_another_store_is_a_conflict(client, auth, world, make):
    other_store = make.store(rep=world["rep"])
    body = bodies.check_in(world["store"])
    check_in(client, auth, world["rep"], body)
    rv = check_in(client, auth, world["rep"], {**body, "store_id": str(other_store.id)})
    assert rv.status_code == 409
    assert rv.json["type"] == "/problems/id-already-used"


def test_second_open_visit_is_refused(client, auth, world, make, session):
    first = bodies.check_in(world["store"])
    check_in(client, auth, world["rep"], first)
    rv = check_in(client, auth, world["rep"], bodies.check_in(make.store(rep=world["rep"])))
    assert rv.status_code == 409, rv.json
    assert rv.mimetype == "application/problem+json"
    assert rv.json["type"] == "/problems/visit-already-open"
    assert rv.json["open_visit_id"] == first["id"]
    assert visit_count(session) == 1


def test_check_in_at_a_store_outside_the_territory_is_refused(client, auth, world, make, session):
    stranger_store = make.store(rep=world["other_rep"])
    rv = check_in(client, auth, world["rep"], bodies.check_in(stranger_store))
    assert rv.status_code == 422
    assert rv.json["errors"][0]["path"] == "json.store_id"
    assert visit_count(session) == 0


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda b: b.pop("position"), "json.position"),
        (lambda b: b["position"].update(lat=91), "json.position.lat"),
        (lambda b: b["position"].update(accuracy_m="NaN"), "json.position.accuracy_m"),
        (lambda b: b.update(checked_in_at="2026-11-23T10:00:00"), "json.checked_in_at"),
        (lambda b: b.update(checked_in_at="1970-01-01T00:00:00Z"), "json.checked_in_at"),
        (lambda b: b.update(id="not-a-uuid"), "json.id"),
        (lambda b: b.update(met_with="x\x00y"), "json.met_with"),
        (lambda b: b.update(colour="red"), "json.colour"),
    ],
)
def test_check_in_bad_input_is_a_422_and_stores_nothing(client, auth, world, session, change, path):
    body = bodies.check_in(world["store"])
    change(body)
    rv = check_in(client, auth, world["rep"], body)
    assert rv.status_code == 422
    assert rv.mimetype == "application/problem+json"
    assert path in [e["path"] for e in rv.json["errors"]]
    assert visit_count(session) == 0


@pytest.mark.parametrize("who", ["supervisor", "admin", "dealer_user"])
def test_only_reps_check_in(client, auth, world, who, session):
    rv = check_in(client, auth, world[who], bodies.check_in(world["store"]))
    assert rv.status_code == 403
    assert visit_count(session) == 0


# --- check-out ---------------------------------------------------------------------------


@pytest.fixture
def open_visit(client, auth, world):
    body = bodies.check_in(world["store"], at=now() - timedelta(minutes=25))
    rv = check_in(client, auth, world["rep"], body)
    assert rv.status_code == 201
    return rv.json


def check_out(client, auth, user, visit_id, body, **headers):
    return client.post(
        f"{VISITS}/{visit_id}/check-out", json=body, headers=auth.headers(user, **headers)
    )


def test_check_out_closes_the_visit(client, auth, world, open_visit):
    rv = check_out(client, auth, world["rep"], open_visit["id"], bodies.check_out(world["store"]))
    assert rv.status_code == 200
    assert rv.json["status"] == "closed"
    assert rv.json["duration_s"] == pytest.approx(25 * 60, abs=2)
    assert rv.json["checkout_flags"] == []
    assert rv.headers["ETag"] == '"2"'


def test_check_out_far_from_the_store_is_flagged(client, auth, world, open_visit):
    store = world["store"]
    body = bodies.check_out(store, position=bodies.position(store, north_m=800))
    rv = check_out(client, auth, world["rep"], open_visit["id"], body)
    assert rv.json["checkout_flags"] == ["outside_geofence"]
    assert rv.json["flagged"] is True


def test_check_out_retry_returns_the_visit_unchanged(client, auth, world, open_visit):
    body = bodies.check_out(world["store"])
    first = check_out(client, auth, world["rep"], open_visit["id"], body)
    again = check_out(client, auth, world["rep"], open_visit["id"], body)
    assert again.status_code == 200
    assert again.json == first.json


def test_check_out_again_at_another_time_is_a_conflict(client, auth, world, open_visit):
    check_out(client, auth, world["rep"], open_visit["id"], bodies.check_out(world["store"]))
    later = bodies.check_out(world["store"], at=now() + timedelta(minutes=1))
    rv = check_out(client, auth, world["rep"], open_visit["id"], later)
    assert rv.status_code == 409
    assert rv.json["type"] == "/problems/visit-already-closed"


def test_check_out_before_check_in_is_refused(client, auth, world, open_visit, session):
    body = bodies.check_out(world["store"], at=now() - timedelta(hours=1))
    rv = check_out(client, auth, world["rep"], open_visit["id"], body)
    assert rv.status_code == 422
    assert session.get(Visit, open_visit["id"]).checked_out_at is None


def test_after_check_out_the_rep_can_check_in_again(client, auth, world, open_visit, make):
    check_out(client, auth, world["rep"], open_visit["id"], bodies.check_out(world["store"]))
    rv = check_in(client, auth, world["rep"], bodies.check_in(make.store(rep=world["rep"])))
    assert rv.status_code == 201


@pytest.mark.parametrize("who", ["teammate", "other_rep"])
def test_another_rep_cannot_check_out_my_visit(client, auth, world, open_visit, who, session):
    rv = check_out(client, auth, world[who], open_visit["id"], bodies.check_out(world["store"]))
    assert rv.status_code == 404
    assert session.get(Visit, open_visit["id"]).checked_out_at is None


# --- reading -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("rep", 200),
        ("teammate", 404),
        ("other_rep", 404),
        ("supervisor", 200),
        ("other_supervisor", 404),
        ("admin", 200),
        ("dealer_user", 404),  # dealer users see no visits: out of scope before forbidden
        (None, 401),
    ],
)
def test_read_visit_permissions(client, auth, world, open_visit, who, status):
    headers = auth.headers(world[who]) if who else {}
    rv = client.get(f"{VISITS}/{open_visit['id']}", headers=headers)
    assert rv.status_code == status
    if status == 200:
        assert rv.json["id"] == open_visit["id"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("rep", 1), ("teammate", 0), ("other_rep", 0), ("supervisor", 1), ("other_supervisor", 0)],
)
def test_list_visits_shows_only_the_callers_scope(client, auth, world, open_visit, who, expected):
    rv = client.get(VISITS, headers=auth.headers(world[who]))
    assert rv.status_code == 200
    assert len(rv.json) == expected


def test_dealer_cannot_list_visits(client, auth, world, open_visit):
    assert client.get(VISITS, headers=auth.headers(world["dealer_user"])).status_code == 403


def test_list_visits_filters_flagged(client, auth, world, make):
    store = world["store"]
    make.visit(world["rep"], store)
    make.visit(world["rep"], store, checkin_flags=["mock_location"], flagged=True)
    rv = client.get(f"{VISITS}?flagged=true", headers=auth.headers(world["supervisor"]))
    assert [v["checkin_flags"] for v in rv.json] == [["mock_location"]]


def test_visit_detail_includes_its_records(client, auth, world, make):
    visit = make.visit(world["rep"], world["store"])
    make.problem(visit)
    make.stock_count(visit, make.product())
    rv = client.get(f"{VISITS}/{visit.id}", headers=auth.headers(world["rep"]))
    assert len(rv.json["problems"]) == 1
    assert len(rv.json["stock_counts"]) == 1
    assert rv.json["payments"] == []


# --- Idempotency-Key ---------------------------------------------------------------------


def test_idempotency_key_replays_the_first_response(client, auth, world, session):
    body = bodies.check_in(world["store"])
    first = check_in(client, auth, world["rep"], body, **{"Idempotency-Key": "k-1"})
    again = check_in(client, auth, world["rep"], body, **{"Idempotency-Key": "k-1"})
    assert again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["ETag"] == first.headers["ETag"]
    assert visit_count(session) == 1


def test_idempotency_key_replays_a_check_out_after_later_changes(client, auth, world, open_visit):
    body = bodies.check_out(world["store"])
    key = {"Idempotency-Key": "out-1"}
    first = check_out(client, auth, world["rep"], open_visit["id"], body, **key)
    again = check_out(client, auth, world["rep"], open_visit["id"], body, **key)
    assert again.get_data() == first.get_data()


def test_idempotency_key_with_another_body_is_refused(client, auth, world, make, session):
    key = {"Idempotency-Key": "k-2"}
    check_in(client, auth, world["rep"], bodies.check_in(world["store"]), **key)
    rv = check_in(client, auth, world["rep"], bodies.check_in(make.store(rep=world["rep"])), **key)
    assert rv.status_code == 422
    assert rv.json["type"] == "/problems/idempotency-key-reused"
    assert visit_count(session) == 1


def test_idempotency_key_is_per_caller(client, auth, world, make):
    key = {"Idempotency-Key": "shared"}
    check_in(client, auth, world["rep"], bodies.check_in(world["store"]), **key)
    teammate_store = make.store(rep=world["teammate"])
    rv = check_in(client, auth, world["teammate"], bodies.check_in(teammate_store), **key)
    assert rv.status_code == 201
    assert "Idempotent-Replayed" not in rv.headers


def test_failed_request_does_not_consume_the_key(client, auth, world, session):
    key = {"Idempotency-Key": "k-3"}
    body = bodies.check_in(world["store"])
    bad = check_in(client, auth, world["rep"], {**body, "position": None}, **key)
    assert bad.status_code == 422
    assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_malformed_idempotency_key_is_a_422(client, auth, world, session):
    rv = check_in(
        client, auth, world["rep"], bodies.check_in(world["store"]), **{"Idempotency-Key": "a b"}
    )
    assert rv.status_code == 422
    assert visit_count(session) == 0


def test_payment_collected_lowers_balance_exactly(client, auth, world, open_visit, session):
    store = session.get(Store, world["store"].id)
    store.balance_owed = Decimal("1000.10")
    session.commit()
    body = {"id": bodies.new_id(), "amount": "300.05", "method": "cash"}
    url = f"{VISITS}/{open_visit['id']}/payments"
    client.post(url, json=body, headers=auth.headers(world["rep"]))
    client.post(url, json=body, headers=auth.headers(world["rep"]))
    session.refresh(store)
    assert store.balance_owed == Decimal("700.05")
