"""Visits and what they record: check-in/out, purposes, observations, 5W1H problems, stock
counts, training, payments, skipped stops.

Every create carries the phone's own `id` for the record: sending it again returns the
record already stored (same status and body), never a second copy."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from fieldsales.domain.visits import (
    AttendeeRole,
    CheckFlag,
    ObservationKind,
    PaymentMethod,
    ProblemCategory,
    ProblemStatus,
    Purpose,
    SkipReason,
    TrainingTopic,
)
from schemas import BaseSchema, Int, Latitude, Longitude, Money, Name, Text

# A phone clock set to the wrong century is still a flagged check-in, but dates outside
# this range are typos that would overflow time arithmetic.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
CLIENT_ID_DOC = "Id the phone generated for this record (UUID); a retry sends the same id."


def _sane_time(value: datetime) -> None:
    if not (EARLIEST <= value < LATEST):
        raise ValidationError("Not a plausible time.")


def EnumValue(enum_cls: type[enum.Enum], **kwargs: Any) -> fields.String:  # noqa: N802
    """An enum member stored as its plain string value (in a JSON column), for responses."""
    return fields.String(metadata={"enum": [m.value for m in enum_cls]}, **kwargs)


def _sane_day(value: date) -> None:
    if not (EARLIEST.date() <= value < LATEST.date()):
        raise ValidationError("Not a plausible day.")


def Day(**kwargs: Any) -> fields.Date:  # noqa: N802
    """A calendar day given as input (far-off dates would overflow day arithmetic)."""
    return fields.Date(validate=_sane_day, **kwargs)


def ClientTime(**kwargs: Any) -> fields.AwareDateTime:  # noqa: N802
    """A time from the phone's clock, with its UTC offset."""
    return fields.AwareDateTime(validate=_sane_time, **kwargs)


def ClientId() -> fields.UUID:  # noqa: N802
    return fields.UUID(required=True, metadata={"description": CLIENT_ID_DOC})


def RecordedAt() -> fields.AwareDateTime:  # noqa: N802
    return ClientTime(
        metadata={"description": "Phone time the record was made (default: receipt time)"}
    )


def SentAt() -> fields.AwareDateTime:  # noqa: N802
    return ClientTime(
        load_only=True,
        metadata={
            "description": "Phone time when this request was sent, to measure its clock "
            "against the server's. Without it the event time is taken as the send time."
        },
    )


class PositionSchema(BaseSchema):
    """A fix as the phone's location service gave it."""

    lat = Latitude(required=True)
    lon = Longitude(required=True)
    accuracy_m = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1_000_000),
        metadata={"description": "Radius of the 68% confidence circle, metres"},
    )
    fix_age_s = fields.Float(
        load_default=0.0,
        validate=validate.Range(min=0, max=30 * 86400),
        metadata={"description": "Seconds since the fix was taken"},
    )
    mock = fields.Boolean(
        load_default=False, metadata={"description": "The OS reports a mock location provider"}
    )


# --- visits ------------------------------------------------------------------------------


class VisitCheckInSchema(BaseSchema):
    id = ClientId()
    store_id = fields.UUID(required=True)
    planned = fields.Boolean(
        load_default=True, metadata={"description": "On today's plan (false: a drop-in)"}
    )
    checked_in_at = ClientTime(required=True)
    position = fields.Nested(PositionSchema, required=True)
    met_with = Text(200, allow_none=True, metadata={"description": "Whom the rep met"})
    sent_at = SentAt()


class VisitCheckOutSchema(BaseSchema):
    checked_out_at = ClientTime(required=True)
    position = fields.Nested(PositionSchema, required=True)
    met_with = Text(200, allow_none=True)
    notes = Text(4000, allow_none=True, metadata={"description": "What was discussed"})
    sent_at = SentAt()


class VisitSchema(BaseSchema):
    id = fields.UUID()
    version = fields.Integer()
    rep_id = fields.UUID()
    store_id = fields.UUID()
    planned = fields.Boolean()
    status = fields.String(metadata={"enum": ["open", "closed"]})
    local_day = fields.Date(metadata={"description": "Store-local day of the check-in"})
    met_with = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    checked_in_at = fields.AwareDateTime(metadata={"description": "Phone time"})
    checkin_received_at = fields.AwareDateTime(metadata={"description": "Server time"})
    checkin_position = fields.Nested(PositionSchema)
    checkin_distance_m = fields.Float(metadata={"description": "From the store, metres"})
    checkin_flags = fields.List(EnumValue(CheckFlag))
    clock_offset_s = fields.Float(
        metadata={"description": "Phone clock minus server clock at check-in, seconds"}
    )
    checked_out_at = fields.AwareDateTime(allow_none=True)
    checkout_received_at = fields.AwareDateTime(allow_none=True)
    checkout_position = fields.Nested(PositionSchema, allow_none=True)
    checkout_distance_m = fields.Float(allow_none=True)
    checkout_flags = fields.List(EnumValue(CheckFlag))
    flagged = fields.Boolean(metadata={"description": "Any check-in or check-out flag"})
    duration_s = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class VisitQueryArgsSchema(BaseSchema):
    rep_id = fields.UUID()
    store_id = fields.UUID()
    day = Day(metadata={"description": "Store-local day of the check-in"})
    from_day = Day()
    to_day = Day()
    open = fields.Boolean(metadata={"description": "Only open (true) or closed (false) visits"})
    flagged = fields.Boolean()
    planned = fields.Boolean()


# --- what a visit records ----------------------------------------------------------------


class RecordSchema(BaseSchema):
    """Fields every record under a visit returns."""

    id = fields.UUID()
    visit_id = fields.UUID()
    recorded_at = fields.AwareDateTime(metadata={"description": "Phone time"})
    received_at = fields.AwareDateTime(metadata={"description": "Server time"})


class PurposeCreateSchema(BaseSchema):
    id = ClientId()
    purpose = fields.Enum(Purpose, by_value=True, required=True)
    achieved = fields.Boolean(allow_none=True, load_default=None)
    note = Text(2000, allow_none=True)
    recorded_at = RecordedAt()


class PurposeSchema(RecordSchema):
    purpose = fields.Enum(Purpose, by_value=True)
    achieved = fields.Boolean(allow_none=True)
    note = fields.String(allow_none=True)


POP_FIELDS = ("pop_present", "pop_visible", "pop_complete", "pop_damaged")


class ObservationCreateSchema(BaseSchema):
    id = ClientId()
    kind = fields.Enum(ObservationKind, by_value=True, required=True)
    pop_present = fields.Boolean(allow_none=True, metadata={"description": "our_pop only"})
    pop_visible = fields.Boolean(allow_none=True)
    pop_complete = fields.Boolean(allow_none=True)
    pop_damaged = fields.Boolean(allow_none=True)
    rating = Int(1, 5, allow_none=True, metadata={"description": "1 (poor) … 5 (excellent)"})
    competitor = Text(120, allow_none=True, metadata={"description": "Competitor brand"})
    note = Text(4000, allow_none=True)
    recorded_at = RecordedAt()

    @validates_schema
    def _pop_answers(self, data: dict[str, Any], **_kw: object) -> None:
        is_pop = data.get("kind") is ObservationKind.OUR_POP
        if is_pop and data.get("pop_present") is None:
            raise ValidationError("Required for our_pop.", "pop_present")
        if not is_pop and any(data.get(f) is not None for f in POP_FIELDS):
            raise ValidationError("Only for our_pop.", "pop_present")


class ObservationSchema(RecordSchema):
    kind = fields.Enum(ObservationKind, by_value=True)
    pop_present = fields.Boolean(allow_none=True)
    pop_visible = fields.Boolean(allow_none=True)
    pop_complete = fields.Boolean(allow_none=True)
    pop_damaged = fields.Boolean(allow_none=True)
    rating = fields.Integer(allow_none=True)
    competitor = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class VisitProblemCreateSchema(BaseSchema):
    """A problem as 5W1H: what, when, who, where, why, and how the owner suggests solving it."""

    id = ClientId()
    category = fields.Enum(ProblemCategory, by_value=True, required=True)
    what = Name(2000, required=True)
    when_text = Text(200, allow_none=True, data_key="when")
    who = Text(200, allow_none=True)
    where_text = Text(200, allow_none=True, data_key="where")
    why = Text(2000, allow_none=True)
    suggestion = Text(
        2000, allow_none=True, metadata={"description": "The owner's suggested solution (how)"}
    )
    needs_support = fields.Boolean(
        load_default=False, metadata={"description": "The rep needs help to solve it"}
    )
    dealer_id = fields.UUID(
        allow_none=True,
        metadata={
            "description": "Dealer it is attributed to (dealer_service problems default to "
            "the store's dealer)"
        },
    )
    solved_on_spot = fields.Boolean(load_default=False)
    resolution = Text(2000, allow_none=True)
    recorded_at = RecordedAt()

    @validates_schema
    def _resolution_only_if_solved(self, data: dict[str, Any], **_kw: object) -> None:
        if data.get("resolution") and not data.get("solved_on_spot"):
            raise ValidationError("Only with solved_on_spot; resolve it later otherwise.")


class VisitProblemSchema(RecordSchema):
    version = fields.Integer()
    store_id = fields.UUID()
    rep_id = fields.UUID(metadata={"description": "Who raised it"})
    category = fields.Enum(ProblemCategory, by_value=True)
    what = fields.String()
    when_text = fields.String(allow_none=True, data_key="when")
    who = fields.String(allow_none=True)
    where_text = fields.String(allow_none=True, data_key="where")
    why = fields.String(allow_none=True)
    suggestion = fields.String(allow_none=True)
    needs_support = fields.Boolean()
    dealer_id = fields.UUID(allow_none=True)
    status = fields.Enum(ProblemStatus, by_value=True)
    solved_on_spot = fields.Boolean()
    resolution = fields.String(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolved_by_id = fields.UUID(allow_none=True)
    resolved_in_visit_id = fields.UUID(allow_none=True)


class ProblemResolutionSchema(BaseSchema):
    resolution = Name(2000, required=True)
    resolved_at = ClientTime(
        required=True, metadata={"description": "Phone time; a retry sends the same value"}
    )
    visit_id = fields.UUID(
        allow_none=True, metadata={"description": "The visit in which it was solved, if any"}
    )


class VisitProblemQueryArgsSchema(BaseSchema):
    store_id = fields.UUID()
    rep_id = fields.UUID()
    dealer_id = fields.UUID()
    status = fields.Enum(ProblemStatus, by_value=True)
    category = fields.Enum(ProblemCategory, by_value=True)
    needs_support = fields.Boolean()


class StockCountCreateSchema(BaseSchema):
    id = ClientId()
    product_id = fields.UUID(required=True)
    shelf_qty = Int(0, 1_000_000, required=True)
    backroom_qty = Int(0, 1_000_000, load_default=0)
    recorded_at = RecordedAt()


class StockCountSchema(RecordSchema):
    product_id = fields.UUID()
    shelf_qty = fields.Integer()
    backroom_qty = fields.Integer()


class AttendeeSchema(BaseSchema):
    name = Name(120, required=True)
    role = fields.Enum(AttendeeRole, by_value=True, load_default=AttendeeRole.STAFF)


class TrainingCreateSchema(BaseSchema):
    id = ClientId()
    topics = fields.List(
        fields.Enum(TrainingTopic, by_value=True),
        required=True,
        validate=validate.Length(min=1, max=len(TrainingTopic)),
    )
    attendees = fields.List(
        fields.Nested(AttendeeSchema), load_default=list, validate=validate.Length(max=50)
    )
    duration_minutes = Int(1, 480, allow_none=True)
    note = Text(2000, allow_none=True)
    recorded_at = RecordedAt()


class AttendeeOutSchema(BaseSchema):
    name = fields.String()
    role = EnumValue(AttendeeRole)


class TrainingSchema(RecordSchema):
    topics = fields.List(EnumValue(TrainingTopic))
    attendees = fields.List(fields.Nested(AttendeeOutSchema))
    duration_minutes = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)


class PaymentCreateSchema(BaseSchema):
    id = ClientId()
    amount = Money(required=True, validate=validate.Range(min=Decimal("0.01")))
    method = fields.Enum(PaymentMethod, by_value=True, required=True)
    reference = Text(100, allow_none=True, metadata={"description": "Receipt or transfer ref"})
    recorded_at = RecordedAt()


class PaymentSchema(RecordSchema):
    store_id = fields.UUID()
    amount = Money()
    method = fields.Enum(PaymentMethod, by_value=True)
    reference = fields.String(allow_none=True)


class VisitDetailSchema(VisitSchema):
    """A visit with everything recorded in it."""

    purposes = fields.List(fields.Nested(PurposeSchema))
    observations = fields.List(fields.Nested(ObservationSchema))
    problems = fields.List(fields.Nested(VisitProblemSchema))
    stock_counts = fields.List(fields.Nested(StockCountSchema))
    trainings = fields.List(fields.Nested(TrainingSchema))
    payments = fields.List(fields.Nested(PaymentSchema))


# --- planned stops not made --------------------------------------------------------------


class SkippedVisitCreateSchema(BaseSchema):
    id = ClientId()
    store_id = fields.UUID(required=True)
    day = Day(required=True, metadata={"description": "Store-local day of the stop"})
    reason = fields.Enum(SkipReason, by_value=True, required=True)
    note = Text(2000, allow_none=True)
    recorded_at = RecordedAt()


class SkippedVisitSchema(BaseSchema):
    id = fields.UUID()
    rep_id = fields.UUID()
    store_id = fields.UUID()
    day = fields.Date()
    reason = fields.Enum(SkipReason, by_value=True)
    note = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()
    received_at = fields.AwareDateTime()


class SkippedVisitQueryArgsSchema(BaseSchema):
    rep_id = fields.UUID()
    store_id = fields.UUID()
    day = Day()
