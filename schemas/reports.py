"""Reports: the rep's evening report, the supervisor's team day, coverage."""

from __future__ import annotations

from marshmallow import fields, validate

from fieldsales.domain.types import Grade
from fieldsales.domain.visits import CheckFlag, Purpose, SkipReason
from schemas import BaseSchema, Money
from schemas.visits import Day, EnumValue, PaymentSchema, VisitProblemSchema


class RepRefSchema(BaseSchema):
    id = fields.UUID()
    display_name = fields.String()


class StoreRefSchema(BaseSchema):
    id = fields.UUID()
    code = fields.String()
    name = fields.String()


class SkippedRowSchema(BaseSchema):
    store = fields.Nested(StoreRefSchema)
    reason = fields.Enum(SkipReason, by_value=True)
    note = fields.String(allow_none=True)


# --- evening report ----------------------------------------------------------------------


class EveningReportArgsSchema(BaseSchema):
    day = Day(required=True, metadata={"description": "Store-local day"})
    rep_id = fields.UUID(metadata={"description": "Default: the signed-in rep"})


class EveningSummarySchema(BaseSchema):
    visits = fields.Integer()
    planned_stores = fields.Integer()
    skipped = fields.Integer()
    first_check_in = fields.AwareDateTime(allow_none=True)
    last_check_out = fields.AwareDateTime(allow_none=True)
    in_stores_s = fields.Integer()
    between_stores_s = fields.Integer()
    problems_raised = fields.Integer()
    problems_solved = fields.Integer()
    payments_total = Money()


class EveningVisitSchema(BaseSchema):
    visit_id = fields.UUID()
    store = fields.Nested(StoreRefSchema)
    planned = fields.Boolean()
    checked_in_at = fields.AwareDateTime()
    checked_out_at = fields.AwareDateTime(allow_none=True)
    duration_s = fields.Integer(allow_none=True)
    met_with = fields.String(allow_none=True, metadata={"description": "Whom the rep met"})
    purposes = fields.List(fields.Enum(Purpose, by_value=True))
    notes = fields.String(allow_none=True, metadata={"description": "What was discussed"})
    flags = fields.List(EnumValue(CheckFlag))
    problems_raised = fields.Integer()
    trainings = fields.Integer()
    payments_total = Money()


class TomorrowStopSchema(BaseSchema):
    position = fields.Integer()
    store = fields.Nested(StoreRefSchema)
    service_start = fields.AwareDateTime()
    departure = fields.AwareDateTime()
    mandatory = fields.Boolean()
    appointment_at = fields.AwareDateTime(allow_none=True)
    plan_id = fields.UUID()
    plan_version = fields.Integer()


class EveningReportSchema(BaseSchema):
    rep = fields.Nested(RepRefSchema)
    day = fields.Date()
    summary = fields.Nested(EveningSummarySchema)
    visits = fields.List(fields.Nested(EveningVisitSchema))
    skipped = fields.List(fields.Nested(SkippedRowSchema))
    problems_raised = fields.List(fields.Nested(VisitProblemSchema))
    problems_solved = fields.List(
        fields.Nested(VisitProblemSchema),
        metadata={"description": "Resolved by the rep that day, whenever raised"},
    )
    still_open = fields.List(
        fields.Nested(VisitProblemSchema), metadata={"description": "Raised that day, open"}
    )
    help_needed = fields.List(
        fields.Nested(VisitProblemSchema),
        metadata={"description": "The rep's open problems marked as needing support"},
    )
    payments = fields.List(fields.Nested(PaymentSchema))
    tomorrow_plan = fields.List(
        fields.Nested(TomorrowStopSchema),
        metadata={"description": "The stops of the rep's current route plan for the next day"},
    )


# --- team day ----------------------------------------------------------------------------


class TeamDayArgsSchema(BaseSchema):
    day = Day(required=True, metadata={"description": "Store-local day"})
    team_id = fields.UUID(metadata={"description": "Default: every team you lead"})


class FlaggedCheckInSchema(BaseSchema):
    visit_id = fields.UUID()
    store = fields.Nested(StoreRefSchema)
    checked_in_at = fields.AwareDateTime()
    distance_m = fields.Float(metadata={"description": "Check-in distance from the store"})
    checkin_flags = fields.List(EnumValue(CheckFlag))
    checkout_flags = fields.List(EnumValue(CheckFlag))


class TeamDayRepSchema(BaseSchema):
    rep = fields.Nested(RepRefSchema)
    first_check_in = fields.AwareDateTime(allow_none=True)
    last_check_out = fields.AwareDateTime(allow_none=True)
    visits_done = fields.Integer()
    open_visits = fields.Integer()
    planned = fields.Integer(metadata={"description": "Stores on the day's plan"})
    planned_done = fields.Integer()
    unplanned = fields.Integer(metadata={"description": "Visits not on the plan"})
    in_stores_s = fields.Integer()
    between_stores_s = fields.Integer()
    flagged_check_ins = fields.List(fields.Nested(FlaggedCheckInSchema))
    skipped = fields.List(fields.Nested(SkippedRowSchema))


class TeamDaySchema(BaseSchema):
    day = fields.Date()
    team_id = fields.UUID(allow_none=True)
    reps = fields.List(fields.Nested(TeamDayRepSchema))


# --- coverage ----------------------------------------------------------------------------


class CoverageArgsSchema(BaseSchema):
    as_of = Day(metadata={"description": "Default: today (UTC)"})
    # Not the strict Int(): query strings arrive as text.
    weeks = fields.Integer(
        load_default=4,
        validate=validate.Range(min=1, max=26),
        metadata={"description": "Weeks of history to show"},
    )


class OverdueStoreSchema(BaseSchema):
    store = fields.Nested(StoreRefSchema)
    grade = fields.Enum(Grade, by_value=True)
    rep_id = fields.UUID(allow_none=True)
    frequency_days = fields.Integer()
    last_visit_day = fields.Date(allow_none=True)
    days_since = fields.Integer(allow_none=True, metadata={"description": "null: never"})
    overdue_days = fields.Integer()


class RepWeekSchema(BaseSchema):
    week_start = fields.Date()
    visits = fields.Integer()
    target = fields.Integer(metadata={"description": "Pro rata for the running week"})
    met = fields.Boolean()


class RepWeeksSchema(BaseSchema):
    rep = fields.Nested(RepRefSchema)
    weeks = fields.List(fields.Nested(RepWeekSchema))


class CoverageSchema(BaseSchema):
    as_of = fields.Date()
    weeks = fields.Integer()
    frequency_days = fields.Dict(keys=fields.String(), values=fields.Integer())
    target_per_week = fields.Integer()
    overdue_stores = fields.List(fields.Nested(OverdueStoreSchema))
    reps = fields.List(fields.Nested(RepWeeksSchema))
