"""Dealer webhooks: registration and who may do it, and delivery to a REAL local HTTP
receiver that is down for a while and then recovers: nothing is lost, retries back off, and
the signature verifies."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from fieldsales.db.models import DealerWebhook, WebhookDelivery
from fieldsales.domain.types import Role
from fieldsales.services import webhooks
from tests.reorder_factories import make_request, make_webhook, open_shop

# The tests' receiver listens on loopback, which production settings refuse.
LOCAL = webhooks.DeliverySettings(allow_private_hosts=True)

SECRET = "a-long-enough-shared-secret"


class Receiver:
    """A dealer's server on loopback: answers 503 while `down`, else 200, keeping what came."""

    def __init__(self) -> None:
        self.down = True
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.attempts += 1
                if receiver.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/fieldsales"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def shop(make):
    return open_shop(make)


def outbox(session):
    session.expire_all()
    return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))


def test_delivery_survives_the_receiver_being_down(client, auth, make, session, shop, receiver):
    rv = client.post(
        f"/api/v1/dealers/{shop.dealer.id}/webhooks",
        json={"url": receiver.url, "secret": SECRET},
        headers=auth.headers(shop.dealer_user),
    )
    assert rv.status_code == 201, rv.json
    created = client.post(
        "/api/v1/reorder-requests",
        json={
            "id": str(uuid.uuid4()),
            "visit_id": str(shop.visit.id),
            "lines": [{"product_id": str(shop.products[0].id), "quantity": 6}],
        },
        headers=auth.headers(shop.rep),
    )
    assert created.status_code == 201, created.json

    # The job tried at once and failed: the row is kept with its next attempt backed off.
    [row] = outbox(session)
    assert row.delivered_at is None and row.attempts == 1 and row.last_status_code == 503
    first_retry = row.next_attempt_at - row.last_attempt_at
    assert first_retry == timedelta(seconds=10)

    later = row.next_attempt_at + timedelta(seconds=1)
    assert webhooks.drain_due(session, now=later, settings=LOCAL) == (0, 1)  # still down
    session.commit()
    [row] = outbox(session)
    assert row.attempts == 2 and row.next_attempt_at - later == 2 * first_retry

    receiver.down = False
    assert webhooks.drain_due(session, now=row.next_attempt_at, settings=LOCAL) == (1, 0)
    session.commit()
    [row] = outbox(session)
    assert row.delivered_at is not None and row.attempts == 3
    assert receiver.attempts == 3

    [(headers, body)] = receiver.received
    assert webhooks.verify(SECRET, headers["X-Fieldsales-Signature"], body)
    assert not webhooks.verify("another-secret-entirely", headers["X-Fieldsales-Signature"], body)
    assert headers["X-Fieldsales-Event-Id"] == str(row.id)
    event = json.loads(body)
    assert event["event"] == "reorder_request.created"
    assert event["data"]["id"] == created.json["id"]
    assert event["data"]["lines"][0]["quantity"] == 6
    # Delivered rows are not sent again.
    assert webhooks.drain_due(
        session, now=row.next_attempt_at + timedelta(days=1), settings=LOCAL
    ) == (0, 0)


def test_every_state_change_is_enqueued_with_the_change(client, auth, make, session, shop):
    make_webhook(make, shop.dealer, "http://127.0.0.1:9/unreachable")
    req = make_request(make, shop)
    client.post(
        f"/api/v1/reorder-requests/{req.id}/acknowledge",
        json={},
        headers=auth.headers(shop.dealer_user),
    )
    client.post(
        f"/api/v1/reorder-requests/{req.id}/reject",
        json={"reason": "no stock"},
        headers=auth.headers(shop.dealer_user),
    )
    rows = outbox(session)
    assert [r.event for r in rows] == ["reorder_request.acknowledged", "reorder_request.rejected"]
    assert rows[1].payload["data"]["rejection_reason"] == "no stock"
    assert all(r.delivered_at is None and r.last_error for r in rows)


def test_the_cli_drains_what_is_due(runner, make, session, shop, receiver):
    receiver.down = False
    hook = make_webhook(make, shop.dealer, receiver.url, SECRET)
    req = make_request(make, shop)
    past = datetime.now(UTC) - timedelta(minutes=1)
    make._add(
        WebhookDelivery(
            webhook_id=hook.id,
            request_id=req.id,
            event="reorder_request.x",
            payload={"id": "x"},
            created_at=past,
            next_attempt_at=past,
            attempts=0,
        )
    )
    result = runner.invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert "delivered 1" in result.output
    assert len(receiver.received) == 1


def test_backoff_doubles_up_to_the_cap():
    s = webhooks.DeliverySettings(backoff_base_s=10, backoff_max_s=100)
    assert [webhooks.backoff_s(n, s) for n in (1, 2, 3, 4, 5, 9)] == [10, 20, 40, 80, 100, 100]


@pytest.mark.parametrize(
    "who, status", [("dealer", 201), ("admin", 201), ("other_dealer", 404), ("supervisor", 403)]
)
def test_who_may_register(client, auth, make, shop, who, status):
    users = {
        "dealer": shop.dealer_user,
        "admin": make.user(Role.ADMIN),
        "other_dealer": make.dealer_user(make.dealer()),
        "supervisor": make.user(Role.SUPERVISOR),
    }
    rv = client.post(
        f"/api/v1/dealers/{shop.dealer.id}/webhooks",
        json={"url": "https://dealer.example/hook"},
        headers=auth.headers(users[who]),
    )
    assert rv.status_code == status
    if status == 201:
        assert len(rv.json["secret"]) >= 32


def test_list_and_delete(client, auth, make, session, shop):
    hook = make_webhook(make, shop.dealer, "https://dealer.example/hook")
    url = f"/api/v1/dealers/{shop.dealer.id}/webhooks"
    listed = client.get(url, headers=auth.headers(shop.dealer_user))
    assert [h["id"] for h in listed.json] == [str(hook.id)]
    assert "secret" not in listed.json[0]
    rv = client.delete(f"{url}/{hook.id}", headers=auth.headers(shop.dealer_user))
    assert rv.status_code == 204
    assert session.scalar(select(DealerWebhook).where(DealerWebhook.id == hook.id)) is None
    assert (
        client.delete(f"{url}/{hook.id}", headers=auth.headers(shop.dealer_user)).status_code == 404
    )


def test_a_bad_url_is_422(client, auth, shop):
    rv = client.post(
        f"/api/v1/dealers/{shop.dealer.id}/webhooks",
        json={"url": "ftp://dealer.example/hook"},
        headers=auth.headers(shop.dealer_user),
    )
    assert rv.status_code == 422


def test_a_webhook_to_a_private_address_is_refused_without_the_setting(client, auth, shop, app):
    app.config["WEBHOOK_ALLOW_PRIVATE_HOSTS"] = False
    for url in ("http://127.0.0.1:8080/hook", "http://169.254.169.254/latest", "http://10.0.0.5/x"):
        rv = client.post(
            f"/api/v1/dealers/{shop.dealer.id}/webhooks",
            json={"url": url},
            headers=auth.headers(shop.dealer_user),
        )
        assert rv.status_code == 422, (url, rv.json)
        assert rv.json["errors"][0]["path"] == "json.url"


def test_a_delivery_to_a_private_address_is_not_sent_and_is_retried(
    client, auth, make, session, shop, receiver
):
    """Checked again at each delivery (DNS can change after registration): not POSTed,
    kept with the reason, retried later."""
    make_webhook(make, shop.dealer, receiver.url)
    receiver.down = False
    req = make_request(make, shop)
    client.post(
        f"/api/v1/reorder-requests/{req.id}/acknowledge",
        json={},
        headers=auth.headers(shop.dealer_user),
    )
    [row] = outbox(session)
    posts_before = receiver.attempts
    later = datetime.now(UTC) + timedelta(days=1)
    assert webhooks.drain_due(session, now=later, settings=webhooks.DeliverySettings()) == (0, 1)
    session.commit()
    [row] = outbox(session)
    assert row.delivered_at is None and "not a public address" in row.last_error
    assert receiver.attempts == posts_before  # nothing was sent
