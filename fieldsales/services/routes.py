"""Route plans: turn the day's stores (`route_inputs`) into a planning problem, solve it with
`fieldsales.domain.routing.plan_route`, and keep every answer as a version of the rep's day;
re-plan the rest of a day; read plans back for the API and the reports."""

from __future__ import annotations

import time as clock
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from fieldsales.db.models import (
    RoutePlan,
    RoutePlanDrop,
    RoutePlanStop,
    SkippedVisit,
    Store,
    User,
    Visit,
)
from fieldsales.domain.errors import Conflict, InvalidInput, NotFound, RouteInfeasible
from fieldsales.domain.routing import (
    BreakRule,
    RoutePlanningProblem,
    Stop,
    TimeWindow,
    TravelMatrix,
    plan_route,
)
from fieldsales.domain.routing import RoutePlan as SolvedPlan
from fieldsales.domain.routing.plans import CLOSED_THAT_DAY, EndpointKind, PlanStatus
from fieldsales.domain.types import Actor, Role
from fieldsales.domain.visits import (
    CheckPolicy,
    SkipReason,
)
from fieldsales.services import scope, visits
from fieldsales.services.route_inputs import (
    Candidate,
    DayRequest,
    Endpoint,
    Point,
    RoutingSettings,
    Timeline,
    Window,
    choose_stores,
    closed_that_day,
    dwell_minutes,
    endpoint_point,
    invalid_input,
    open_problems,
    rep_for,
    service_windows,
)

# Travel time into a "start at the first store" pseudo-node: never worth using as a shortcut.
NEVER = 10**7


@dataclass(frozen=True, slots=True)
class SkippedStop:
    store_id: uuid.UUID
    reason: SkipReason
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ReplanRequest:
    lat: float
    lon: float
    at: datetime
    done_store_ids: frozenset[uuid.UUID] = frozenset()
    skipped: tuple[SkippedStop, ...] = ()


# --- planning ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BreakSpan:
    minutes: int
    earliest: datetime
    latest: datetime


@dataclass(frozen=True, slots=True)
class _Setup:
    """Everything a plan is computed from, already resolved against the database."""

    rep: User
    timeline: Timeline
    start: Endpoint
    end: Endpoint
    day_start: datetime
    latest_return: datetime
    brk: BreakSpan | None
    candidates: list[Candidate]


@dataclass(frozen=True, slots=True)
class _Solution:
    """The solver's answer plus what storing it needs, keyed by stop id (the store code)."""

    plan: SolvedPlan
    by_code: dict[str, Candidate]
    windows: dict[str, list[Window]]
    dwell: dict[uuid.UUID, tuple[int, str]]
    closed: list[Candidate]
    matrix: TravelMatrix


def _plan_zone(session: Session, rep: User, requested: str | None) -> str:
    if requested:
        return requested
    zones = session.scalars(select(Store.timezone).where(Store.rep_id == rep.id, Store.active))
    common = Counter(zones).most_common(1)
    return common[0][0] if common else "UTC"


def _stops(
    candidates: list[Candidate],
    timeline: Timeline,
    dwell: Mapping[uuid.UUID, tuple[int, str]],
    problems: Mapping[uuid.UUID, int],
) -> tuple[list[Stop], dict[str, list[Window]]]:
    """The solver's stops (node i = candidate i-1) and the windows each may start in."""
    stops, windows_by_code = [], {}
    for node, c in enumerate(candidates, start=1):
        dwell_s = dwell[c.store.id][0] * 60
        windows = service_windows(
            c.store,
            timeline.day,
            dwell_s,
            owner_talk=c.store.appointment_required or bool(problems.get(c.store.id)),
        )
        windows_by_code[c.store.code] = windows
        stops.append(
            Stop(
                id=c.store.code,
                node=node,
                dwell=dwell_s,
                windows=tuple(
                    TimeWindow(timeline.seconds(w.start), timeline.seconds(w.end)) for w in windows
                ),
                appointment=None if c.appointment is None else timeline.seconds(c.appointment),
                mandatory=c.mandatory,
                priority=c.priority,
            )
        )
    return stops, windows_by_code


def _solve(session: Session, setup: _Setup, settings: RoutingSettings) -> _Solution:
    """Build the planning problem, solve it; also return what persisting needs."""
    timeline, day = setup.timeline, setup.timeline.day
    closed = [
        c for c in setup.candidates if c.appointment is None and closed_that_day(c.store, day)
    ]
    open_ = [c for c in setup.candidates if c not in closed]
    blocking = [c for c in closed if c.mandatory]
    if blocking:
        raise _infeasible_closed(blocking, day)
    dwell = dwell_minutes(session, [c.store for c in open_], settings)
    problems = open_problems(session, [c.store.id for c in open_])
    stops, windows_by_code = _stops(open_, timeline, dwell, problems)
    points: list[Point] = [Point(c.store.lat, c.store.lon) for c in open_]
    start = endpoint_point(session, setup.rep, setup.start, "start")
    end = endpoint_point(session, setup.rep, setup.end, "end")
    # Matrix order: start (if a place), the stores, end (if a place).
    ask = [*([start] if start else []), *points, *([end] if end else [])]
    regions = Counter(c.store.region for c in open_).most_common(1)
    matrix = settings.travel(regions[0][0] if regions else None).matrix(ask)
    seconds = _with_endpoints(matrix.seconds, start is None)
    metres = _with_endpoints(matrix.metres, start is None)
    brk = None
    if setup.brk is not None:
        brk = BreakRule(
            setup.brk.minutes * 60,
            timeline.seconds(setup.brk.earliest),
            timeline.seconds(setup.brk.latest),
        )
    problem = RoutePlanningProblem(
        stops=tuple(stops),
        travel_times=seconds,
        distances=metres,
        start_node=0,
        end_node=None if end is None else len(seconds) - 1,
        day_start=timeline.seconds(setup.day_start),
        latest_return=timeline.seconds(setup.latest_return),
        break_rule=brk,
    )
    by_code = {c.store.code: c for c in open_}
    try:
        solved = plan_route(problem, time_limit_ms=settings.time_limit_ms)
    except RouteInfeasible as exc:
        raise RouteInfeasible(
            exc.detail,
            problems=exc.problems,
            stores=[
                _store_problem(by_code[p.stop_id], p.reason.value, p.message) for p in exc.problems
            ],
        ) from exc
    return _Solution(solved, by_code, windows_by_code, dwell, closed, matrix)


def _with_endpoints(rows: Sequence[Sequence[int]], virtual_start: bool) -> list[list[int]]:
    """The provider's matrix, with a "first store" start put in front: free to leave for any
    store, never worth coming back to."""
    if not virtual_start:
        return [list(r) for r in rows]
    size = len(rows) + 1
    return [[0] * size, *[[NEVER, *r] for r in rows]]


def _store_problem(c: Candidate, reason: str, message: str) -> dict[str, Any]:
    return {
        "store_id": str(c.store.id),
        "code": c.store.code,
        "name": c.store.name,
        "reason": reason,
        "message": message,
    }


def _closed_message(c: Candidate, day: date) -> str:
    return f"{c.store.code}: closed on {day:%A}s"


def _infeasible_closed(blocking: list[Candidate], day: date) -> RouteInfeasible:
    messages = [_closed_message(c, day) for c in blocking]
    return RouteInfeasible(
        "Mandatory stops cannot all be served: " + "; ".join(messages),
        problems=(),
        stores=[
            _store_problem(c, CLOSED_THAT_DAY, m) for c, m in zip(blocking, messages, strict=True)
        ],
    )


def _window_used(windows: list[Window], index: int | None) -> Window | None:
    return None if index is None else windows[index]


def _stop_rows(solution: _Solution, timeline: Timeline) -> list[RoutePlanStop]:
    rows = []
    for position, stop in enumerate(solution.plan.stops, start=1):
        c = solution.by_code[stop.stop_id]
        window = _window_used(solution.windows[stop.stop_id], stop.window_index)
        minutes, source = solution.dwell[c.store.id]
        rows.append(
            RoutePlanStop(
                position=position,
                store=c.store,
                arrival=timeline.instant(stop.arrival),
                wait_s=stop.wait,
                service_start=timeline.instant(stop.service_start),
                departure=timeline.instant(stop.departure),
                travel_from_previous_s=stop.travel_from_previous,
                distance_from_previous_m=stop.distance_from_previous,
                window_kind=None if window is None else window.kind,
                window_start=None if window is None else window.start,
                window_end=None if window is None else window.end,
                dwell_minutes=minutes,
                dwell_source=source,
                mandatory=c.mandatory,
                priority=c.priority,
                reasons=c.reasons,
                appointment_at=c.appointment,
            )
        )
    return rows


def _drop_rows(solution: _Solution, day: date) -> list[RoutePlanDrop]:
    """Stores closed that day first, then the solver's drops, each with its reason."""
    drops = [(c, CLOSED_THAT_DAY, _closed_message(c, day)) for c in solution.closed]
    drops += [
        (solution.by_code[d.stop_id], d.reason.value, d.message) for d in solution.plan.dropped
    ]
    return [
        RoutePlanDrop(
            position=position,
            store=c.store,
            reason=reason,
            message=message,
            mandatory=c.mandatory,
            priority=c.priority,
            appointment_at=c.appointment,
        )
        for position, (c, reason, message) in enumerate(drops, start=1)
    ]


def _persist(
    session: Session,
    setup: _Setup,
    solution: _Solution,
    *,
    actor: Actor,
    selection: str,
    planning_ms: float,
    parent: RoutePlan | None = None,
    replan: ReplanRequest | None = None,
) -> RoutePlan:
    timeline = setup.timeline
    rep, day = setup.rep, timeline.day
    previous = list(
        session.scalars(
            select(RoutePlan)
            .where(RoutePlan.rep_id == rep.id, RoutePlan.day == day)
            .with_for_update()
        )
    )
    for old in previous:
        old.status = PlanStatus.SUPERSEDED
    solved, matrix = solution.plan, solution.matrix
    totals, brk = solved.totals, solved.planned_break
    plan = RoutePlan(
        id=uuid.uuid4(),
        rep_id=rep.id,
        day=day,
        number=max((p.number for p in previous), default=0) + 1,
        status=PlanStatus.CURRENT,
        parent_id=None if parent is None else parent.id,
        created_by_id=actor.user_id,
        selection=selection,
        timezone=timeline.zone,
        start_kind=setup.start.kind,
        start_lat=setup.start.lat,
        start_lon=setup.start.lon,
        start_store_id=setup.start.store_id,
        end_kind=setup.end.kind,
        end_lat=setup.end.lat,
        end_lon=setup.end.lon,
        end_store_id=setup.end.store_id,
        day_start=setup.day_start,
        latest_return=setup.latest_return,
        break_minutes=None if setup.brk is None else setup.brk.minutes,
        break_earliest=None if setup.brk is None else setup.brk.earliest,
        break_latest=None if setup.brk is None else setup.brk.latest,
        break_start=None if brk is None else timeline.instant(brk.start),
        break_end=None if brk is None else timeline.instant(brk.end),
        solver=solved.solver,
        proven_optimal=solved.proven_optimal,
        planning_ms=round(planning_ms, 1),
        travel_source=matrix.source,
        travel_fallback=matrix.fallback_reason is not None,
        travel_fallback_reason=matrix.fallback_reason,
        departure=timeline.instant(totals.start_time),
        arrival=timeline.instant(totals.end_time),
        travel_s=totals.travel,
        wait_s=totals.wait,
        service_s=totals.service,
        break_s=totals.break_time,
        distance_m=totals.distance,
        served_priority=totals.served_priority,
        replan_lat=None if replan is None else replan.lat,
        replan_lon=None if replan is None else replan.lon,
        replan_at=None if replan is None else replan.at,
        done_store_ids=[] if replan is None else sorted(str(i) for i in replan.done_store_ids),
        skipped_store_ids=[] if replan is None else [str(s.store_id) for s in replan.skipped],
    )
    plan.stops = _stop_rows(solution, timeline)
    plan.drops = _drop_rows(solution, day)
    session.add(plan)
    session.flush()
    return plan


def _check_day(setup: _Setup) -> None:
    if setup.latest_return <= setup.day_start:
        raise invalid_input("json.latest_return", "The latest return must be after the day starts.")
    if setup.brk is not None and setup.brk.latest < setup.brk.earliest:
        raise invalid_input(
            "json.break.latest_start", "The break's latest start is before its earliest."
        )
    outside = [
        c
        for c in setup.candidates
        if c.appointment is not None and not setup.day_start <= c.appointment <= setup.latest_return
    ]
    if outside:
        raise InvalidInput(
            "Appointments must fall inside the working day.",
            errors=[
                {
                    "path": "json.appointments",
                    "message": f"{c.store.code} ({c.store.id}): appointment at "
                    f"{c.appointment:%H:%M %Z} is outside the working day.",
                }
                for c in outside
                if c.appointment is not None
            ],
        )


def _check_endpoint_store(session: Session, actor: Actor, endpoint: Endpoint, name: str) -> None:
    """A day may start or end at a store the caller can see (a store's position is not
    public to everyone)."""
    if endpoint.kind is not EndpointKind.STORE:
        return
    visible = session.scalar(
        select(Store.id).where(Store.id == endpoint.store_id, scope.condition(Store, actor))
    )
    if visible is None:
        raise invalid_input(f"json.{name}.store_id", "No store with this id in your scope.")


def plan_day(
    session: Session, *, actor: Actor, request: DayRequest, settings: RoutingSettings
) -> RoutePlan:
    """Plan a rep's day and store it as the newest version of that day."""
    started = clock.perf_counter()
    rep = rep_for(session, actor, request.rep_id)
    _check_endpoint_store(session, actor, request.start, "start")
    _check_endpoint_store(session, actor, request.end, "end")
    timeline = Timeline(request.day, _plan_zone(session, rep, request.timezone))
    candidates = choose_stores(session, actor, rep, request, settings)
    brk = None
    if request.break_minutes and request.break_earliest and request.break_latest:
        brk = BreakSpan(
            request.break_minutes,
            timeline.at_clock(request.break_earliest),
            timeline.at_clock(request.break_latest),
        )
    setup = _Setup(
        rep=rep,
        timeline=timeline,
        start=request.start,
        end=request.end,
        day_start=timeline.at_clock(request.day_start),
        latest_return=timeline.at_clock(request.latest_return),
        brk=brk,
        candidates=candidates,
    )
    _check_day(setup)
    solution = _solve(session, setup, settings)
    selection = "explicit" if request.store_ids is not None else "automatic"
    elapsed = (clock.perf_counter() - started) * 1000
    return _persist(session, setup, solution, actor=actor, selection=selection, planning_ms=elapsed)


# --- re-planning -------------------------------------------------------------------------


def replan(
    session: Session,
    *,
    actor: Actor,
    plan_id: uuid.UUID,
    request: ReplanRequest,
    settings: RoutingSettings,
    policy: CheckPolicy,
    now: datetime,
) -> RoutePlan:
    """A new version for the rest of the day, from where the rep is now.

    What is left: the current version's stops and dropped stores (they may fit now), minus
    the stores done (said so, or checked in at that day) and skipped. Skips are also
    recorded as skipped visits of the rep, so the day's reports see them. The break stays
    if it can still start (its window is moved to start no earlier than now)."""
    started = clock.perf_counter()
    parent = get_plan(session, actor, plan_id)
    if parent.status is not PlanStatus.CURRENT:
        raise Conflict(
            f"Version {parent.number} of this day is superseded; re-plan from the current one.",
        )
    rep = parent.rep
    timeline = Timeline(parent.day, parent.timezone)
    if not parent.day_start - timedelta(hours=12) <= request.at < parent.latest_return:
        raise invalid_input(
            "json.at", "The time must fall in the planned day, before the latest return."
        )
    previous = _previous_candidates(parent)
    listed = {c.store.id for c in previous}
    strays = (request.done_store_ids | {s.store_id for s in request.skipped}) - listed
    if strays:
        raise InvalidInput(
            "Done and skipped stores must be on the plan.",
            errors=[
                {"path": "json", "message": f"Store {i} is not on this plan."}
                for i in sorted(strays, key=str)
            ],
        )
    _record_skips(session, rep, parent, request, policy, now)
    visited = set(
        session.scalars(
            select(Visit.store_id).where(
                Visit.rep_id == rep.id, Visit.local_day == parent.day, Visit.store_id.in_(listed)
            )
        )
    )
    finished = request.done_store_ids | {s.store_id for s in request.skipped} | visited
    remaining = [c for c in previous if c.store.id not in finished]
    brk = None
    if parent.break_minutes and parent.break_earliest and parent.break_latest:
        if request.at <= parent.break_latest:
            brk = BreakSpan(
                parent.break_minutes, max(parent.break_earliest, request.at), parent.break_latest
            )
    setup = _Setup(
        rep=rep,
        timeline=timeline,
        start=Endpoint(EndpointKind.POINT, request.lat, request.lon),
        end=Endpoint(parent.end_kind, parent.end_lat, parent.end_lon, parent.end_store_id),
        day_start=max(request.at, parent.day_start),
        latest_return=parent.latest_return,
        brk=brk,
        candidates=remaining,
    )
    solution = _solve(session, setup, settings)
    elapsed = (clock.perf_counter() - started) * 1000
    recorded = ReplanRequest(
        request.lat,
        request.lon,
        request.at,
        frozenset(request.done_store_ids | visited),
        request.skipped,
    )
    return _persist(
        session,
        setup,
        solution,
        actor=actor,
        selection="replan",
        planning_ms=elapsed,
        parent=parent,
        replan=recorded,
    )


def _previous_candidates(parent: RoutePlan) -> list[Candidate]:
    rows: list[RoutePlanStop | RoutePlanDrop] = [*parent.stops, *parent.drops]
    return [
        Candidate(
            r.store,
            r.priority,
            list(r.reasons) if isinstance(r, RoutePlanStop) else [],
            r.mandatory,
            r.appointment_at,
        )
        for r in rows
    ]


def _record_skips(
    session: Session,
    rep: User,
    parent: RoutePlan,
    request: ReplanRequest,
    policy: CheckPolicy,
    now: datetime,
) -> None:
    """Each skipped stop becomes the rep's skipped visit for the day, through the visits
    service (so it is the same record a phone would make). The id is derived from the plan
    and the store, so sending the same re-plan again does not record it twice; a stop already
    recorded as skipped that day is left as it is."""
    ctx = visits.WriteContext(
        actor=Actor(rep.id, Role.REP, rep.team_id), now=now, client_sent_at=None, policy=policy
    )
    for skip in request.skipped:
        already = session.scalar(
            select(SkippedVisit.id).where(
                SkippedVisit.rep_id == rep.id,
                SkippedVisit.store_id == skip.store_id,
                SkippedVisit.day == parent.day,
            )
        )
        if already is not None:
            continue
        visits.skip_visit(
            session,
            ctx,
            uuid.uuid5(parent.id, str(skip.store_id)),
            {
                "store_id": skip.store_id,
                "day": parent.day,
                "reason": skip.reason,
                "note": skip.note,
                "recorded_at": request.at,
            },
        )


# --- reading -----------------------------------------------------------------------------


def _with_children(stmt: Select[Any]) -> Select[Any]:
    return stmt.options(
        selectinload(RoutePlan.stops).selectinload(RoutePlanStop.store),
        selectinload(RoutePlan.drops).selectinload(RoutePlanDrop.store),
    )


def get_plan(session: Session, actor: Actor, plan_id: uuid.UUID) -> RoutePlan:
    plan: RoutePlan | None = session.scalar(
        _with_children(
            select(RoutePlan).where(RoutePlan.id == plan_id, scope.condition(RoutePlan, actor))
        )
    )
    if plan is None:
        raise NotFound(f"No route plan with id {plan_id}.")
    return plan


def plans_stmt(actor: Actor, args: Mapping[str, Any]) -> Select[Any]:
    """Plans the actor may see, newest day first, each day's versions newest first."""
    stmt = scope.scoped(select(RoutePlan), RoutePlan, actor)
    if "rep_id" in args:
        stmt = stmt.where(RoutePlan.rep_id == args["rep_id"])
    if "date" in args:
        stmt = stmt.where(RoutePlan.day == args["date"])
    if args.get("current_only"):
        stmt = stmt.where(RoutePlan.status == PlanStatus.CURRENT)
    return _with_children(
        stmt.order_by(RoutePlan.day.desc(), RoutePlan.rep_id, RoutePlan.number.desc())
    )


def latest_plan(session: Session, rep_id: uuid.UUID, day: date) -> RoutePlan | None:
    """The rep's current version for the day, if the day was planned."""
    plan: RoutePlan | None = session.scalar(
        _with_children(
            select(RoutePlan).where(
                RoutePlan.rep_id == rep_id,
                RoutePlan.day == day,
                RoutePlan.status == PlanStatus.CURRENT,
            )
        )
    )
    return plan


def planned_day_stores(
    session: Session, rep_ids: Sequence[uuid.UUID], day: date
) -> dict[uuid.UUID, tuple[set[uuid.UUID], set[uuid.UUID]]]:
    """Per rep with a plan that day: (stores on the current version, stores on any version).
    A re-plan leaves out what was already done or skipped, so reports count those from the
    earlier versions."""
    rows = session.execute(
        select(RoutePlan.rep_id, RoutePlan.status, RoutePlanStop.store_id)
        .join(RoutePlanStop, RoutePlanStop.plan_id == RoutePlan.id)
        .where(RoutePlan.rep_id.in_(rep_ids), RoutePlan.day == day)
    ).all()
    plans = set(
        session.scalars(
            select(RoutePlan.rep_id).where(RoutePlan.rep_id.in_(rep_ids), RoutePlan.day == day)
        )
    )
    result: dict[uuid.UUID, tuple[set[uuid.UUID], set[uuid.UUID]]] = {
        rep_id: (set(), set()) for rep_id in plans
    }
    for rep_id, status, store_id in rows:
        current, every = result[rep_id]
        every.add(store_id)
        if status is PlanStatus.CURRENT:
            current.add(store_id)
    return result
