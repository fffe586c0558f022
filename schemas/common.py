"""Schemas shared by every resource: the problem body and common query args."""

from __future__ import annotations

from marshmallow import INCLUDE, fields

from schemas import BaseSchema, Text


class FieldErrorSchema(BaseSchema):
    path = fields.String(metadata={"description": "Where: location and field path, e.g. json.lat"})
    message = fields.String()


class ProblemSchema(BaseSchema):
    """RFC 9457 problem details. Some problems carry extension members (e.g. `stores`)."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"example": "/problems/not-found"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    request_id = fields.String(allow_none=True)
    errors = fields.List(fields.Nested(FieldErrorSchema))


class SearchArgsSchema(BaseSchema):
    q = Text(100, metadata={"description": "Case-insensitive text search"})
    active = fields.Boolean(
        metadata={"description": "Only active (true) or inactive (false) records"}
    )
