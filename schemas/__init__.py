"""marshmallow 4 schemas: the wire contract (request bodies, responses, query args).

Field helpers here bound every value the database would refuse (length, NUL bytes, integer
and money ranges), so bad input is a 422 from the schema, never a database error.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, missing, validate

MAX_MONEY = Decimal("999999999999.99")
PG_INT_MAX = 2_147_483_647


def _no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError("NUL characters are not allowed.")


def _encodable(value: str) -> None:
    # JSON can carry a lone UTF-16 surrogate ("\ud800"); it has no UTF-8 form, so the
    # database driver would fail on it with a 500.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError("Not valid Unicode text (lone surrogate).") from exc


def Text(max_length: int, *, min_length: int = 0, **kwargs: Any) -> fields.String:  # noqa: N802
    """A string bounded like its column; NUL and lone surrogates are refused (PostgreSQL
    cannot store them)."""
    extra = kwargs.pop("validate", None)
    validators = [validate.Length(min=min_length, max=max_length), _no_nul, _encodable]
    validators += extra if isinstance(extra, list) else [extra] if extra else []
    return fields.String(validate=validators, **kwargs)


def Name(max_length: int = 200, **kwargs: Any) -> fields.String:  # noqa: N802
    """A required-looking label: at least one character."""
    return Text(max_length, min_length=1, **kwargs)


def Int(minimum: int = 0, maximum: int = PG_INT_MAX, **kwargs: Any) -> fields.Integer:  # noqa: N802
    """Strict by default (a JSON "5" is not a number); query args arrive as strings, so
    their schemas pass strict=False."""
    kwargs.setdefault("strict", True)
    return fields.Integer(validate=validate.Range(min=minimum, max=maximum), **kwargs)


class MoneyField(fields.Decimal):
    """Money as a decimal string on the wire ("12.50"): exact, never a float. Documented as
    a string with a pattern (a `minimum` on a string would be invalid OpenAPI)."""

    PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
    default_error_messages = {"invalid": 'A decimal string with at most 2 places, e.g. "12.50".'}

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": self.PATTERN, "example": "12.50", **kwargs.pop("metadata", {})}
        super().__init__(places=2, as_string=True, allow_nan=False, metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        # Enforce the documented pattern: Decimal alone would take a float (inexact) and
        # silently round "12.345" to 12.34.
        if not isinstance(value, str) or not re.fullmatch(self.PATTERN, value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)

    def _validated(self, value: Any) -> Decimal:
        amount = super()._validated(value)
        if amount is not None and not (Decimal("0") <= amount <= MAX_MONEY):
            raise self.make_error("invalid")
        return amount


def Money(**kwargs: Any) -> MoneyField:  # noqa: N802
    return MoneyField(**kwargs)


def SignedMoney(**kwargs: Any) -> fields.Decimal:  # noqa: N802
    """A money amount that may be negative (a store that paid ahead owes less than
    nothing); responses only."""
    metadata = {
        "type": "string",
        "pattern": r"^-?[0-9]{1,12}\.[0-9]{2}$",
        "example": "-12.50",
        **kwargs.pop("metadata", {}),
    }
    return fields.Decimal(places=2, as_string=True, dump_only=True, metadata=metadata, **kwargs)


def Latitude(**kwargs: Any) -> fields.Float:  # noqa: N802
    return fields.Float(allow_nan=False, validate=validate.Range(min=-90, max=90), **kwargs)


def Longitude(**kwargs: Any) -> fields.Float:  # noqa: N802
    return fields.Float(allow_nan=False, validate=validate.Range(min=-180, max=180), **kwargs)


class BaseSchema(Schema):
    """Unknown fields are an error: a typo in a field name must not silently do nothing."""


class ResourceSchema(BaseSchema):
    """Fields every stored resource returns."""

    id = fields.UUID(dump_only=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


def patch_schema(create_schema: type[Schema]) -> type[Schema]:
    """The PATCH twin of a create schema: same fields and validators, none required, no
    defaults filled in (an absent field means 'leave as is')."""
    overrides: dict[str, Any] = {}
    for name, field in create_schema._declared_fields.items():
        if field.dump_only:
            continue
        optional = copy.copy(field)
        optional.required = False
        optional.load_default = missing
        overrides[name] = optional
    name = create_schema.__name__.replace("CreateSchema", "PatchSchema")
    return type(name, (create_schema,), overrides)
