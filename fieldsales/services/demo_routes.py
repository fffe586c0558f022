"""Demo route plans: each demo rep's plan for today and tomorrow, made the way a rep makes
one (automatic choice of due stores, from home and back, 08:30-18:00, lunch 12:00-13:30),
so `make run` opens on a planned day. A short solver budget keeps the demo load quick."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldsales.config import DefaultConfig
from fieldsales.db.models import RoutePlan, User
from fieldsales.domain.errors import RouteInfeasible
from fieldsales.domain.routing import GreatCircleTravelTimes
from fieldsales.domain.routing.plans import EndpointKind
from fieldsales.domain.types import Actor, Role
from fieldsales.services.route_inputs import DayRequest, Endpoint, RoutingSettings
from fieldsales.services.routes import plan_day

DEMO_TIME_LIMIT_MS = 40
HOME = Endpoint(EndpointKind.HOME)


def demo_settings() -> RoutingSettings:
    estimate = GreatCircleTravelTimes(
        speed_kmh=DefaultConfig.ROUTE_SPEED_KMH, circuity_factor=DefaultConfig.ROUTE_CIRCUITY_FACTOR
    )
    return RoutingSettings(
        travel=lambda _region: estimate,
        time_limit_ms=DEMO_TIME_LIMIT_MS,
        frequency_days=DefaultConfig.VISIT_FREQUENCY_DAYS,
        dwell_min_visits=DefaultConfig.ROUTE_DWELL_MIN_VISITS,
        dwell_recent_visits=DefaultConfig.ROUTE_DWELL_RECENT_VISITS,
        max_stops=DefaultConfig.ROUTE_MAX_STOPS,
    )


def load_demo_plans(session: Session, *, today: date) -> str:
    """Plans for every active rep with a home, today and tomorrow. Flushes, never commits."""
    if session.scalar(select(RoutePlan.id).limit(1)) is not None:
        return "route plans: already present"
    reps = list(
        session.scalars(
            select(User)
            .where(User.role == Role.REP, User.active, User.home_lat.is_not(None))
            .order_by(User.username)
        )
    )
    settings = demo_settings()
    made = stops = 0
    for rep in reps:
        for day in (today, today + timedelta(days=1)):
            request = DayRequest(
                rep_id=rep.id,
                day=day,
                start=HOME,
                end=HOME,
                day_start=time(8, 30),
                latest_return=time(18, 0),
                break_minutes=30,
                break_earliest=time(12, 0),
                break_latest=time(13, 30),
            )
            try:
                plan = plan_day(
                    session,
                    actor=Actor(rep.id, Role.REP, rep.team_id),
                    request=request,
                    settings=settings,
                )
            except RouteInfeasible:  # no mandatory stops here; kept for safety, not expected
                continue
            made += 1
            stops += len(plan.stops)
    return f"route plans: {made} (today and tomorrow for {len(reps)} reps, {stops} stops)"
