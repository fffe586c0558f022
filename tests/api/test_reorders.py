"""Reorder prompts, reorder requests (pricing, credit gate, prompt decisions, idempotency)
and the dealer workflow (transitions, 409/412/404, history, deliveries)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fieldsales.db.models import (
    PromptDecision,
    ReorderDelivery,
    ReorderRequest,
    ReorderRequestEvent,
    Store,
    WebhookDelivery,
)
from fieldsales.domain.reorder.workflow import PromptOutcome, RequestStatus
from fieldsales.domain.types import PaymentTerms, Role
from tests.reorder_factories import make_request, make_webhook, open_shop


@pytest.fixture
def shop(make):
    return open_shop(make)


def body(shop, *, quantities=(12, 24), **over):
    return {
        "id": str(uuid.uuid4()),
        "visit_id": str(shop.visit.id),
        "lines": [
            {"product_id": str(p.id), "quantity": q}
            for p, q in zip(shop.products, quantities, strict=False)
        ],
        **over,
    }


def post_request(client, auth, user, payload, **headers):
    return client.post(
        "/api/v1/reorder-requests", json=payload, headers=auth.headers(user, **headers)
    )


def step(client, auth, user, request_id, action, payload=None, **headers):
    return client.post(
        f"/api/v1/reorder-requests/{request_id}/{action}",
        json=payload or {},
        headers=auth.headers(user, **headers),
    )


def count(session, model, **where):
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return session.scalar(stmt)


def history(make, shop, *, days=(28, 21, 14, 7), shelf=(40, 33, 26, 19)):
    """Past visits counting the first product, selling about one a day."""
    now = datetime.now(UTC)
    for d, q in zip(days, shelf, strict=True):
        visit = make.visit(shop.rep, shop.store, at=now - timedelta(days=d))
        make.stock_count(visit, shop.products[0], shelf_qty=q, backroom_qty=0)


# --- prompts -------------------------------------------------------------------------------


def test_prompts_explain_rate_cover_and_next_visit(client, auth, make, shop):
    history(make, shop)
    make.stock_count(shop.visit, shop.products[0], shelf_qty=3, backroom_qty=0)
    rv = client.get(
        f"/api/v1/stores/{shop.store.id}/reorder-prompts", headers=auth.headers(shop.rep)
    )
    assert rv.status_code == 200, rv.json
    doc = rv.json
    assert doc["next_visit_source"] == "grade_frequency"
    prompt = next(p for p in doc["prompts"] if p["product_id"] == str(shop.products[0].id))
    e = prompt["explanation"]
    assert e["rate_source"] == "history"
    assert 0.5 < e["daily_rate"] < 1.5  # 7 sold a week
    assert e["on_hand"] == 3 and e["on_hand_source"] == "counted"
    assert e["review_days_planned"] == 14  # grade B
    assert e["lead_time_stated_days"] == 2
    assert prompt["action"] == "order"
    assert prompt["quantity"] % 6 == 0 and prompt["quantity"] >= e["order_up_to"] - 3
    assert prompt["urgent"] is True
    assert prompt["unit_price"] == "2.50"


def test_a_new_product_borrows_its_rate_from_same_grade_stores(client, auth, make, shop):
    new = shop.products[1]
    for _ in range(3):  # three B stores selling it about 2 a day
        peer = make.store(rep=shop.rep, dealer=shop.dealer)
        now = datetime.now(UTC)
        for d, q in ((21, 60), (14, 46), (7, 32)):
            make.stock_count(
                make.visit(shop.rep, peer, at=now - timedelta(days=d)),
                new,
                shelf_qty=q,
                backroom_qty=0,
            )
    make.stock_count(shop.visit, new, shelf_qty=10, backroom_qty=0)
    rv = client.get(
        f"/api/v1/stores/{shop.store.id}/reorder-prompts", headers=auth.headers(shop.rep)
    )
    prompt = next(p for p in rv.json["prompts"] if p["product_id"] == str(new.id))
    assert prompt["explanation"]["rate_source"] == "prior"
    assert "grade B" in prompt["explanation"]["prior_basis"]
    assert 1.5 < prompt["explanation"]["daily_rate"] < 2.5


def test_prompts_count_what_is_already_on_order(client, auth, make, shop):
    history(make, shop)
    make.stock_count(shop.visit, shop.products[0], shelf_qty=3, backroom_qty=0)
    url = f"/api/v1/stores/{shop.store.id}/reorder-prompts"
    before = client.get(url, headers=auth.headers(shop.rep)).json["prompts"][0]
    make_request(make, shop, quantities=(before["quantity"],))
    after = client.get(url, headers=auth.headers(shop.rep)).json["prompts"][0]
    assert after["explanation"]["on_order"] == before["quantity"]
    assert after["quantity"] < before["quantity"]


def test_prompts_learn_the_dealers_real_lead_time_and_short_shipping(client, auth, make, shop):
    """Orders at other stores of the same dealer came 8 days after a stated 2, half short."""
    now = datetime.now(UTC)
    other = make.store(rep=shop.rep, dealer=shop.dealer)
    for weeks in (3, 5, 7):
        ordered = now - timedelta(weeks=weeks)
        visit = make.visit(shop.rep, other, at=ordered - timedelta(minutes=30))
        req = make_request(
            make,
            shop,
            status=RequestStatus.CONFIRMED,
            quantities=(12,),
            at=ordered,
            visit=visit,
            store_id=other.id,
        )
        rv = step(
            client,
            auth,
            shop.dealer_user,
            req.id,
            "deliver",
            {
                "lines": [{"product_id": str(shop.products[0].id), "quantity": 6}],
                "delivered_at": (ordered + timedelta(days=8)).isoformat(),
            },
        )
        assert rv.status_code == 200, rv.json
    history(make, shop)
    url = f"/api/v1/stores/{shop.store.id}/reorder-prompts"
    e = client.get(url, headers=auth.headers(shop.rep)).json["prompts"][0]["explanation"]
    assert e["dealer_observed_lines"] == 3
    assert e["lead_time_stated_days"] == 2 and e["lead_time_mean_days"] > 4
    assert e["dealer_late_share"] > 0.3 and e["dealer_short_ship_share"] > 0.3


@pytest.mark.parametrize("who, status", [("rep", 200), ("other_rep", 404), ("dealer", 403)])
def test_prompt_permissions(client, auth, make, shop, who, status):
    users = {"rep": shop.rep, "other_rep": make.rep(make.team()), "dealer": shop.dealer_user}
    rv = client.get(
        f"/api/v1/stores/{shop.store.id}/reorder-prompts", headers=auth.headers(users[who])
    )
    assert rv.status_code == status


# --- create --------------------------------------------------------------------------------


def test_create_prices_lines_from_the_price_list(client, auth, shop, session):
    rv = post_request(client, auth, shop.rep, body(shop, quantities=(12, 5)))
    assert rv.status_code == 201, rv.json
    r = rv.json
    assert r["status"] == "submitted" and r["dealer_id"] == str(shop.dealer.id)
    assert r["total"] == "80.00"  # 12 × 2.50 + 5 × 10.00
    assert [line["cases"] for line in r["lines"]] == [2, 1]
    assert r["total_mismatch"] is False
    assert rv.headers["ETag"] == '"1"'


def test_a_client_total_that_disagrees_is_flagged_not_trusted(client, auth, shop):
    rv = post_request(client, auth, shop.rep, body(shop, client_total="1.00"))
    assert rv.status_code == 201
    assert rv.json["total"] == "270.00" and rv.json["client_total"] == "1.00"
    assert rv.json["total_mismatch"] is True


def test_a_product_with_no_price_is_refused_and_nothing_stored(client, auth, make, shop, session):
    unpriced = make.product()
    payload = body(shop)
    payload["lines"].append({"product_id": str(unpriced.id), "quantity": 3})
    rv = post_request(client, auth, shop.rep, payload)
    assert rv.status_code == 422
    assert rv.content_type == "application/problem+json"
    assert rv.json["errors"][0]["path"] == "json.lines.2.product_id"
    assert unpriced.sku in rv.json["errors"][0]["message"]
    assert count(session, ReorderRequest) == 0


def test_a_retry_with_the_same_id_is_the_same_request(client, auth, shop, session):
    payload = body(shop)
    first = post_request(client, auth, shop.rep, payload)
    again = post_request(client, auth, shop.rep, payload)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]
    assert count(session, ReorderRequest) == 1
    other = post_request(client, auth, shop.rep, {**payload, "note": "different"})
    assert other.status_code == 409


def test_idempotency_key_replays_the_first_answer(client, auth, shop, session):
    key = {"Idempotency-Key": "order-1"}
    payload = body(shop)
    first = post_request(client, auth, shop.rep, payload, **key)
    again = post_request(client, auth, shop.rep, payload, **key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    reused = post_request(client, auth, shop.rep, body(shop), **key)
    assert reused.status_code == 422
    assert reused.json["type"] == "/problems/idempotency-key-reused"
    assert count(session, ReorderRequest) == 1


def test_prompt_decisions_are_recorded(client, auth, make, shop, session):
    p0, p1 = shop.products
    extra, declined = make.product(case_pack=1), make.product()
    make.price(extra, "1.00")
    payload = body(shop, quantities=(12, 24))
    payload["lines"].append({"product_id": str(extra.id), "quantity": 1})
    payload["prompts"] = [
        {"product_id": str(p0.id), "suggested_quantity": 12, "explanation": {"daily_rate": 1}},
        {"product_id": str(p1.id), "suggested_quantity": 36},
        {"product_id": str(declined.id), "suggested_quantity": 6, "decline_reason": "full"},
    ]
    rv = post_request(client, auth, shop.rep, payload)
    assert rv.status_code == 201, rv.json
    decisions = {
        d.ordered_quantity: d
        for d in session.scalars(
            select(PromptDecision).where(PromptDecision.request_id == uuid.UUID(rv.json["id"]))
        )
    }
    assert decisions[12].outcome is PromptOutcome.ACCEPTED
    assert decisions[12].explanation == {"daily_rate": 1}
    assert decisions[24].outcome is PromptOutcome.CHANGED
    assert decisions[24].suggested_quantity == 36
    assert decisions[1].outcome is PromptOutcome.UNPROMPTED
    assert decisions[0].outcome is PromptOutcome.DECLINED
    assert decisions[0].decline_reason == "full"


def test_without_prompts_the_servers_prompts_are_recorded(client, auth, make, shop, session):
    history(make, shop)
    make.stock_count(shop.visit, shop.products[0], shelf_qty=3, backroom_qty=0)
    rv = post_request(client, auth, shop.rep, body(shop, quantities=(6,)))
    decision = session.scalar(
        select(PromptDecision).where(PromptDecision.request_id == uuid.UUID(rv.json["id"]))
    )
    assert decision.suggested_quantity > 0
    assert decision.explanation["rate_source"] == "history"


def test_orders_only_at_your_own_visit(client, auth, make, shop):
    other = make.rep(make.team())
    assert post_request(client, auth, other, body(shop)).status_code == 404
    assert post_request(client, auth, shop.dealer_user, body(shop)).status_code == 403


# --- credit gate ---------------------------------------------------------------------------


def test_over_the_credit_limit_is_held_with_the_reason(client, auth, make, session):
    shop = open_shop(make, credit_limit=Decimal("100.00"), balance_owed=Decimal("50.00"))
    make_webhook(make, shop.dealer, "http://127.0.0.1:9/hook")
    rv = post_request(client, auth, shop.rep, body(shop))  # 270.00
    assert rv.status_code == 201
    assert rv.json["status"] == "held" and rv.json["held_reason"] == "over_credit_limit"
    assert "100.00" in rv.json["held_detail"]
    assert rv.json["submitted_at"] is None
    assert count(session, WebhookDelivery) == 0  # the dealer is told nothing
    hidden = client.get(
        f"/api/v1/reorder-requests/{rv.json['id']}", headers=auth.headers(shop.dealer_user)
    )
    assert hidden.status_code == 404


def test_prepaid_store_with_no_payment_is_held_and_nothing_else_changes(
    client, auth, make, session
):
    shop = open_shop(make, payment_terms=PaymentTerms.PREPAID, credit_limit=Decimal("0"))
    rv = post_request(client, auth, shop.rep, body(shop))
    assert rv.status_code == 201
    assert rv.json["status"] == "held" and rv.json["held_reason"] == "prepayment_missing"
    assert "270.00" in rv.json["held_detail"]
    session.expire_all()
    assert session.get(Store, shop.store.id).balance_owed == Decimal("0.00")
    assert count(session, WebhookDelivery) == 0


def test_prepaid_store_that_paid_ahead_goes_to_the_dealer(client, auth, make, session):
    shop = open_shop(make, payment_terms=PaymentTerms.PREPAID, credit_limit=Decimal("0"))
    make.payment(shop.visit, "300.00")
    shop.store.balance_owed = Decimal("-300.00")
    make._add(shop.store)
    rv = post_request(client, auth, shop.rep, body(shop))
    assert rv.json["status"] == "submitted"


def test_a_held_request_is_released_once_paid(client, auth, make, session):
    shop = open_shop(make, payment_terms=PaymentTerms.PREPAID, credit_limit=Decimal("0"))
    make_webhook(make, shop.dealer, "http://127.0.0.1:9/hook")
    held = post_request(client, auth, shop.rep, body(shop)).json
    still = step(client, auth, shop.rep, held["id"], "release")
    assert still.status_code == 409 and still.json["held_reason"] == "prepayment_missing"
    pay = client.post(
        f"/api/v1/visits/{shop.visit.id}/payments",
        json={"id": str(uuid.uuid4()), "amount": "270.00", "method": "cash"},
        headers=auth.headers(shop.rep),
    )
    assert pay.status_code == 201, pay.json
    rv = step(client, auth, shop.rep, held["id"], "release")
    assert rv.status_code == 200, rv.json
    assert rv.json["status"] == "submitted" and rv.json["held_reason"] is None
    # The dealer first hears of it now, as a new request.
    assert [d.event for d in session.scalars(select(WebhookDelivery))] == [
        "reorder_request.created"
    ]


# --- workflow ------------------------------------------------------------------------------


def test_the_dealer_takes_a_request_to_delivered(client, auth, make, shop, session):
    req = make_request(make, shop, quantities=(12, 24))
    dealer = shop.dealer_user
    assert step(client, auth, dealer, req.id, "acknowledge").json["status"] == "acknowledged"
    promised = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    rv = step(client, auth, dealer, req.id, "confirm", {"promised_delivery_on": promised})
    assert rv.json["status"] == "confirmed" and rv.json["promised_delivery_on"] == promised
    p0, p1 = shop.products
    rv = step(
        client,
        auth,
        dealer,
        req.id,
        "deliver",
        {
            "lines": [
                {"product_id": str(p0.id), "quantity": 12},
                {"product_id": str(p1.id), "quantity": 10},
            ]
        },
    )
    assert rv.json["status"] == "partially_delivered"
    rv = step(
        client,
        auth,
        dealer,
        req.id,
        "deliver",
        {"lines": [{"product_id": str(p1.id), "quantity": 14}]},
    )
    assert rv.status_code == 200, rv.json
    assert rv.json["status"] == "delivered" and rv.json["delivered_at"] is not None
    assert [line["delivered_quantity"] for line in rv.json["lines"]] == [12, 24]
    detail = client.get(f"/api/v1/reorder-requests/{req.id}", headers=auth.headers(shop.rep))
    events = detail.json["events"]
    assert [e["to_status"] for e in events] == [
        "submitted",
        "acknowledged",
        "confirmed",
        "partially_delivered",
        "delivered",
    ]
    assert events[1]["actor_id"] == str(dealer.id) and events[1]["actor_role"] == "dealer"
    assert count(session, ReorderDelivery, request_id=req.id) == 3
    session.expire_all()
    assert session.get(Store, shop.store.id).balance_owed == Decimal("270.00")


def test_deliveries_feed_the_sell_rate(client, auth, make, shop):
    now = datetime.now(UTC)
    p0 = shop.products[0]
    for d, q in ((28, 30), (21, 23), (14, 16)):
        make.stock_count(
            make.visit(shop.rep, shop.store, at=now - timedelta(days=d)),
            p0,
            shelf_qty=q,
            backroom_qty=0,
        )
    req = make_request(
        make, shop, quantities=(30,), status=RequestStatus.CONFIRMED, at=now - timedelta(days=13)
    )
    rv = step(
        client,
        auth,
        shop.dealer_user,
        req.id,
        "deliver",
        {
            "lines": [{"product_id": str(p0.id), "quantity": 30}],
            "delivered_at": (now - timedelta(days=10)).isoformat(),
        },
    )
    assert rv.status_code == 200, rv.json
    # 16 + 30 delivered − 39 counted = 7 sold in the last week: still one a day.
    make.stock_count(
        make.visit(shop.rep, shop.store, at=now - timedelta(days=7)),
        p0,
        shelf_qty=39,
        backroom_qty=0,
    )
    prompts = client.get(
        f"/api/v1/stores/{shop.store.id}/reorder-prompts", headers=auth.headers(shop.rep)
    ).json["prompts"]
    e = next(p for p in prompts if p["product_id"] == str(p0.id))["explanation"]
    assert 0.7 < e["daily_rate"] < 1.3
    assert e["discarded_counts"] == []


@pytest.mark.parametrize(
    "status, user, action, payload",
    [
        (RequestStatus.DELIVERED, "dealer", "acknowledge", None),
        (RequestStatus.ACKNOWLEDGED, "rep", "cancel", None),
        (RequestStatus.REJECTED, "dealer", "confirm", {"promised_delivery_on": "2099-01-01"}),
        (RequestStatus.CONFIRMED, "dealer", "reject", {"reason": "too late"}),
        (RequestStatus.CANCELLED, "dealer", "deliver", "all"),
    ],
)
def test_illegal_transitions_are_409_and_change_nothing(
    client, auth, make, shop, session, status, user, action, payload
):
    req = make_request(make, shop, status=status)
    caller = shop.rep if user == "rep" else shop.dealer_user
    if payload == "all":
        payload = {"lines": [{"product_id": str(shop.products[0].id), "quantity": 1}]}
    rv = step(client, auth, caller, req.id, action, payload)
    assert rv.status_code == 409, rv.json
    assert rv.json["type"] == "/problems/illegal-transition"
    session.expire_all()
    assert session.get(ReorderRequest, req.id).status is status
    assert count(session, ReorderRequestEvent, request_id=req.id) == 1


def test_a_dealer_acting_on_another_dealers_request_gets_404(client, auth, make, shop, session):
    req = make_request(make, shop)
    stranger = make.dealer_user(make.dealer())
    assert step(client, auth, stranger, req.id, "acknowledge").status_code == 404
    assert (
        client.get(f"/api/v1/reorder-requests/{req.id}", headers=auth.headers(stranger)).status_code
        == 404
    )
    session.expire_all()
    assert session.get(ReorderRequest, req.id).status is RequestStatus.SUBMITTED


def test_a_rep_cannot_do_the_dealers_steps(client, auth, make, shop):
    req = make_request(make, shop)
    assert step(client, auth, shop.rep, req.id, "acknowledge").status_code == 403


def test_a_stale_if_match_is_412(client, auth, make, shop, session):
    req = make_request(make, shop)
    ok = step(client, auth, shop.dealer_user, req.id, "acknowledge", **{"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    stale = step(
        client, auth, shop.dealer_user, req.id, "reject", {"reason": "x"}, **{"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    session.expire_all()
    assert session.get(ReorderRequest, req.id).status is RequestStatus.ACKNOWLEDGED


def test_over_delivery_is_refused(client, auth, make, shop, session):
    req = make_request(make, shop, status=RequestStatus.CONFIRMED)
    rv = step(
        client,
        auth,
        shop.dealer_user,
        req.id,
        "deliver",
        {"lines": [{"product_id": str(shop.products[0].id), "quantity": 13}]},
    )
    assert rv.status_code == 422
    assert rv.json["errors"] == [
        {"path": "json.lines.0.quantity", "message": "More than the 12 outstanding."}
    ]
    assert count(session, ReorderDelivery) == 0


def test_cannot_fill_then_confirm_with_the_new_date(client, auth, make, shop):
    req = make_request(make, shop)
    new = (datetime.now(UTC) + timedelta(days=9)).date().isoformat()
    rv = step(
        client,
        auth,
        shop.dealer_user,
        req.id,
        "cannot-fill",
        {"reason": "out of stock at the warehouse", "new_delivery_on": new},
    )
    assert rv.json["status"] == "cannot_fill" and rv.json["new_delivery_on"] == new
    rv = step(client, auth, shop.dealer_user, req.id, "confirm", {"promised_delivery_on": new})
    assert rv.json["status"] == "confirmed"


def test_the_rep_cancels_before_acknowledgement(client, auth, make, shop):
    req = make_request(make, shop)
    rv = step(client, auth, shop.rep, req.id, "cancel", {"reason": "owner changed mind"})
    assert rv.json["status"] == "cancelled" and rv.json["cancel_reason"] == "owner changed mind"


def test_a_reject_needs_a_reason(client, auth, make, shop):
    req = make_request(make, shop)
    assert step(client, auth, shop.dealer_user, req.id, "reject", {}).status_code == 422


# --- listing -------------------------------------------------------------------------------


def test_listing_is_scoped_and_filtered(client, auth, make, shop):
    mine = make_request(make, shop)
    make_request(make, shop, status=RequestStatus.HELD)
    other_shop = open_shop(make)
    make_request(make, other_shop)

    def ids(user, **query):
        rv = client.get("/api/v1/reorder-requests", query_string=query, headers=auth.headers(user))
        assert rv.status_code == 200
        return {r["id"] for r in rv.json}

    assert ids(shop.dealer_user) == {str(mine.id)}  # not the held one, not other dealers'
    assert len(ids(shop.rep)) == 2
    assert ids(shop.rep, status="submitted") == {str(mine.id)}
    assert ids(make.user(Role.ADMIN), dealer_id=str(shop.dealer.id), status="submitted") == {
        str(mine.id)
    }
    today = datetime.now(UTC).date()
    assert ids(shop.rep, from_date=(today + timedelta(days=1)).isoformat()) == set()
    rv = client.get(
        "/api/v1/reorder-requests", query_string={"page_size": 1}, headers=auth.headers(shop.rep)
    )
    assert len(rv.json) == 1 and '"total": 2' in rv.headers["X-Pagination"]


def test_briefing_carries_prompts_and_pending_requests(client, auth, make, shop):
    history(make, shop)
    req = make_request(make, shop)
    rv = client.get(f"/api/v1/stores/{shop.store.id}/briefing", headers=auth.headers(shop.rep))
    assert rv.status_code == 200
    assert [r["id"] for r in rv.json["pending_reorders"]] == [str(req.id)]
    assert rv.json["reorder_prompts"]["prompts"][0]["sku"] == shop.products[0].sku


# --- offline -------------------------------------------------------------------------------


def test_a_reorder_taken_offline_syncs_after_its_visit_and_payment(client, auth, make, session):
    """A prepaid store: the batch carries the check-in, the payment and the order, order
    first; the order waits for the payment (phase order) and passes the gate."""
    shop = open_shop(make, payment_terms=PaymentTerms.PREPAID, credit_limit=Decimal("0"))
    store, p0 = shop.store, shop.products[0]
    rep = make.rep(make.team())
    store.rep_id = rep.id
    make._add(store)
    at = datetime.now(UTC) - timedelta(hours=2)
    visit_id, order_id = str(uuid.uuid4()), str(uuid.uuid4())
    position = {"lat": store.lat, "lon": store.lon, "accuracy_m": 8.0}
    items = [
        {
            "op": "reorder.request",
            "id": order_id,
            "payload": {
                "visit_id": visit_id,
                "lines": [{"product_id": str(p0.id), "quantity": 12}],
                "recorded_at": (at + timedelta(minutes=10)).isoformat(),
            },
        },
        {
            "op": "visit.payment",
            "id": str(uuid.uuid4()),
            "payload": {
                "visit_id": visit_id,
                "amount": "30.00",
                "method": "cash",
                "recorded_at": (at + timedelta(minutes=12)).isoformat(),
            },
        },
        {
            "op": "visit.check_in",
            "id": visit_id,
            "payload": {
                "store_id": str(store.id),
                "checked_in_at": at.isoformat(),
                "position": position,
            },
        },
    ]
    body = {"sent_at": datetime.now(UTC).isoformat(), "items": items}
    rv = client.post("/api/v1/sync", json=body, headers=auth.headers(rep))
    assert rv.status_code == 200, rv.json
    assert [i["status"] for i in rv.json["items"]] == ["applied"] * 3
    request = session.get(ReorderRequest, uuid.UUID(order_id))
    assert request.status is RequestStatus.SUBMITTED and request.total == Decimal("30.00")
    again = client.post("/api/v1/sync", json=body, headers=auth.headers(rep))
    assert [i["status"] for i in again.json["items"]] == ["duplicate"] * 3


def test_briefing_statements_do_not_grow_with_reorder_history(client, auth, make, engine):
    from tests.api.test_briefing import MAX_STATEMENTS, statements

    small, big = open_shop(make), open_shop(make)
    make_request(make, small)
    history(make, big)
    for _ in range(6):
        make_request(make, big, visit=make.visit(big.rep, big.store))
    sizes = []
    for shop in (small, big):
        url = f"/api/v1/stores/{shop.store.id}/briefing"
        client.get(url, headers=auth.headers(shop.rep))
        with statements(engine) as seen:
            assert client.get(url, headers=auth.headers(shop.rep)).status_code == 200
        sizes.append(len(seen))
    assert sizes[0] == sizes[1] <= MAX_STATEMENTS


def test_a_store_without_a_dealer_cannot_order(client, auth, make, session):
    shop = open_shop(make)
    shop.store.dealer_id = None
    make._add(shop.store)
    rv = post_request(client, auth, shop.rep, body(shop))
    assert rv.status_code == 422 and "no dealer" in rv.json["detail"]
    assert count(session, ReorderRequest) == 0
    prompts = client.get(
        f"/api/v1/stores/{shop.store.id}/reorder-prompts", headers=auth.headers(shop.rep)
    )
    assert prompts.status_code == 200 and prompts.json["prompts"] == []


def test_another_rep_cannot_cancel_your_request(client, auth, make, shop, session):
    req = make_request(make, shop)
    stranger = make.rep(make.team())
    assert step(client, auth, stranger, req.id, "cancel").status_code == 404
    session.expire_all()
    assert session.get(ReorderRequest, req.id).status is RequestStatus.SUBMITTED


def test_declines_at_a_visit_with_no_order_are_recorded_once(client, auth, shop, session):
    p0, p1 = shop.products
    payload = {
        "visit_id": str(shop.visit.id),
        "prompts": [
            {"product_id": str(p0.id), "suggested_quantity": 12, "decline_reason": "cash flow"},
            {"product_id": str(p1.id), "suggested_quantity": 24},
        ],
    }
    headers = auth.headers(shop.rep)
    rv = client.post("/api/v1/prompt-declines", json=payload, headers=headers)
    assert rv.status_code == 201, rv.json
    assert {(d["product_id"], d["outcome"]) for d in rv.json} == {
        (str(p0.id), "declined"),
        (str(p1.id), "declined"),
    }
    again = client.post("/api/v1/prompt-declines", json=payload, headers=headers)
    assert len(again.json) == 2
    assert count(session, PromptDecision) == 2
    stranger = client.post(
        "/api/v1/prompt-declines", json=payload, headers=auth.headers(shop.dealer_user)
    )
    assert stranger.status_code == 403
