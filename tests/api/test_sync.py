"""POST /api/v1/sync: a day of offline work, applied item by item, in any order, any number
of times."""

from __future__ import annotations

import copy
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bench.day_batch import StoreSpot, day_batch
from fieldsales.db.models import (
    Observation,
    Payment,
    Problem,
    StockCount,
    Store,
    Training,
    Visit,
    VisitPurpose,
)
from fieldsales.domain.types import Role
from tests import bodies
from tests.bodies import iso, now

SYNC = "/api/v1/sync"
RECORD_MODELS = (Visit, VisitPurpose, Observation, StockCount, Problem, Payment, Training)


@pytest.fixture
def day(make):
    supervisor, team = make.supervisor_with_team()
    rep = make.rep(team)
    stores = [make.store(rep=rep, balance_owed=Decimal("5000.00")) for _ in range(20)]
    products = [make.product() for _ in range(10)]
    items = day_batch(
        [StoreSpot(s.id, s.lat, s.lon) for s in stores],
        [p.id for p in products],
        start=now().replace(hour=1, minute=0, second=0) - timedelta(days=1),
        rng=random.Random(4),
    )
    return {"rep": rep, "supervisor": supervisor, "stores": stores, "items": items}


def batch(items, *, sent_at=None) -> dict:
    return {"sent_at": iso(sent_at or now()), "items": items}


def post_batch(client, auth, user, body, **headers):
    return client.post(SYNC, json=body, headers=auth.headers(user, **headers))


def sync(client, auth, user, items, *, sent_at=None, **headers):
    return post_batch(client, auth, user, batch(items, sent_at=sent_at), **headers)


def counts(session) -> dict[str, int]:
    return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in RECORD_MODELS}


def statuses(rv) -> list[str]:
    return [r["status"] for r in rv.json["items"]]


def expected_counts(items) -> dict[str, int]:
    by_op = {
        "visit.check_in": "Visit",
        "visit.purpose": "VisitPurpose",
        "visit.observation": "Observation",
        "visit.stock_count": "StockCount",
        "visit.problem": "Problem",
        "visit.payment": "Payment",
        "visit.training": "Training",
    }
    out = dict.fromkeys(by_op.values(), 0)
    for item in items:
        if item["op"] in by_op:
            out[by_op[item["op"]]] += 1
    return out


def test_a_day_batch_is_applied(client, auth, day, session):
    rv = sync(client, auth, day["rep"], day["items"])
    assert rv.status_code == 200
    assert len(day["items"]) >= 280
    assert rv.json["counts"] == {
        "applied": len(day["items"]),
        "duplicate": 0,
        "retry": 0,
        "rejected": 0,
    }
    assert counts(session) == expected_counts(day["items"])
    assert session.scalar(select(func.count()).where(Visit.checked_out_at.is_(None))) == 0


def test_replaying_the_batch_three_times_shuffled_yields_one_copy(client, auth, day, session):
    rng = random.Random(11)
    answers = []
    for _ in range(3):
        shuffled = copy.deepcopy(day["items"])
        rng.shuffle(shuffled)
        answers.append(sync(client, auth, day["rep"], shuffled))
    assert answers[0].json["counts"]["applied"] == len(day["items"])
    assert all(a.json["counts"]["duplicate"] == len(day["items"]) for a in answers[1:])
    assert counts(session) == expected_counts(day["items"])


def test_payments_replayed_lower_the_balance_once(client, auth, day, session):
    for _ in range(2):
        sync(client, auth, day["rep"], day["items"])
    collected = sum(
        (Decimal(i["payload"]["amount"]) for i in day["items"] if i["op"] == "visit.payment"),
        Decimal("0"),
    )
    owed = session.scalar(select(func.sum(Store.balance_owed)).where(Store.rep_id == day["rep"].id))
    assert owed == Decimal("5000.00") * 20 - collected


def test_one_malformed_item_in_300_does_not_sink_the_others(client, auth, day, session):
    items = day["items"][:300]
    broken = next(i for i, it in enumerate(items) if it["op"] == "visit.stock_count")
    items[broken]["payload"]["shelf_qty"] = "lots"
    rv = sync(client, auth, day["rep"], items)
    assert rv.status_code == 200
    result = rv.json["items"][broken]
    assert result["status"] == "rejected"
    assert result["id"] == items[broken]["id"]
    assert result["problem"]["type"] == "/problems/validation-error"
    assert result["problem"]["errors"][0]["path"] == f"json.items.{broken}.payload.shelf_qty"
    assert rv.json["counts"]["applied"] == len(items) - 1
    assert sum(counts(session).values()) == sum(expected_counts(items).values()) - 1


@pytest.mark.parametrize(
    "garbage",
    [
        "not an object",
        {"op": "visit.teleport", "id": bodies.new_id(), "payload": {}},
        {"op": "visit.purpose", "id": "nope", "payload": {}},
        {"op": "visit.purpose", "id": bodies.new_id(), "payload": []},
    ],
)
def test_unparseable_items_are_rejected_alone(client, auth, day, garbage, session):
    items = [*day["items"][:30], garbage]
    rv = sync(client, auth, day["rep"], items)
    assert statuses(rv)[-1] == "rejected"
    assert rv.json["counts"]["applied"] == 30


def test_a_record_before_its_check_in_in_the_batch_is_applied(client, auth, day, session):
    first_visit = day["items"][
        : day["items"].index(next(i for i in day["items"] if i["op"] == "visit.check_out")) + 1
    ]
    reordered = list(reversed(first_visit))  # check-out first, check-in last
    rv = sync(client, auth, day["rep"], reordered)
    assert set(statuses(rv)) == {"applied"}


def test_a_record_whose_visit_has_not_arrived_is_answered_retry(client, auth, day, session):
    count = next(i for i in day["items"] if i["op"] == "visit.stock_count")
    rv = sync(client, auth, day["rep"], [count])
    assert statuses(rv) == ["retry"]
    assert rv.json["items"][0]["problem"]["type"] == "/problems/visit-not-found"
    assert counts(session)["StockCount"] == 0
    later = sync(client, auth, day["rep"], day["items"])
    assert later.json["counts"]["applied"] == len(day["items"])


def test_a_check_in_while_another_visit_stays_open_is_answered_retry(client, auth, day):
    check_ins = [i for i in day["items"] if i["op"] == "visit.check_in"][:2]
    rv = sync(client, auth, day["rep"], check_ins)
    assert statuses(rv) == ["applied", "retry"]
    assert rv.json["items"][1]["problem"]["type"] == "/problems/visit-already-open"


def test_a_rule_breaking_item_is_rejected_and_the_rest_applied(client, auth, day, make, session):
    items = copy.deepcopy(day["items"][:40])
    bad = next(i for i, it in enumerate(items) if it["op"] == "visit.stock_count")
    items[bad]["payload"]["product_id"] = bodies.new_id()  # no such product
    rv = sync(client, auth, day["rep"], items)
    assert rv.json["items"][bad]["status"] == "rejected"
    assert rv.json["items"][bad]["problem"]["status"] == 422
    assert rv.json["counts"]["applied"] == 39


def test_an_id_reused_with_other_content_is_rejected(client, auth, day):
    first = day["items"][:20]
    sync(client, auth, day["rep"], first)
    changed = copy.deepcopy(first)
    purpose = next(i for i in changed if i["op"] == "visit.purpose")
    purpose["payload"]["note"] = "different"
    rv = sync(client, auth, day["rep"], changed)
    result = rv.json["items"][changed.index(purpose)]
    assert result["status"] == "rejected"
    assert result["problem"]["type"] == "/problems/id-already-used"


def test_a_skewed_phone_clock_flags_its_check_ins(client, auth, day):
    check_in = day["items"][0]
    rv = sync(client, auth, day["rep"], [check_in], sent_at=now() - timedelta(hours=3))
    assert statuses(rv) == ["applied"]
    visit = client.get(f"/api/v1/visits/{check_in['id']}", headers=auth.headers(day["rep"])).json
    assert visit["checkin_flags"] == ["clock_skew"]


def test_a_batch_synced_hours_later_is_not_clock_skew(client, auth, day):
    rv = sync(client, auth, day["rep"], day["items"][:1])
    visit = client.get(
        f"/api/v1/visits/{rv.json['items'][0]['id']}", headers=auth.headers(day["rep"])
    ).json
    assert visit["checkin_flags"] == []
    assert visit["checkin_received_at"] > visit["checked_in_at"]


def test_sync_honours_idempotency_key(client, auth, day):
    # Built once: a retry resends the very same bytes (two now() calls may straddle a second).
    body = batch(day["items"][:50])
    key = {"Idempotency-Key": "batch-2026-11-22"}
    first = post_batch(client, auth, day["rep"], body, **key)
    again = post_batch(client, auth, day["rep"], body, **key)
    assert first.status_code == 200, first.json
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"items": []}, "json.sent_at"),
        ({"sent_at": "2026-11-23T10:00:00Z", "items": []}, "json.items"),
        ({"sent_at": "2026-11-23T10:00:00Z", "items": "x"}, "json.items"),
    ],
)
def test_a_malformed_envelope_is_a_422(client, auth, day, body, path, session):
    rv = post_batch(client, auth, day["rep"], body)
    assert rv.status_code == 422
    assert path in [e["path"] for e in rv.json["errors"]]


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN, Role.DEALER])
def test_only_reps_sync(client, auth, make, day, role, session):
    user = make.dealer_user(make.dealer()) if role is Role.DEALER else make.user(role)
    rv = sync(client, auth, user, day["items"][:5])
    assert rv.status_code == 403
    assert counts(session)["Visit"] == 0


def test_records_for_another_reps_visit_are_not_applied(client, auth, day, make, session):
    sync(client, auth, day["rep"], day["items"][:20])
    intruder = make.rep(make.team())
    records = [i for i in day["items"][:20] if i["op"] == "visit.purpose"]
    fresh = [{**r, "id": bodies.new_id()} for r in records]
    rv = sync(client, auth, intruder, fresh)
    assert set(statuses(rv)) == {"retry"}  # 404 to them: indistinguishable from "not yet"
    assert counts(session)["VisitPurpose"] == len(records)


def test_a_second_count_of_a_product_in_a_visit_is_rejected(client, auth, day, session):
    items = copy.deepcopy(day["items"][:16])
    count = next(i for i in items if i["op"] == "visit.stock_count")
    twin = {**copy.deepcopy(count), "id": bodies.new_id()}
    rv = sync(client, auth, day["rep"], [*items, twin])
    assert rv.json["items"][-1]["status"] == "rejected"
    assert rv.json["items"][-1]["problem"]["type"] == "/problems/already-recorded"
    assert rv.json["counts"]["applied"] == len(items)


def test_the_same_item_twice_in_one_batch_is_a_duplicate(client, auth, day, session):
    items = day["items"][:16]
    rv = sync(client, auth, day["rep"], [*items, copy.deepcopy(items[3])])
    assert rv.json["items"][-1]["status"] == "duplicate"
    assert counts(session) == expected_counts(items)
