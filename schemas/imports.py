"""CSV import: query args and the per-line report (also carried by the 422 problem)."""

from __future__ import annotations

from marshmallow import fields

from fieldsales.domain.csv_import import ImportAction
from schemas import BaseSchema


class ImportArgsSchema(BaseSchema):
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "true: only validate and report; nothing is written"},
    )


class ImportFieldErrorSchema(BaseSchema):
    field = fields.String(
        required=True,
        metadata={"description": "The CSV column, or `_row` for the row as a whole"},
    )
    message = fields.String(required=True)


class ImportLineSchema(BaseSchema):
    line = fields.Integer(
        required=True, metadata={"description": "Line in the file; the header is line 1"}
    )
    key = fields.String(allow_none=True, metadata={"description": "The row's code or SKU"})
    action = fields.Enum(ImportAction, by_value=True, required=True)
    changed = fields.List(fields.String(), metadata={"description": "Columns an update changes"})
    errors = fields.List(fields.Nested(ImportFieldErrorSchema))


class ImportReportSchema(BaseSchema):
    resource = fields.String(required=True, metadata={"example": "stores"})
    dry_run = fields.Boolean(required=True)
    ok = fields.Boolean(required=True, metadata={"description": "No line is invalid"})
    rows = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    invalid = fields.Integer(required=True)
    lines = fields.List(fields.Nested(ImportLineSchema), required=True)
