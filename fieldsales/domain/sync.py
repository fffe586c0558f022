"""Offline sync: a phone sends a day of work as one batch of operations, each applied on its
own. Pure rules: which operations exist, in what order to try them, and which failures may
clear up once the rest of the batch (or a later batch) has arrived."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fieldsales.domain.errors import DomainError, InvalidInput
from fieldsales.domain.visits import ProblemNotFound, VisitAlreadyOpen, VisitNotFound


class SyncOp(enum.StrEnum):
    CHECK_IN = "visit.check_in"
    CHECK_OUT = "visit.check_out"
    SKIP = "visit.skip"
    PURPOSE = "visit.purpose"
    OBSERVATION = "visit.observation"
    PROBLEM = "visit.problem"
    STOCK_COUNT = "visit.stock_count"
    TRAINING = "visit.training"
    PAYMENT = "visit.payment"
    RESOLVE_PROBLEM = "problem.resolve"
    REORDER_REQUEST = "reorder.request"


class ItemStatus(enum.StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # applied before (same id, same content): nothing changed
    RETRY = "retry"  # depends on something not here yet: send it again later
    REJECTED = "rejected"  # will never apply as sent: see its problem


class ItemValidationError(InvalidInput):
    code = "validation-error"
    title = "The item has invalid fields"


# The visit's life comes first (check-ins and check-outs interleaved in the phone's time
# order, so "one open visit per rep" holds as it did on the phone), then what was recorded
# during visits, then later resolutions of problems and reorder requests.
PHASE: dict[SyncOp, int] = {
    SyncOp.CHECK_IN: 0,
    SyncOp.CHECK_OUT: 0,
    SyncOp.SKIP: 0,
    SyncOp.PURPOSE: 1,
    SyncOp.OBSERVATION: 1,
    SyncOp.PROBLEM: 1,
    SyncOp.STOCK_COUNT: 1,
    SyncOp.TRAINING: 1,
    SyncOp.PAYMENT: 1,
    SyncOp.RESOLVE_PROBLEM: 2,
    # After the visit's payments, which a prepaid store's order may need to pass the gate.
    SyncOp.REORDER_REQUEST: 2,
}
# At the same instant a check-in precedes a check-out.
_TIE = {SyncOp.CHECK_IN: 0, SyncOp.SKIP: 0, SyncOp.CHECK_OUT: 1}


@dataclass(frozen=True, slots=True)
class Pending:
    index: int
    op: SyncOp
    at: datetime | None  # the phone's time for the event, if the item carries one


def apply_order(items: Iterable[Pending]) -> list[Pending]:
    """The order that needs the fewest retries, whatever order the items came in."""

    def key(p: Pending) -> tuple[int, float, int, int]:
        at = p.at.timestamp() if p.at is not None else float("inf")
        return (PHASE[p.op], at, _TIE.get(p.op, 0), p.index)

    return sorted(items, key=key)


RETRYABLE: tuple[type[DomainError], ...] = (VisitNotFound, ProblemNotFound, VisitAlreadyOpen)


def is_retryable(exc: DomainError) -> bool:
    """Failures another item may clear: a record before its visit's check-in, a check-out
    before its check-in, a check-in while the previous visit's check-out is still to come,
    a resolution before its problem."""
    return isinstance(exc, RETRYABLE)
