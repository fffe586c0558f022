"""Dealers, stores, products, the price list and promotions."""

from __future__ import annotations

import re
import zoneinfo

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from fieldsales.domain.types import GiftAllocation, Grade, PaymentTerms
from schemas import (
    BaseSchema,
    Int,
    Latitude,
    Longitude,
    Money,
    Name,
    ResourceSchema,
    SignedMoney,
    Text,
    patch_schema,
)

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
KNOWN_ZONES = zoneinfo.available_timezones()


# --- dealers -----------------------------------------------------------------------------


class DealerSchema(ResourceSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.String(required=True)
    lead_time_days = fields.Integer(required=True)
    minimum_order = Money(required=True)
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    active = fields.Boolean()


class DealerCreateSchema(BaseSchema):
    code = Name(40, required=True)
    name = Name(200, required=True)
    region = Name(80, required=True)
    lead_time_days = Int(0, 60, required=True)
    minimum_order = Money(load_default="0.00")
    contact_name = Text(120, allow_none=True)
    contact_phone = Text(40, allow_none=True)
    contact_email = Text(200, allow_none=True, validate=validate.Email())
    active = fields.Boolean(load_default=True)


DealerPatchSchema = patch_schema(DealerCreateSchema)


class DealerQueryArgsSchema(BaseSchema):
    region = Text(80)
    q = Text(100)
    active = fields.Boolean()


# --- stores ------------------------------------------------------------------------------


class WeeklyWindowSchema(BaseSchema):
    """A recurring window in the store's local time, e.g. Monday 09:00–09:30."""

    weekday = Int(0, 6, required=True, metadata={"description": "0 = Monday … 6 = Sunday"})
    start = fields.String(
        required=True, validate=validate.Regexp(HHMM), metadata={"example": "09:00"}
    )
    end = fields.String(
        required=True, validate=validate.Regexp(HHMM), metadata={"example": "09:30"}
    )

    @validates_schema
    def _ordered(self, data: dict, **_kw: object) -> None:
        if data.get("start") and data.get("end") and data["start"] >= data["end"]:
            raise ValidationError("end must be after start", "end")


def Windows() -> fields.List:  # noqa: N802
    return fields.List(fields.Nested(WeeklyWindowSchema), validate=validate.Length(max=56))


class StoreSchema(ResourceSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    address = fields.String(required=True)
    region = fields.String(allow_none=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    timezone = fields.String(required=True)
    grade = fields.Enum(Grade, by_value=True, required=True)
    owner_windows = Windows()
    opening_hours = Windows()
    dwell_minutes = fields.Integer()
    appointment_required = fields.Boolean()
    geofence_radius_m = fields.Integer()
    dealer_id = fields.UUID(allow_none=True)
    rep_id = fields.UUID(allow_none=True)
    owner_name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    payment_terms = fields.Enum(PaymentTerms, by_value=True, required=True)
    credit_limit = Money()
    balance_owed = SignedMoney(
        metadata={"description": "Negative when the store has paid ahead (payments in visits)"}
    )
    notes = fields.String(allow_none=True)
    active = fields.Boolean()
    distance_m = fields.Float(
        dump_only=True, metadata={"description": "Only in `near` searches: metres from the point"}
    )


class StoreCreateSchema(BaseSchema):
    code = Name(40, required=True)
    name = Name(200, required=True)
    address = Name(300, required=True)
    region = Text(80, allow_none=True)
    lat = Latitude(required=True)
    lon = Longitude(required=True)
    timezone = fields.String(required=True, metadata={"example": "Asia/Shanghai"})
    grade = fields.Enum(Grade, by_value=True, required=True)
    owner_windows = Windows()
    opening_hours = Windows()
    dwell_minutes = Int(1, 480, load_default=20)
    appointment_required = fields.Boolean(load_default=False)
    geofence_radius_m = Int(10, 5000, load_default=150)
    dealer_id = fields.UUID(allow_none=True)
    rep_id = fields.UUID(allow_none=True)
    owner_name = Text(120, allow_none=True)
    phone = Text(40, allow_none=True)
    payment_terms = fields.Enum(PaymentTerms, by_value=True, required=True)
    credit_limit = Money(load_default="0.00")
    balance_owed = Money(load_default="0.00")
    notes = Text(4000, allow_none=True)
    active = fields.Boolean(load_default=True)

    @validates("timezone")
    def _zone(self, value: str, **_kw: object) -> None:
        if value not in KNOWN_ZONES:
            raise ValidationError("Not an IANA time zone name (e.g. Asia/Shanghai).")


StorePatchSchema = patch_schema(StoreCreateSchema)


class StoreQueryArgsSchema(BaseSchema):
    rep_id = fields.UUID()
    dealer_id = fields.UUID()
    grade = fields.Enum(Grade, by_value=True)
    region = Text(80)
    q = Text(100, metadata={"description": "Search in code, name and address"})
    active = fields.Boolean()
    near_lat = Latitude(metadata={"description": "With near_lon: nearest first"})
    near_lon = Longitude()
    within_m = Int(
        1, 200_000, strict=False, metadata={"description": "With near_*: only this close"}
    )

    @validates_schema
    def _near_pair(self, data: dict, **_kw: object) -> None:
        if ("near_lat" in data) != ("near_lon" in data):
            raise ValidationError("near_lat and near_lon go together.", "near_lat")
        if "within_m" in data and "near_lat" not in data:
            raise ValidationError("within_m needs near_lat and near_lon.", "within_m")


# --- products and prices -----------------------------------------------------------------


class ProductSchema(ResourceSchema):
    sku = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(allow_none=True)
    case_pack = fields.Integer(required=True)
    active = fields.Boolean()


class ProductCreateSchema(BaseSchema):
    sku = Name(40, required=True)
    name = Name(200, required=True)
    category = Text(80, allow_none=True)
    case_pack = Int(1, 10_000, required=True)
    active = fields.Boolean(load_default=True)


ProductPatchSchema = patch_schema(ProductCreateSchema)


class ProductQueryArgsSchema(BaseSchema):
    category = Text(80)
    q = Text(100, metadata={"description": "Search in SKU and name"})
    active = fields.Boolean()


class PriceSchema(ResourceSchema):
    product_id = fields.UUID(required=True)
    unit_price = Money(required=True)
    valid_from = fields.Date(required=True)


class PriceCreateSchema(BaseSchema):
    product_id = fields.UUID(required=True)
    unit_price = Money(required=True)
    valid_from = fields.Date(required=True)


class PricePatchSchema(BaseSchema):
    unit_price = Money(required=True)


class PriceQueryArgsSchema(BaseSchema):
    product_id = fields.UUID()
    on = fields.Date(metadata={"description": "Only the prices in force on this date"})


# --- promotions --------------------------------------------------------------------------


class GiftSchema(BaseSchema):
    description = Name(200, required=True)
    quantity = Int(1, 1_000_000, required=True)
    arrives_on = fields.Date(allow_none=True)
    allocation = fields.Enum(GiftAllocation, by_value=True, required=True)


class PromotionSchema(ResourceSchema):
    name = fields.String(required=True)
    mechanics = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    product_ids = fields.List(fields.UUID())
    store_ids = fields.List(fields.UUID())
    grades = fields.List(fields.Enum(Grade, by_value=True))
    regions = fields.List(fields.String())
    expected_uplift = fields.Float()
    gifts = fields.List(fields.Nested(GiftSchema))
    active = fields.Boolean()


class PromotionCreateSchema(BaseSchema):
    name = Name(200, required=True)
    mechanics = Name(4000, required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    product_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=500))
    store_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=5000))
    grades = fields.List(fields.Enum(Grade, by_value=True), load_default=list)
    regions = fields.List(Name(80), load_default=list, validate=validate.Length(max=100))
    expected_uplift = fields.Float(
        load_default=1.0, allow_nan=False, validate=validate.Range(min=0.1, max=20)
    )
    gifts = fields.List(
        fields.Nested(GiftSchema), load_default=list, validate=validate.Length(max=50)
    )
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _dates(self, data: dict, **_kw: object) -> None:
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("ends_on is before starts_on", "ends_on")


PromotionPatchSchema = patch_schema(PromotionCreateSchema)


class PromotionQueryArgsSchema(BaseSchema):
    on = fields.Date(metadata={"description": "Only promotions running on this date"})
    store_id = fields.UUID(metadata={"description": "Only promotions that apply to this store"})
    product_id = fields.UUID()
    active = fields.Boolean()
