"""Promotions: mechanics, targets, dates and gifts."""

from __future__ import annotations

from fieldsales.api.crud import CrudSpec, register_crud
from fieldsales.extensions import Blueprint
from schemas.master import (
    PromotionCreateSchema,
    PromotionPatchSchema,
    PromotionQueryArgsSchema,
    PromotionSchema,
)

blp = Blueprint(
    "promotions",
    __name__,
    url_prefix="/api/v1",
    description="Promotions: mechanics, targets, dates and gifts",
)

register_crud(
    blp,
    CrudSpec(
        name="promotions",
        label="promotion",
        schema=PromotionSchema,
        create_schema=PromotionCreateSchema,
        patch_schema=PromotionPatchSchema,
        query_schema=PromotionQueryArgsSchema,
    ),
)
