"""Demo reorder requests: orders taken at about half the stores' latest visits, in every
state of the dealer workflow, with their history and deliveries.

Only the latest visit of a store gets an order, and what is delivered arrives after that
visit's count: the demo's stock counts stay consistent with its deliveries, so prompts
computed on the demo read sensible sell rates. The dealers' lead times (some late, some
shipping short) give their profiles something to learn from. Deterministic from the seed,
written with bulk inserts."""

from __future__ import annotations

import math
import random
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from fieldsales.db.models import (
    Dealer,
    Price,
    Product,
    ReorderDelivery,
    ReorderRequest,
    ReorderRequestEvent,
    ReorderRequestLine,
    StockCount,
    Store,
    User,
    Visit,
)
from fieldsales.domain.reorder.workflow import HoldReason, RequestStatus
from fieldsales.domain.types import PaymentTerms, Role

HISTORY_HASH = "demo-reorders".ljust(64, "0")  # not a request: never sent by a phone
ORDER_SHARE = 0.5  # of the stores' latest visits
S = RequestStatus


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class _Rows:
    def __init__(self) -> None:
        self.by_model: dict[type, list[dict[str, Any]]] = defaultdict(list)

    def add(self, model: type, **values: Any) -> None:
        self.by_model[model].append(values)


def load_demo_reorders(session: Session, *, seed: int, now: datetime) -> str:
    if session.scalar(select(ReorderRequest.id).limit(1)) is not None:
        return "reorder requests: already present"
    rng = random.Random(seed * 7919 + 6)
    latest = (
        select(Visit.store_id, func.max(Visit.checked_in_at).label("at"))
        .group_by(Visit.store_id)
        .subquery()
    )
    visits = session.scalars(
        select(Visit)
        .join(latest, (Visit.store_id == latest.c.store_id) & (Visit.checked_in_at == latest.c.at))
        .order_by(Visit.store_id)
    ).all()
    counts: dict[uuid.UUID, list[StockCount]] = defaultdict(list)
    for c in session.scalars(
        select(StockCount).where(StockCount.visit_id.in_([v.id for v in visits]))
    ):
        counts[c.visit_id].append(c)
    stores = {s.id: s for s in session.scalars(select(Store).where(Store.dealer_id.is_not(None)))}
    dealers = {d.id: d for d in session.scalars(select(Dealer))}
    dealer_users = {
        u.dealer_id: u.id for u in session.scalars(select(User).where(User.role == Role.DEALER))
    }
    products = {p.id: p for p in session.scalars(select(Product))}
    prices: dict[uuid.UUID, list[Price]] = defaultdict(list)
    for p in session.scalars(select(Price).order_by(Price.valid_from)):
        prices[p.product_id].append(p)
    # Each dealer's habits: how late it tends to be and how often it ships short.
    habits = {d: (rng.choice((0, 0, 1, 2)), rng.choice((0.02, 0.05, 0.2))) for d in dealers}

    rows = _Rows()
    made = 0
    for visit in visits:
        store = stores.get(visit.store_id)
        if store is None or not counts[visit.id] or rng.random() > ORDER_SHARE:
            continue
        lines = _lines(rng, counts[visit.id], products, prices, visit.local_day)
        if not lines:
            continue
        dealer = dealers[store.dealer_id]  # type: ignore[index]
        _request(
            rng,
            rows,
            visit,
            store,
            dealer,
            dealer_users.get(dealer.id),
            lines,
            habits[dealer.id],
            now,
        )
        made += 1
    for model in (ReorderRequest, ReorderRequestLine, ReorderRequestEvent, ReorderDelivery):
        if rows.by_model[model]:
            session.execute(insert(model), rows.by_model[model])
    session.flush()
    by_status = defaultdict(int)
    for r in rows.by_model[ReorderRequest]:
        by_status[r["status"].value] += 1
    spread = ", ".join(f"{k} {v}" for k, v in sorted(by_status.items()))
    return f"reorder requests: {made} ({spread})"


def _lines(
    rng: random.Random,
    counts: list[StockCount],
    products: dict[uuid.UUID, Product],
    prices: dict[uuid.UUID, list[Price]],
    day: date,
) -> list[tuple[Product, int, Price]]:
    """Reorder the lowest counted products: one to three lines, whole cases."""
    low = sorted(counts, key=lambda c: c.shelf_qty + c.backroom_qty)[: rng.randint(1, 3)]
    out = []
    for c in low:
        product = products[c.product_id]
        in_force = [p for p in prices[product.id] if p.valid_from <= day]
        if not in_force:
            continue
        cases = rng.randint(1, 4)
        out.append((product, cases * product.case_pack, in_force[-1]))
    return out


def _request(
    rng: random.Random,
    rows: _Rows,
    visit: Visit,
    store: Store,
    dealer: Dealer,
    dealer_user: uuid.UUID | None,
    lines: list[tuple[Product, int, Price]],
    habit: tuple[int, float],
    now: datetime,
) -> None:
    assert visit.checked_out_at is not None
    taken = visit.checked_out_at - timedelta(minutes=3)
    request_id = _uuid(rng)
    total = sum((price.unit_price * qty for _, qty, price in lines), Decimal(0))
    late_days, short_share = habit
    days = max(1, dealer.lead_time_days) + rng.randint(0, late_days)
    lead = timedelta(days=days, hours=rng.randint(2, 8))
    arrives = taken + lead
    # Prepaid stores mostly pay as they order; now and then an order waits for the money.
    prepaid_unpaid = store.payment_terms is PaymentTerms.PREPAID and rng.random() < 0.25
    status = _status(rng, taken, arrives, now, held=prepaid_unpaid)
    line_ids = [_uuid(rng) for _ in lines]
    steps = _steps(rng, status, taken, arrives)
    delivered = _delivered(rng, status, line_ids, [qty for _, qty, _ in lines], short_share)
    if any(delivered.get(lid, q) < q for lid, (_, q, _) in zip(line_ids, lines, strict=True)):
        status = S.PARTIALLY_DELIVERED  # shipped short: the rest is still owed
        steps[-1] = (S.PARTIALLY_DELIVERED, steps[-1][1])
    times = {s: at for s, at in steps}
    rows.add(
        ReorderRequest,
        id=request_id,
        store_id=store.id,
        dealer_id=dealer.id,
        rep_id=visit.rep_id,
        visit_id=visit.id,
        status=status,
        note=None,
        held_reason=HoldReason.PREPAYMENT_MISSING if status is S.HELD else None,
        held_detail="Prepaid store: no payment recorded for this order yet."
        if status is S.HELD
        else None,
        submitted_at=None if status is S.HELD else taken,
        acknowledged_at=times.get(S.ACKNOWLEDGED),
        confirmed_at=times.get(S.CONFIRMED),
        promised_delivery_on=(taken + timedelta(days=dealer.lead_time_days)).date()
        if S.CONFIRMED in times
        else None,
        first_delivery_at=times.get(S.PARTIALLY_DELIVERED) or times.get(S.DELIVERED),
        delivered_at=times.get(S.DELIVERED),
        cannot_fill_at=times.get(S.CANNOT_FILL),
        cannot_fill_reason="Out of stock at the warehouse" if S.CANNOT_FILL in times else None,
        new_delivery_on=(arrives + timedelta(days=7)).date() if S.CANNOT_FILL in times else None,
        rejected_at=times.get(S.REJECTED),
        rejection_reason="Store is on hold with us" if S.REJECTED in times else None,
        cancelled_at=times.get(S.CANCELLED),
        cancel_reason="Owner changed his mind" if S.CANCELLED in times else None,
        total=total,
        client_total=total,
        total_mismatch=False,
        recorded_at=taken,
        received_at=taken,
        payload_hash=HISTORY_HASH,
        created_at=taken,
        updated_at=steps[-1][1],
        version=len(steps),
    )
    for i, (lid, (product, qty, price)) in enumerate(zip(line_ids, lines, strict=True)):
        rows.add(
            ReorderRequestLine,
            id=lid,
            request_id=request_id,
            position=i,
            product_id=product.id,
            quantity=qty,
            cases=math.ceil(qty / product.case_pack),
            case_pack=product.case_pack,
            unit_price=price.unit_price,
            price_valid_from=price.valid_from,
            line_total=price.unit_price * qty,
            delivered_quantity=delivered.get(lid, 0),
        )
        if delivered.get(lid):
            rows.add(
                ReorderDelivery,
                id=_uuid(rng),
                request_id=request_id,
                line_id=lid,
                store_id=store.id,
                product_id=product.id,
                dealer_id=dealer.id,
                quantity=delivered[lid],
                delivered_at=arrives,
                recorded_at=arrives,
                recorded_by_id=dealer_user,
            )
    before: RequestStatus | None = None
    for to, at in steps:
        rep_side = to in (S.SUBMITTED, S.HELD, S.CANCELLED)
        rows.add(
            ReorderRequestEvent,
            id=_uuid(rng),
            request_id=request_id,
            at=at,
            actor_id=visit.rep_id if rep_side else dealer_user,
            actor_role=Role.REP if rep_side else Role.DEALER,
            action="create" if before is None else _ACTION[to],
            from_status=before,
            to_status=to,
            details={},
        )
        before = to


def _delivered(
    rng: random.Random,
    status: RequestStatus,
    line_ids: list[uuid.UUID],
    quantities: list[int],
    short_share: float,
) -> dict[uuid.UUID, int]:
    """Units delivered per line: all of it, or half when the dealer ships short."""
    if status is not S.DELIVERED:
        return {}
    return {
        lid: qty if rng.random() > short_share else qty // 2
        for lid, qty in zip(line_ids, quantities, strict=True)
    }


_ACTION = {
    S.ACKNOWLEDGED: "acknowledge",
    S.CONFIRMED: "confirm",
    S.PARTIALLY_DELIVERED: "deliver",
    S.DELIVERED: "deliver",
    S.CANNOT_FILL: "cannot_fill",
    S.REJECTED: "reject",
    S.CANCELLED: "cancel",
}


def _status(
    rng: random.Random, taken: datetime, arrives: datetime, now: datetime, *, held: bool
) -> RequestStatus:
    if held:
        return S.HELD
    roll = rng.random()
    if roll < 0.05:
        return S.CANCELLED
    if roll < 0.11:
        return S.REJECTED
    if roll < 0.17:
        return S.CANNOT_FILL
    if arrives <= now:
        return S.DELIVERED
    hours = (now - taken).total_seconds() / 3600
    return S.SUBMITTED if hours < 18 else S.ACKNOWLEDGED if hours < 42 else S.CONFIRMED


def _steps(
    rng: random.Random, status: RequestStatus, taken: datetime, arrives: datetime
) -> list[tuple[RequestStatus, datetime]]:
    """The statuses the request went through, with when."""
    first = S.HELD if status is S.HELD else S.SUBMITTED
    steps = [(first, taken)]
    if status in (S.HELD, S.SUBMITTED):
        return steps
    if status is S.CANCELLED:
        return [*steps, (S.CANCELLED, taken + timedelta(minutes=rng.randint(10, 90)))]
    ack = taken + timedelta(hours=rng.uniform(0.5, 6))
    steps.append((S.ACKNOWLEDGED, ack))
    if status is S.ACKNOWLEDGED:
        return steps
    if status in (S.REJECTED, S.CANNOT_FILL):
        return [*steps, (status, ack + timedelta(hours=rng.uniform(1, 24)))]
    steps.append((S.CONFIRMED, ack + timedelta(hours=rng.uniform(0.5, 4))))
    if status is S.CONFIRMED:
        return steps
    return [*steps, (status, arrives)]
