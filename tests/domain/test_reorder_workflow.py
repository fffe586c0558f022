"""The reorder request state machine and the credit gate (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fieldsales.domain.errors import IllegalTransition, InvalidInput, PermissionDenied
from fieldsales.domain.reorder.workflow import (
    RULES,
    Action,
    HoldReason,
    LineBalance,
    RequestStatus,
    after_delivery,
    check_allowed,
    credit_gate,
    next_status,
)
from fieldsales.domain.types import Role

S = RequestStatus


@pytest.mark.parametrize(
    "action, before, role, after",
    [
        (Action.ACKNOWLEDGE, S.SUBMITTED, Role.DEALER, S.ACKNOWLEDGED),
        (Action.CONFIRM, S.ACKNOWLEDGED, Role.DEALER, S.CONFIRMED),
        (Action.CONFIRM, S.CANNOT_FILL, Role.ADMIN, S.CONFIRMED),
        (Action.CANNOT_FILL, S.CONFIRMED, Role.DEALER, S.CANNOT_FILL),
        (Action.REJECT, S.SUBMITTED, Role.DEALER, S.REJECTED),
        (Action.CANCEL, S.SUBMITTED, Role.REP, S.CANCELLED),
        (Action.CANCEL, S.HELD, Role.SUPERVISOR, S.CANCELLED),
        (Action.RELEASE, S.HELD, Role.REP, S.SUBMITTED),
    ],
)
def test_legal_steps(action, before, role, after):
    assert next_status(action, before, role) is after


def test_terminal_states_allow_nothing():
    for status in (S.DELIVERED, S.REJECTED, S.CANCELLED):
        for action in RULES:
            with pytest.raises(IllegalTransition):
                check_allowed(action, status, Role.ADMIN)


def test_the_rep_cannot_cancel_once_acknowledged():
    with pytest.raises(IllegalTransition) as err:
        next_status(Action.CANCEL, S.ACKNOWLEDGED, Role.REP)
    assert "acknowledged" in err.value.detail


def test_the_wrong_side_is_refused_before_the_state_is_looked_at():
    with pytest.raises(PermissionDenied):
        next_status(Action.ACKNOWLEDGE, S.DELIVERED, Role.REP)
    with pytest.raises(PermissionDenied):
        next_status(Action.CANCEL, S.SUBMITTED, Role.DEALER)


def balances(*rows):
    return [LineBalance(str(i), *row) for i, row in enumerate(rows)]


def test_a_partial_delivery_then_the_rest():
    assert after_delivery(S.CONFIRMED, Role.DEALER, balances((10, 0, 4), (5, 0, 5))) is (
        S.PARTIALLY_DELIVERED
    )
    assert after_delivery(S.PARTIALLY_DELIVERED, Role.DEALER, balances((10, 4, 6), (5, 5, 0))) is (
        S.DELIVERED
    )


def test_over_delivery_and_empty_deliveries_are_refused():
    with pytest.raises(InvalidInput) as err:
        after_delivery(S.CONFIRMED, Role.DEALER, balances((10, 8, 3)))
    assert err.value.errors[0]["path"] == "0"
    assert "2 outstanding" in err.value.errors[0]["message"]
    with pytest.raises(InvalidInput):
        after_delivery(S.CONFIRMED, Role.DEALER, balances((10, 0, 0)))


def test_delivery_needs_an_acknowledged_request():
    with pytest.raises(IllegalTransition):
        after_delivery(S.SUBMITTED, Role.DEALER, balances((10, 0, 10)))


D = Decimal


@pytest.mark.parametrize(
    "prepaid, limit, owed, open_orders, total, reason",
    [
        (False, D(1000), D(500), D(0), D(500), None),  # exactly at the limit
        (False, D(1000), D(500), D(1), D(500), HoldReason.OVER_CREDIT_LIMIT),
        (False, D(1000), D(0), D(900), D(200), HoldReason.OVER_CREDIT_LIMIT),  # open orders
        (True, D(0), D(0), D(0), D(10), HoldReason.PREPAYMENT_MISSING),  # nothing paid
        (True, D(0), D(-300), D(0), D(300), None),  # paid ahead exactly
        (True, D(0), D(-300), D(100), D(250), HoldReason.PREPAYMENT_MISSING),
    ],
)
def test_credit_gate(prepaid, limit, owed, open_orders, total, reason):
    hold = credit_gate(
        prepaid=prepaid,
        credit_limit=limit,
        balance_owed=owed,
        open_orders=open_orders,
        order_total=total,
    )
    assert (hold.reason if hold else None) is reason
