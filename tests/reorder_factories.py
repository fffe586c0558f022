"""Builders for reorder tests: a rep at an open visit of a store with a dealer and priced
products, reorder requests in a given state, and webhooks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fieldsales.db.models import (
    DealerWebhook,
    Product,
    ReorderRequest,
    ReorderRequestEvent,
    ReorderRequestLine,
    Store,
    User,
    Visit,
)
from fieldsales.domain.reorder.workflow import RequestStatus
from fieldsales.domain.types import Role
from tests.factories import Factory


@dataclass
class Shop:
    """A rep at an open visit of a store supplied by a dealer, with two priced products."""

    rep: User
    store: Store
    visit: Visit
    dealer: Any
    dealer_user: User
    products: list[Product]


def open_shop(make: Factory, *, rep: User | None = None, **store_over: Any) -> Shop:
    team = make.team()
    rep = rep or make.rep(team)
    dealer = make.dealer()
    store = make.store(rep=rep, dealer=dealer, **store_over)
    now = datetime.now(UTC)
    visit = make.visit(rep, store, at=now - timedelta(minutes=10), minutes=None)
    products = [make.product(case_pack=6), make.product(case_pack=12)]
    make.price(products[0], "2.50")
    make.price(products[1], "10.00")
    return Shop(rep, store, visit, dealer, make.dealer_user(dealer), products)


def make_request(
    make: Factory,
    shop: Shop,
    *,
    status: RequestStatus = RequestStatus.SUBMITTED,
    quantities: tuple[int, ...] = (12, 24),
    at: datetime | None = None,
    visit: Visit | None = None,
    **over: Any,
) -> ReorderRequest:
    """A request of the shop's rep at its visit, directly in `status`."""
    return build_request(
        make,
        rep=shop.rep,
        store=shop.store,
        visit=visit or shop.visit,
        products=shop.products,
        status=status,
        quantities=quantities,
        at=at,
        **over,
    )


def build_request(
    make: Factory,
    *,
    rep: User,
    store: Store,
    visit: Visit,
    products: list[Product],
    status: RequestStatus = RequestStatus.SUBMITTED,
    quantities: tuple[int, ...] = (12, 24),
    at: datetime | None = None,
    **over: Any,
) -> ReorderRequest:
    """A request as the create endpoint would have stored it (lines at 2.50 and 10.00),
    put directly in `status` with its creation event."""
    at = at or datetime.now(UTC) - timedelta(minutes=5)
    prices = [Decimal("2.50"), Decimal("10.00")]
    lines = [
        ReorderRequestLine(
            position=i,
            product_id=p.id,
            quantity=q,
            cases=math.ceil(q / p.case_pack),
            case_pack=p.case_pack,
            unit_price=prices[i],
            price_valid_from=datetime(2026, 1, 1).date(),
            line_total=prices[i] * q,
            delivered_quantity=0,
        )
        for i, (p, q) in enumerate(zip(products, quantities, strict=False))
    ]
    values = {
        "store_id": store.id,
        "dealer_id": store.dealer_id,
        "rep_id": rep.id,
        "visit_id": visit.id,
        "status": status,
        "submitted_at": None if status is RequestStatus.HELD else at,
        "total": sum((line.line_total for line in lines), Decimal(0)),
        "recorded_at": at,
        "received_at": at,
        "payload_hash": "0" * 64,
        "lines": lines,
        **over,
    }
    request = make._add(ReorderRequest(**values))
    make._add(
        ReorderRequestEvent(
            request_id=request.id,
            at=at,
            actor_id=rep.id,
            actor_role=Role.REP,
            action="create",
            from_status=None,
            to_status=status,
            details={},
        )
    )
    return request


def make_webhook(make: Factory, dealer: Any, url: str, secret: str = "s" * 32) -> DealerWebhook:
    return make._add(DealerWebhook(dealer_id=dealer.id, url=url, secret=secret, active=True))
