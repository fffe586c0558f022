"""Reorder requests and their dealer workflow, the rep's prompt decisions, what was delivered,
and the dealer webhooks (with their outbox).

The request keeps one timestamp per workflow step (acknowledged_at, confirmed_at, ...) beside
the full event history: dealer scorecards read lead times, response times and on-time rates
as plain column arithmetic, and the history is there for the audit."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldsales.db import Base
from fieldsales.db.models.accounts import User, str_enum
from fieldsales.db.models.master import Dealer, Product, Store
from fieldsales.db.models.mixins import IdMixin, TimestampMixin, VersionMixin, utcnow
from fieldsales.db.models.visits import ClientRecordMixin, Visit
from fieldsales.db.types import JsonDoc, Money, UTCDateTime
from fieldsales.domain.reorder.workflow import HoldReason, PromptOutcome, RequestStatus
from fieldsales.domain.types import Role


class ReorderRequest(IdMixin, ClientRecordMixin, TimestampMixin, VersionMixin, Base):
    """An order the rep took at the store for its dealer. The id is the phone's (idempotent
    create); `recorded_at` is when the rep took it, `submitted_at` when it went to the dealer
    (later than that for a request held by the credit gate)."""

    __tablename__ = "reorder_requests"
    __table_args__ = (
        Index("ix_reorder_requests_dealer_id_status", "dealer_id", "status"),
        Index("ix_reorder_requests_store_id_recorded_at", "store_id", "recorded_at"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stores.id"))
    # The store's dealer when the order was taken (a store may change dealer later).
    dealer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("dealers.id"))
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    visit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("visits.id"), index=True)
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus), index=True)
    note: Mapped[str | None] = mapped_column(Text)

    held_reason: Mapped[HoldReason | None] = mapped_column(str_enum(HoldReason))
    held_detail: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promised_delivery_on: Mapped[date | None] = mapped_column(Date)
    # First and last delivery; delivered_at is set when the last line is complete.
    first_delivery_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cannot_fill_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cannot_fill_reason: Mapped[str | None] = mapped_column(Text)
    new_delivery_on: Mapped[date | None] = mapped_column(Date)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    # Priced by the server from the price list in force; the phone's total is kept for audit.
    total: Mapped[Decimal] = mapped_column(Money)
    client_total: Mapped[Decimal | None] = mapped_column(Money)
    total_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)

    store: Mapped[Store] = relationship()
    dealer: Mapped[Dealer] = relationship()
    rep: Mapped[User] = relationship()
    visit: Mapped[Visit] = relationship()
    lines: Mapped[list[ReorderRequestLine]] = relationship(
        back_populates="request",
        cascade="all, delete-orphan",
        order_by="ReorderRequestLine.position",
    )
    events: Mapped[list[ReorderRequestEvent]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="ReorderRequestEvent.at"
    )


class ReorderRequestLine(IdMixin, Base):
    __tablename__ = "reorder_request_lines"
    __table_args__ = (UniqueConstraint("request_id", "product_id"),)

    request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("reorder_requests.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)  # units
    cases: Mapped[int] = mapped_column(Integer)  # quantity / case pack, rounded up
    case_pack: Mapped[int] = mapped_column(Integer)  # the pack size when ordered
    unit_price: Mapped[Decimal] = mapped_column(Money)
    # The price list row used (valid_from), so a later price change does not rewrite history.
    price_valid_from: Mapped[date] = mapped_column(Date)
    line_total: Mapped[Decimal] = mapped_column(Money)
    delivered_quantity: Mapped[int] = mapped_column(Integer, default=0)

    request: Mapped[ReorderRequest] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    @property
    def outstanding(self) -> int:
        return self.quantity - self.delivered_quantity


class ReorderDelivery(IdMixin, Base):
    """Units of one line that arrived at the store, when. Store and product are copied here
    so the sell-rate arithmetic reads deliveries with one indexed query."""

    __tablename__ = "reorder_deliveries"
    __table_args__ = (
        Index(
            "ix_reorder_deliveries_store_id_product_id", "store_id", "product_id", "delivered_at"
        ),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("reorder_requests.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("reorder_request_lines.id", ondelete="CASCADE"), index=True
    )
    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stores.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("products.id"))
    dealer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("dealers.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class ReorderRequestEvent(IdMixin, Base):
    """One step of a request's history: who, when, from which status to which, and the
    details of the step (promised date, reason, delivered quantities ...)."""

    __tablename__ = "reorder_request_events"

    request_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("reorder_requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    actor_role: Mapped[Role | None] = mapped_column(str_enum(Role))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[RequestStatus | None] = mapped_column(str_enum(RequestStatus))
    to_status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus))
    details: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)

    request: Mapped[ReorderRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class PromptDecision(IdMixin, Base):
    """What the rep did with one product at one visit: the prompt as shown (suggested
    quantity and its explanation) and what was ordered. Declining every prompt creates no
    request, so `request_id` may be empty."""

    __tablename__ = "prompt_decisions"
    __table_args__ = (Index("ix_prompt_decisions_store_id_product_id", "store_id", "product_id"),)

    visit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("visits.id"), index=True)
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("reorder_requests.id", ondelete="SET NULL"), index=True
    )
    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stores.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("products.id"))
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    outcome: Mapped[PromptOutcome] = mapped_column(str_enum(PromptOutcome))
    suggested_quantity: Mapped[int] = mapped_column(Integer, default=0)
    ordered_quantity: Mapped[int] = mapped_column(Integer, default=0)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DealerWebhook(IdMixin, TimestampMixin, Base):
    """A URL of the dealer's that receives every new request and every change, signed with
    HMAC-SHA256 over `secret`."""

    __tablename__ = "dealer_webhooks"

    dealer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("dealers.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))

    dealer: Mapped[Dealer] = relationship()


class WebhookDelivery(IdMixin, Base):
    """Outbox row: written in the same transaction as the change it reports, sent by a job,
    retried with back-off until the receiver says 2xx. `id` doubles as the event id the
    receiver can de-duplicate on."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The drain query: undelivered rows that are due.
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("delivered_at IS NULL"),
            sqlite_where=text("delivered_at IS NULL"),
        ),
    )

    webhook_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("dealer_webhooks.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("reorder_requests.id", ondelete="SET NULL"), index=True
    )
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)

    webhook: Mapped[DealerWebhook] = relationship()


__all__ = [
    "DealerWebhook",
    "PromptDecision",
    "ReorderDelivery",
    "ReorderRequest",
    "ReorderRequestEvent",
    "ReorderRequestLine",
    "WebhookDelivery",
]
