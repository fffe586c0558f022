"""Reorder requests: the rep turns prompts into an order at a visit; the dealer moves it
through the workflow. Every change appends to the request's history and, in the same
transaction, to the webhook outbox.

Create is idempotent by the phone's id (same id and content: the stored request; same id,
other content: 409), like every record a phone makes; the Idempotency-Key header works on
top of that as everywhere."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from fieldsales.db.models import (
    Product,
    PromptDecision,
    ReorderDelivery,
    ReorderRequest,
    ReorderRequestEvent,
    ReorderRequestLine,
    Store,
)
from fieldsales.domain.errors import Conflict, InvalidInput
from fieldsales.domain.reorder.workflow import (
    OPEN,
    Action,
    Hold,
    LineBalance,
    PromptOutcome,
    RequestStatus,
    after_delivery,
    credit_gate,
    next_status,
)
from fieldsales.domain.sync import SyncOp
from fieldsales.domain.types import Actor, PaymentTerms
from fieldsales.domain.visits import ensure_record_fits_visit, local_day
from fieldsales.services import reorder_prompts, scope, webhooks
from fieldsales.services.visits import (
    Operation,
    Outcome,
    WriteContext,
    own_visit,
    payload_hash,
    replay_of,
)

# A delivery recorded as happening this far in the future is a typo, not a plan.
MAX_FUTURE_S = 300


def _invalid(path: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"path": path, "message": message}])


# --- create --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PricedLine:
    product: Product
    quantity: int
    unit_price: Decimal
    price_valid_from: Any

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


def _price_lines(session: Session, lines: list[Mapping[str, Any]], day: Any) -> list[PricedLine]:
    """Each line at the price in force on the store's day; every line without a product
    or a price is reported at once."""
    product_ids = [line["product_id"] for line in lines]
    if len(set(product_ids)) != len(product_ids):
        raise _invalid("json.lines", "Each product may appear on one line only.")
    products = {
        p.id: p
        for p in session.scalars(select(Product).where(Product.id.in_(product_ids), Product.active))
    }
    prices = reorder_prompts.prices_today(session, product_ids, day)
    errors = []
    for i, line in enumerate(lines):
        pid = line["product_id"]
        if pid not in products:
            errors.append({"path": f"json.lines.{i}.product_id", "message": "No such product."})
        elif pid not in prices:
            errors.append(
                {
                    "path": f"json.lines.{i}.product_id",
                    "message": f"Product {products[pid].sku} has no price in force on {day}.",
                }
            )
    if errors:
        raise InvalidInput("Some lines cannot be priced; nothing was ordered.", errors=errors)
    return [
        PricedLine(
            products[line["product_id"]],
            line["quantity"],
            prices[line["product_id"]].unit_price,
            prices[line["product_id"]].valid_from,
        )
        for line in lines
    ]


def open_order_value(session: Session, store_id: uuid.UUID) -> Decimal:
    """What the store's open requests will add to its balance once delivered."""
    value = session.scalar(
        select(
            func.coalesce(
                func.sum(
                    ReorderRequestLine.unit_price
                    * (ReorderRequestLine.quantity - ReorderRequestLine.delivered_quantity)
                ),
                0,
            )
        )
        .join(ReorderRequest, ReorderRequestLine.request_id == ReorderRequest.id)
        .where(ReorderRequest.store_id == store_id, ReorderRequest.status.in_(OPEN))
    )
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _gate(session: Session, store: Store, total: Decimal) -> Hold | None:
    return credit_gate(
        prepaid=store.payment_terms is PaymentTerms.PREPAID,
        credit_limit=store.credit_limit,
        balance_owed=store.balance_owed,
        open_orders=open_order_value(session, store.id),
        order_total=total,
    )


def _decisions(
    request: ReorderRequest,
    ordered: Mapping[uuid.UUID, int],
    prompts: list[Mapping[str, Any]],
    at: datetime,
) -> list[PromptDecision]:
    """What the rep did with each prompt shown, and the lines ordered with no prompt."""
    out = []
    shown = {p["product_id"]: p for p in prompts}
    for pid in sorted(set(shown) | set(ordered), key=str):
        prompt = shown.get(pid)
        suggested = int(prompt["suggested_quantity"]) if prompt else 0
        qty = ordered.get(pid, 0)
        if prompt is None:
            outcome = PromptOutcome.UNPROMPTED
        elif qty == 0:
            outcome = PromptOutcome.DECLINED
        else:
            outcome = PromptOutcome.ACCEPTED if qty == suggested else PromptOutcome.CHANGED
        if outcome is PromptOutcome.DECLINED and suggested == 0:
            continue  # "nothing to order", nothing ordered: no decision was made
        out.append(
            PromptDecision(
                visit_id=request.visit_id,
                request_id=request.id,
                store_id=request.store_id,
                product_id=pid,
                rep_id=request.rep_id,
                outcome=outcome,
                suggested_quantity=suggested,
                ordered_quantity=qty,
                decline_reason=(prompt or {}).get("decline_reason"),
                explanation=(prompt or {}).get("explanation") or {},
                decided_at=at,
            )
        )
    return out


def _check_prompt_products(session: Session, prompts: list[Mapping[str, Any]]) -> None:
    shown = {p["product_id"] for p in prompts}
    known = set(session.scalars(select(Product.id).where(Product.id.in_(shown))))
    errors = [
        {"path": f"json.prompts.{i}.product_id", "message": "No such product."}
        for i, p in enumerate(prompts)
        if p["product_id"] not in known
    ]
    if errors:
        raise InvalidInput(
            "Some prompts name unknown products; nothing was ordered.", errors=errors
        )


def _prompts_now(session: Session, store: Store, ctx: WriteContext) -> list[dict[str, Any]]:
    """The prompts as the server sees them now, for a request that did not say which it
    was shown (the decision is then recorded against these)."""
    settings = reorder_prompts.configured_settings()
    result = reorder_prompts.store_prompts(session, store, now=ctx.now, settings=settings)
    return [
        {
            "product_id": row["product_id"],
            "suggested_quantity": row["quantity"],
            "explanation": row["explanation"],
        }
        for row in reorder_prompts.prompt_rows(result)
    ]


def create_request(
    session: Session, ctx: WriteContext, request_id: uuid.UUID, data: dict[str, Any]
) -> Outcome[ReorderRequest]:
    digest = payload_hash(data)
    existing = replay_of(session, ctx, ReorderRequest, request_id, digest)
    if existing is not None:
        return existing, True
    visit = own_visit(session, ctx, data["visit_id"])
    store = session.get(Store, visit.store_id, with_for_update=True, populate_existing=True)
    assert store is not None  # the visit's foreign key guarantees it
    reorder_prompts.require_dealer(store)
    recorded_at = data.get("recorded_at") or ctx.now
    ensure_record_fits_visit(
        visit_id=visit.id,
        checked_in_at=visit.checked_in_at,
        checked_out_at=visit.checked_out_at,
        recorded_at=recorded_at,
        policy=ctx.policy,
    )
    lines = _price_lines(session, data["lines"], local_day(recorded_at, store.timezone))
    if data.get("prompts") is not None:
        _check_prompt_products(session, data["prompts"])
    total = sum((line.total for line in lines), Decimal(0))
    client_total = data.get("client_total")
    hold = _gate(session, store, total)
    status = RequestStatus.HELD if hold else RequestStatus.SUBMITTED
    request = ReorderRequest(
        id=request_id,
        store_id=store.id,
        dealer_id=store.dealer_id,
        rep_id=ctx.actor.user_id,
        visit_id=visit.id,
        status=status,
        note=data.get("note"),
        held_reason=hold.reason if hold else None,
        held_detail=hold.detail if hold else None,
        submitted_at=None if hold else ctx.now,
        total=total,
        client_total=client_total,
        total_mismatch=client_total is not None and client_total != total,
        recorded_at=recorded_at,
        received_at=ctx.now,
        payload_hash=digest,
        lines=[
            ReorderRequestLine(
                position=i,
                product_id=line.product.id,
                quantity=line.quantity,
                cases=math.ceil(line.quantity / line.product.case_pack),
                case_pack=line.product.case_pack,
                unit_price=line.unit_price,
                price_valid_from=line.price_valid_from,
                line_total=line.total,
                delivered_quantity=0,
            )
            for i, line in enumerate(lines)
        ],
    )
    session.add(request)
    session.flush()
    prompts = data.get("prompts")
    if prompts is None:
        prompts = _prompts_now(session, store, ctx)
    ordered = {line.product.id: line.quantity for line in lines}
    session.add_all(_decisions(request, ordered, prompts, recorded_at))
    details: dict[str, Any] = {"total": str(total)}
    if request.total_mismatch:
        details["client_total"] = str(client_total)
    if hold:
        details.update(held_reason=hold.reason.value, held_detail=hold.detail)
    _record(session, request, ctx.actor, Action.CREATE, None, status, details, ctx.now)
    session.flush()
    return request, False


def record_declines(
    session: Session, ctx: WriteContext, visit_id: uuid.UUID, prompts: list[Mapping[str, Any]]
) -> list[PromptDecision]:
    """Prompts the rep declined at a visit where nothing was ordered (ordering records its
    decisions with the request). Sending the same again records nothing new."""
    visit = own_visit(session, ctx, visit_id)
    _check_prompt_products(session, prompts)
    already = set(
        session.scalars(
            select(PromptDecision.product_id).where(
                PromptDecision.visit_id == visit.id, PromptDecision.request_id.is_(None)
            )
        )
    )
    new = [
        PromptDecision(
            visit_id=visit.id,
            request_id=None,
            store_id=visit.store_id,
            product_id=p["product_id"],
            rep_id=ctx.actor.user_id,
            outcome=PromptOutcome.DECLINED,
            suggested_quantity=p["suggested_quantity"],
            ordered_quantity=0,
            decline_reason=p.get("decline_reason"),
            explanation=p.get("explanation") or {},
            decided_at=ctx.now,
        )
        for p in {p["product_id"]: p for p in prompts}.values()
        if p["product_id"] not in already
    ]
    session.add_all(new)
    session.flush()
    return list(
        session.scalars(
            select(PromptDecision)
            .where(PromptDecision.visit_id == visit.id, PromptDecision.request_id.is_(None))
            .order_by(PromptDecision.decided_at, PromptDecision.id)
        )
    )


SYNC_OPERATIONS = {
    SyncOp.REORDER_REQUEST: Operation(create_request, "recorded_at", ReorderRequest),
}


# --- workflow ------------------------------------------------------------------------------


def _record(
    session: Session,
    request: ReorderRequest,
    actor: Actor,
    action: Action,
    from_status: RequestStatus | None,
    to_status: RequestStatus,
    details: dict[str, Any],
    at: datetime,
) -> ReorderRequestEvent:
    """Append to the history and, once the dealer may see the request, to the outbox."""
    event = ReorderRequestEvent(
        request_id=request.id,
        at=at,
        actor_id=actor.user_id,
        actor_role=actor.role,
        action=action.value,
        from_status=from_status,
        to_status=to_status,
        details=details,
    )
    session.add(event)
    if to_status is not RequestStatus.HELD:
        webhooks.enqueue_event(
            session, request, event_name(action, to_status), request_document(request), at
        )
    return event


def event_name(action: Action, to_status: RequestStatus) -> str:
    """What the dealer's webhook hears: a request reaching it (created, or released from a
    hold: the dealer never saw it held), then each new status."""
    if action in (Action.CREATE, Action.RELEASE):
        return "reorder_request.created"
    return f"reorder_request.{to_status}"


def request_document(request: ReorderRequest) -> dict[str, Any]:
    """The request as webhooks carry it (plain JSON: the receiver is not our API client)."""

    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": str(request.id),
        "store_id": str(request.store_id),
        "dealer_id": str(request.dealer_id),
        "rep_id": str(request.rep_id),
        "visit_id": str(request.visit_id),
        "status": request.status.value,
        "version": request.version or 1,
        "total": str(request.total),
        "note": request.note,
        "recorded_at": iso(request.recorded_at),
        "submitted_at": iso(request.submitted_at),
        "promised_delivery_on": iso(request.promised_delivery_on),
        "new_delivery_on": iso(request.new_delivery_on),
        "cannot_fill_reason": request.cannot_fill_reason,
        "rejection_reason": request.rejection_reason,
        "lines": [
            {
                "product_id": str(line.product_id),
                "quantity": line.quantity,
                "cases": line.cases,
                "unit_price": str(line.unit_price),
                "line_total": str(line.line_total),
                "delivered_quantity": line.delivered_quantity or 0,
            }
            for line in request.lines
        ],
    }


def lock_for_change(session: Session, actor: Actor, request_id: uuid.UUID) -> ReorderRequest:
    """The request, row-locked for a workflow step (two dealer users clicking at once)."""
    request = session.scalar(
        select(ReorderRequest)
        .where(ReorderRequest.id == request_id, scope.condition(ReorderRequest, actor))
        .with_for_update(of=ReorderRequest)
        .execution_options(populate_existing=True)
    )
    if request is None:
        scope.get_visible(session, ReorderRequest, request_id, actor)  # raises NotFound
    assert request is not None
    return request


def transition(
    session: Session,
    actor: Actor,
    request: ReorderRequest,
    action: Action,
    data: Mapping[str, Any],
    now: datetime,
) -> ReorderRequest:
    """Acknowledge, confirm, cannot-fill, reject, cancel or release a request."""
    before = request.status
    after = next_status(action, before, actor.role)
    details: dict[str, Any] = {}
    match action:
        case Action.ACKNOWLEDGE:
            request.acknowledged_at = now
        case Action.CONFIRM:
            _not_before_order(request, data["promised_delivery_on"], "promised_delivery_on")
            request.confirmed_at = now
            request.acknowledged_at = request.acknowledged_at or now
            request.promised_delivery_on = data["promised_delivery_on"]
            details["promised_delivery_on"] = data["promised_delivery_on"].isoformat()
        case Action.CANNOT_FILL:
            new_on = data.get("new_delivery_on")
            if new_on is not None:
                _not_before_order(request, new_on, "new_delivery_on")
            request.cannot_fill_at = now
            request.cannot_fill_reason = data["reason"]
            request.new_delivery_on = new_on
            details.update(reason=data["reason"], new_delivery_on=new_on and new_on.isoformat())
        case Action.REJECT:
            request.rejected_at = now
            request.rejection_reason = data["reason"]
            details["reason"] = data["reason"]
        case Action.CANCEL:
            request.cancelled_at = now
            request.cancel_reason = data.get("reason")
            details["reason"] = data.get("reason")
        case Action.RELEASE:
            store = session.get(Store, request.store_id, with_for_update=True)
            assert store is not None
            hold = _gate(session, store, request.total)
            if hold:
                raise _still_held(hold)
            request.submitted_at = now
            request.held_reason = None
            request.held_detail = None
    request.status = after
    session.flush()  # bumps the version the webhook document carries
    _record(session, request, actor, action, before, after, details, now)
    session.flush()
    return request


def _still_held(hold: Hold) -> Conflict:
    return Conflict(f"Still held: {hold.detail}", held_reason=hold.reason.value)


def _not_before_order(request: ReorderRequest, day: Any, name: str) -> None:
    ordered_on = local_day(request.submitted_at or request.recorded_at, request.store.timezone)
    if day < ordered_on:
        raise _invalid(f"json.{name}", f"{name} cannot be before the order ({ordered_on}).")


def deliver(
    session: Session,
    actor: Actor,
    request: ReorderRequest,
    data: Mapping[str, Any],
    now: datetime,
) -> ReorderRequest:
    """Record what arrived, per line; a request is delivered once every line is complete."""
    at = data.get("delivered_at") or now
    if at > now + timedelta(seconds=MAX_FUTURE_S):
        raise _invalid("json.delivered_at", "A delivery cannot be recorded in the future.")
    if at < (request.submitted_at or request.recorded_at):
        raise _invalid("json.delivered_at", "A delivery cannot precede the order.")
    by_product = {line.product_id: line for line in request.lines}
    arriving: dict[uuid.UUID, int] = {}
    refs: dict[uuid.UUID, str] = {}
    for i, item in enumerate(data["lines"]):
        if item["product_id"] not in by_product:
            raise _invalid(f"json.lines.{i}.product_id", "This product is not on the request.")
        if item["product_id"] in arriving:
            raise _invalid(f"json.lines.{i}.product_id", "Each product may appear once.")
        arriving[item["product_id"]] = item["quantity"]
        refs[item["product_id"]] = f"json.lines.{i}.quantity"
    balances = [
        LineBalance(
            refs.get(line.product_id, "json.lines"),
            line.quantity,
            line.delivered_quantity,
            arriving.get(line.product_id, 0),
        )
        for line in request.lines
    ]
    before = request.status
    after = after_delivery(before, actor.role, balances)
    delivered_value = Decimal(0)
    for line in request.lines:
        qty = arriving.get(line.product_id, 0)
        if qty == 0:
            continue
        line.delivered_quantity += qty
        delivered_value += line.unit_price * qty
        session.add(
            ReorderDelivery(
                request_id=request.id,
                line_id=line.id,
                store_id=request.store_id,
                product_id=line.product_id,
                dealer_id=request.dealer_id,
                quantity=qty,
                delivered_at=at,
                recorded_at=now,
                recorded_by_id=actor.user_id,
            )
        )
    # Goods received are owed (a prepaid store's prepayment is used up).
    store = session.get(Store, request.store_id, with_for_update=True, populate_existing=True)
    assert store is not None
    store.balance_owed = store.balance_owed + delivered_value
    request.first_delivery_at = request.first_delivery_at or at
    if after is RequestStatus.DELIVERED:
        request.delivered_at = at
    request.status = after
    session.flush()
    details = {
        "delivered_at": at.isoformat(),
        "lines": [{"product_id": str(pid), "quantity": q} for pid, q in arriving.items() if q],
    }
    _record(session, request, actor, Action.DELIVER, before, after, details, now)
    session.flush()
    return request


# --- reads ---------------------------------------------------------------------------------


def requests_stmt(actor: Actor, args: Mapping[str, Any]) -> Select[Any]:
    stmt = scope.scoped(select(ReorderRequest), ReorderRequest, actor)
    for name in ("status", "store_id", "dealer_id", "rep_id", "visit_id"):
        if name in args:
            stmt = stmt.where(getattr(ReorderRequest, name) == args[name])
    if "from_date" in args:
        start = datetime.combine(args["from_date"], time(0), tzinfo=UTC)
        stmt = stmt.where(ReorderRequest.recorded_at >= start)
    if "to_date" in args:
        end = datetime.combine(args["to_date"] + timedelta(days=1), time(0), tzinfo=UTC)
        stmt = stmt.where(ReorderRequest.recorded_at < end)
    return stmt.order_by(ReorderRequest.recorded_at.desc(), ReorderRequest.id).options(
        selectinload(ReorderRequest.lines)
    )


def request_detail(session: Session, actor: Actor, request_id: uuid.UUID) -> ReorderRequest:
    request = session.scalar(
        select(ReorderRequest)
        .where(ReorderRequest.id == request_id, scope.condition(ReorderRequest, actor))
        .options(selectinload(ReorderRequest.lines), selectinload(ReorderRequest.events))
    )
    if request is None:
        scope.get_visible(session, ReorderRequest, request_id, actor)
    assert request is not None
    return request


# Requests not yet delivered, held ones too: the rep must chase them.
PENDING = (*OPEN, RequestStatus.HELD)


def pending_for_store(session: Session, store_id: uuid.UUID) -> list[ReorderRequest]:
    """Requests of a store still pending (see PENDING), oldest first, with their lines."""
    return list(
        session.scalars(
            select(ReorderRequest)
            .where(ReorderRequest.store_id == store_id, ReorderRequest.status.in_(PENDING))
            .order_by(ReorderRequest.recorded_at, ReorderRequest.id)
            .options(selectinload(ReorderRequest.lines))
        )
    )


def pending_counts(session: Session, store_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many pending requests each store has, in one query (stores with none absent)."""
    rows = session.execute(
        select(ReorderRequest.store_id, func.count())
        .where(ReorderRequest.store_id.in_(store_ids), ReorderRequest.status.in_(PENDING))
        .group_by(ReorderRequest.store_id)
    )
    return {store_id: count for store_id, count in rows}
