"""The visit briefing: one response with what a rep needs before walking into a store."""

from __future__ import annotations

from marshmallow import fields

from fieldsales.domain.types import GiftAllocation, PaymentTerms
from fieldsales.domain.visits import GiftStatus, PaymentMethod, Purpose
from schemas import BaseSchema, Money, SignedMoney
from schemas.master import StoreSchema, WeeklyWindowSchema
from schemas.reorders import ReorderRequestSchema, StorePromptsSchema
from schemas.visits import ObservationSchema, VisitProblemSchema


class BriefingDealerSchema(BaseSchema):
    id = fields.UUID()
    code = fields.String()
    name = fields.String()
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    lead_time_days = fields.Integer()


class LastCountSchema(BaseSchema):
    product_id = fields.UUID()
    sku = fields.String()
    name = fields.String()
    shelf_qty = fields.Integer()
    backroom_qty = fields.Integer()


class LastVisitSchema(BaseSchema):
    id = fields.UUID()
    rep_id = fields.UUID()
    checked_in_at = fields.AwareDateTime()
    checked_out_at = fields.AwareDateTime(allow_none=True)
    duration_s = fields.Integer(allow_none=True)
    met_with = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    purposes = fields.List(fields.Enum(Purpose, by_value=True))
    pop = fields.Nested(
        ObservationSchema, allow_none=True, metadata={"description": "Our POP as last seen"}
    )
    problems_raised = fields.Integer()
    stock_counts = fields.List(fields.Nested(LastCountSchema))


class BriefingGiftSchema(BaseSchema):
    description = fields.String()
    quantity = fields.Integer()
    arrives_on = fields.Date(allow_none=True)
    allocation = fields.Enum(GiftAllocation, by_value=True)
    status = fields.Enum(GiftStatus, by_value=True)


class BriefingPromotionSchema(BaseSchema):
    id = fields.UUID()
    name = fields.String()
    mechanics = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    product_ids = fields.List(fields.UUID())
    gifts = fields.List(fields.Nested(BriefingGiftSchema))


class LastPaymentSchema(BaseSchema):
    amount = Money()
    method = fields.Enum(PaymentMethod, by_value=True)
    reference = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()


class MoneyPositionSchema(BaseSchema):
    payment_terms = fields.Enum(PaymentTerms, by_value=True)
    credit_limit = Money()
    balance_owed = SignedMoney()
    available_credit = SignedMoney(metadata={"description": "Credit limit minus balance owed"})
    over_limit = fields.Boolean()
    last_payment = fields.Nested(LastPaymentSchema, allow_none=True)


class BriefingSchema(BaseSchema):
    today = fields.Date(metadata={"description": "The store-local date the briefing is for"})
    store = fields.Nested(StoreSchema)
    dealer = fields.Nested(BriefingDealerSchema, allow_none=True)
    owner_windows_today = fields.List(fields.Nested(WeeklyWindowSchema))
    last_visit = fields.Nested(LastVisitSchema, allow_none=True)
    open_problems = fields.List(fields.Nested(VisitProblemSchema))
    promotions = fields.List(
        fields.Nested(BriefingPromotionSchema), metadata={"description": "In force today"}
    )
    money = fields.Nested(MoneyPositionSchema)
    pending_reorders = fields.List(
        fields.Nested(ReorderRequestSchema),
        metadata={"description": "Reorder requests not yet delivered (held ones included)"},
    )
    reorder_prompts = fields.Nested(StorePromptsSchema)
    reminders = fields.List(fields.String(), metadata={"description": "Most pressing first"})
