"""Reorder prompts, reorder requests and their dealer workflow, and dealer webhooks."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from fieldsales.domain.reorder import OnHandSource, PromptAction, RateSource, VisitPlanSource
from fieldsales.domain.reorder.policy import MinimumEffect, ServiceMeasure
from fieldsales.domain.reorder.workflow import HoldReason, PromptOutcome, RequestStatus
from fieldsales.domain.types import Role
from schemas import BaseSchema, Int, Money, Name, Text
from schemas.visits import ClientId, ClientTime, Day, EnumValue, RecordedAt

MAX_LINES = 500


def Enum(enum_cls: Any, **kwargs: Any) -> fields.Enum:  # noqa: N802
    return fields.Enum(enum_cls, by_value=True, **kwargs)


# --- prompts -------------------------------------------------------------------------------


class PromptPromotionSchema(BaseSchema):
    label = fields.String()
    starts_on = fields.String()
    ends_on = fields.String()
    uplift = fields.Float()
    extra_units = fields.Float(metadata={"description": "Extra sales expected in the horizon"})


class PromptExplanationSchema(BaseSchema):
    """The inputs of the order-up-to formula, so the rep can tell the owner why."""

    daily_rate = fields.Float(metadata={"description": "Ordinary (non-promotion) units/day"})
    daily_trend = fields.Float(metadata={"description": "Log growth per day"})
    dispersion = fields.Float(metadata={"description": "Variance/mean of daily sales"})
    rate_source = EnumValue(RateSource)
    prior_basis = fields.String(allow_none=True)
    observed_days = fields.Float()
    intervals = fields.Integer(metadata={"description": "Count-to-count intervals used"})
    discarded_counts = fields.List(
        fields.String(), metadata={"description": "Counts dropped as miscounts"}
    )
    suspect_count = fields.String(allow_none=True)
    on_hand = fields.Integer()
    on_hand_source = EnumValue(OnHandSource)
    on_hand_as_of = fields.String(allow_none=True)
    on_order = fields.Integer()
    on_order_expected = fields.Float()
    days_of_cover = fields.Float(allow_none=True)
    review_days_planned = fields.Integer(metadata={"description": "Days until the next visit"})
    review_days_expected = fields.Float(metadata={"description": "... allowing for skips"})
    review_source = EnumValue(VisitPlanSource)
    skip_rate = fields.Float()
    lead_time_stated_days = fields.Integer()
    lead_time_mean_days = fields.Float(metadata={"description": "As the dealer really delivers"})
    dealer_late_share = fields.Float()
    dealer_short_ship_share = fields.Float()
    dealer_observed_lines = fields.Integer()
    horizon_days = fields.Float()
    expected_demand = fields.Float()
    safety_stock = fields.Float()
    order_up_to = fields.Integer()
    short_ship_allowance = fields.Integer()
    need = fields.Float()
    service_level = fields.Float()
    service_measure = EnumValue(ServiceMeasure)
    expected_service = fields.Float()
    promotions = fields.List(fields.Nested(PromptPromotionSchema))
    notes = fields.List(fields.String())


class ReorderPromptSchema(BaseSchema):
    product_id = fields.UUID()
    sku = fields.String()
    name = fields.String()
    action = Enum(PromptAction)
    quantity = fields.Integer(metadata={"description": "Suggested units, whole cases"})
    cases = fields.Integer()
    case_pack = fields.Integer()
    urgent = fields.Boolean(metadata={"description": "Runs out before a later order arrives"})
    unit_price = Money(allow_none=True)
    summary = fields.String()
    explanation = fields.Nested(PromptExplanationSchema)


class StorePromptsSchema(BaseSchema):
    store_id = fields.UUID()
    dealer_id = fields.UUID(allow_none=True)
    generated_at = fields.AwareDateTime()
    next_visit_on = fields.Date()
    next_visit_source = Enum(VisitPlanSource)
    minimum_effect = Enum(MinimumEffect, allow_none=True)
    minimum_note = fields.String()
    prompts = fields.List(fields.Nested(ReorderPromptSchema))


# --- requests ------------------------------------------------------------------------------


class RequestLineCreateSchema(BaseSchema):
    product_id = fields.UUID(required=True)
    quantity = Int(1, 1_000_000, required=True, metadata={"description": "Units"})


class PromptShownSchema(BaseSchema):
    """A prompt as the phone showed it; the server works out accepted/changed/declined."""

    product_id = fields.UUID(required=True)
    suggested_quantity = Int(0, 1_000_000, required=True)
    decline_reason = Text(500, allow_none=True)
    explanation = fields.Dict(
        keys=fields.String(validate=validate.Length(max=64)),
        load_default=dict,
        metadata={"description": "The explanation as shown (kept with the decision)"},
    )


class ReorderRequestCreateSchema(BaseSchema):
    id = ClientId()
    visit_id = fields.UUID(required=True)
    lines = fields.List(
        fields.Nested(RequestLineCreateSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_LINES),
    )
    prompts = fields.List(
        fields.Nested(PromptShownSchema),
        validate=validate.Length(max=MAX_LINES),
        metadata={
            "description": "The prompts the rep was shown. Omitted: the server's prompts "
            "at receipt are used to record what the rep did with each."
        },
    )
    client_total = Money(
        allow_none=True,
        metadata={"description": "The phone's total; a different server total is flagged"},
    )
    note = Text(2000, allow_none=True)
    recorded_at = RecordedAt()

    @validates_schema
    def _distinct_products(self, data: dict[str, Any], **_kw: Any) -> None:
        ids = [line["product_id"] for line in data.get("lines", [])]
        if len(ids) != len(set(ids)):
            raise ValidationError("Each product may appear on one line only.", "lines")


class DeclinedPromptsSchema(BaseSchema):
    visit_id = fields.UUID(required=True)
    prompts = fields.List(
        fields.Nested(PromptShownSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_LINES),
    )


class PromptDecisionSchema(BaseSchema):
    id = fields.UUID()
    visit_id = fields.UUID()
    request_id = fields.UUID(allow_none=True)
    store_id = fields.UUID()
    product_id = fields.UUID()
    outcome = Enum(PromptOutcome)
    suggested_quantity = fields.Integer()
    ordered_quantity = fields.Integer()
    decline_reason = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime()


class RequestLineSchema(BaseSchema):
    id = fields.UUID()
    product_id = fields.UUID()
    quantity = fields.Integer()
    cases = fields.Integer()
    case_pack = fields.Integer()
    unit_price = Money()
    price_valid_from = fields.Date()
    line_total = Money()
    delivered_quantity = fields.Integer()


class ReorderRequestSchema(BaseSchema):
    id = fields.UUID()
    version = fields.Integer()
    store_id = fields.UUID()
    dealer_id = fields.UUID()
    rep_id = fields.UUID()
    visit_id = fields.UUID()
    status = Enum(RequestStatus)
    held_reason = Enum(HoldReason, allow_none=True)
    held_detail = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    total = Money(metadata={"description": "Priced by the server from the price list in force"})
    client_total = Money(allow_none=True)
    total_mismatch = fields.Boolean(metadata={"description": "The phone's total differed"})
    recorded_at = fields.AwareDateTime(metadata={"description": "Phone time the order was taken"})
    received_at = fields.AwareDateTime()
    submitted_at = fields.AwareDateTime(allow_none=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    promised_delivery_on = fields.Date(allow_none=True)
    first_delivery_at = fields.AwareDateTime(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    cannot_fill_at = fields.AwareDateTime(allow_none=True)
    cannot_fill_reason = fields.String(allow_none=True)
    new_delivery_on = fields.Date(allow_none=True)
    rejected_at = fields.AwareDateTime(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(RequestLineSchema))


class RequestEventSchema(BaseSchema):
    at = fields.AwareDateTime()
    actor_id = fields.UUID(allow_none=True)
    actor_role = Enum(Role, allow_none=True)
    action = fields.String()
    from_status = Enum(RequestStatus, allow_none=True)
    to_status = Enum(RequestStatus)
    details = fields.Dict()


class ReorderRequestDetailSchema(ReorderRequestSchema):
    events = fields.List(fields.Nested(RequestEventSchema), metadata={"description": "History"})


class ReorderRequestQueryArgsSchema(BaseSchema):
    status = Enum(RequestStatus)
    store_id = fields.UUID()
    dealer_id = fields.UUID()
    rep_id = fields.UUID()
    visit_id = fields.UUID()
    from_date = Day(metadata={"description": "Taken on or after this day (UTC)"})
    to_date = Day(metadata={"description": "Taken on or before this day (UTC)"})


class ConfirmSchema(BaseSchema):
    promised_delivery_on = Day(required=True)


class CannotFillSchema(BaseSchema):
    reason = Name(2000, required=True)
    new_delivery_on = Day(allow_none=True, metadata={"description": "When it can be filled"})


class RejectSchema(BaseSchema):
    reason = Name(2000, required=True)


class CancelSchema(BaseSchema):
    reason = Text(2000, allow_none=True)


class EmptySchema(BaseSchema):
    pass


class DeliveredLineSchema(BaseSchema):
    product_id = fields.UUID(required=True)
    quantity = Int(0, 1_000_000, required=True)


class DeliverSchema(BaseSchema):
    lines = fields.List(
        fields.Nested(DeliveredLineSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_LINES),
    )
    delivered_at = ClientTime(metadata={"description": "When it arrived (default: now)"})


# --- webhooks ------------------------------------------------------------------------------


class WebhookCreateSchema(BaseSchema):
    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=2000),
    )
    secret = Text(
        200,
        min_length=16,
        load_only=True,
        metadata={"description": "HMAC key (default: generated and returned once)"},
    )
    description = Text(200, allow_none=True)
    active = fields.Boolean(load_default=True)


class WebhookSchema(BaseSchema):
    id = fields.UUID()
    dealer_id = fields.UUID()
    url = fields.String()
    description = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = fields.AwareDateTime()


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(
        metadata={"description": "Signing key: X-Fieldsales-Signature t=..,v1=HMAC-SHA256"}
    )
