"""Demo reorder requests: every workflow state shows up, deliveries follow the last count,
and the demo store's prompts read them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from fieldsales.db.models import (
    ReorderDelivery,
    ReorderRequest,
    ReorderRequestEvent,
    StockCount,
    Store,
)
from fieldsales.domain.reorder.workflow import RequestStatus
from fieldsales.services.demo import load_demo
from fieldsales.services.reorder_prompts import DEFAULT_PROMPT_SETTINGS, store_prompts

TODAY = date(2026, 11, 23)


@pytest.fixture
def loaded(session):
    return load_demo(session, seed=7, today=TODAY, store_count=120)


def test_demo_has_requests_in_many_states(session, loaded):
    statuses = set(session.scalars(select(ReorderRequest.status).distinct()))
    assert {RequestStatus.DELIVERED, RequestStatus.HELD} <= statuses
    assert len(statuses) >= 5
    assert "reorder requests:" in loaded


def test_every_demo_request_has_its_history_in_order(session, loaded):
    requests = session.scalars(select(ReorderRequest)).all()
    for r in requests:
        events = r.events
        assert events[0].from_status is None and events[-1].to_status is r.status
        assert all(a.at <= b.at for a, b in zip(events, events[1:], strict=False))
    assert session.scalar(select(func.count()).select_from(ReorderRequestEvent)) >= len(requests)


def test_demo_deliveries_come_after_the_stores_last_count(session, loaded):
    last_count = dict(
        session.execute(
            select(StockCount.store_id, func.max(StockCount.recorded_at)).group_by(
                StockCount.store_id
            )
        ).all()
    )
    deliveries = session.scalars(select(ReorderDelivery)).all()
    assert deliveries
    assert all(d.delivered_at > last_count[d.store_id] for d in deliveries)


def test_demo_prompts_compute(session, loaded):
    store_id = session.scalar(select(ReorderDelivery.store_id).limit(1))
    store = session.get(Store, store_id)
    now = datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC)
    result = store_prompts(session, store, now=now, settings=DEFAULT_PROMPT_SETTINGS)
    assert result.proposal is not None and result.proposal.prompts
    assert result.proposal.prompts[0].explanation.dealer.observed_lines > 0
