"""Stores: location, owner windows, grade, terms and credit."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from fieldsales import db
from fieldsales.api.crud import CrudSpec, register_crud
from fieldsales.api.uploads import documented_import, import_limits, read_csv_upload
from fieldsales.domain.types import Role
from fieldsales.extensions import Blueprint
from fieldsales.services import imports
from schemas.imports import ImportArgsSchema, ImportReportSchema
from schemas.master import StoreCreateSchema, StorePatchSchema, StoreQueryArgsSchema, StoreSchema

blp = Blueprint(
    "stores",
    __name__,
    url_prefix="/api/v1",
    description="Stores: location, owner windows, grade, terms and credit",
)

register_crud(
    blp,
    CrudSpec(
        name="stores",
        label="store",
        schema=StoreSchema,
        create_schema=StoreCreateSchema,
        patch_schema=StorePatchSchema,
        query_schema=StoreQueryArgsSchema,
    ),
)

STORE_CSV_NOTES = (
    "Rows are upserted by `code`. `dealer_code` and `rep_username` name the dealer and the "
    "rep. `owner_windows` and `opening_hours` are written like "
    "'Mon-Fri 09:00-09:30; Sat 10:00-11:00' (store-local time). An empty cell clears a "
    "nullable column and otherwise means 'not given' (the default for a new store, no "
    "change for an existing one)."
)


@blp.route("/stores/import")
class StoreImport(MethodView):
    @documented_import(
        blp,
        summary="Import stores from a CSV file",
        columns=imports.store_columns(StoreCreateSchema()),
        notes=STORE_CSV_NOTES,
    )
    @blp.roles(Role.ADMIN)
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.response(200, ImportReportSchema)
    def post(self, args: dict[str, Any]) -> Any:
        report = imports.import_stores(
            db.session,
            read_csv_upload(),
            schema=StoreCreateSchema(),
            dry_run=args["dry_run"],
            limits=import_limits(),
        )
        if not args["dry_run"]:
            db.session.commit()
        return report
