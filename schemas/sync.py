"""The offline sync batch: a day of a phone's work, one operation per item.

An item's `payload` is the body of the matching single-record operation, without the `id`
(the item's own `id` is that) and without `sent_at` (the batch has one); records under a visit
add `visit_id`. A malformed item does not fail the batch: it is answered as rejected."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, utils, validate

from fieldsales.domain.sync import ItemStatus, SyncOp
from schemas import BaseSchema
from schemas.common import ProblemSchema
from schemas.reorders import ReorderRequestCreateSchema
from schemas.visits import (
    ClientTime,
    ObservationCreateSchema,
    PaymentCreateSchema,
    ProblemResolutionSchema,
    PurposeCreateSchema,
    SkippedVisitCreateSchema,
    StockCountCreateSchema,
    TrainingCreateSchema,
    VisitCheckInSchema,
    VisitCheckOutSchema,
    VisitProblemCreateSchema,
)

MAX_ITEMS = 2000


def payload_schema(body: type[Schema], *, parent: str | None = None) -> Schema:
    """The single-record body as a sync payload: no id, no sent_at, plus the parent id."""
    extra = {parent: fields.UUID(required=True)} if parent else {}
    name = body.__name__.removesuffix("Schema") + "SyncPayloadSchema"
    cls = type(name, (body,), extra)
    dropped = tuple(f for f in ("id", "sent_at") if f in cls._declared_fields)
    return cls(exclude=dropped)


PAYLOADS: dict[SyncOp, Schema] = {
    SyncOp.CHECK_IN: payload_schema(VisitCheckInSchema),
    SyncOp.CHECK_OUT: payload_schema(VisitCheckOutSchema),
    SyncOp.SKIP: payload_schema(SkippedVisitCreateSchema),
    SyncOp.PURPOSE: payload_schema(PurposeCreateSchema, parent="visit_id"),
    SyncOp.OBSERVATION: payload_schema(ObservationCreateSchema, parent="visit_id"),
    SyncOp.PROBLEM: payload_schema(VisitProblemCreateSchema, parent="visit_id"),
    SyncOp.STOCK_COUNT: payload_schema(StockCountCreateSchema, parent="visit_id"),
    SyncOp.TRAINING: payload_schema(TrainingCreateSchema, parent="visit_id"),
    SyncOp.PAYMENT: payload_schema(PaymentCreateSchema, parent="visit_id"),
    SyncOp.RESOLVE_PROBLEM: payload_schema(ProblemResolutionSchema),
    SyncOp.REORDER_REQUEST: payload_schema(ReorderRequestCreateSchema),
}

ITEM_DOC = (
    "`id` is the record's client id; for visit.check_out it is the visit's id, for "
    "problem.resolve the problem's. Payloads: visit.check_in = VisitCheckIn, visit.check_out "
    "= VisitCheckOut, visit.skip = SkippedVisitCreate, visit.purpose = PurposeCreate, "
    "visit.observation = ObservationCreate, visit.problem = VisitProblemCreate, visit.stock_count "
    "= StockCountCreate, visit.training = TrainingCreate, visit.payment = PaymentCreate "
    "(each without id/sent_at; records under a visit add visit_id), problem.resolve = "
    "ProblemResolution, reorder.request = ReorderRequestCreate (its visit_id included)."
)


class SyncItemSchema(BaseSchema):
    op = fields.Enum(SyncOp, by_value=True, required=True)
    id = fields.UUID(required=True)
    payload = fields.Dict(keys=fields.String(), required=True)

    @post_load
    def _load_payload(self, data: dict[str, Any], **_kw: object) -> dict[str, Any]:
        try:
            data["payload"] = PAYLOADS[data["op"]].load(data["payload"])
        except ValidationError as exc:
            raise ValidationError({"payload": exc.messages}) from exc
        return data


@dataclass(frozen=True, slots=True)
class MalformedItem:
    """An item that failed validation, kept in its place so the answer can say so."""

    raw: Any
    messages: Any

    @property
    def client_id(self) -> str | None:
        raw_id = self.raw.get("id") if isinstance(self.raw, dict) else None
        return raw_id if isinstance(raw_id, str) and len(raw_id) <= 64 else None

    @property
    def op(self) -> str | None:
        raw_op = self.raw.get("op") if isinstance(self.raw, dict) else None
        return raw_op if isinstance(raw_op, str) and len(raw_op) <= 64 else None


class EachItem(fields.List):
    """A list whose invalid elements become MalformedItem instead of failing the list."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not utils.is_collection(value):
            raise self.make_error("invalid")
        out: list[Any] = []
        for each in value:
            try:
                out.append(self.inner.deserialize(each, **kwargs))
            except ValidationError as exc:
                out.append(MalformedItem(each, exc.messages))
        return out


class SyncBatchSchema(BaseSchema):
    sent_at = ClientTime(
        required=True,
        metadata={"description": "Phone time when the batch was sent (measures its clock)"},
    )
    items = EachItem(
        fields.Nested(SyncItemSchema, metadata={"description": ITEM_DOC}),
        required=True,
        validate=validate.Length(min=1, max=MAX_ITEMS),
    )


class SyncItemResultSchema(BaseSchema):
    index = fields.Integer(metadata={"description": "Position of the item in the batch"})
    op = fields.String(allow_none=True)
    id = fields.String(allow_none=True)
    status = fields.Enum(ItemStatus, by_value=True)
    problem = fields.Nested(
        ProblemSchema, allow_none=True, metadata={"description": "Why: retry or rejected"}
    )


class SyncCountsSchema(BaseSchema):
    applied = fields.Integer()
    duplicate = fields.Integer()
    retry = fields.Integer()
    rejected = fields.Integer()


class SyncResultSchema(BaseSchema):
    received_at = fields.AwareDateTime(metadata={"description": "Server time of receipt"})
    counts = fields.Nested(SyncCountsSchema)
    items = fields.List(fields.Nested(SyncItemResultSchema))
