"""Master data: dealers, stores, products with their price list, and promotions."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldsales.db import Base
from fieldsales.db.models.accounts import User, str_enum
from fieldsales.db.models.mixins import IdMixin, TimestampMixin, VersionMixin
from fieldsales.db.types import JsonDoc, Money
from fieldsales.domain.types import GiftAllocation, Grade, PaymentTerms


class Dealer(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "dealers"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(80), index=True)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    minimum_order: Mapped[Decimal] = mapped_column(Money)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")


class Store(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "stores"
    __table_args__ = (Index("ix_stores_lat_lon", "lat", "lon"),)

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(80), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64))
    grade: Mapped[Grade] = mapped_column(str_enum(Grade), index=True)
    # [{"weekday": 0-6 (Mon=0), "start": "HH:MM", "end": "HH:MM"}], store-local time.
    owner_windows: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, default=list)
    opening_hours: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, default=list)
    dwell_minutes: Mapped[int] = mapped_column(Integer, default=20)
    appointment_required: Mapped[bool] = mapped_column(Boolean, default=False)
    geofence_radius_m: Mapped[int] = mapped_column(Integer, default=150)
    dealer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("dealers.id"), index=True)
    rep_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    owner_name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    payment_terms: Mapped[PaymentTerms] = mapped_column(str_enum(PaymentTerms))
    credit_limit: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    balance_owed: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    # The store profile (零售店资料表): market and competitor notes.
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")

    dealer: Mapped[Dealer | None] = relationship()
    rep: Mapped[User | None] = relationship()


class Product(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(80))
    case_pack: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")


class Price(IdMixin, TimestampMixin, VersionMixin, Base):
    """One line of the price list: the unit price of a product from a date on.
    The price in force on day D is the row with the latest valid_from <= D."""

    __tablename__ = "prices"
    __table_args__ = (UniqueConstraint("product_id", "valid_from"),)

    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("products.id"), index=True)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    valid_from: Mapped[date] = mapped_column(Date)

    product: Mapped[Product] = relationship()


promotion_products = Table(
    "promotion_products",
    Base.metadata,
    Column("promotion_id", Uuid, ForeignKey("promotions.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", Uuid, ForeignKey("products.id"), primary_key=True),
)

promotion_stores = Table(
    "promotion_stores",
    Base.metadata,
    Column("promotion_id", Uuid, ForeignKey("promotions.id", ondelete="CASCADE"), primary_key=True),
    Column("store_id", Uuid, ForeignKey("stores.id"), primary_key=True),
)


class Promotion(IdMixin, TimestampMixin, VersionMixin, Base):
    """A promotion applies to a store that is listed explicitly, or whose grade or region is
    listed; with no store, grade or region given it applies everywhere."""

    __tablename__ = "promotions"

    name: Mapped[str] = mapped_column(String(200))
    mechanics: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    # Expected sales uplift while it runs (1.0 = none); the reorder policy plans for it.
    expected_uplift: Mapped[float] = mapped_column(Float, default=1.0, server_default="1.0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")

    products: Mapped[list[Product]] = relationship(secondary=promotion_products)
    stores: Mapped[list[Store]] = relationship(secondary=promotion_stores)
    gifts: Mapped[list[PromotionGift]] = relationship(
        back_populates="promotion",
        cascade="all, delete-orphan",
        order_by="PromotionGift.arrives_on",
    )
    targets: Mapped[list[PromotionTarget]] = relationship(cascade="all, delete-orphan")

    @property
    def product_ids(self) -> list[uuid.UUID]:
        return [p.id for p in self.products]

    @property
    def store_ids(self) -> list[uuid.UUID]:
        return [s.id for s in self.stores]

    @property
    def grades(self) -> list[Grade]:
        return sorted(Grade(t.value) for t in self.targets if t.kind == "grade")

    @property
    def regions(self) -> list[str]:
        return sorted(t.value for t in self.targets if t.kind == "region")

    def set_targets(self, *, grades: list[str] | None, regions: list[str] | None) -> None:
        """Replace the grade and/or region targets (None leaves that kind as it is)."""
        keep = [
            t
            for t in self.targets
            if (t.kind == "grade" and grades is None) or (t.kind == "region" and regions is None)
        ]
        new = [PromotionTarget(kind="grade", value=g) for g in dict.fromkeys(grades or [])]
        new += [PromotionTarget(kind="region", value=r) for r in dict.fromkeys(regions or [])]
        self.targets = keep + new


class PromotionTarget(Base):
    """A grade or region a promotion is aimed at (rows, not JSON, so that "does it apply
    to this store" is one portable SQL condition)."""

    __tablename__ = "promotion_targets"

    promotion_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("promotions.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)


class PromotionGift(IdMixin, Base):
    """Gifts that come with a promotion: how many, when they arrive, how they are shared."""

    __tablename__ = "promotion_gifts"

    promotion_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("promotions.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    arrives_on: Mapped[date | None] = mapped_column(Date)
    allocation: Mapped[GiftAllocation] = mapped_column(str_enum(GiftAllocation))

    promotion: Mapped[Promotion] = relationship(back_populates="gifts")
