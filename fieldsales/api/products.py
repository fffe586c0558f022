"""Products (SKUs) and their case packs."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from fieldsales import db
from fieldsales.api.crud import CrudSpec, register_crud
from fieldsales.api.uploads import documented_import, import_limits, read_csv_upload
from fieldsales.auth import utcnow
from fieldsales.domain.types import Role
from fieldsales.extensions import Blueprint
from fieldsales.services import imports
from schemas.imports import ImportArgsSchema, ImportReportSchema
from schemas.master import (
    PriceCreateSchema,
    ProductCreateSchema,
    ProductPatchSchema,
    ProductQueryArgsSchema,
    ProductSchema,
)

blp = Blueprint(
    "products", __name__, url_prefix="/api/v1", description="Products (SKUs) and their case packs"
)

register_crud(
    blp,
    CrudSpec(
        name="products",
        label="product",
        schema=ProductSchema,
        create_schema=ProductCreateSchema,
        patch_schema=ProductPatchSchema,
        query_schema=ProductQueryArgsSchema,
    ),
)

PRODUCT_CSV_NOTES = (
    "Rows are upserted by `sku`. `unit_price` (a decimal like 12.50) adds a price-list row "
    "valid from `price_valid_from` (YYYY-MM-DD; default today), unless that price is "
    "already in force then. An empty cell clears a nullable column and otherwise means "
    "'not given'."
)


@blp.route("/products/import")
class ProductImport(MethodView):
    @documented_import(
        blp,
        summary="Import products and prices from a CSV file",
        columns=imports.product_columns(ProductCreateSchema()),
        notes=PRODUCT_CSV_NOTES,
    )
    @blp.roles(Role.ADMIN)
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.response(200, ImportReportSchema)
    def post(self, args: dict[str, Any]) -> Any:
        report = imports.import_products(
            db.session,
            read_csv_upload(),
            product_schema=ProductCreateSchema(),
            price_schema=PriceCreateSchema(),
            dry_run=args["dry_run"],
            limits=import_limits(),
            today=utcnow().date(),
        )
        if not args["dry_run"]:
            db.session.commit()
        return report
