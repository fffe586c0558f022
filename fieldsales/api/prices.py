"""The price list: unit price per product from a date on."""

from __future__ import annotations

from fieldsales.api.crud import CrudSpec, register_crud
from fieldsales.extensions import Blueprint
from schemas.master import PriceCreateSchema, PricePatchSchema, PriceQueryArgsSchema, PriceSchema

blp = Blueprint(
    "prices",
    __name__,
    url_prefix="/api/v1",
    description="The price list: unit price per product from a date on",
)

register_crud(
    blp,
    CrudSpec(
        name="prices",
        label="price",
        schema=PriceSchema,
        create_schema=PriceCreateSchema,
        patch_schema=PricePatchSchema,
        query_schema=PriceQueryArgsSchema,
        # A wrong price is corrected by a newer row, never removed: orders were priced by it.
        deactivatable=False,
    ),
)
