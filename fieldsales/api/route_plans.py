"""Route plans: a rep's day planned under the owners' windows, kept as versions."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import requests
from flask import current_app
from flask.views import MethodView

from fieldsales import db
from fieldsales.api.visits import check_policy
from fieldsales.auth import current_actor, utcnow
from fieldsales.domain.routing import GreatCircleTravelTimes, TravelTimeProvider
from fieldsales.domain.types import Role
from fieldsales.extensions import PROBLEM_CONTENT_TYPE as PROBLEM
from fieldsales.extensions import Blueprint, SelectPage, require_roles
from fieldsales.services import routes
from fieldsales.services.route_inputs import DayRequest, Endpoint, RoutingSettings
from fieldsales.services.routes import ReplanRequest, SkippedStop
from fieldsales.services.travel_times import OsrmTravelTimes
from schemas.common import ProblemSchema as ProblemDetailsSchema
from schemas.route_plans import (
    RouteInfeasibleSchema,
    RoutePlanCreateSchema,
    RoutePlanQueryArgsSchema,
    RoutePlanReplanSchema,
    RoutePlanSchema,
)

blp = Blueprint(
    "route_plans",
    __name__,
    url_prefix="/api/v1",
    description="Route plans: the rep's day, ordered under owner windows, kept as versions",
)

PLANNERS = (Role.REP, Role.SUPERVISOR, Role.ADMIN)
# Dealers may ask, and see none (scope): an empty list, 404 for an item.
READERS = (*PLANNERS, Role.DEALER)
INFEASIBLE = "Invalid input, or mandatory stores the day cannot hold (`stores`: which, why)"


def _travel(region: str | None) -> TravelTimeProvider:
    cfg = current_app.config
    by_region: Mapping[str, Mapping[str, float]] = cfg["ROUTE_TRAVEL_BY_REGION"]
    estimate = GreatCircleTravelTimes(
        speed_kmh=float(by_region.get(region or "", {}).get("speed_kmh", cfg["ROUTE_SPEED_KMH"])),
        circuity_factor=float(
            by_region.get(region or "", {}).get("circuity_factor", cfg["ROUTE_CIRCUITY_FACTOR"])
        ),
    )
    if not cfg["ROUTE_OSRM_URL"]:
        return estimate
    session = current_app.extensions.setdefault("fieldsales_osrm", requests.Session())
    return OsrmTravelTimes(
        cfg["ROUTE_OSRM_URL"],
        profile=cfg["ROUTE_OSRM_PROFILE"],
        timeout_s=float(cfg["ROUTE_OSRM_TIMEOUT_S"]),
        fallback=estimate,
        session=session,
    )


def routing_settings() -> RoutingSettings:
    cfg = current_app.config
    return RoutingSettings(
        travel=_travel,
        time_limit_ms=int(cfg["ROUTE_TIME_LIMIT_MS"]),
        frequency_days=cfg["VISIT_FREQUENCY_DAYS"],
        dwell_min_visits=int(cfg["ROUTE_DWELL_MIN_VISITS"]),
        dwell_recent_visits=int(cfg["ROUTE_DWELL_RECENT_VISITS"]),
        max_stops=int(cfg["ROUTE_MAX_STOPS"]),
    )


def _endpoint(data: Mapping[str, Any]) -> Endpoint:
    return Endpoint(data["kind"], data.get("lat"), data.get("lon"), data.get("store_id"))


def day_request(data: Mapping[str, Any]) -> DayRequest:
    brk = data.get("break_")
    return DayRequest(
        rep_id=data["rep_id"],
        day=data["date"],
        start=_endpoint(data["start"]),
        end=_endpoint(data["end"]),
        day_start=data["day_start"],
        latest_return=data["latest_return"],
        store_ids=tuple(data["store_ids"]) if "store_ids" in data else None,
        mandatory_store_ids=frozenset(data["mandatory_store_ids"]),
        appointments={a["store_id"]: a["at"] for a in data["appointments"]},
        break_minutes=brk["minutes"] if brk else None,
        break_earliest=brk["earliest_start"] if brk else None,
        break_latest=brk["latest_start"] if brk else None,
        timezone=data.get("timezone"),
    )


@blp.route("/route-plans")
class RoutePlans(MethodView):
    @blp.roles(*READERS)
    @blp.arguments(RoutePlanQueryArgsSchema, location="query")
    @blp.response(200, RoutePlanSchema(many=True))
    @blp.paginate(SelectPage, page_size=20, max_page_size=100)
    def get(self, args: dict[str, Any]) -> Any:
        """List route plans you can see

        Newest day first, each day's versions newest first. A rep sees their own, a
        supervisor their teams'."""
        return routes.plans_stmt(current_actor(), args)

    @blp.roles(*PLANNERS)
    @blp.idempotent
    @blp.arguments(RoutePlanCreateSchema)
    @blp.response(201, RoutePlanSchema)
    @blp.alt_response(
        422, schema=RouteInfeasibleSchema, description=INFEASIBLE, content_type=PROBLEM
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Plan a rep's day

        Orders the stores to serve every mandatory one, then as much priority as fits, then
        the least travel, under owner windows (store-local time), opening hours, dwell
        times, appointments, the working day and a break. Stores left out are listed with
        the reason. Stored as the newest version of the rep's day."""
        plan = routes.plan_day(
            db.session,
            actor=current_actor(),
            request=day_request(data),
            settings=routing_settings(),
        )
        db.session.commit()
        return plan


@blp.route("/route-plans/<uuid:plan_id>")
class RoutePlanById(MethodView):
    @blp.roles(*READERS)
    @blp.response(200, RoutePlanSchema)
    def get(self, plan_id: uuid.UUID) -> Any:
        """Read one version of a rep's day"""
        return routes.get_plan(db.session, current_actor(), plan_id)


@blp.route("/route-plans/<uuid:plan_id>/replan")
class RoutePlanReplan(MethodView):
    @blp.roles_doc(*PLANNERS)
    @blp.idempotent
    @blp.arguments(RoutePlanReplanSchema)
    @blp.response(201, RoutePlanSchema)
    @blp.alt_response(
        409,
        schema=ProblemDetailsSchema,
        description="Not the current version",
        content_type=PROBLEM,
    )
    @blp.alt_response(
        422, schema=RouteInfeasibleSchema, description=INFEASIBLE, content_type=PROBLEM
    )
    def post(self, data: dict[str, Any], plan_id: uuid.UUID) -> Any:
        """Re-plan the rest of the day from where the rep is

        A new version from the given position and time over what is left: the stores not
        done (said so, or checked in at that day) and not skipped. Skipped stops are also
        recorded as the rep's skipped visits."""
        actor = current_actor()
        routes.get_plan(db.session, actor, plan_id)  # out of scope: 404 before 403
        require_roles(frozenset(PLANNERS))
        request = ReplanRequest(
            lat=data["position"]["lat"],
            lon=data["position"]["lon"],
            at=data["at"],
            done_store_ids=frozenset(data["done_store_ids"]),
            skipped=tuple(
                SkippedStop(s["store_id"], s["reason"], s.get("note")) for s in data["skipped"]
            ),
        )
        plan = routes.replan(
            db.session,
            actor=actor,
            plan_id=plan_id,
            request=request,
            settings=routing_settings(),
            policy=check_policy(),
            now=utcnow(),
        )
        db.session.commit()
        return plan
