"""Store visits and what they record, plus the idempotency keys behind retried POSTs.

Every row a phone creates carries the phone's id for it (the primary key), the phone's time
for the event beside the server's receipt time, and a hash of the request that created it:
a retry with the same id and hash is the same record, a different hash is a reused id."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
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
from fieldsales.db.types import JsonDoc, Money, UTCDateTime
from fieldsales.domain.visits import (
    ObservationKind,
    PaymentMethod,
    ProblemCategory,
    ProblemStatus,
    Purpose,
    SkipReason,
)

HASH_LENGTH = 64  # sha256 hex


class ClientRecordMixin:
    """A record created on a phone: client time of the event, server receipt time, and
    the hash of the creating request (for telling a retry from a reused id)."""

    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))


class Visit(IdMixin, TimestampMixin, VersionMixin, Base):
    """One stay at one store, from check-in to check-out. The position columns keep what
    the phone reported; distance and flags are what the server made of it."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_rep_id_local_day", "rep_id", "local_day"),
        Index("ix_visits_store_id_checked_in_at", "store_id", "checked_in_at"),
        # One open visit per rep, held by the database too (two phones racing).
        Index(
            "uq_visits_open_rep_id",
            "rep_id",
            unique=True,
            postgresql_where=text("checked_out_at IS NULL"),
            sqlite_where=text("checked_out_at IS NULL"),
        ),
    )

    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stores.id"))
    planned: Mapped[bool] = mapped_column(Boolean, default=True)
    # The store-local calendar day of the check-in: what reports group by.
    local_day: Mapped[date] = mapped_column(Date)
    met_with: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    # Phone clock minus server clock when the check-in was sent (seconds).
    clock_offset_s: Mapped[float] = mapped_column(Float, default=0.0)
    payload_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))

    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checkin_received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checkin_lat: Mapped[float] = mapped_column(Float)
    checkin_lon: Mapped[float] = mapped_column(Float)
    checkin_accuracy_m: Mapped[float] = mapped_column(Float)
    checkin_fix_age_s: Mapped[float] = mapped_column(Float, default=0.0)
    checkin_mock: Mapped[bool] = mapped_column(Boolean, default=False)
    checkin_distance_m: Mapped[float] = mapped_column(Float)
    checkin_flags: Mapped[list[str]] = mapped_column(JsonDoc, default=list)

    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkout_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkout_lat: Mapped[float | None] = mapped_column(Float)
    checkout_lon: Mapped[float | None] = mapped_column(Float)
    checkout_accuracy_m: Mapped[float | None] = mapped_column(Float)
    checkout_fix_age_s: Mapped[float | None] = mapped_column(Float)
    checkout_mock: Mapped[bool | None] = mapped_column(Boolean)
    checkout_distance_m: Mapped[float | None] = mapped_column(Float)
    checkout_flags: Mapped[list[str]] = mapped_column(JsonDoc, default=list)

    # Any check-in or check-out flag: the supervisor's "look at this" filter.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)

    rep: Mapped[User] = relationship()
    store: Mapped[Store] = relationship()
    purposes: Mapped[list[VisitPurpose]] = relationship(
        back_populates="visit", order_by="VisitPurpose.recorded_at"
    )
    observations: Mapped[list[Observation]] = relationship(
        back_populates="visit", order_by="Observation.recorded_at"
    )
    problems: Mapped[list[Problem]] = relationship(
        back_populates="visit",
        foreign_keys="Problem.visit_id",
        order_by="Problem.recorded_at",
    )
    stock_counts: Mapped[list[StockCount]] = relationship(
        back_populates="visit", order_by="StockCount.recorded_at"
    )
    trainings: Mapped[list[Training]] = relationship(
        back_populates="visit", order_by="Training.recorded_at"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="visit", order_by="Payment.recorded_at"
    )

    @property
    def status(self) -> str:
        return "open" if self.checked_out_at is None else "closed"

    @property
    def checkin_position(self) -> dict[str, Any]:
        return {
            "lat": self.checkin_lat,
            "lon": self.checkin_lon,
            "accuracy_m": self.checkin_accuracy_m,
            "fix_age_s": self.checkin_fix_age_s,
            "mock": self.checkin_mock,
        }

    @property
    def checkout_position(self) -> dict[str, Any] | None:
        if self.checkout_lat is None:
            return None
        return {
            "lat": self.checkout_lat,
            "lon": self.checkout_lon,
            "accuracy_m": self.checkout_accuracy_m,
            "fix_age_s": self.checkout_fix_age_s,
            "mock": self.checkout_mock,
        }

    @property
    def duration_s(self) -> int | None:
        if self.checked_out_at is None:
            return None
        return int((self.checked_out_at - self.checked_in_at).total_seconds())


class SkippedVisit(IdMixin, ClientRecordMixin, Base):
    """A planned stop the rep did not make, and why. Keyed by rep, store and store-local
    day, which is also how a route plan's stop will find it (route plans come later)."""

    __tablename__ = "skipped_visits"
    __table_args__ = (UniqueConstraint("rep_id", "store_id", "day"),)

    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stores.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[SkipReason] = mapped_column(str_enum(SkipReason))
    note: Mapped[str | None] = mapped_column(Text)

    store: Mapped[Store] = relationship()


class VisitChildMixin(IdMixin, ClientRecordMixin):
    visit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("visits.id"), index=True)


class VisitPurpose(VisitChildMixin, Base):
    """Why the rep went (事前计划), and whether it was achieved."""

    __tablename__ = "visit_purposes"
    __table_args__ = (UniqueConstraint("visit_id", "purpose"),)

    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose))
    achieved: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)

    visit: Mapped[Visit] = relationship(back_populates="purposes")


class Observation(VisitChildMixin, Base):
    """What the rep saw. Our POP is four yes/no answers (columns, so POP compliance is a
    plain SQL aggregate); the other kinds take a 1–5 rating and/or a note."""

    __tablename__ = "observations"

    kind: Mapped[ObservationKind] = mapped_column(str_enum(ObservationKind))
    pop_present: Mapped[bool | None] = mapped_column(Boolean)
    pop_visible: Mapped[bool | None] = mapped_column(Boolean)
    pop_complete: Mapped[bool | None] = mapped_column(Boolean)
    pop_damaged: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(Integer)
    competitor: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)

    visit: Mapped[Visit] = relationship(back_populates="observations")


class Problem(VisitChildMixin, TimestampMixin, VersionMixin, Base):
    """A problem written as 5W1H. It belongs to the store (the briefing shows it until it
    is solved, whoever raised it) and may be blamed on a dealer (dealer evaluation)."""

    __tablename__ = "problems"
    __table_args__ = (Index("ix_problems_store_id_status", "store_id", "status"),)

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stores.id"))
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    category: Mapped[ProblemCategory] = mapped_column(str_enum(ProblemCategory))
    what: Mapped[str] = mapped_column(Text)
    when_text: Mapped[str | None] = mapped_column(String(200))
    who: Mapped[str | None] = mapped_column(String(200))
    where_text: Mapped[str | None] = mapped_column(String(200))
    why: Mapped[str | None] = mapped_column(Text)
    suggestion: Mapped[str | None] = mapped_column(Text)  # the owner's suggested solution
    needs_support: Mapped[bool] = mapped_column(Boolean, default=False)
    dealer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("dealers.id"), index=True)
    status: Mapped[ProblemStatus] = mapped_column(str_enum(ProblemStatus))
    solved_on_spot: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    resolved_in_visit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("visits.id"))

    visit: Mapped[Visit] = relationship(back_populates="problems", foreign_keys="Problem.visit_id")
    store: Mapped[Store] = relationship()
    dealer: Mapped[Dealer | None] = relationship()


class StockCount(VisitChildMixin, Base):
    """What the store holds of one product, on the shelf and in the back room."""

    __tablename__ = "stock_counts"
    __table_args__ = (
        UniqueConstraint("visit_id", "product_id"),
        Index("ix_stock_counts_store_id_product_id", "store_id", "product_id"),
    )

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stores.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("products.id"))
    shelf_qty: Mapped[int] = mapped_column(Integer)
    backroom_qty: Mapped[int] = mapped_column(Integer)

    visit: Mapped[Visit] = relationship(back_populates="stock_counts")
    product: Mapped[Product] = relationship()


class Training(VisitChildMixin, Base):
    """Training given on site (现场培训): topics and who attended."""

    __tablename__ = "trainings"

    topics: Mapped[list[str]] = mapped_column(JsonDoc)
    # [{"name": "...", "role": "owner" | "staff" | "other"}]
    attendees: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)

    visit: Mapped[Visit] = relationship(back_populates="trainings")


class Payment(VisitChildMixin, Base):
    """Money collected at the store; it lowers the store's balance owed (below zero means
    the store has paid ahead, as pay-before-delivery stores do)."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_store_id_recorded_at", "store_id", "recorded_at"),)

    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stores.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    reference: Mapped[str | None] = mapped_column(String(100))

    visit: Mapped[Visit] = relationship(back_populates="payments")


class IdempotencyKey(Base):
    """The response to a POST sent with an Idempotency-Key, replayed when the same caller
    sends the same key and body again."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # the exact bytes sent, replayed as they were
    headers: Mapped[dict[str, str]] = mapped_column(JsonDoc, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
