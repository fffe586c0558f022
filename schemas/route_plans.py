"""Route plans: plan a rep's day, re-plan it from where the rep is, read the versions."""

from __future__ import annotations

from datetime import time
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from marshmallow import ValidationError, fields, validate, validates_schema

from fieldsales.domain.routing.plans import EndpointKind, PlanStatus
from fieldsales.domain.visits import SkipReason
from schemas import BaseSchema, Int, Latitude, Longitude, Text
from schemas.common import ProblemSchema
from schemas.visits import ClientTime, Day

MAX_STORES = 100


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _zone(value: str) -> None:
    if value not in _zones():
        raise ValidationError("Not an IANA time zone name (e.g. Asia/Shanghai).")


# --- requests ----------------------------------------------------------------------------


class EndpointInSchema(BaseSchema):
    kind = fields.Enum(
        EndpointKind,
        by_value=True,
        required=True,
        metadata={
            "description": "home: the rep's home; point: lat/lon (a depot, say); store: "
            "store_id; first_store (start only): the day starts at the first stop; "
            "last_store (end only): the day ends at the last stop"
        },
    )
    lat = Latitude()
    lon = Longitude()
    store_id = fields.UUID()

    @validates_schema
    def _complete(self, data: dict[str, Any], **_kwargs: Any) -> None:
        kind = data["kind"]
        if kind is EndpointKind.POINT and ("lat" not in data or "lon" not in data):
            raise ValidationError("A point needs lat and lon.", "lat")
        if kind is EndpointKind.STORE and "store_id" not in data:
            raise ValidationError("A store endpoint needs store_id.", "store_id")


class BreakInSchema(BaseSchema):
    minutes = Int(1, 240, required=True)
    earliest_start = fields.Time(required=True, metadata={"description": "Plan-local HH:MM"})
    latest_start = fields.Time(required=True, metadata={"description": "Plan-local HH:MM"})


class AppointmentInSchema(BaseSchema):
    store_id = fields.UUID(required=True)
    at = ClientTime(required=True, metadata={"description": "Agreed start of the visit"})


DEFAULT_BREAK = {"minutes": 30, "earliest_start": time(12, 0), "latest_start": time(13, 30)}


class RoutePlanCreateSchema(BaseSchema):
    rep_id = fields.UUID(required=True)
    date = Day(required=True, metadata={"description": "The day to plan"})
    store_ids = fields.List(
        fields.UUID(),
        validate=validate.Length(min=1, max=MAX_STORES),
        metadata={
            "description": "The stores to plan. Absent: chosen automatically among the rep's "
            "stores (due by grade frequency, overdue first, open problems, pending reorders, "
            "promotions in force, plus the appointments)"
        },
    )
    mandatory_store_ids = fields.List(
        fields.UUID(),
        load_default=list,
        validate=validate.Length(max=MAX_STORES),
        metadata={"description": "Stores that must be served (422 if the day cannot hold them)"},
    )
    appointments = fields.List(
        fields.Nested(AppointmentInSchema),
        load_default=list,
        validate=validate.Length(max=MAX_STORES),
        metadata={"description": "Fixed visit starts; these stores are mandatory"},
    )
    start = fields.Nested(EndpointInSchema, load_default=lambda: {"kind": EndpointKind.HOME})
    end = fields.Nested(EndpointInSchema, load_default=lambda: {"kind": EndpointKind.HOME})
    day_start = fields.Time(load_default=time(8, 30), metadata={"description": "Plan-local"})
    latest_return = fields.Time(load_default=time(18, 0), metadata={"description": "Plan-local"})
    break_ = fields.Nested(
        BreakInSchema,
        data_key="break",
        allow_none=True,
        load_default=lambda: dict(DEFAULT_BREAK),
        metadata={"description": "Default: 30 min starting 12:00-13:30; null: no break"},
    )
    timezone = Text(
        64,
        validate=_zone,
        metadata={
            "description": "Zone of the clock times. Default: that of most of the rep's stores"
        },
    )

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data["start"]["kind"] is EndpointKind.LAST_STORE:
            raise ValidationError("last_store is only valid as the end.", "start")
        if data["end"]["kind"] is EndpointKind.FIRST_STORE:
            raise ValidationError("first_store is only valid as the start.", "end")
        booked = [a["store_id"] for a in data["appointments"]]
        if len(set(booked)) != len(booked):
            raise ValidationError("One appointment per store.", "appointments")
        if data["latest_return"] <= data["day_start"]:
            raise ValidationError("The latest return must be after the day start.", "latest_return")
        brk = data.get("break_")
        if brk and brk["latest_start"] < brk["earliest_start"]:
            raise ValidationError("latest_start is before earliest_start.", "break")


class ReplanPositionSchema(BaseSchema):
    lat = Latitude(required=True)
    lon = Longitude(required=True)


class SkippedStopInSchema(BaseSchema):
    store_id = fields.UUID(required=True)
    reason = fields.Enum(SkipReason, by_value=True, required=True)
    note = Text(2000, allow_none=True)


class RoutePlanReplanSchema(BaseSchema):
    position = fields.Nested(ReplanPositionSchema, required=True)
    at = ClientTime(required=True, metadata={"description": "Now, on the rep's phone"})
    done_store_ids = fields.List(
        fields.UUID(),
        load_default=list,
        validate=validate.Length(max=MAX_STORES),
        metadata={"description": "Also taken as done: stores checked in at that day"},
    )
    skipped = fields.List(
        fields.Nested(SkippedStopInSchema),
        load_default=list,
        validate=validate.Length(max=MAX_STORES),
        metadata={"description": "Recorded as the rep's skipped visits too"},
    )


class RoutePlanQueryArgsSchema(BaseSchema):
    rep_id = fields.UUID()
    date = Day()
    current_only = fields.Boolean(
        load_default=False, metadata={"description": "Only each day's newest version"}
    )


# --- responses ---------------------------------------------------------------------------


class EndpointSchema(BaseSchema):
    kind = fields.Enum(EndpointKind, by_value=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    store_id = fields.UUID(allow_none=True)


class BreakSchema(BaseSchema):
    minutes = fields.Integer()
    earliest_start = fields.AwareDateTime()
    latest_start = fields.AwareDateTime()
    planned_start = fields.AwareDateTime(
        allow_none=True, metadata={"description": "null: not needed (day over)"}
    )
    planned_end = fields.AwareDateTime(allow_none=True)


class TotalsSchema(BaseSchema):
    stops = fields.Integer()
    dropped = fields.Integer()
    departure = fields.AwareDateTime()
    arrival = fields.AwareDateTime(metadata={"description": "At the end (or the last stop)"})
    travel_s = fields.Integer()
    wait_s = fields.Integer()
    service_s = fields.Integer()
    break_s = fields.Integer()
    distance_m = fields.Integer(allow_none=True)
    served_priority = fields.Integer()


class TravelSchema(BaseSchema):
    source = fields.String(metadata={"description": "great-circle | osrm"})
    fell_back = fields.Boolean(metadata={"description": "The configured service failed"})
    fallback_reason = fields.String(allow_none=True)


class SolverSchema(BaseSchema):
    name = fields.String(metadata={"description": "Steps taken, e.g. vroom/5+exact-dp:optimal"})
    proven_optimal = fields.Boolean()
    planning_ms = fields.Float()


class ReplanInfoSchema(BaseSchema):
    lat = fields.Float()
    lon = fields.Float()
    at = fields.AwareDateTime()
    done_store_ids = fields.List(fields.UUID())
    skipped_store_ids = fields.List(fields.UUID())


class PlanStoreSchema(BaseSchema):
    id = fields.UUID()
    code = fields.String()
    name = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    timezone = fields.String()


class WindowSchema(BaseSchema):
    kind = fields.String(metadata={"enum": ["owner", "opening"]})
    start = fields.AwareDateTime()
    end = fields.AwareDateTime(metadata={"description": "Latest service start"})


class RoutePlanStopSchema(BaseSchema):
    position = fields.Integer()
    store = fields.Nested(PlanStoreSchema)
    arrival = fields.AwareDateTime()
    wait_s = fields.Integer()
    service_start = fields.AwareDateTime()
    departure = fields.AwareDateTime()
    travel_from_previous_s = fields.Integer()
    distance_from_previous_m = fields.Integer(allow_none=True)
    window = fields.Nested(WindowSchema, allow_none=True)
    dwell_minutes = fields.Integer()
    dwell_source = fields.String(
        metadata={"description": '"store setting" or "median of N recent visits"'}
    )
    mandatory = fields.Boolean()
    priority = fields.Integer()
    reasons = fields.List(fields.String(), metadata={"description": "Why it is on the plan"})
    appointment_at = fields.AwareDateTime(allow_none=True)


class RoutePlanDropSchema(BaseSchema):
    store = fields.Nested(PlanStoreSchema)
    reason = fields.String(
        metadata={
            "enum": [
                "window-unreachable",
                "day-too-short",
                "appointment-clash",
                "closed-that-day",
            ]
        }
    )
    message = fields.String()
    mandatory = fields.Boolean()
    priority = fields.Integer()
    appointment_at = fields.AwareDateTime(allow_none=True)


class RoutePlanSchema(BaseSchema):
    id = fields.UUID()
    rep_id = fields.UUID()
    date = fields.Date(attribute="day")
    version = fields.Integer(metadata={"description": "1, 2, ... per rep and day"})
    status = fields.Enum(PlanStatus, by_value=True)
    parent_id = fields.UUID(allow_none=True, metadata={"description": "Re-planned from"})
    created_by_id = fields.UUID()
    created_at = fields.AwareDateTime()
    selection = fields.String(metadata={"enum": ["explicit", "automatic", "replan"]})
    timezone = fields.String()
    start = fields.Nested(EndpointSchema)
    end = fields.Nested(EndpointSchema)
    day_start = fields.AwareDateTime()
    latest_return = fields.AwareDateTime()
    break_ = fields.Nested(BreakSchema, data_key="break", allow_none=True)
    solver = fields.Nested(SolverSchema, attribute="solver_info")
    travel = fields.Nested(TravelSchema)
    totals = fields.Nested(TotalsSchema)
    replan = fields.Nested(ReplanInfoSchema, allow_none=True)
    stops = fields.List(fields.Nested(RoutePlanStopSchema))
    dropped = fields.List(fields.Nested(RoutePlanDropSchema), attribute="drops")


class InfeasibleStoreSchema(BaseSchema):
    store_id = fields.UUID()
    code = fields.String()
    name = fields.String()
    reason = fields.String(
        metadata={
            "enum": ["window-unreachable", "day-too-short", "appointment-clash", "closed-that-day"]
        }
    )
    message = fields.String()


class RouteInfeasibleSchema(ProblemSchema):
    """422 route-infeasible: the mandatory stores the day cannot hold, and why."""

    stores = fields.List(fields.Nested(InfeasibleStoreSchema))
