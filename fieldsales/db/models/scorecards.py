"""Dealer scorecards: the weights an admin sets, and the figures of closed periods as the
scheduled job computed them.

A stored scorecard keeps the counts (`figures`), not the score: the score is recomputed
from them with the weights in force when it is read, so changing a weight re-scores past
periods too without recomputing a single count."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Float, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from fieldsales.db import Base
from fieldsales.db.models.accounts import str_enum
from fieldsales.db.models.mixins import IdMixin, utcnow
from fieldsales.db.models.photos import Photo
from fieldsales.db.models.reorders import ReorderRequest
from fieldsales.db.models.visits import Problem, StockCount
from fieldsales.db.types import JsonDoc, UTCDateTime
from fieldsales.domain.periods import PeriodKind


class ScorecardWeight(Base):
    """One metric's weight in the dealer score (rows seeded with the documented defaults)."""

    __tablename__ = "scorecard_weights"

    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))


class StoredScorecard(IdMixin, Base):
    """The figures of one dealer for one closed week, month or quarter."""

    __tablename__ = "stored_scorecards"
    __table_args__ = (UniqueConstraint("period_kind", "period_start", "dealer_id"),)

    dealer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("dealers.id"), index=True)
    period_kind: Mapped[PeriodKind] = mapped_column(str_enum(PeriodKind))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# What the scorecard queries read by (dealer or store, then a time range). Declared here, with
# the queries that need them, rather than in the other areas' modules.
SCORECARD_INDEXES = (
    Index("ix_stock_counts_store_id_recorded_at", StockCount.store_id, StockCount.recorded_at),
    Index(
        "ix_reorder_requests_store_id_submitted_at",
        ReorderRequest.store_id,
        ReorderRequest.submitted_at,
    ),
    Index(
        "ix_reorder_requests_dealer_id_submitted_at",
        ReorderRequest.dealer_id,
        ReorderRequest.submitted_at,
    ),
    Index("ix_photos_store_id_taken_at", Photo.store_id, Photo.taken_at),
    Index("ix_problems_dealer_id_recorded_at", Problem.dealer_id, Problem.recorded_at),
    Index("ix_problems_dealer_id_resolved_at", Problem.dealer_id, Problem.resolved_at),
)
