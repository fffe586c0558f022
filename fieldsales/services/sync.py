"""Apply a phone's sync batch: every item on its own SAVEPOINT, so one bad item is reported
and rolled back without touching the others; items that wait on another (a stock count
before its visit's check-in) are tried again after the rest, and answered "retry" if they
still cannot apply."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from fieldsales.domain.errors import Conflict, DomainError, InvalidInput
from fieldsales.domain.sync import ItemStatus, Pending, SyncOp, apply_order, is_retryable
from fieldsales.services import reorders, visits
from fieldsales.services.visits import Operation, WriteContext

# Every operation a batch may carry: the visit records, and reorder requests taken offline.
OPERATIONS: dict[SyncOp, Operation] = {**visits.OPERATIONS, **reorders.SYNC_OPERATIONS}


@dataclass(frozen=True, slots=True)
class SyncItem:
    """One item as parsed: an operation to apply, or the reason it could not be parsed."""

    index: int
    op: SyncOp | str | None
    item_id: uuid.UUID | str | None
    data: dict[str, Any] | None = None
    error: DomainError | None = None


@dataclass(frozen=True, slots=True)
class ItemResult:
    index: int
    op: str | None
    id: str | None
    status: ItemStatus
    problem: DomainError | None = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    items: list[ItemResult]

    @property
    def counts(self) -> dict[str, int]:
        seen = Counter(r.status for r in self.items)
        return {s.value: seen.get(s, 0) for s in ItemStatus}


def _result(item: SyncItem, status: ItemStatus, problem: DomainError | None = None) -> ItemResult:
    op = item.op.value if isinstance(item.op, SyncOp) else item.op
    item_id = str(item.item_id) if item.item_id is not None else None
    return ItemResult(item.index, op, item_id, status, problem)


def _apply_one(session: Session, ctx: WriteContext, item: SyncItem) -> ItemResult | DomainError:
    assert isinstance(item.op, SyncOp) and isinstance(item.item_id, uuid.UUID)
    assert item.data is not None
    operation = OPERATIONS[item.op]
    try:
        with session.begin_nested():
            _, replayed = operation.apply(session, ctx, item.item_id, dict(item.data))
    except DomainError as exc:
        return exc
    except IntegrityError:
        # The database caught what the checks did not (two writers racing): not this batch's
        # duplicate, since duplicates are answered above, so a conflict the phone must see.
        return Conflict("Conflicts with a record stored meanwhile.")
    except DataError:
        return InvalidInput("A value is out of range for storage.")
    return _result(item, ItemStatus.DUPLICATE if replayed else ItemStatus.APPLIED)


def _new_ids(session: Session, items: list[SyncItem]) -> frozenset[uuid.UUID]:
    """The ids of creating items that no row uses yet: one query per table instead of one
    lookup per item. An id sent twice in the batch is left out (its second copy is a
    duplicate of the first, found by the per-item lookup)."""
    by_model: dict[type, set[uuid.UUID]] = defaultdict(set)
    seen = Counter(item.item_id for item in items)
    for item in items:
        creates = OPERATIONS[item.op].creates  # type: ignore[index]
        if creates is not None and seen[item.item_id] == 1:
            by_model[creates].add(item.item_id)  # type: ignore[arg-type]
    fresh: set[uuid.UUID] = set()
    for model, ids in by_model.items():
        used = set(session.scalars(select(model.id).where(model.id.in_(ids))))  # type: ignore[attr-defined]
        fresh |= ids - used
    return frozenset(fresh)


def apply_batch(session: Session, ctx: WriteContext, items: list[SyncItem]) -> BatchResult:
    results: dict[int, ItemResult] = {}
    by_index: dict[int, SyncItem] = {}
    pending: list[Pending] = []
    for item in items:
        if item.error is not None:
            results[item.index] = _result(item, ItemStatus.REJECTED, item.error)
            continue
        assert isinstance(item.op, SyncOp) and item.data is not None
        by_index[item.index] = item
        field = OPERATIONS[item.op].time_field
        pending.append(Pending(item.index, item.op, item.data.get(field) if field else None))

    ctx = replace(ctx, known_new=_new_ids(session, list(by_index.values())))
    queue = apply_order(pending)
    while queue:
        waiting: list[tuple[Pending, DomainError]] = []
        for p in queue:
            outcome = _apply_one(session, ctx, by_index[p.index])
            if isinstance(outcome, ItemResult):
                results[p.index] = outcome
            elif is_retryable(outcome):
                waiting.append((p, outcome))
            else:
                results[p.index] = _result(by_index[p.index], ItemStatus.REJECTED, outcome)
        if len(waiting) == len(queue):  # nothing moved: the rest waits on a later batch
            for p, exc in waiting:
                results[p.index] = _result(by_index[p.index], ItemStatus.RETRY, exc)
            break
        queue = [p for p, _ in waiting]
    return BatchResult([results[i] for i in sorted(results)])
