"""Our flask-smorest Api and Blueprint: the error format, auth and its documentation,
ETag/If-Match, and SQL pagination live here once instead of in every view."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

import flask_smorest
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Response, current_app, request
from flask_smorest.pagination import Page, PaginationMetadataSchema
from flask_smorest.utils import prepare_response
from sqlalchemy import Select, func, select

from fieldsales import db
from fieldsales.domain.errors import InvalidInput, PermissionDenied, PreconditionFailed
from fieldsales.domain.types import Role
from schemas import MoneyField
from schemas.common import ProblemSchema

F = TypeVar("F", bound=Callable[..., Any])

PROBLEM_CONTENT_TYPE = "application/problem+json"
PUBLIC_ATTR = "_fieldsales_public"
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
# Response headers worth replaying with a stored response.
REPLAYED_HEADERS = ("ETag", "Location")
ROLES_ATTR = "_fieldsales_roles"


def schema_name_resolver(schema: Any) -> str:
    """Component names without the 'Schema' suffix; partial/only variants get their own name."""
    cls = resolve_schema_cls(schema)
    name = cls.__name__.removesuffix("Schema")
    if getattr(schema, "partial", False):
        name += "Patch"
    return name or cls.__name__


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def init_app(self, app: Any, *args: Any, **kwargs: Any) -> None:
        super().init_app(app, *args, **kwargs)
        self.register_field(MoneyField, "string", "decimal")

    def _register_pagination_header(self) -> None:
        # X-Pagination carries JSON. flask-smorest documents it with a plain `schema`, which
        # in OpenAPI 3 means the "simple" style (k,v,k,v): clients and schemathesis then
        # read the JSON wrongly. `content` is how OpenAPI says "this header is JSON".
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata (JSON)",
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )

    def _register_error_handlers(self) -> None:
        """fieldsales.problems owns error rendering for the whole app."""

    def _register_responses(self) -> None:
        # Same as flask-smorest's, but error bodies are documented as problem+json.
        import http

        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (RFC 9457 problem)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class Blueprint(flask_smorest.Blueprint):
    def public(self, func: F) -> F:
        """No token needed (health, login, refresh)."""
        setattr(func, PUBLIC_ATTR, True)
        return self.doc(security=[])(func)

    def roles(self, *roles: Role) -> Callable[[F], F]:
        """Only these roles may call the operation; others get 403. Scope (what a caller
        may see at all) is separate: fieldsales.services.scope."""
        allowed = frozenset(roles)

        def decorator(func: F) -> F:
            @functools.wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                require_roles(allowed)
                return func(*args, **kwargs)

            setattr(wrapper, ROLES_ATTR, allowed)
            return self.roles_doc(*allowed)(wrapper)

        return decorator

    def item_roles(self, model: type, param: str, *roles: Role) -> Callable[[F], F]:
        """`roles` for an operation on one row (the path parameter `param`), checked in this
        order: outside the caller's scope -> 404 (a 403 would confirm that it exists), a role
        that may not do it -> 403, then the body (422). A read by an allowed role skips the
        up-front lookup: it has no body, and the view's own scoped lookup answers the 404."""
        allowed = frozenset(roles)

        def decorator(func: F) -> F:
            @functools.wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                from fieldsales.auth import current_actor
                from fieldsales.services import scope

                actor = current_actor()
                if actor.role not in allowed or request.method != "GET":
                    scope.get_visible(db.session, model, kwargs[param], actor)
                    require_roles(allowed)
                return func(*args, **kwargs)

            setattr(wrapper, ROLES_ATTR, allowed)
            return self.roles_doc(*allowed)(wrapper)

        return decorator

    def roles_doc(self, *roles: Role) -> Callable[[F], F]:
        """Only the documentation half of `roles`, for views that call `require_roles`
        themselves (after a scope check, so that out of scope is 404 before 403)."""
        doc = f"Roles: {', '.join(sorted(r.value for r in roles))}."
        return self.doc(description=doc)  # type: ignore[no-any-return]

    def idempotent(self, func: F) -> F:
        """Honour an Idempotency-Key header: the first 2xx answer to (caller, key) is stored
        and repeated for the same request; the key with another request is a 422. Put it
        under `roles` and above `arguments`/`response`."""

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = request.headers.get(IDEMPOTENCY_HEADER)
            if key is None:
                return func(*args, **kwargs)
            from fieldsales.auth import current_actor, utcnow
            from fieldsales.services import idempotency

            if not IDEMPOTENCY_KEY_RE.match(key):
                raise InvalidInput(
                    "Idempotency-Key must be 1-255 visible ASCII characters.",
                    errors=[{"path": "headers.Idempotency-Key", "message": "Malformed."}],
                )
            user_id, now = current_actor().user_id, utcnow()
            request_hash = idempotency.fingerprint(request.method, request.path, request.get_data())
            stored = idempotency.find(
                db.session,
                user_id=user_id,
                key=key,
                request_hash=request_hash,
                now=now,
                ttl_s=int(current_app.config["IDEMPOTENCY_KEY_TTL_S"]),
            )
            if stored is not None:
                return Response(
                    stored.body,
                    status=stored.status_code,
                    headers={**stored.headers, "Idempotent-Replayed": "true"},
                    mimetype="application/json",
                )
            response: Response = func(*args, **kwargs)
            if 200 <= response.status_code < 300:
                idempotency.remember(
                    db.session,
                    user_id=user_id,
                    key=key,
                    request_hash=request_hash,
                    status_code=response.status_code,
                    body=response.get_data(as_text=True),
                    headers={
                        h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers
                    },
                    now=now,
                )
                db.session.commit()
            return response

        return self._header_doc(
            wrapper,  # type: ignore[arg-type]
            {
                "in": "header",
                "name": IDEMPOTENCY_HEADER,
                "required": False,
                "schema": {"type": "string", "maxLength": 255},
                "description": "Any unique string per intended operation. A retry with the "
                "same key and body gets the first response again (`Idempotent-Replayed: "
                "true`); the same key with another body is a 422.",
            },
        )

    def etag_checked(self, func: F) -> F:
        """Document If-Match on a write; the view calls `check_if_match(obj)`."""
        return self._header_doc(
            func,
            {
                "in": "header",
                "name": "If-Match",
                "required": False,
                "schema": {"type": "string"},
                "description": "ETag from a previous read; a stale value gets 412.",
            },
        )

    def _header_doc(self, func: F, parameter: dict[str, Any]) -> F:
        """Document a header, keeping headers other decorators documented (`doc` would
        replace the list)."""
        manual = getattr(func, "_apidoc", {}).get("manual_doc", {})
        return self.doc(parameters=[*manual.get("parameters", []), parameter])(func)


def require_roles(allowed: frozenset[Role]) -> None:
    """403 unless the caller has one of these roles."""
    from fieldsales.auth import current_actor

    if current_actor().role not in allowed:
        raise PermissionDenied(f"Only {', '.join(sorted(r.value for r in allowed))} may do this.")


def etag_for(obj: Any) -> str:
    return f'"{obj.version}"'


def with_etag(obj: Any) -> tuple[Any, dict[str, str]]:
    """A view's return value for a single versioned resource: the body plus its ETag."""
    return obj, {"ETag": etag_for(obj)}


def check_if_match(obj: Any) -> None:
    """Optimistic concurrency: If-Match is optional, but a stale one is refused with 412."""
    if request.if_match and not request.if_match.contains(str(obj.version)):
        if not request.if_match.star_tag:
            raise PreconditionFailed(
                f"The resource is at version {obj.version}; re-read it and apply your change again."
            )


class SelectPage(Page):
    """flask-smorest pagination over a SQLAlchemy Select: COUNT(*) for the header, then
    LIMIT/OFFSET for the page."""

    @property
    def items(self) -> list[Any]:
        stmt: Select[Any] = self.collection
        return list(
            db.session.scalars(
                stmt.limit(self.page_params.page_size).offset(self.page_params.first_item)
            )
        )

    @property
    def item_count(self) -> int:
        stmt: Select[Any] = self.collection
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
        return int(db.session.scalar(count_stmt) or 0)


api = Api()
