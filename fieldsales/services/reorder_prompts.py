"""Reorder prompts for a store: load what the policy needs from the database, in a fixed
number of statements whatever the store's history, and call the pure policy.

What is loaded, and why (issue 6, "use what the product knows"):
- the store's stock counts and the deliveries recorded by the dealer workflow (sell rate);
- the lines still on order with the store's dealer (already on order);
- the dealer's order lines of the last 180 days at every store (its real lead times and
  short-shipping: `profile_dealer`);
- the store's next expected visit (the current route plan, else the grade's
  visit frequency) and its record of skipped visits (the review period's spread);
- promotions announced for the store and product (master data);
- for a product with little history, its sell rate at stores of the same grade (prior).
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from fieldsales.config import DefaultConfig
from fieldsales.db.models import (
    Price,
    Product,
    Promotion,
    ReorderDelivery,
    ReorderRequest,
    ReorderRequestLine,
    SkippedVisit,
    StockCount,
    Store,
    Visit,
)
from fieldsales.domain import reorder as rd
from fieldsales.domain.errors import InvalidInput
from fieldsales.domain.reorder.workflow import OPEN, RequestStatus
from fieldsales.services.master import prices_in_force, promotion_applies_to_store
from fieldsales.services.route_calendar import next_planned_visit_dates

HISTORY_DAYS = 180  # counts, deliveries, dealer lines and visit record looked at
PROMOTION_LOOKAHEAD_DAYS = 120  # promotions that may fall in a horizon
# Below this many counts of its own, a product borrows its rate from same-grade stores.
PRIOR_BELOW_COUNTS = 4
PEER_STORES_MAX = 200  # peers sampled for a prior: enough for a median, bounded cost


@dataclass(frozen=True, slots=True)
class PromptSettings:
    service_level: float
    frequency_days: Mapping[str, int]


DEFAULT_PROMPT_SETTINGS = PromptSettings(
    service_level=DefaultConfig.REORDER_SERVICE_LEVEL,
    frequency_days=DefaultConfig.VISIT_FREQUENCY_DAYS,
)


def configured_settings() -> PromptSettings:
    """The app's settings (REORDER_SERVICE_LEVEL, VISIT_FREQUENCY_DAYS); the defaults
    outside an app (scripts, the bench)."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return DEFAULT_PROMPT_SETTINGS
    cfg = current_app.config
    return PromptSettings(
        service_level=float(cfg["REORDER_SERVICE_LEVEL"]),
        frequency_days=dict(cfg["VISIT_FREQUENCY_DAYS"]),
    )


@dataclass(frozen=True, slots=True)
class StorePrompts:
    """The proposal for one store, with the product rows and prices it was built from."""

    store: Store
    proposal: rd.ReorderProposal | None  # None: the store has no dealer
    products: dict[str, Product]  # by sku
    prices: dict[uuid.UUID, Price]  # in force today, by product id
    visit_source: rd.VisitPlanSource
    next_visit_on: date


def _store_now(store: Store, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(store.timezone))


def visit_outlook(
    session: Session, store: Store, today: date, settings: PromptSettings
) -> rd.VisitOutlook:
    """When the rep will be back at the store, and how often planned visits were missed."""
    interval = int(settings.frequency_days.get(store.grade.value, 14))
    since = today - timedelta(days=HISTORY_DAYS)
    made = (
        select(func.count(Visit.id))
        .where(Visit.store_id == store.id, Visit.local_day >= since, Visit.planned)
        .scalar_subquery()
    )
    skipped = (
        select(func.count(SkippedVisit.id))
        .where(SkippedVisit.store_id == store.id, SkippedVisit.day >= since)
        .scalar_subquery()
    )
    visits_made, visits_skipped = session.execute(select(made, skipped)).one()
    # The visit being made today is not the next one: look from the store's next midnight.
    tomorrow = datetime.combine(today + timedelta(days=1), time(0), ZoneInfo(store.timezone))
    planned = next_planned_visit_dates(session, [store.id], after=tomorrow).get(store.id)
    return rd.VisitOutlook(
        next_visit_on=planned or today + timedelta(days=interval),
        source=rd.VisitPlanSource.ROUTE_PLAN if planned else rd.VisitPlanSource.GRADE_FREQUENCY,
        interval_days=interval,
        planned_visits=int(visits_made) + int(visits_skipped),
        skipped_visits=int(visits_skipped),
    )


def dealer_profile(
    session: Session, dealer_id: uuid.UUID, stated_lead_time_days: int, today: date
) -> rd.DealerProfile:
    """The dealer's lead times and short-shipping, from its order lines at every store."""
    since = datetime.combine(today - timedelta(days=HISTORY_DAYS), datetime.min.time(), UTC)
    first_delivery = (
        select(func.min(ReorderDelivery.delivered_at))
        .where(ReorderDelivery.line_id == ReorderRequestLine.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            ReorderRequest.submitted_at,
            ReorderRequestLine.quantity,
            ReorderRequestLine.delivered_quantity,
            first_delivery,
        )
        .join(ReorderRequestLine, ReorderRequestLine.request_id == ReorderRequest.id)
        .where(
            ReorderRequest.dealer_id == dealer_id,
            ReorderRequest.submitted_at >= since,
            # Lines the dealer was asked for: rejected or cancelled ones say nothing.
            ReorderRequest.status.in_([*OPEN, RequestStatus.DELIVERED]),
        )
    ).all()
    records = [_supply_record(*row) for row in rows]
    return rd.profile_dealer(
        [r for r in records if r is not None],
        stated_lead_time_days=stated_lead_time_days,
        today=today,
    )


def _supply_record(
    submitted_at: datetime, quantity: int, delivered: int, first_delivery: datetime | None
) -> rd.SupplyRecord | None:
    """A line's lead time is until its first delivery, and that delivery's line counts as
    short when less than ordered has come: the store ran on what arrived. A line with
    nothing delivered yet is still open (late once past the promise)."""
    if quantity <= 0:
        return None
    ordered_on = submitted_at.date()
    if first_delivery is None:
        return rd.SupplyRecord(ordered_on=ordered_on, quantity_ordered=quantity)
    return rd.SupplyRecord(
        ordered_on=ordered_on,
        quantity_ordered=quantity,
        delivered_on=max(ordered_on, first_delivery.date()),
        quantity_delivered=min(delivered, quantity),
    )


def _counts(session: Session, store_ids: list[uuid.UUID], since: datetime) -> list[StockCount]:
    return list(
        session.scalars(
            select(StockCount).where(
                StockCount.store_id.in_(store_ids), StockCount.recorded_at >= since
            )
        )
    )


def _deliveries(
    session: Session, store_ids: list[uuid.UUID], since: datetime
) -> list[ReorderDelivery]:
    return list(
        session.scalars(
            select(ReorderDelivery).where(
                ReorderDelivery.store_id.in_(store_ids), ReorderDelivery.delivered_at >= since
            )
        )
    )


def _open_lines(session: Session, store_id: uuid.UUID) -> list[tuple[uuid.UUID, date, int]]:
    rows = session.execute(
        select(
            ReorderRequestLine.product_id,
            ReorderRequest.submitted_at,
            ReorderRequestLine.quantity - ReorderRequestLine.delivered_quantity,
        )
        .join(ReorderRequest, ReorderRequestLine.request_id == ReorderRequest.id)
        .where(ReorderRequest.store_id == store_id, ReorderRequest.status.in_(OPEN))
    ).all()
    return [(pid, at.date(), int(qty)) for pid, at, qty in rows if qty > 0]


def _promotions(session: Session, store: Store, today: date) -> list[Promotion]:
    return list(
        session.scalars(
            select(Promotion)
            .where(
                Promotion.active,
                Promotion.ends_on >= today - timedelta(days=HISTORY_DAYS),
                Promotion.starts_on <= today + timedelta(days=PROMOTION_LOOKAHEAD_DAYS),
                promotion_applies_to_store(store.id),
            )
            .options(selectinload(Promotion.products))
        )
    )


def prices_today(
    session: Session, product_ids: Iterable[uuid.UUID], today: date
) -> dict[uuid.UUID, Price]:
    rows = session.scalars(
        select(Price).where(Price.id.in_(prices_in_force(today)), Price.product_id.in_(product_ids))
    )
    return {p.product_id: p for p in rows}


def _peer_priors(
    session: Session, store: Store, product_ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, rd.SellRatePrior]:
    """Sell rates of the products at other stores of the same grade, as priors. Always two
    statements (even with nothing to look up) so the briefing's count stays fixed."""
    since = now - timedelta(days=HISTORY_DAYS)
    peers = (
        select(Store.id)
        .where(Store.grade == store.grade, Store.id != store.id, Store.active)
        .order_by(Store.id)
        .limit(PEER_STORES_MAX)
        .scalar_subquery()
    )
    counts = session.scalars(
        select(StockCount).where(
            StockCount.store_id.in_(peers),
            StockCount.product_id.in_(product_ids),
            StockCount.recorded_at >= since,
        )
    ).all()
    deliveries = session.scalars(
        select(ReorderDelivery).where(
            ReorderDelivery.store_id.in_(peers),
            ReorderDelivery.product_id.in_(product_ids),
            ReorderDelivery.delivered_at >= since,
        )
    ).all()
    by_pair = _by_pair(counts, deliveries)
    rates: dict[uuid.UUID, list[float]] = defaultdict(list)
    for (_store_id, product_id), (pair_counts, pair_deliveries) in by_pair.items():
        if len(pair_counts) < 2:
            continue
        rate = rd.estimate_sell_rate(pair_counts, pair_deliveries, now=now)
        if rate.intervals:
            rates[product_id].append(rate.daily_rate)
    basis = f"same product at grade {store.grade.value} stores"
    priors = {pid: rd.prior_from_peers(r, basis=f"{basis} ({len(r)})") for pid, r in rates.items()}
    return {pid: p for pid, p in priors.items() if p is not None}


Pair = tuple[uuid.UUID, uuid.UUID]


def _by_pair(
    counts: Iterable[StockCount], deliveries: Iterable[ReorderDelivery]
) -> dict[Pair, tuple[list[rd.StockCount], list[rd.Delivery]]]:
    out: dict[Pair, tuple[list[rd.StockCount], list[rd.Delivery]]] = defaultdict(lambda: ([], []))
    for c in counts:
        out[(c.store_id, c.product_id)][0].append(
            rd.StockCount(c.recorded_at, c.shelf_qty, c.backroom_qty)
        )
    for d in deliveries:
        out[(d.store_id, d.product_id)][1].append(rd.Delivery(d.delivered_at, d.quantity))
    return out


def _domain_promotions(
    promotions: list[Promotion], product_id: uuid.UUID
) -> tuple[rd.Promotion, ...]:
    return tuple(
        rd.Promotion(p.starts_on, p.ends_on, max(p.expected_uplift, 0.01), label=p.name)
        for p in promotions
        if any(prod.id == product_id for prod in p.products)
    )


def store_prompts(
    session: Session, store: Store, *, now: datetime, settings: PromptSettings
) -> StorePrompts:
    """The reorder proposal for a store: one prompt per product the store carries (counted,
    delivered or on order in the last 180 days)."""
    local_now = _store_now(store, now)
    today = local_now.date()
    since = now - timedelta(days=HISTORY_DAYS)
    counts = _counts(session, [store.id], since)
    deliveries = _deliveries(session, [store.id], since)
    open_lines = _open_lines(session, store.id)
    product_ids = sorted(
        {c.product_id for c in counts}
        | {d.product_id for d in deliveries}
        | {pid for pid, _, _ in open_lines}
    )
    products = {
        p.id: p
        for p in session.scalars(select(Product).where(Product.id.in_(product_ids), Product.active))
    }
    prices = prices_today(session, product_ids, today)
    promotions = _promotions(session, store, today)
    own = _by_pair(counts, deliveries)
    thin = [
        pid for pid in products if len(own.get((store.id, pid), ([], []))[0]) < PRIOR_BELOW_COUNTS
    ]
    priors = _peer_priors(session, store, thin, now)
    outlook = visit_outlook(session, store, today, settings)
    by_sku = {p.sku: p for p in products.values()}
    if store.dealer is None:
        return StorePrompts(store, None, by_sku, prices, outlook.source, outlook.next_visit_on)
    dealer = dealer_profile(session, store.dealer.id, store.dealer.lead_time_days, today)
    on_order: dict[uuid.UUID, list[rd.OpenOrder]] = defaultdict(list)
    for pid, ordered_on, qty in open_lines:
        on_order[pid].append(rd.OpenOrder(ordered_on, qty))
    items = []
    for pid, product in sorted(products.items(), key=lambda kv: kv[1].sku):
        pair_counts, pair_deliveries = own.get((store.id, pid), ([], []))
        price = prices.get(pid)
        items.append(
            rd.ReorderItem(
                sku=product.sku,
                case_pack=product.case_pack,
                counts=tuple(pair_counts),
                deliveries=tuple(pair_deliveries),
                open_orders=tuple(on_order[pid]),
                promotions=_domain_promotions(promotions, pid),
                prior=priors.get(pid),
                unit_price=price.unit_price if price else None,
            )
        )
    proposal = rd.suggest_reorder(
        items,
        dealer=dealer,
        visits=outlook,
        now=local_now,
        policy=rd.ReorderPolicy(service_level=settings.service_level),
        minimum=rd.MinimumOrder(value=store.dealer.minimum_order),
    )
    return StorePrompts(store, proposal, by_sku, prices, outlook.source, outlook.next_visit_on)


# --- presentation --------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-ready: the explanation is both sent to the phone and stored with the decision."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def explanation(prompt: rd.ReorderPrompt) -> dict[str, Any]:
    """The formula's inputs, flat and named so a rep can read them to the owner."""
    e = prompt.explanation
    rate, review, dealer = e.sell_rate, e.review, e.dealer
    out = {
        "daily_rate": rate.daily_rate,
        "daily_trend": rate.daily_trend,
        "dispersion": rate.dispersion,
        "rate_source": rate.source,
        "prior_basis": rate.prior_basis,
        "observed_days": rate.observed_days,
        "intervals": rate.intervals,
        "discarded_counts": list(rate.discarded_counts),
        "suspect_count": rate.suspect_count,
        "on_hand": e.on_hand,
        "on_hand_source": e.on_hand_source,
        "on_hand_as_of": e.on_hand_as_of,
        "on_order": e.on_order,
        "on_order_expected": e.on_order_expected,
        "days_of_cover": e.days_of_cover,
        "review_days_planned": review.planned_days,
        "review_days_expected": review.expected_days,
        "review_source": review.source,
        "skip_rate": review.skip_rate,
        "lead_time_stated_days": dealer.stated_lead_time_days,
        "lead_time_mean_days": dealer.mean_lead_time,
        "dealer_late_share": dealer.late_share,
        "dealer_short_ship_share": dealer.short_ship_share,
        "dealer_observed_lines": dealer.observed_lines,
        "horizon_days": e.horizon_days,
        "expected_demand": e.expected_demand,
        "safety_stock": e.safety_stock,
        "order_up_to": e.order_up_to,
        "short_ship_allowance": e.short_ship_allowance,
        "need": e.need,
        "service_level": e.service_level,
        "service_measure": e.service_measure,
        "expected_service": e.expected_service,
        "promotions": [
            {k: _plain(v) for k, v in dataclasses.asdict(p).items()} for p in e.promotions
        ],
        "notes": list(e.notes),
    }
    return {k: _plain(v) for k, v in out.items()}


def prompt_rows(result: StorePrompts) -> list[dict[str, Any]]:
    """One row per product: the prompt, its product and price, and its explanation."""
    if result.proposal is None:
        return []
    rows = []
    for prompt in result.proposal.prompts:
        product = result.products[prompt.sku]
        price = result.prices.get(product.id)
        rows.append(
            {
                "product_id": product.id,
                "sku": prompt.sku,
                "name": product.name,
                "action": prompt.action,
                "quantity": prompt.quantity,
                "cases": prompt.cases,
                "case_pack": prompt.case_pack,
                "urgent": prompt.urgent,
                "unit_price": price.unit_price if price else None,
                "summary": prompt.summary,
                "explanation": explanation(prompt),
            }
        )
    return rows


def prompts_document(result: StorePrompts, now: datetime) -> dict[str, Any]:
    proposal = result.proposal
    return {
        "store_id": result.store.id,
        "dealer_id": result.store.dealer_id,
        "generated_at": now,
        "next_visit_on": result.next_visit_on,
        "next_visit_source": result.visit_source,
        "minimum_effect": proposal.minimum_effect if proposal else None,
        "minimum_note": proposal.minimum_note if proposal else "The store has no dealer.",
        "prompts": prompt_rows(result),
    }


def require_dealer(store: Store) -> None:
    if store.dealer_id is None:
        raise InvalidInput(
            "This store has no dealer to order from.",
            errors=[{"path": "json.visit_id", "message": "The visit's store has no dealer."}],
        )
