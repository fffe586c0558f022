"""One registrar for the master-data resources, which share the same five operations:
list (filtered, paginated), create, read, update (If-Match), deactivate. Writing them out
per resource would be seven copies of the same views."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from flask.views import MethodView
from marshmallow import Schema

from fieldsales import db
from fieldsales.auth import current_actor
from fieldsales.db.models import Store
from fieldsales.domain.types import Role
from fieldsales.extensions import (
    Blueprint,
    SelectPage,
    check_if_match,
    require_roles,
    with_etag,
)
from fieldsales.services import master, scope

ADMIN_ONLY = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class CrudSpec:
    name: str  # URL segment and key in master.RESOURCES, e.g. "stores"
    label: str  # singular for docs, e.g. "store"
    schema: type[Schema]
    create_schema: type[Schema]
    patch_schema: type[Schema]
    query_schema: type[Schema]
    deactivatable: bool = True


def register_crud(blp: Blueprint, spec: CrudSpec) -> None:
    resource = master.RESOURCES[spec.name]
    model = resource.model
    admin_only = blp.roles(Role.ADMIN)

    def load(item_id: uuid.UUID) -> Any:
        return scope.get_visible(db.session, model, item_id, current_actor())

    def admin_item_write(func: Any) -> Any:
        """Writes on one item check, in this order: out of scope -> 404 (the caller must not
        learn it exists), not an admin -> 403, then the body (422). The view gets the row."""

        @functools.wraps(func)
        def wrapper(self: Any, *args: Any, item_id: uuid.UUID, **kwargs: Any) -> Any:
            obj = load(item_id)
            require_roles(ADMIN_ONLY)
            return func(self, *args, obj=obj, **kwargs)

        return blp.roles_doc(*ADMIN_ONLY)(wrapper)

    @blp.route(f"/{spec.name}")
    class Collection(MethodView):
        @blp.doc(summary=f"List {spec.name} you can see")
        @blp.arguments(spec.query_schema, location="query")
        @blp.response(200, spec.schema(many=True))
        @blp.paginate(SelectPage, page_size=50, max_page_size=500)
        def get(self, args: dict[str, Any]) -> Any:
            actor = current_actor()
            if "store_id" in args:
                # Filtering by a store you cannot see would tell you about it: 404, as for
                # the store itself.
                scope.get_visible(db.session, Store, args["store_id"], actor)
            stmt = scope.scoped(master.select_all(model), model, actor)
            return resource.filter(stmt, args)

        @blp.doc(summary=f"Create a {spec.label}")
        @admin_only
        @blp.arguments(spec.create_schema)
        @blp.response(201, spec.schema)
        def post(self, data: dict[str, Any]) -> Any:
            obj = master.create(db.session, resource, data)
            db.session.commit()
            return with_etag(obj)

    def get(self: Any, item_id: uuid.UUID) -> Any:
        return with_etag(load(item_id))

    def patch(self: Any, data: dict[str, Any], obj: Any) -> Any:
        check_if_match(obj)
        master.update(db.session, resource, obj, data)
        db.session.commit()
        return with_etag(obj)

    def delete(self: Any, obj: Any) -> None:
        check_if_match(obj)
        master.deactivate(db.session, obj)
        db.session.commit()

    methods: dict[str, Any] = {
        "get": blp.doc(summary=f"Read a {spec.label}")(blp.response(200, spec.schema)(get)),
        "patch": blp.doc(summary=f"Update a {spec.label}")(
            admin_item_write(
                blp.etag_checked(
                    blp.arguments(spec.patch_schema)(blp.response(200, spec.schema)(patch))
                )
            )
        ),
    }
    if spec.deactivatable:
        methods["delete"] = blp.doc(
            summary=f"Deactivate a {spec.label}",
            description="Kept for history (visits and orders point at it); it stops showing "
            "as active.",
        )(admin_item_write(blp.etag_checked(blp.response(204)(delete))))
    item_view = type(f"{spec.label.title()}ById", (MethodView,), methods)
    blp.route(f"/{spec.name}/<uuid:item_id>")(item_view)
