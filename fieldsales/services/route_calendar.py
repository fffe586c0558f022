"""When the rep will next be at a store, according to the current route plans.

Its own module because the reorder prompts need it and the route planner itself needs the
briefing (pending reorders raise a store's priority): keeping this lookup apart avoids an
import cycle between the two."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from fieldsales.db.models import RoutePlan, RoutePlanStop
from fieldsales.domain.routing.plans import PlanStatus


def next_planned_visit_dates(
    session: Session, store_ids: Iterable[uuid.UUID], after: datetime
) -> dict[uuid.UUID, date]:
    """When each store is next planned to be visited after `after`: the day of the earliest
    stop starting later than that on a current plan version (superseded versions do not
    count). Stores with no such stop are absent."""
    ids = list(store_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(RoutePlanStop.store_id, func.min(RoutePlan.day))
        .join(RoutePlan, RoutePlan.id == RoutePlanStop.plan_id)
        .where(
            and_(
                RoutePlanStop.store_id.in_(ids),
                RoutePlanStop.service_start > after,
                RoutePlan.status == PlanStatus.CURRENT,
            )
        )
        .group_by(RoutePlanStop.store_id)
    ).all()
    return {store_id: day for store_id, day in rows}
