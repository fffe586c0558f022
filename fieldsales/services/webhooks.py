"""Dealer webhooks with a transactional outbox.

Every new request and every change writes one `WebhookDelivery` row per active webhook of
the dealer, in the same transaction as the change: a change is never reported without
having happened, nor lost because the receiver (or the queue) was down. A job POSTs due
rows, signed, and on failure schedules the next attempt with exponential back-off (capped,
never giving up: the row stays until the receiver takes it). `drain_due` (the
`flask webhooks deliver` command, or a worker loop) sends whatever is due.

Signature: header `X-Fieldsales-Signature: t=<unix seconds>,v1=<hex>` where
hex = HMAC-SHA256(secret, "<t>." + body). The receiver recomputes it and refuses old `t`
(replays). `X-Fieldsales-Event-Id` (the delivery id) lets it drop duplicates: delivery is
at-least-once.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from fieldsales.db.models import Dealer, DealerWebhook, ReorderRequest, WebhookDelivery
from fieldsales.db.models.mixins import utcnow
from fieldsales.domain.errors import InvalidInput, NotFound, PermissionDenied
from fieldsales.domain.types import Actor, Role
from fieldsales.services import scope

SIGNATURE_HEADER = "X-Fieldsales-Signature"
EVENT_ID_HEADER = "X-Fieldsales-Event-Id"
EVENT_HEADER = "X-Fieldsales-Event"
MAX_ERROR_CHARS = 500
QUEUED_KEY = "fieldsales.webhook_deliveries"


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    timeout_s: float = 5.0
    backoff_base_s: float = 10.0  # first retry after this, doubling each time
    backoff_max_s: float = 3600.0  # … up to this
    batch: int = 100  # rows per drain pass
    # Off in production: a dealer's URL must not reach our own network (SSRF).
    allow_private_hosts: bool = False


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does (also used by our tests)."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        expected = sign(secret, int(parts["t"]), body)
    except (KeyError, ValueError):
        return False
    return hmac.compare_digest(expected, header)


def backoff_s(attempts: int, settings: DeliverySettings) -> float:
    """Delay before attempt `attempts + 1`: base·2^(attempts−1), capped."""
    return float(min(settings.backoff_max_s, settings.backoff_base_s * 2 ** max(0, attempts - 1)))


# --- destinations ---------------------------------------------------------------------------


def private_addresses(url: str) -> list[str]:
    """The addresses of the URL's host that are not public internet addresses (loopback,
    private, link-local such as cloud metadata, reserved). A host that does not resolve has
    none: it is checked again at every delivery."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return []
    found = {str(info[4][0]) for info in infos}
    return sorted(a for a in found if not ipaddress.ip_address(a.split("%")[0]).is_global)


def check_destination(url: str, settings: DeliverySettings) -> None:
    if settings.allow_private_hosts:
        return
    private = private_addresses(url)
    if private:
        raise InvalidInput(
            "The webhook URL points at a private or local address.",
            errors=[{"path": "json.url", "message": f"Not a public address: {', '.join(private)}"}],
        )


# --- registration --------------------------------------------------------------------------


def check_access(session: Session, actor: Actor, dealer_id: uuid.UUID) -> None:
    """A dealer outside the caller's scope: 404; visible, but the caller is neither one of
    the dealer's users nor an admin: 403."""
    scope.get_visible(session, Dealer, dealer_id, actor)
    if actor.role not in (Role.DEALER, Role.ADMIN):
        raise PermissionDenied("Only the dealer's own users or an admin manage its webhooks.")


def webhooks_stmt(dealer_id: uuid.UUID) -> Select[Any]:
    return (
        select(DealerWebhook)
        .where(DealerWebhook.dealer_id == dealer_id)
        .order_by(DealerWebhook.created_at, DealerWebhook.id)
    )


def register(
    session: Session,
    actor: Actor,
    dealer_id: uuid.UUID,
    data: dict[str, Any],
    settings: DeliverySettings,
) -> DealerWebhook:
    check_destination(data["url"], settings)
    hook = DealerWebhook(
        dealer_id=dealer_id,
        url=data["url"],
        secret=data.get("secret") or secrets.token_urlsafe(32),
        description=data.get("description"),
        active=data.get("active", True),
        created_by_id=actor.user_id,
    )
    session.add(hook)
    session.flush()
    return hook


def get_webhook(session: Session, dealer_id: uuid.UUID, webhook_id: uuid.UUID) -> DealerWebhook:
    hook = session.scalar(
        select(DealerWebhook).where(
            DealerWebhook.id == webhook_id, DealerWebhook.dealer_id == dealer_id
        )
    )
    if hook is None:
        raise NotFound(f"No webhook with id {webhook_id}.")
    return hook


def remove(session: Session, dealer_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
    session.delete(get_webhook(session, dealer_id, webhook_id))
    session.flush()


# --- the outbox ----------------------------------------------------------------------------


def enqueue_event(
    session: Session, request: ReorderRequest, event: str, document: dict[str, Any], at: datetime
) -> list[WebhookDelivery]:
    """One outbox row per active webhook of the request's dealer (same transaction)."""
    hooks = session.scalars(
        select(DealerWebhook).where(
            DealerWebhook.dealer_id == request.dealer_id, DealerWebhook.active
        )
    ).all()
    rows = []
    for hook in hooks:
        delivery_id = uuid.uuid4()
        payload = {
            "id": str(delivery_id),
            "event": event,
            "occurred_at": at.isoformat(),
            "dealer_id": str(request.dealer_id),
            "data": document,
        }
        row = WebhookDelivery(
            id=delivery_id,
            webhook_id=hook.id,
            request_id=request.id,
            event=event,
            payload=payload,
            created_at=at,
            next_attempt_at=at,
            attempts=0,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    session.info.setdefault(QUEUED_KEY, []).extend(str(r.id) for r in rows)
    return rows


def take_queued(session: Session) -> list[str]:
    """Ids of the outbox rows this session wrote, to hand to `deliver_job` once committed."""
    return list(session.info.pop(QUEUED_KEY, []))


Post = Callable[..., Any]


def attempt(
    session: Session,
    delivery: WebhookDelivery,
    *,
    now: datetime,
    settings: DeliverySettings,
    post: Post = requests.post,
) -> bool:
    """POST one delivery; record the outcome and, on failure, when to try again."""
    hook = delivery.webhook
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(hook.secret, timestamp, body),
        EVENT_ID_HEADER: str(delivery.id),
        EVENT_HEADER: delivery.event,
        "User-Agent": "fieldsales-webhooks/1",
    }
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = None
    # Checked at each attempt too: DNS may have changed since registration.
    private = [] if settings.allow_private_hosts else private_addresses(hook.url)
    if private:
        ok, error = False, f"refused: {', '.join(private)} is not a public address"
    else:
        try:
            response = post(hook.url, data=body, headers=headers, timeout=settings.timeout_s)
            delivery.last_status_code = response.status_code
            ok = 200 <= response.status_code < 300
            error = None if ok else f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            ok, error = False, f"{type(exc).__name__}: {exc}"
    if ok:
        delivery.delivered_at = now
        delivery.last_error = None
    else:
        delivery.last_error = (error or "")[:MAX_ERROR_CHARS]
        delivery.next_attempt_at = now + timedelta(seconds=backoff_s(delivery.attempts, settings))
    session.flush()
    return ok


def due_stmt(now: datetime, limit: int) -> Select[tuple[WebhookDelivery]]:
    return (
        select(WebhookDelivery)
        .where(WebhookDelivery.delivered_at.is_(None), WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
        .limit(limit)
        # Two drainers at once each take other rows instead of posting the same one twice.
        .with_for_update(skip_locked=True)
    )


def drain_due(
    session: Session,
    *,
    now: datetime | None = None,
    settings: DeliverySettings = DeliverySettings(),
    post: Post = requests.post,
) -> tuple[int, int]:
    """Attempt every due delivery once; (delivered, failed)."""
    at = now or utcnow()
    rows = session.scalars(due_stmt(at, settings.batch)).all()
    delivered = sum(attempt(session, row, now=at, settings=settings, post=post) for row in rows)
    return delivered, len(rows) - delivered


def deliver_job(session: Session, delivery_ids: list[str]) -> None:
    """Job: try the given deliveries now (right after the change committed). What fails
    stays in the outbox for `drain_due`."""
    from flask import current_app

    settings = delivery_settings(current_app.config)
    now = utcnow()
    ids = [uuid.UUID(i) for i in delivery_ids]
    rows = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids), WebhookDelivery.delivered_at.is_(None))
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        attempt(session, row, now=now, settings=settings)


def delivery_settings(config: Any) -> DeliverySettings:
    return DeliverySettings(
        timeout_s=float(config["WEBHOOK_TIMEOUT_S"]),
        backoff_base_s=float(config["WEBHOOK_BACKOFF_BASE_S"]),
        backoff_max_s=float(config["WEBHOOK_BACKOFF_MAX_S"]),
        allow_private_hosts=bool(config["WEBHOOK_ALLOW_PRIVATE_HOSTS"]),
    )
