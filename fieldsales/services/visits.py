"""Visit use cases: check in, check out, skip a planned stop, record what happened, resolve
problems. Each write takes the phone's id for the record and is idempotent: the same id with
the same content returns the stored record (`replayed`), the same id with other content is
refused. The same functions serve the single-record endpoints and the sync batch."""

from __future__ import annotations

import enum
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from fieldsales.db.models import (
    Dealer,
    Observation,
    Payment,
    Problem,
    Product,
    SkippedVisit,
    StockCount,
    Store,
    Training,
    Visit,
    VisitPurpose,
)
from fieldsales.domain.errors import InvalidInput
from fieldsales.domain.sync import SyncOp
from fieldsales.domain.types import Actor, GeoPoint
from fieldsales.domain.visits import (
    AlreadyRecorded,
    CheckPolicy,
    Fix,
    FixAssessment,
    IdAlreadyUsed,
    ProblemCategory,
    ProblemNotFound,
    ProblemStatus,
    VisitNotFound,
    assess_fix,
    check_out_is_replay,
    clock_offset_s,
    ensure_no_open_visit,
    ensure_problem_open,
    ensure_record_fits_visit,
    local_day,
)
from fieldsales.services import scope

T = TypeVar("T")
Outcome = tuple[T, bool]  # (the record, True when it was already there: a retry)

# Not part of what a record *is*: a retry may send another sent_at.
UNHASHED = frozenset({"id", "sent_at"})


@dataclass(frozen=True, slots=True)
class WriteContext:
    """Who writes, when the server received it, and what the phone's clock said on sending."""

    actor: Actor
    now: datetime
    client_sent_at: datetime | None
    policy: CheckPolicy
    # Ids a sync batch has already looked up in bulk and found unused: no lookup each.
    known_new: frozenset[uuid.UUID] = frozenset()
    # Rows already loaded for this request (a batch has a dozen records per visit; the
    # session's identity map is weak and would forget them between items).
    loaded: dict[tuple[type, uuid.UUID], Any] = field(default_factory=dict)


def _get(session: Session, ctx: WriteContext, model: type[T], row_id: uuid.UUID) -> T | None:
    key = (model, row_id)
    if key not in ctx.loaded:
        row = session.get(model, row_id)
        if row is None:
            return None
        ctx.loaded[key] = row
    return ctx.loaded[key]  # type: ignore[no-any-return]


def _stored(session: Session, ctx: WriteContext, model: type[T], record_id: uuid.UUID) -> T | None:
    if record_id in ctx.known_new:
        return None
    return session.get(model, record_id)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID | Decimal | date):
        return str(value)
    return value


def payload_hash(data: Mapping[str, Any]) -> str:
    """A fingerprint of what a request asked for, the same whichever way it was sent."""
    canonical = {k: v for k, v in data.items() if k not in UNHASHED}
    text = json.dumps(_plain(canonical), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _invalid(name: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"path": f"json.{name}", "message": message}])


def _fix(position: Mapping[str, Any]) -> Fix:
    return Fix(
        point=GeoPoint(position["lat"], position["lon"]),
        accuracy_m=position["accuracy_m"],
        fix_age_s=position.get("fix_age_s", 0.0),
        mock=position.get("mock", False),
    )


def _offset(ctx: WriteContext, event_at: datetime) -> float:
    """Without a send time, the call is taken as live: sent when the event happened."""
    return clock_offset_s(client_sent_at=ctx.client_sent_at or event_at, received_at=ctx.now)


def _assess(ctx: WriteContext, store: Store, fix: Fix, offset: float) -> FixAssessment:
    return assess_fix(
        fix,
        store=GeoPoint(store.lat, store.lon),
        geofence_radius_m=store.geofence_radius_m,
        clock_offset=offset,
        policy=ctx.policy,
    )


def replay_of(
    session: Session,
    ctx: WriteContext,
    model: type[T],
    record_id: uuid.UUID,
    digest: str,
    *,
    belongs: Callable[[Any], bool] | None = None,
) -> T | None:
    """The stored record a retried create names, or None for a new id. A stored record is a
    replay only if it is the caller's (`belongs`, by default: the caller's own `rep_id`) and
    was made from the same payload; anything else under that id is a 409."""
    existing: Any = _stored(session, ctx, model, record_id)
    if existing is None:
        return None
    mine = belongs(existing) if belongs else existing.rep_id == ctx.actor.user_id
    if not (mine and existing.payload_hash == digest):
        raise IdAlreadyUsed(f"Id {existing.id} is already used by a different record.")
    return existing  # type: ignore[no-any-return]


# --- visit lifecycle ---------------------------------------------------------------------


def visible_store(session: Session, actor: Actor, store_id: uuid.UUID) -> Store:
    store = session.scalar(
        select(Store).where(Store.id == store_id, scope.condition(Store, actor), Store.active)
    )
    if store is None:
        raise _invalid("store_id", "No active store with this id in your territory.")
    return store


def own_visit(session: Session, ctx: WriteContext, visit_id: uuid.UUID) -> Visit:
    """A visit the caller may write to: their own (reads go through scope.get_visible)."""
    visit = _get(session, ctx, Visit, visit_id)
    if visit is None or visit.rep_id != ctx.actor.user_id:
        raise VisitNotFound(f"No visit with id {visit_id}.")
    return visit


def check_in(
    session: Session, ctx: WriteContext, visit_id: uuid.UUID, data: dict[str, Any]
) -> Outcome[Visit]:
    digest = payload_hash(data)
    existing = replay_of(session, ctx, Visit, visit_id, digest)
    if existing is not None:
        return existing, True
    store = visible_store(session, ctx.actor, data["store_id"])
    ensure_no_open_visit(
        session.scalar(
            select(Visit.id).where(
                Visit.rep_id == ctx.actor.user_id, Visit.checked_out_at.is_(None)
            )
        )
    )
    fix = _fix(data["position"])
    at = data["checked_in_at"]
    offset = _offset(ctx, at)
    assessment = _assess(ctx, store, fix, offset)
    visit = Visit(
        id=visit_id,
        rep_id=ctx.actor.user_id,
        store_id=store.id,
        planned=data.get("planned", True),
        local_day=local_day(at, store.timezone),
        met_with=data.get("met_with"),
        clock_offset_s=round(offset, 1),
        payload_hash=digest,
        checked_in_at=at,
        checkin_received_at=ctx.now,
        checkin_lat=fix.point.lat,
        checkin_lon=fix.point.lon,
        checkin_accuracy_m=fix.accuracy_m,
        checkin_fix_age_s=fix.fix_age_s,
        checkin_mock=fix.mock,
        checkin_distance_m=assessment.distance_m,
        checkin_flags=[f.value for f in assessment.flags],
        checkout_flags=[],
        flagged=bool(assessment.flags),
    )
    session.add(visit)
    session.flush()
    ctx.loaded[(Visit, visit.id)] = visit
    return visit, False


def check_out(
    session: Session, ctx: WriteContext, visit_id: uuid.UUID, data: dict[str, Any]
) -> Outcome[Visit]:
    visit = own_visit(session, ctx, visit_id)
    at = data["checked_out_at"]
    if check_out_is_replay(
        visit_id=visit.id,
        checked_in_at=visit.checked_in_at,
        closed_at=visit.checked_out_at,
        checked_out_at=at,
    ):
        return visit, True
    fix = _fix(data["position"])
    assessment = _assess(ctx, visit.store, fix, _offset(ctx, at))
    visit.checked_out_at = at
    visit.checkout_received_at = ctx.now
    visit.checkout_lat = fix.point.lat
    visit.checkout_lon = fix.point.lon
    visit.checkout_accuracy_m = fix.accuracy_m
    visit.checkout_fix_age_s = fix.fix_age_s
    visit.checkout_mock = fix.mock
    visit.checkout_distance_m = assessment.distance_m
    visit.checkout_flags = [f.value for f in assessment.flags]
    visit.flagged = visit.flagged or bool(assessment.flags)
    if data.get("met_with") is not None:
        visit.met_with = data["met_with"]
    if data.get("notes") is not None:
        visit.notes = data["notes"]
    session.flush()
    return visit, False


def skip_visit(
    session: Session, ctx: WriteContext, skip_id: uuid.UUID, data: dict[str, Any]
) -> Outcome[SkippedVisit]:
    digest = payload_hash(data)
    existing = replay_of(session, ctx, SkippedVisit, skip_id, digest)
    if existing is not None:
        return existing, True
    store = visible_store(session, ctx.actor, data["store_id"])
    already = session.scalar(
        select(SkippedVisit.id).where(
            SkippedVisit.rep_id == ctx.actor.user_id,
            SkippedVisit.store_id == store.id,
            SkippedVisit.day == data["day"],
        )
    )
    if already is not None:
        raise AlreadyRecorded(
            f"This stop is already recorded as skipped ({already}).", skipped_id=str(already)
        )
    skipped = SkippedVisit(
        id=skip_id,
        rep_id=ctx.actor.user_id,
        store_id=store.id,
        day=data["day"],
        reason=data["reason"],
        note=data.get("note"),
        recorded_at=data.get("recorded_at") or ctx.now,
        received_at=ctx.now,
        payload_hash=digest,
    )
    session.add(skipped)
    session.flush()
    return skipped, False


# --- records under a visit ---------------------------------------------------------------

Build = Callable[[Session, WriteContext, Visit, dict[str, Any]], dict[str, Any]]


def _add_record(
    session: Session,
    ctx: WriteContext,
    model: type[T],
    record_id: uuid.UUID,
    data: dict[str, Any],
    build: Build,
) -> Outcome[T]:
    """The shape every record under a visit shares: find the caller's visit, answer a
    retry with what is stored, check the record fits the visit's time, then insert."""
    visit = own_visit(session, ctx, data["visit_id"])
    digest = payload_hash(data)
    existing = replay_of(
        session, ctx, model, record_id, digest, belongs=lambda r: r.visit_id == visit.id
    )
    if existing is not None:
        return existing, True
    recorded_at = data.get("recorded_at") or ctx.now
    ensure_record_fits_visit(
        visit_id=visit.id,
        checked_in_at=visit.checked_in_at,
        checked_out_at=visit.checked_out_at,
        recorded_at=recorded_at,
        policy=ctx.policy,
    )
    record = model(
        id=record_id,
        visit_id=visit.id,
        recorded_at=recorded_at,
        received_at=ctx.now,
        payload_hash=digest,
        **build(session, ctx, visit, data),
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError as exc:
        # What one visit holds once (a purpose, a product's count) is held by a unique
        # constraint rather than a lookup per record.
        raise AlreadyRecorded(f"This visit already has this {model.__name__}.") from exc
    return record, False


def _fields(*names: str) -> Build:
    return lambda _s, _c, _v, data: {n: data.get(n) for n in names}


def _problem(session: Session, ctx: WriteContext, visit: Visit, data: dict[str, Any]) -> dict:
    dealer_id = data.get("dealer_id")
    if dealer_id is not None and session.get(Dealer, dealer_id) is None:
        raise _invalid("dealer_id", "No dealer with this id.")
    if dealer_id is None and data["category"] is ProblemCategory.DEALER_SERVICE:
        dealer_id = visit.store.dealer_id  # the dealer who serves the store is the suspect
    solved = bool(data.get("solved_on_spot"))
    return {
        "store_id": visit.store_id,
        "rep_id": ctx.actor.user_id,
        "category": data["category"],
        "what": data["what"],
        "when_text": data.get("when_text"),
        "who": data.get("who"),
        "where_text": data.get("where_text"),
        "why": data.get("why"),
        "suggestion": data.get("suggestion"),
        "needs_support": bool(data.get("needs_support")),
        "dealer_id": dealer_id,
        "status": ProblemStatus.SOLVED if solved else ProblemStatus.OPEN,
        "solved_on_spot": solved,
        "resolution": data.get("resolution") if solved else None,
        "resolved_at": (data.get("recorded_at") or ctx.now) if solved else None,
        "resolved_by_id": ctx.actor.user_id if solved else None,
        "resolved_in_visit_id": visit.id if solved else None,
    }


def _stock_count(session: Session, ctx: WriteContext, visit: Visit, data: dict[str, Any]) -> dict:
    if _get(session, ctx, Product, data["product_id"]) is None:
        raise _invalid("product_id", "No product with this id.")
    return {
        "store_id": visit.store_id,
        "product_id": data["product_id"],
        "shelf_qty": data["shelf_qty"],
        "backroom_qty": data.get("backroom_qty", 0),
    }


def _training(_s: Session, _ctx: WriteContext, _visit: Visit, data: dict[str, Any]) -> dict:
    return {
        "topics": [t.value for t in data["topics"]],
        "attendees": [{"name": a["name"], "role": a["role"].value} for a in data["attendees"]],
        "duration_minutes": data.get("duration_minutes"),
        "note": data.get("note"),
    }


def _payment(session: Session, _ctx: WriteContext, visit: Visit, data: dict[str, Any]) -> dict:
    # Lock the store row so two payments at once both count; Decimal arithmetic stays exact.
    store = session.get(Store, visit.store_id, with_for_update=True, populate_existing=True)
    assert store is not None  # the visit's foreign key guarantees it
    store.balance_owed = store.balance_owed - data["amount"]
    return {
        "store_id": visit.store_id,
        "amount": data["amount"],
        "method": data["method"],
        "reference": data.get("reference"),
    }


def add_purpose(s: Session, c: WriteContext, i: uuid.UUID, d: dict[str, Any]) -> Outcome[Any]:
    return _add_record(s, c, VisitPurpose, i, d, _fields("purpose", "achieved", "note"))


def add_observation(s: Session, c: WriteContext, i: uuid.UUID, d: dict[str, Any]) -> Outcome[Any]:
    build = _fields(
        "kind",
        "pop_present",
        "pop_visible",
        "pop_complete",
        "pop_damaged",
        "rating",
        "competitor",
        "note",
    )
    return _add_record(s, c, Observation, i, d, build)


def add_problem(s: Session, c: WriteContext, i: uuid.UUID, d: dict[str, Any]) -> Outcome[Any]:
    return _add_record(s, c, Problem, i, d, _problem)


def add_stock_count(s: Session, c: WriteContext, i: uuid.UUID, d: dict[str, Any]) -> Outcome[Any]:
    return _add_record(s, c, StockCount, i, d, _stock_count)


def add_training(s: Session, c: WriteContext, i: uuid.UUID, d: dict[str, Any]) -> Outcome[Any]:
    return _add_record(s, c, Training, i, d, _training)


def add_payment(s: Session, c: WriteContext, i: uuid.UUID, d: dict[str, Any]) -> Outcome[Any]:
    return _add_record(s, c, Payment, i, d, _payment)


def resolve_problem(
    session: Session, ctx: WriteContext, problem_id: uuid.UUID, data: dict[str, Any]
) -> Outcome[Problem]:
    problem = session.scalar(
        select(Problem).where(Problem.id == problem_id, scope.condition(Problem, ctx.actor))
    )
    if problem is None:
        raise ProblemNotFound(f"No problem with id {problem_id}.")
    if ensure_problem_open(
        problem_id=problem.id,
        resolved_at=problem.resolved_at,
        new_resolved_at=data["resolved_at"],
    ):
        return problem, True
    visit_id = data.get("visit_id")
    if visit_id is not None:
        visit = session.scalar(
            select(Visit).where(Visit.id == visit_id, scope.condition(Visit, ctx.actor))
        )
        if visit is None or visit.store_id != problem.store_id:
            raise _invalid("visit_id", "No visit of yours at this problem's store.")
    problem.status = ProblemStatus.SOLVED
    problem.resolution = data["resolution"]
    problem.resolved_at = data["resolved_at"]
    problem.resolved_by_id = ctx.actor.user_id
    problem.resolved_in_visit_id = visit_id
    session.flush()
    return problem, False


@dataclass(frozen=True, slots=True)
class Operation:
    apply: Callable[[Session, WriteContext, uuid.UUID, dict[str, Any]], Outcome[Any]]
    time_field: str | None  # the payload's phone time for the event (orders a batch)
    creates: type | None = None  # the table a new record goes to, for creating operations


OPERATIONS: dict[SyncOp, Operation] = {
    SyncOp.CHECK_IN: Operation(check_in, "checked_in_at", Visit),
    SyncOp.CHECK_OUT: Operation(check_out, "checked_out_at"),
    SyncOp.SKIP: Operation(skip_visit, "recorded_at", SkippedVisit),
    SyncOp.PURPOSE: Operation(add_purpose, "recorded_at", VisitPurpose),
    SyncOp.OBSERVATION: Operation(add_observation, "recorded_at", Observation),
    SyncOp.PROBLEM: Operation(add_problem, "recorded_at", Problem),
    SyncOp.STOCK_COUNT: Operation(add_stock_count, "recorded_at", StockCount),
    SyncOp.TRAINING: Operation(add_training, "recorded_at", Training),
    SyncOp.PAYMENT: Operation(add_payment, "recorded_at", Payment),
    SyncOp.RESOLVE_PROBLEM: Operation(resolve_problem, "resolved_at"),
}


# --- reads -------------------------------------------------------------------------------


def visits_stmt(actor: Actor, args: Mapping[str, Any]) -> Select[Any]:
    stmt = scope.scoped(select(Visit), Visit, actor)
    for name in ("rep_id", "store_id", "flagged", "planned"):
        if name in args:
            stmt = stmt.where(getattr(Visit, name) == args[name])
    if "day" in args:
        stmt = stmt.where(Visit.local_day == args["day"])
    if "from_day" in args:
        stmt = stmt.where(Visit.local_day >= args["from_day"])
    if "to_day" in args:
        stmt = stmt.where(Visit.local_day <= args["to_day"])
    if "open" in args:
        is_open = Visit.checked_out_at.is_(None)
        stmt = stmt.where(is_open if args["open"] else ~is_open)
    return stmt.order_by(Visit.checked_in_at.desc(), Visit.id)


def visit_detail(session: Session, actor: Actor, visit_id: uuid.UUID) -> Visit:
    """A visit with its records, in a fixed number of queries."""
    visit = session.scalar(
        select(Visit)
        .where(Visit.id == visit_id, scope.condition(Visit, actor))
        .options(
            selectinload(Visit.purposes),
            selectinload(Visit.observations),
            selectinload(Visit.problems),
            selectinload(Visit.stock_counts),
            selectinload(Visit.trainings),
            selectinload(Visit.payments),
        )
    )
    if visit is None:
        raise VisitNotFound(f"No visit with id {visit_id}.")
    return visit


def records_stmt(actor: Actor, model: type, visit_id: uuid.UUID) -> Select[Any]:
    stmt = scope.scoped(select(model), model, actor).where(model.visit_id == visit_id)  # type: ignore[attr-defined]
    return stmt.order_by(model.recorded_at, model.id)  # type: ignore[attr-defined]


def problems_stmt(actor: Actor, args: Mapping[str, Any]) -> Select[Any]:
    stmt = scope.scoped(select(Problem), Problem, actor)
    for name in ("store_id", "rep_id", "dealer_id", "status", "category", "needs_support"):
        if name in args:
            stmt = stmt.where(getattr(Problem, name) == args[name])
    return stmt.order_by(Problem.recorded_at.desc(), Problem.id)


def skipped_stmt(actor: Actor, args: Mapping[str, Any]) -> Select[Any]:
    stmt = scope.scoped(select(SkippedVisit), SkippedVisit, actor)
    for name in ("rep_id", "store_id", "day"):
        if name in args:
            stmt = stmt.where(getattr(SkippedVisit, name) == args[name])
    return stmt.order_by(SkippedVisit.day.desc(), SkippedVisit.recorded_at, SkippedVisit.id)
