"""Pure sync rules: the order items are tried in, and which failures are worth a retry."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from fieldsales.domain.errors import Conflict, InvalidInput, NotFound
from fieldsales.domain.sync import Pending, SyncOp, apply_order, is_retryable
from fieldsales.domain.visits import (
    IdAlreadyUsed,
    ProblemNotFound,
    VisitAlreadyClosed,
    VisitAlreadyOpen,
    VisitNotFound,
)

T0 = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_day_in_any_order_is_applied_visit_by_visit():
    day = [
        Pending(0, SyncOp.CHECK_IN, at(0)),
        Pending(1, SyncOp.STOCK_COUNT, at(5)),
        Pending(2, SyncOp.CHECK_OUT, at(20)),
        Pending(3, SyncOp.CHECK_IN, at(30)),
        Pending(4, SyncOp.PAYMENT, at(35)),
        Pending(5, SyncOp.CHECK_OUT, at(50)),
        Pending(6, SyncOp.RESOLVE_PROBLEM, at(10)),
    ]
    shuffled = day[:]
    random.Random(3).shuffle(shuffled)
    ordered = [p.index for p in apply_order(shuffled)]
    # Check-ins and check-outs interleaved by time, then records, then resolutions.
    assert ordered == [0, 2, 3, 5, 1, 4, 6]


def test_a_zero_length_visit_checks_in_before_it_checks_out():
    ordered = apply_order([Pending(0, SyncOp.CHECK_OUT, T0), Pending(1, SyncOp.CHECK_IN, T0)])
    assert [p.op for p in ordered] == [SyncOp.CHECK_IN, SyncOp.CHECK_OUT]


def test_items_without_a_time_go_last_in_their_phase():
    ordered = apply_order([Pending(0, SyncOp.PURPOSE, None), Pending(1, SyncOp.PURPOSE, at(3))])
    assert [p.index for p in ordered] == [1, 0]


@pytest.mark.parametrize(
    ("exc", "retry"),
    [
        (VisitNotFound(), True),
        (ProblemNotFound(), True),
        (VisitAlreadyOpen(), True),
        (NotFound(), False),
        (VisitAlreadyClosed(), False),
        (IdAlreadyUsed(), False),
        (Conflict(), False),
        (InvalidInput(), False),
    ],
)
def test_which_failures_are_worth_a_retry(exc, retry):
    assert is_retryable(exc) is retry


def test_every_operation_has_a_phase():
    assert len(apply_order(Pending(i, op, None) for i, op in enumerate(SyncOp))) == len(SyncOp)
