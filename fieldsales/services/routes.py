"""Route plans: choose the day's stores, turn them into a planning problem, solve it with
`fieldsales.domain.routing.plan_route`, and keep every answer as a version of the rep's day.

Times: the solver works in seconds after local midnight of the planned day in the plan's
time zone (given, or the zone most of the rep's stores are in). A store's windows are
written in the store's own zone, so each is turned into an instant on the planned calendar
day in that zone first and then into plan seconds: a store two zones west whose owner is
free 09:00-11:00 local is, on the plan's clock, free 11:00-13:00.
"""

from __future__ import annotations

import statistics
import time as clock
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, selectinload

from fieldsales.db.models import (
    Problem,
    Promotion,
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
    TravelTimeProvider,
    plan_route,
)
from fieldsales.domain.routing import RoutePlan as SolvedPlan
from fieldsales.domain.routing.plans import CLOSED_THAT_DAY, EndpointKind, PlanStatus
from fieldsales.domain.types import Actor, Role
from fieldsales.domain.visits import (
    Cadence,
    CheckPolicy,
    ProblemStatus,
    SkipReason,
    overdue_stores,
    windows_on,
)
from fieldsales.services import scope, visits
from fieldsales.services.briefing import pending_reorders
from fieldsales.services.master import promotion_applies

GRADE_PRIORITY = {"A": 3, "B": 2, "C": 1}
# Added to the grade's weight: things that make a visit matter more today.
OPEN_PROBLEM_WEIGHT = 2
PENDING_REORDER_WEIGHT = 2
PROMOTION_WEIGHT = 1
OVERDUE_WEIGHT = 1
# Travel time into a "start at the first store" pseudo-node: never worth using as a shortcut.
NEVER = 10**7


@dataclass(frozen=True, slots=True)
class RoutingSettings:
    """What the planner needs from configuration (FIELDSALES_ROUTE_*)."""

    travel: Callable[[str | None], TravelTimeProvider]  # per store region
    time_limit_ms: int
    frequency_days: Mapping[str, int]
    dwell_min_visits: int  # recent visits needed before their median replaces the setting
    dwell_recent_visits: int
    max_stops: int


@dataclass(frozen=True, slots=True)
class Endpoint:
    kind: EndpointKind
    lat: float | None = None
    lon: float | None = None
    store_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class DayRequest:
    rep_id: uuid.UUID
    day: date
    start: Endpoint
    end: Endpoint
    day_start: time
    latest_return: time
    store_ids: tuple[uuid.UUID, ...] | None = None  # None: choose automatically
    mandatory_store_ids: frozenset[uuid.UUID] = frozenset()
    appointments: Mapping[uuid.UUID, datetime] = field(default_factory=dict)
    break_minutes: int | None = None
    break_earliest: time | None = None
    break_latest: time | None = None
    timezone: str | None = None


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


@dataclass(slots=True)
class Candidate:
    """A store considered for the day, with why and how much it matters."""

    store: Store
    priority: int
    reasons: list[str]
    mandatory: bool = False
    appointment: datetime | None = None


@dataclass(frozen=True, slots=True)
class Window:
    kind: str  # "owner" | "opening"
    start: datetime
    end: datetime  # latest service start


@dataclass(frozen=True, slots=True)
class Timeline:
    """Plan seconds <-> instants: seconds after local midnight of `day` in `zone`."""

    day: date
    zone: str

    @property
    def origin(self) -> datetime:
        return datetime.combine(self.day, time.min, tzinfo=ZoneInfo(self.zone))

    def seconds(self, at: datetime) -> int:
        return int((at - self.origin).total_seconds())

    def instant(self, seconds: int) -> datetime:
        return (self.origin + timedelta(seconds=seconds)).astimezone(UTC)

    def at_clock(self, clock_time: time) -> datetime:
        return datetime.combine(self.day, clock_time, tzinfo=ZoneInfo(self.zone))


# --- choosing stores ---------------------------------------------------------------------


def _invalid(path: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"path": path, "message": message}])


def _rep_for(session: Session, actor: Actor, rep_id: uuid.UUID) -> User:
    """The rep to plan for: a rep plans their own day, a supervisor their teams' reps', an
    admin anyone's (the User scope rule says exactly that)."""
    rep = session.scalar(
        select(User).where(User.id == rep_id, scope.condition(User, actor), User.active)
    )
    if rep is None or rep.role is not Role.REP:
        raise _invalid("json.rep_id", "No active rep with this id in your scope.")
    return rep


def _priority(
    store: Store, *, problems: int, promotions: int, reorders: int, overdue_days: int | None
) -> tuple[int, list[str]]:
    """Grade first (A 3, B 2, C 1), then what makes today's visit matter more."""
    weight = GRADE_PRIORITY[store.grade.value]
    reasons = [f"grade {store.grade.value}"]
    if overdue_days is not None:
        weight += OVERDUE_WEIGHT if overdue_days > 0 else 0
        reasons.append(f"overdue {overdue_days} days" if overdue_days > 0 else "due today")
    if problems:
        weight += OPEN_PROBLEM_WEIGHT
        reasons.append(f"{problems} open problem(s)")
    if reorders:
        weight += PENDING_REORDER_WEIGHT
        reasons.append(f"{reorders} pending reorder(s)")
    if promotions:
        weight += PROMOTION_WEIGHT
        reasons.append(f"{promotions} promotion(s) in force")
    return weight, reasons


def _open_problems(session: Session, store_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = session.execute(
        select(Problem.store_id, func.count())
        .where(Problem.store_id.in_(store_ids), Problem.status == ProblemStatus.OPEN)
        .group_by(Problem.store_id)
    ).all()
    return {store_id: n for store_id, n in rows}


def _promotions(session: Session, store_ids: list[uuid.UUID], day: date) -> dict[uuid.UUID, int]:
    rows = session.execute(
        select(Store.id, func.count(Promotion.id))
        .join(
            Promotion,
            and_(
                Promotion.active,
                Promotion.starts_on <= day,
                Promotion.ends_on >= day,
                promotion_applies(Store),
            ),
        )
        .where(Store.id.in_(store_ids))
        .group_by(Store.id)
    ).all()
    return {store_id: n for store_id, n in rows}


def _last_visit_days(session: Session, store_ids: list[uuid.UUID], day: date) -> dict[Any, Any]:
    rows = session.execute(
        select(Visit.store_id, func.max(Visit.local_day))
        .where(Visit.store_id.in_(store_ids), Visit.local_day < day)
        .group_by(Visit.store_id)
    ).all()
    return dict(rows)


def _due(
    stores: Sequence[Store], last: Mapping[Any, Any], day: date, frequency: Mapping[str, int]
) -> dict[uuid.UUID, int]:
    """Stores due on `day` by their grade's frequency, with how many days overdue (0: due
    today). The coverage report's rule, asked about the next day: a store is overdue there
    exactly when it is due (or later) on `day`. A never-visited store counts as due."""
    found = overdue_stores(
        [Cadence(s.id, s.grade.value, last.get(s.id)) for s in stores],
        as_of=day + timedelta(days=1),
        frequency_days=dict(frequency),
        never_visited_since=day - timedelta(days=max(frequency.values(), default=0)),
    )
    return {o.store_id: o.overdue_days - 1 for o in found}


def _candidates(
    session: Session,
    stores: Sequence[Store],
    day: date,
    settings: RoutingSettings,
    *,
    explicit: bool,
) -> list[Candidate]:
    ids = [s.id for s in stores]
    if not ids:
        return []
    problems = _open_problems(session, ids)
    promotions = _promotions(session, ids, day)
    due = _due(stores, _last_visit_days(session, ids, day), day, settings.frequency_days)
    chosen = []
    for store in stores:
        reorders = len(pending_reorders(session, store.id))
        wanted = store.id in due or problems.get(store.id) or promotions.get(store.id) or reorders
        if not explicit and not wanted:
            continue
        weight, reasons = _priority(
            store,
            problems=problems.get(store.id, 0),
            promotions=promotions.get(store.id, 0),
            reorders=reorders,
            overdue_days=due.get(store.id),
        )
        chosen.append(Candidate(store, weight, reasons))
    return chosen


def _explicit_stores(session: Session, actor: Actor, ids: Iterable[uuid.UUID]) -> list[Store]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = {
        s.id: s
        for s in session.scalars(
            select(Store).where(Store.id.in_(wanted), Store.active, scope.condition(Store, actor))
        )
    }
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InvalidInput(
            "Some stores are not active stores in your scope.",
            errors=[{"path": "json.store_ids", "message": f"Unknown store {i}."} for i in missing],
        )
    return [found[i] for i in wanted]


def choose_stores(
    session: Session, actor: Actor, rep: User, request: DayRequest, settings: RoutingSettings
) -> list[Candidate]:
    """Explicit stores as given; otherwise the rep's active stores that are due by grade
    frequency, have open problems, pending reorders or a promotion in force, highest priority
    first (being overdue adds to it), at most `max_stops`. Stores with an appointment or named
    in `mandatory_store_ids` are always in, and mandatory."""
    if request.store_ids is not None:
        stores = _explicit_stores(session, actor, [*request.store_ids, *request.appointments])
        candidates = _candidates(session, stores, request.day, settings, explicit=True)
    else:
        territory = list(
            session.scalars(
                select(Store).where(Store.rep_id == rep.id, Store.active).order_by(Store.code)
            )
        )
        candidates = _candidates(session, territory, request.day, settings, explicit=False)
        known = {c.store.id for c in candidates}
        required = [*request.appointments, *request.mandatory_store_ids]
        booked = _explicit_stores(session, actor, [i for i in required if i not in known])
        candidates += _candidates(session, booked, request.day, settings, explicit=True)
        candidates.sort(key=lambda c: (-c.priority, c.store.code))
    by_id = {c.store.id: c for c in candidates}
    unknown = request.mandatory_store_ids - set(by_id)
    if unknown:
        raise InvalidInput(
            "Mandatory stores must be among the day's stores.",
            errors=[
                {"path": "json.mandatory_store_ids", "message": f"Store {i} is not in the plan."}
                for i in sorted(unknown, key=str)
            ],
        )
    for store_id, at in request.appointments.items():
        by_id[store_id].appointment = at.astimezone(UTC)
        by_id[store_id].reasons.append("appointment")
    for c in candidates:
        c.mandatory = c.store.id in request.mandatory_store_ids or c.appointment is not None
    keep = [c for c in candidates if c.mandatory]
    keep += [c for c in candidates if not c.mandatory][: max(0, settings.max_stops - len(keep))]
    return keep


# --- windows, dwell, travel --------------------------------------------------------------


def _local_windows(
    specs: Sequence[dict[str, Any]], day: date, zone: str, kind: str, dwell_s: int
) -> list[Window]:
    """The store's weekly windows (store-local "HH:MM") falling on `day`, as instants. For
    opening hours the window is when service may START: it must end by closing time."""
    tz = ZoneInfo(zone)
    result = []
    for spec in windows_on(specs, day):
        start = datetime.combine(day, time.fromisoformat(str(spec["start"])), tzinfo=tz)
        end = datetime.combine(day, time.fromisoformat(str(spec["end"])), tzinfo=tz)
        if kind == "opening":
            end -= timedelta(seconds=dwell_s)
        if end >= start:
            result.append(Window(kind, start.astimezone(UTC), end.astimezone(UTC)))
    return result


def service_windows(store: Store, day: date, dwell_s: int, *, owner_talk: bool) -> list[Window]:
    """When the visit may start: in the owner's free moments when the visit needs the owner
    (busy stores that take appointments, stores with open problems to settle), else within
    opening hours. An empty list with opening hours on other days: closed that day."""
    if owner_talk:
        owner = _local_windows(store.owner_windows or [], day, store.timezone, "owner", dwell_s)
        if owner:
            return owner
    return _local_windows(store.opening_hours or [], day, store.timezone, "opening", dwell_s)


def _closed(store: Store, day: date) -> bool:
    return bool(store.opening_hours) and not windows_on(store.opening_hours, day)


def _dwell_minutes(
    session: Session, stores: Sequence[Store], settings: RoutingSettings
) -> dict[uuid.UUID, tuple[int, str]]:
    """Per store: the median of its recent visit durations once it has enough closed visits,
    otherwise its dwell setting; with a label saying which."""
    ranked = (
        select(
            Visit.store_id,
            (func.extract("epoch", Visit.checked_out_at - Visit.checked_in_at)).label("seconds"),
            func.row_number()
            .over(partition_by=Visit.store_id, order_by=Visit.checked_in_at.desc())
            .label("n"),
        )
        .where(Visit.store_id.in_([s.id for s in stores]), Visit.checked_out_at.is_not(None))
        .subquery()
    )
    durations: dict[uuid.UUID, list[float]] = defaultdict(list)
    for store_id, seconds, _n in session.execute(
        select(ranked).where(ranked.c.n <= settings.dwell_recent_visits)
    ):
        durations[store_id].append(float(seconds))
    result = {}
    for store in stores:
        recent = durations.get(store.id, [])
        if len(recent) >= settings.dwell_min_visits:
            minutes = max(1, round(statistics.median(recent) / 60))
            result[store.id] = (minutes, f"median of {len(recent)} recent visits")
        else:
            result[store.id] = (store.dwell_minutes, "store setting")
    return result


@dataclass(frozen=True, slots=True)
class _Point:
    lat: float
    lon: float


def _endpoint_point(session: Session, rep: User, endpoint: Endpoint, name: str) -> _Point | None:
    """Where a start/end is, or None for the first/last store."""
    match endpoint.kind:
        case EndpointKind.HOME:
            if rep.home_lat is None or rep.home_lon is None:
                raise _invalid(f"json.{name}.kind", "The rep has no home position on record.")
            return _Point(rep.home_lat, rep.home_lon)
        case EndpointKind.POINT:
            assert endpoint.lat is not None and endpoint.lon is not None  # schema-checked
            return _Point(endpoint.lat, endpoint.lon)
        case EndpointKind.STORE:
            store = session.get(Store, endpoint.store_id) if endpoint.store_id else None
            if store is None:
                raise _invalid(f"json.{name}.store_id", "No store with this id.")
            return _Point(store.lat, store.lon)
    return None


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
    closed = [c for c in setup.candidates if c.appointment is None and _closed(c.store, day)]
    open_ = [c for c in setup.candidates if c not in closed]
    blocking = [c for c in closed if c.mandatory]
    if blocking:
        raise _infeasible_closed(blocking, day)
    dwell = _dwell_minutes(session, [c.store for c in open_], settings)
    problems = _open_problems(session, [c.store.id for c in open_])
    stops, windows_by_code = _stops(open_, timeline, dwell, problems)
    points: list[_Point] = [_Point(c.store.lat, c.store.lon) for c in open_]
    start = _endpoint_point(session, setup.rep, setup.start, "start")
    end = _endpoint_point(session, setup.rep, setup.end, "end")
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
        raise _invalid("json.latest_return", "The latest return must be after the day starts.")
    if setup.brk is not None and setup.brk.latest < setup.brk.earliest:
        raise _invalid(
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
        raise _invalid(f"json.{name}.store_id", "No store with this id in your scope.")


def plan_day(
    session: Session, *, actor: Actor, request: DayRequest, settings: RoutingSettings
) -> RoutePlan:
    """Plan a rep's day and store it as the newest version of that day."""
    started = clock.perf_counter()
    rep = _rep_for(session, actor, request.rep_id)
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
        raise _invalid(
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
