"""RFC 9457 problem+json for every error, in one place.

Domain exceptions map to statuses by their `code`; HTTP exceptions (including webargs'
422) are rendered in the same shape; anything unexpected is a bare 500 that leaks nothing
and is logged with the request id.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, json, request
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from fieldsales import db
from fieldsales.domain import errors as de

log = logging.getLogger("fieldsales.problems")

CONTENT_TYPE = "application/problem+json"

# Domain exception class -> HTTP status. Subclasses inherit their parent's status.
STATUS_BY_ERROR: dict[type[de.DomainError], int] = {
    de.AuthenticationFailed: 401,
    de.PermissionDenied: 403,
    de.NotFound: 404,
    de.Conflict: 409,
    de.PreconditionFailed: 412,
    de.PayloadTooLarge: 413,
    de.InvalidInput: 422,
    de.TooManyRequests: 429,
    de.Unavailable: 503,
    de.DomainError: 422,
}


def status_for(exc: de.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]  # type: ignore[index]
    return 422


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"type": f"/problems/{slug}", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    body["request_id"] = g.get("request_id")
    body.update({k: v for k, v in extra.items() if v is not None})
    resp = Response(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def domain_problem(exc: de.DomainError) -> Response:
    db.session.rollback()
    headers = {}
    if isinstance(exc, de.TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after_s)
    if isinstance(exc, de.AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="fieldsales"'
    errors = exc.errors if isinstance(exc, de.InvalidInput) else None
    return problem(
        status_for(exc), exc.code, exc.title, exc.detail, headers, errors=errors, **exc.extra
    )


def problem_document(exc: de.DomainError) -> dict[str, Any]:
    """The problem body for an error that is reported inside a response rather than as
    the response (the items of a sync batch)."""
    body: dict[str, Any] = {
        "type": f"/problems/{exc.code}",
        "title": exc.title,
        "status": status_for(exc),
        "detail": exc.detail,
    }
    if isinstance(exc, de.InvalidInput) and exc.errors:
        body["errors"] = exc.errors
    body.update({k: v for k, v in exc.extra.items() if v is not None})
    return body


def flatten_messages(messages: Any, path: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """webargs/marshmallow nested messages -> [{"path": "json.stops.0.lat", "message": ...}]."""
    if isinstance(messages, dict):
        out: list[dict[str, str]] = []
        for key, value in messages.items():
            out.extend(flatten_messages(value, (*path, str(key))))
        return out
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [{"path": ".".join(path), "message": m} for m in messages]
    if isinstance(messages, list):
        return [e for m in messages for e in flatten_messages(m, path)]
    return [{"path": ".".join(path), "message": str(messages)}]


def http_problem(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status >= 500:
        return internal_error(exc)
    data = getattr(exc, "data", None) or {}
    errors = flatten_messages(data["messages"]) if "messages" in data else None
    slug = "validation-error" if status == 422 else (exc.name or "error").lower().replace(" ", "-")
    detail = data.get("message") or (
        "The request has invalid fields; see errors." if errors else exc.description
    )
    headers = dict(data.get("headers") or {})
    if status == 405 and exc.get_response().headers.get("Allow"):
        headers["Allow"] = exc.get_response().headers["Allow"]
    return problem(status, slug, exc.name or "Error", detail, headers, errors=errors)


def integrity_problem(exc: IntegrityError) -> Response:
    db.session.rollback()
    log.info("integrity error: %s", exc.orig)
    return problem(
        409,
        "conflict",
        "Conflicts with existing data",
        "A record with the same unique value exists, or a referenced record is missing.",
    )


def stale_problem(_exc: StaleDataError) -> Response:
    db.session.rollback()
    return problem(
        412,
        "precondition-failed",
        "The resource changed since you read it",
        "Another change was saved first; re-read it and apply your change again.",
    )


def data_problem(exc: DataError) -> Response:
    # The schemas should catch this first; this is the net under them.
    db.session.rollback()
    log.warning("database refused a value: %s", exc.orig)
    return problem(422, "invalid-value", "A value is out of range or malformed")


def internal_error(exc: BaseException) -> Response:
    db.session.rollback()
    log.exception("unhandled error", exc_info=exc)
    return problem(500, "internal-error", "Internal server error")


def init_app(app: Flask) -> None:
    app.register_error_handler(de.DomainError, domain_problem)
    app.register_error_handler(HTTPException, http_problem)
    app.register_error_handler(IntegrityError, integrity_problem)
    app.register_error_handler(StaleDataError, stale_problem)
    app.register_error_handler(DataError, data_problem)
    app.register_error_handler(Exception, internal_error)
