"""Domain exceptions. Each has a stable `code` slug; fieldsales.problems maps codes to HTTP.

Domain and service code raise these; no layer below the API knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class DomainError(Exception):
    code = "domain-error"
    title = "The request cannot be carried out"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra: dict[str, Any] = extra


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"


class AuthenticationFailed(DomainError):
    code = "unauthorized"
    title = "Authentication required"


class PermissionDenied(DomainError):
    code = "forbidden"
    title = "Not allowed"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflicts with the current state"


class IllegalTransition(Conflict):
    code = "illegal-transition"
    title = "That change is not allowed from the current state"


class PreconditionFailed(DomainError):
    code = "precondition-failed"
    title = "The resource changed since you read it"


class TooManyRequests(DomainError):
    code = "too-many-requests"
    title = "Too many attempts"

    def __init__(self, detail: str | None = None, *, retry_after_s: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after_s = retry_after_s


class PayloadTooLarge(DomainError):
    code = "payload-too-large"
    title = "The request body is too large"


class InvalidInput(DomainError):
    """Input that is well-formed but breaks a business rule; carries field-level errors."""

    code = "invalid-input"
    title = "The input is not valid"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[Mapping[str, str]] = (),
        **extra: Any,
    ) -> None:
        super().__init__(detail, **extra)
        self.errors = [dict(e) for e in errors]


class Unavailable(DomainError):
    code = "unavailable"
    title = "A service this depends on is not reachable"


class IdempotencyKeyReused(DomainError):
    code = "idempotency-key-reused"
    title = "This Idempotency-Key was sent with a different request"


class RouteInfeasible(DomainError):
    """Mandatory stops that no route for the day can serve; `problems` says which and why.

    `problems` holds `fieldsales.domain.routing.DroppedStop` values (stop id, reason code,
    message); typed loosely here so this module does not import the routing package.
    """

    code = "route-infeasible"
    title = "The mandatory stops cannot all be served"

    def __init__(self, detail: str, *, problems: tuple[Any, ...], **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.problems = problems

    @property
    def stop_ids(self) -> tuple[str, ...]:
        return tuple(p.stop_id for p in self.problems)
