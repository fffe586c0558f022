"""Builders for scorecard tests: reorder requests in any workflow state (rows written
directly, as the workflow would have left them) and reviewed POP photos."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fieldsales.db.models import Photo, ReorderRequest, ReorderRequestLine, Visit
from fieldsales.domain.photos import ReviewStatus
from fieldsales.domain.reorder.workflow import RequestStatus
from tests.photo_factories import stored_photo

UNIT_PRICE = Decimal("2.00")


def reorder(
    session: Session,
    visit: Visit,
    lines: list[tuple[Any, int, int]],
    *,
    status: RequestStatus,
    submitted_at: datetime | None,
    **over: Any,
) -> ReorderRequest:
    """A request for the visit's store from its dealer; `lines` are (product, ordered,
    delivered) units."""
    request = ReorderRequest(
        store_id=visit.store_id,
        dealer_id=over.pop("dealer_id", None) or visit.store.dealer_id,
        rep_id=visit.rep_id,
        visit_id=visit.id,
        status=status,
        recorded_at=visit.checked_in_at,
        payload_hash="0" * 64,
        submitted_at=submitted_at,
        total=sum((UNIT_PRICE * q for _, q, _ in lines), Decimal("0")),
        lines=[
            ReorderRequestLine(
                position=i,
                product_id=product.id,
                quantity=ordered,
                cases=1,
                case_pack=ordered,
                unit_price=UNIT_PRICE,
                price_valid_from=date(2026, 1, 1),
                line_total=UNIT_PRICE * ordered,
                delivered_quantity=delivered,
            )
            for i, (product, ordered, delivered) in enumerate(lines)
        ],
        **over,
    )
    session.add(request)
    session.commit()
    return request


def reviewed_photo(
    session: Session, visit: Visit, review: ReviewStatus, score: int | None, **over: Any
) -> Photo:
    return stored_photo(session, visit, review_status=review, compliance_score=score, **over)
