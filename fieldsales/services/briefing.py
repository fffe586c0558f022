"""The visit briefing: everything a rep needs walking into a store, in one response and a
fixed number of SQL statements whatever the store's history (a phone on a weak network
cannot wait on N+1 queries). Reorder prompts and pending requests included."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from fieldsales.db.models import Payment, Problem, Promotion, StockCount, Store, Visit
from fieldsales.domain.errors import NotFound
from fieldsales.domain.types import Actor, PaymentTerms
from fieldsales.domain.visits import (
    GiftStatus,
    MoneyPosition,
    ObservationKind,
    ProblemStatus,
    gift_status,
    local_day,
    reminders,
    windows_on,
)
from fieldsales.services import reorders, scope
from fieldsales.services.master import promotion_applies_to_store
from fieldsales.services.reorder_prompts import (
    DEFAULT_PROMPT_SETTINGS,
    PromptSettings,
    prompts_document,
    store_prompts,
)


def _last_visit(session: Session, store_id: uuid.UUID) -> Visit | None:
    return session.scalar(
        select(Visit)
        .where(Visit.store_id == store_id)
        .order_by(Visit.checked_in_at.desc(), Visit.id)
        .limit(1)
        .options(
            selectinload(Visit.purposes),
            selectinload(Visit.observations),
            selectinload(Visit.problems),
            selectinload(Visit.stock_counts).joinedload(StockCount.product),
        )
    )


def _last_visit_summary(visit: Visit | None) -> dict[str, Any] | None:
    if visit is None:
        return None
    pop = [o for o in visit.observations if o.kind is ObservationKind.OUR_POP]
    return {
        "id": visit.id,
        "rep_id": visit.rep_id,
        "checked_in_at": visit.checked_in_at,
        "checked_out_at": visit.checked_out_at,
        "duration_s": visit.duration_s,
        "met_with": visit.met_with,
        "notes": visit.notes,
        "purposes": [p.purpose for p in visit.purposes],
        "pop": pop[-1] if pop else None,
        "problems_raised": len(visit.problems),
        "stock_counts": [
            {
                "product_id": c.product_id,
                "sku": c.product.sku,
                "name": c.product.name,
                "shelf_qty": c.shelf_qty,
                "backroom_qty": c.backroom_qty,
            }
            for c in visit.stock_counts
        ],
    }


def _promotions(session: Session, store_id: uuid.UUID, today: Any) -> list[dict[str, Any]]:
    promotions = session.scalars(
        select(Promotion)
        .where(
            Promotion.active,
            Promotion.starts_on <= today,
            Promotion.ends_on >= today,
            promotion_applies_to_store(store_id),
        )
        .order_by(Promotion.ends_on, Promotion.name)
        .options(selectinload(Promotion.gifts), selectinload(Promotion.products))
    )
    return [
        {
            "id": p.id,
            "name": p.name,
            "mechanics": p.mechanics,
            "starts_on": p.starts_on,
            "ends_on": p.ends_on,
            "product_ids": [prod.id for prod in p.products],
            "gifts": [
                {
                    "description": g.description,
                    "quantity": g.quantity,
                    "arrives_on": g.arrives_on,
                    "allocation": g.allocation,
                    "status": gift_status(g.arrives_on, today),
                }
                for g in p.gifts
            ],
        }
        for p in promotions
    ]


def store_briefing(
    session: Session,
    *,
    actor: Actor,
    store_id: uuid.UUID,
    now: datetime,
    prompt_settings: PromptSettings = DEFAULT_PROMPT_SETTINGS,
) -> dict[str, Any]:
    store = session.scalar(
        select(Store)
        .where(Store.id == store_id, scope.condition(Store, actor))
        .options(joinedload(Store.dealer))
    )
    if store is None:
        raise NotFound(f"No store with id {store_id}.")
    today = local_day(now, store.timezone)
    last = _last_visit(session, store.id)
    open_problems = list(
        session.scalars(
            select(Problem)
            .where(Problem.store_id == store.id, Problem.status == ProblemStatus.OPEN)
            .order_by(Problem.recorded_at)
        )
    )
    promotions = _promotions(session, store.id, today)
    last_payment = session.scalar(
        select(Payment)
        .where(Payment.store_id == store.id)
        .order_by(Payment.recorded_at.desc(), Payment.id)
        .limit(1)
    )
    money = MoneyPosition(credit_limit=store.credit_limit, balance_owed=store.balance_owed)
    windows_today = windows_on(store.owner_windows, today)
    summary = _last_visit_summary(last)
    return {
        "today": today,
        "store": store,
        "dealer": store.dealer,
        "owner_windows_today": windows_today,
        "last_visit": summary,
        "open_problems": open_problems,
        "promotions": promotions,
        "money": {
            "payment_terms": store.payment_terms,
            "credit_limit": money.credit_limit,
            "balance_owed": money.balance_owed,
            "available_credit": money.available_credit,
            "over_limit": money.over_limit,
            "last_payment": last_payment,
        },
        "pending_reorders": reorders.pending_for_store(session, store.id),
        "reorder_prompts": prompts_document(
            store_prompts(session, store, now=now, settings=prompt_settings), now
        ),
        "reminders": reminders(
            money=money,
            monthly_terms=store.payment_terms is PaymentTerms.MONTHLY,
            appointment_required=store.appointment_required,
            windows_today=windows_today,
            open_problems=len(open_problems),
            gifts_arrived=sum(
                g["status"] is GiftStatus.ARRIVED for p in promotions for g in p["gifts"]
            ),
            pop_damaged_last_visit=bool(summary and summary["pop"] and summary["pop"].pop_damaged),
        ),
    }
