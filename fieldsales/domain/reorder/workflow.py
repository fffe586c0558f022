"""The life of a reorder request, as a pure state machine.

    held ──release──▶ submitted ──acknowledge──▶ acknowledged ──confirm──▶ confirmed
      │                 │  │                          │                       │
      └─cancel─▶ cancelled ◀┘ (rep, before acknowledgement)                    deliver
                        │                             │                       ▼
                        ├─reject / cannot_fill ◀──────┴──────────── partially_delivered ─▶ delivered

A request that fails the credit gate is stored `held` (with the reason), not refused: the rep
took the order, and the dealer should not see it until the gate passes (`release`).
`cannot_fill` is not an end: the dealer names a new date and may still confirm or deliver.
Who may fire which action is checked here too, so the API, the sync endpoint and the jobs
share one table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from fieldsales.domain.errors import IllegalTransition, InvalidInput, PermissionDenied
from fieldsales.domain.types import Role


class RequestStatus(enum.StrEnum):
    HELD = "held"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    CONFIRMED = "confirmed"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    CANNOT_FILL = "cannot_fill"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Action(enum.StrEnum):
    CREATE = "create"
    RELEASE = "release"
    ACKNOWLEDGE = "acknowledge"
    CONFIRM = "confirm"
    DELIVER = "deliver"
    CANNOT_FILL = "cannot_fill"
    REJECT = "reject"
    CANCEL = "cancel"


class HoldReason(enum.StrEnum):
    OVER_CREDIT_LIMIT = "over_credit_limit"
    PREPAYMENT_MISSING = "prepayment_missing"


class PromptOutcome(enum.StrEnum):
    ACCEPTED = "accepted"  # ordered exactly what was suggested
    CHANGED = "changed"  # ordered, another quantity
    DECLINED = "declined"  # suggested, not ordered
    UNPROMPTED = "unprompted"  # ordered with no prompt for it


S = RequestStatus
TERMINAL = frozenset({S.DELIVERED, S.REJECTED, S.CANCELLED})
# Statuses in which the dealer still owes the store something: "already on order" for prompts.
OPEN = frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.CONFIRMED, S.PARTIALLY_DELIVERED, S.CANNOT_FILL})

_DEALER_SIDE = frozenset({Role.DEALER, Role.ADMIN})
_REP_SIDE = frozenset({Role.REP, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Rule:
    sources: frozenset[RequestStatus]
    roles: frozenset[Role]


RULES: dict[Action, Rule] = {
    Action.RELEASE: Rule(frozenset({S.HELD}), _REP_SIDE),
    Action.ACKNOWLEDGE: Rule(frozenset({S.SUBMITTED}), _DEALER_SIDE),
    Action.CONFIRM: Rule(frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.CANNOT_FILL}), _DEALER_SIDE),
    Action.DELIVER: Rule(
        frozenset({S.ACKNOWLEDGED, S.CONFIRMED, S.PARTIALLY_DELIVERED, S.CANNOT_FILL}),
        _DEALER_SIDE,
    ),
    Action.CANNOT_FILL: Rule(
        frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.CONFIRMED, S.PARTIALLY_DELIVERED}),
        _DEALER_SIDE,
    ),
    Action.REJECT: Rule(frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.CANNOT_FILL}), _DEALER_SIDE),
    Action.CANCEL: Rule(frozenset({S.HELD, S.SUBMITTED}), _REP_SIDE),
}

_SIMPLE_TARGET = {
    Action.RELEASE: S.SUBMITTED,
    Action.ACKNOWLEDGE: S.ACKNOWLEDGED,
    Action.CONFIRM: S.CONFIRMED,
    Action.CANNOT_FILL: S.CANNOT_FILL,
    Action.REJECT: S.REJECTED,
    Action.CANCEL: S.CANCELLED,
}


def check_allowed(action: Action, current: RequestStatus, role: Role) -> None:
    """Raise unless `role` may fire `action` on a request in `current`."""
    rule = RULES[action]
    if role not in rule.roles:
        raise PermissionDenied(f"a {role} cannot {action.replace('_', ' ')} a reorder request")
    if current not in rule.sources:
        allowed = ", ".join(sorted(rule.sources))
        raise IllegalTransition(
            f"cannot {action.replace('_', ' ')} a request that is {current}"
            f" (allowed from: {allowed})",
            current_status=str(current),
            action=str(action),
        )


def next_status(action: Action, current: RequestStatus, role: Role) -> RequestStatus:
    """Status after `action` (not DELIVER: its target depends on the quantities, see
    `after_delivery`)."""
    check_allowed(action, current, role)
    if action is Action.DELIVER:
        raise ValueError("use after_delivery for deliveries")
    return _SIMPLE_TARGET[action]


@dataclass(frozen=True, slots=True)
class LineBalance:
    """One line of a request: ordered, delivered so far, and what a delivery now brings.
    `ref` is how error reports point at the line (the caller's field path)."""

    ref: str
    ordered: int
    delivered: int
    arriving: int = 0


def after_delivery(current: RequestStatus, role: Role, lines: list[LineBalance]) -> RequestStatus:
    """Status after a delivery of `arriving` units per line. Over-delivery is refused (the
    store did not order it); a delivery of nothing is refused (it records no event)."""
    check_allowed(Action.DELIVER, current, role)
    errors = [
        {"path": b.ref, "message": f"More than the {b.ordered - b.delivered} outstanding."}
        for b in lines
        if b.delivered + b.arriving > b.ordered
    ]
    errors += [
        {"path": b.ref, "message": "A delivered quantity cannot be negative."}
        for b in lines
        if b.arriving < 0
    ]
    if errors:
        raise InvalidInput("the delivery does not match the request", errors=errors)
    if sum(b.arriving for b in lines) == 0:
        raise InvalidInput(
            "a delivery must bring at least one unit",
            errors=[{"path": "json.lines", "message": "All quantities are zero."}],
        )
    complete = all(b.delivered + b.arriving == b.ordered for b in lines)
    return S.DELIVERED if complete else S.PARTIALLY_DELIVERED


@dataclass(frozen=True, slots=True)
class Hold:
    reason: HoldReason
    detail: str


def credit_gate(
    *,
    prepaid: bool,
    credit_limit: Decimal,
    balance_owed: Decimal,
    open_orders: Decimal,
    order_total: Decimal,
) -> Hold | None:
    """Whether an order may go to the dealer now.

    The store's balance owed rises when goods are delivered and falls with each payment
    (below zero: paid ahead). Orders still open will be owed once delivered, so they count
    against the limit (or the prepayment) as well. A monthly-terms store stays within its
    credit limit; a prepaid store must have paid ahead at least what is ordered and open.
    """
    exposure = balance_owed + open_orders + order_total
    if prepaid:
        paid_ahead = max(Decimal(0), -balance_owed)
        if exposure > 0:
            return Hold(
                HoldReason.PREPAYMENT_MISSING,
                f"Prepaid store: the order and open orders come to {open_orders + order_total}"
                f" but only {paid_ahead} is paid ahead; record a payment of at least"
                f" {exposure} first.",
            )
        return None
    if exposure > credit_limit:
        return Hold(
            HoldReason.OVER_CREDIT_LIMIT,
            f"Owed {balance_owed} + open orders {open_orders} + this order {order_total}"
            f" = {exposure}, over the credit limit of {credit_limit}.",
        )
    return None
