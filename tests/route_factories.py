"""Builders for route-plan tests: a rep with a home and stores around it, and plan bodies."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from fieldsales.db.models import RoutePlan, Store, User
from fieldsales.domain.routing import GreatCircleTravelTimes
from fieldsales.domain.routing.plans import EndpointKind
from fieldsales.domain.types import Actor, Grade, Role
from fieldsales.services.route_inputs import DayRequest, Endpoint, RoutingSettings
from fieldsales.services.routes import plan_day
from tests.factories import Factory

DAY = date(2026, 11, 18)  # a Wednesday (weekday 2)
HOME = (31.2304, 121.4737)
SHANGHAI_OFFSET = timedelta(hours=8)


def shanghai(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A wall-clock time in Shanghai (UTC+8), as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - SHANGHAI_OFFSET


def iso(at: datetime) -> str:
    return at.isoformat()


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def rep_with_home(make: Factory, team: Any = None) -> User:
    return make.rep(team, home_lat=HOME[0], home_lon=HOME[1])


def ring_store(make: Factory, rep: User | None, index: int, **over: Any) -> Store:
    """A store about 1-3 km from HOME (a few minutes' drive), open all day by default."""
    angle = index * 2.4
    km = 1 + (index % 3)
    values: dict[str, Any] = {
        "lat": HOME[0] + km / 111.0 * math.sin(angle),
        "lon": HOME[1] + km / 95.0 * math.cos(angle),
        "owner_windows": [],
        "opening_hours": [],
        "grade": Grade.B,
        "dwell_minutes": 20,
        **over,
    }
    return make.store(rep=rep, **values)


def wednesday(start: str, end: str) -> list[dict[str, Any]]:
    return [{"weekday": DAY.weekday(), "start": start, "end": end}]


def plan_body(rep: User, stores: list[Store] | None = None, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"rep_id": str(rep.id), "date": DAY.isoformat()}
    if stores is not None:
        body["store_ids"] = [str(s.id) for s in stores]
    return {**body, **over}


def routing_settings(**over: Any) -> RoutingSettings:
    values: dict[str, Any] = {
        "travel": lambda _region: GreatCircleTravelTimes(),
        "time_limit_ms": 100,
        "frequency_days": {"A": 7, "B": 14, "C": 30},
        "dwell_min_visits": 5,
        "dwell_recent_visits": 10,
        "max_stops": 60,
        **over,
    }
    return RoutingSettings(**values)


def make_plan(
    session: Session, admin: User, rep: User, stores: list[Store], day: date = DAY
) -> RoutePlan:
    """A stored plan for `rep` over `stores`, from and back to a point near the first, made by
    the service for `admin`."""
    here = Endpoint(EndpointKind.POINT, stores[0].lat, stores[0].lon)
    plan = plan_day(
        session,
        actor=Actor(admin.id, Role.ADMIN),
        request=DayRequest(
            rep_id=rep.id,
            day=day,
            start=here,
            end=here,
            day_start=time(8, 30),
            latest_return=time(18, 0),
            store_ids=tuple(s.id for s in stores),
        ),
        settings=routing_settings(),
    )
    session.commit()
    return plan
