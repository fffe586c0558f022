"""What a route plan is computed from: the request, the stores chosen for the day and why,
their service windows, dwell times and where the day starts and ends.

Times: the solver works in seconds after local midnight of the planned day in the plan's
time zone (`Timeline`). A store's windows are written in the store's own zone, so each is
turned into an instant on the planned calendar day in that zone first and then into plan
seconds: a store two zones west whose owner is free 09:00-11:00 local is, on the plan's
clock, free 11:00-13:00.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from fieldsales.db.models import (
    Problem,
    Promotion,
    Store,
    User,
    Visit,
)
from fieldsales.domain.errors import InvalidInput
from fieldsales.domain.routing import (
    TravelTimeProvider,
)
from fieldsales.domain.routing.plans import EndpointKind
from fieldsales.domain.types import Actor, Role
from fieldsales.domain.visits import (
    Cadence,
    ProblemStatus,
    overdue_stores,
    windows_on,
)
from fieldsales.services import reorders as reorder_requests
from fieldsales.services import scope
from fieldsales.services.master import promotion_applies

GRADE_PRIORITY = {"A": 3, "B": 2, "C": 1}
# Added to the grade's weight: things that make a visit matter more today.
OPEN_PROBLEM_WEIGHT = 2
PENDING_REORDER_WEIGHT = 2
PROMOTION_WEIGHT = 1
OVERDUE_WEIGHT = 1


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


def invalid_input(path: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors=[{"path": path, "message": message}])


def rep_for(session: Session, actor: Actor, rep_id: uuid.UUID) -> User:
    """The rep to plan for: a rep plans their own day, a supervisor their teams' reps', an
    admin anyone's (the User scope rule says exactly that)."""
    rep = session.scalar(
        select(User).where(User.id == rep_id, scope.condition(User, actor), User.active)
    )
    if rep is None or rep.role is not Role.REP:
        raise invalid_input("json.rep_id", "No active rep with this id in your scope.")
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


def open_problems(session: Session, store_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
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
    problems = open_problems(session, ids)
    promotions = _promotions(session, ids, day)
    due = _due(stores, _last_visit_days(session, ids, day), day, settings.frequency_days)
    pending = reorder_requests.pending_counts(session, ids)
    chosen = []
    for store in stores:
        reorders = pending.get(store.id, 0)
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


def closed_that_day(store: Store, day: date) -> bool:
    return bool(store.opening_hours) and not windows_on(store.opening_hours, day)


def dwell_minutes(
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
class Point:
    lat: float
    lon: float


def endpoint_point(session: Session, rep: User, endpoint: Endpoint, name: str) -> Point | None:
    """Where a start/end is, or None for the first/last store."""
    match endpoint.kind:
        case EndpointKind.HOME:
            if rep.home_lat is None or rep.home_lon is None:
                raise invalid_input(f"json.{name}.kind", "The rep has no home position on record.")
            return Point(rep.home_lat, rep.home_lon)
        case EndpointKind.POINT:
            assert endpoint.lat is not None and endpoint.lon is not None  # schema-checked
            return Point(endpoint.lat, endpoint.lon)
        case EndpointKind.STORE:
            store = session.get(Store, endpoint.store_id) if endpoint.store_id else None
            if store is None:
                raise invalid_input(f"json.{name}.store_id", "No store with this id.")
            return Point(store.lat, store.lon)
    return None
