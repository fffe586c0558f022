"""Route plans: a rep's day as planned, kept as versions (the day's work record).

Each POST or re-plan adds a version (number 1, 2, ... per rep and day); the newest is
"current", the ones before it "superseded". A re-plan points at its parent. Times are
stored as instants (UTC); `timezone` is the zone the plan's clock times (day start, latest
return, break) were given in."""

from __future__ import annotations

import uuid
from datetime import date, datetime
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldsales.db import Base
from fieldsales.db.models.accounts import User, str_enum
from fieldsales.db.models.master import Store
from fieldsales.db.models.mixins import IdMixin, utcnow
from fieldsales.db.types import JsonDoc, UTCDateTime
from fieldsales.domain.routing.plans import EndpointKind, PlanStatus


class RoutePlan(IdMixin, Base):
    __tablename__ = "route_plans"
    __table_args__ = (
        UniqueConstraint("rep_id", "day", "number"),
        Index("ix_route_plans_day_status", "day", "status"),
    )

    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    day: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)  # version, per rep and day
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("route_plans.id"))
    created_by_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "explicit" (stores given), "automatic" (due, problems, promotions...), "replan".
    selection: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))

    start_kind: Mapped[EndpointKind] = mapped_column(str_enum(EndpointKind))
    start_lat: Mapped[float | None] = mapped_column(Float)
    start_lon: Mapped[float | None] = mapped_column(Float)
    start_store_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("stores.id"))
    end_kind: Mapped[EndpointKind] = mapped_column(str_enum(EndpointKind))
    end_lat: Mapped[float | None] = mapped_column(Float)
    end_lon: Mapped[float | None] = mapped_column(Float)
    end_store_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("stores.id"))

    day_start: Mapped[datetime] = mapped_column(UTCDateTime)
    latest_return: Mapped[datetime] = mapped_column(UTCDateTime)
    break_minutes: Mapped[int | None] = mapped_column(Integer)
    break_earliest: Mapped[datetime | None] = mapped_column(UTCDateTime)
    break_latest: Mapped[datetime | None] = mapped_column(UTCDateTime)
    break_start: Mapped[datetime | None] = mapped_column(UTCDateTime)  # as planned
    break_end: Mapped[datetime | None] = mapped_column(UTCDateTime)

    solver: Mapped[str] = mapped_column(String(120))
    proven_optimal: Mapped[bool] = mapped_column(Boolean)
    planning_ms: Mapped[float] = mapped_column(Float)
    travel_source: Mapped[str] = mapped_column(String(40))
    travel_fallback: Mapped[bool] = mapped_column(Boolean)
    travel_fallback_reason: Mapped[str | None] = mapped_column(Text)

    departure: Mapped[datetime] = mapped_column(UTCDateTime)
    arrival: Mapped[datetime] = mapped_column(UTCDateTime)  # back at the end (or last stop)
    travel_s: Mapped[int] = mapped_column(Integer)
    wait_s: Mapped[int] = mapped_column(Integer)
    service_s: Mapped[int] = mapped_column(Integer)
    break_s: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[int | None] = mapped_column(Integer)
    served_priority: Mapped[int] = mapped_column(Integer)

    # What a re-plan started from: the rep's position and time, and what was done/skipped.
    replan_lat: Mapped[float | None] = mapped_column(Float)
    replan_lon: Mapped[float | None] = mapped_column(Float)
    replan_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_store_ids: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    skipped_store_ids: Mapped[list[str]] = mapped_column(JsonDoc, default=list)

    rep: Mapped[User] = relationship(foreign_keys=[rep_id])
    stops: Mapped[list[RoutePlanStop]] = relationship(
        back_populates="plan", order_by="RoutePlanStop.position", cascade="all, delete-orphan"
    )
    drops: Mapped[list[RoutePlanDrop]] = relationship(
        back_populates="plan", order_by="RoutePlanDrop.position", cascade="all, delete-orphan"
    )

    @property
    def version(self) -> int:
        return self.number

    # Groups the API shows as nested objects.
    @property
    def start(self) -> dict[str, Any]:
        return _endpoint(self.start_kind, self.start_lat, self.start_lon, self.start_store_id)

    @property
    def end(self) -> dict[str, Any]:
        return _endpoint(self.end_kind, self.end_lat, self.end_lon, self.end_store_id)

    @property
    def break_(self) -> dict[str, Any] | None:
        if self.break_minutes is None:
            return None
        return {
            "minutes": self.break_minutes,
            "earliest_start": self.break_earliest,
            "latest_start": self.break_latest,
            "planned_start": self.break_start,
            "planned_end": self.break_end,
        }

    @property
    def solver_info(self) -> dict[str, Any]:
        return {
            "name": self.solver,
            "proven_optimal": self.proven_optimal,
            "planning_ms": self.planning_ms,
        }

    @property
    def travel(self) -> dict[str, Any]:
        return {
            "source": self.travel_source,
            "fell_back": self.travel_fallback,
            "fallback_reason": self.travel_fallback_reason,
        }

    @property
    def totals(self) -> dict[str, Any]:
        return {
            "stops": len(self.stops),
            "dropped": len(self.drops),
            "departure": self.departure,
            "arrival": self.arrival,
            "travel_s": self.travel_s,
            "wait_s": self.wait_s,
            "service_s": self.service_s,
            "break_s": self.break_s,
            "distance_m": self.distance_m,
            "served_priority": self.served_priority,
        }

    @property
    def replan(self) -> dict[str, Any] | None:
        if self.replan_at is None:
            return None
        return {
            "lat": self.replan_lat,
            "lon": self.replan_lon,
            "at": self.replan_at,
            "done_store_ids": self.done_store_ids,
            "skipped_store_ids": self.skipped_store_ids,
        }


def _endpoint(
    kind: EndpointKind, lat: float | None, lon: float | None, store_id: uuid.UUID | None
) -> dict[str, Any]:
    return {"kind": kind, "lat": lat, "lon": lon, "store_id": store_id}


class RoutePlanStop(IdMixin, Base):
    __tablename__ = "route_plan_stops"
    __table_args__ = (
        UniqueConstraint("plan_id", "position"),
        Index("ix_route_plan_stops_store_id_service_start", "store_id", "service_start"),
    )

    plan_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("route_plans.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, ... in driving order
    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stores.id"))
    arrival: Mapped[datetime] = mapped_column(UTCDateTime)
    wait_s: Mapped[int] = mapped_column(Integer)
    service_start: Mapped[datetime] = mapped_column(UTCDateTime)
    departure: Mapped[datetime] = mapped_column(UTCDateTime)
    travel_from_previous_s: Mapped[int] = mapped_column(Integer)
    distance_from_previous_m: Mapped[int | None] = mapped_column(Integer)
    # The window service started in (None: no window, or an appointment).
    window_kind: Mapped[str | None] = mapped_column(String(16))  # "owner" | "opening"
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dwell_minutes: Mapped[int] = mapped_column(Integer)
    dwell_source: Mapped[str] = mapped_column(String(60))
    mandatory: Mapped[bool] = mapped_column(Boolean)
    priority: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JsonDoc, default=list)  # why it is on the plan
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[RoutePlan] = relationship(back_populates="stops")
    store: Mapped[Store] = relationship()

    @property
    def window(self) -> dict[str, Any] | None:
        if self.window_kind is None:
            return None
        return {"kind": self.window_kind, "start": self.window_start, "end": self.window_end}


class RoutePlanDrop(IdMixin, Base):
    """A store considered for the day but left out, and why (never silently)."""

    __tablename__ = "route_plan_drops"
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("route_plans.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stores.id"))
    # window-unreachable | day-too-short | appointment-clash | closed-that-day
    reason: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    mandatory: Mapped[bool] = mapped_column(Boolean)
    priority: Mapped[int] = mapped_column(Integer)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan: Mapped[RoutePlan] = relationship(back_populates="drops")
    store: Mapped[Store] = relationship()
