"""Reports filled from the visit records: a rep's evening report, a supervisor's team day,
and coverage (stores overdue for their grade, visits per rep per week against target).

"Planned" comes from the day's route plan when the rep has one (its current version, plus
stores of earlier versions that were done or skipped before a re-plan left them out);
without a plan it is what the records say: visits checked in as planned plus planned stops
recorded as skipped."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from fieldsales.db.models import Problem, SkippedVisit, Store, Team, User, Visit
from fieldsales.domain.errors import NotFound
from fieldsales.domain.types import Actor, Role
from fieldsales.domain.visits import (
    Cadence,
    ProblemStatus,
    VisitSpan,
    expected_share,
    local_day,
    overdue_stores,
    summarize_day,
    week_start,
    weeks_back,
)
from fieldsales.services import routes, scope


def planned_stores(
    visits: Iterable[Visit],
    skipped: Iterable[SkippedVisit],
    plan: tuple[set[uuid.UUID], set[uuid.UUID]] | None = None,
) -> set[uuid.UUID]:
    """The stores on a rep's plan for a day. With a route plan (`plan` = stores on its
    current version, stores on any version): the current version's stores, plus those an
    earlier version had that were visited or skipped (a re-plan leaves them out). Without
    one, a planned check-in or a skipped planned stop is the evidence."""
    handled = {v.store_id for v in visits} | {s.store_id for s in skipped}
    if plan is not None:
        current, every = plan
        return current | (every & handled)
    return {v.store_id for v in visits if v.planned} | {s.store_id for s in skipped}


def _rep(session: Session, actor: Actor, rep_id: uuid.UUID) -> User:
    rep = scope.get_visible(session, User, rep_id, actor)
    if rep.role is not Role.REP:
        raise NotFound(f"No rep with id {rep_id}.")
    return rep


def _store_ref(store: Store) -> dict[str, Any]:
    return {"id": store.id, "code": store.code, "name": store.name}


def _day_visits(session: Session, rep_ids: list[uuid.UUID], day: date) -> list[Visit]:
    return list(
        session.scalars(
            select(Visit)
            .where(Visit.rep_id.in_(rep_ids), Visit.local_day == day)
            .order_by(Visit.checked_in_at, Visit.id)
            .options(joinedload(Visit.store))
        )
    )


def _day_skipped(session: Session, rep_ids: list[uuid.UUID], day: date) -> list[SkippedVisit]:
    return list(
        session.scalars(
            select(SkippedVisit)
            .where(SkippedVisit.rep_id.in_(rep_ids), SkippedVisit.day == day)
            .order_by(SkippedVisit.recorded_at, SkippedVisit.id)
            .options(joinedload(SkippedVisit.store))
        )
    )


def _skipped_row(s: SkippedVisit) -> dict[str, Any]:
    return {"store": _store_ref(s.store), "reason": s.reason, "note": s.note}


def _spans(visits: Iterable[Visit]) -> list[VisitSpan]:
    return [VisitSpan(v.id, v.checked_in_at, v.checked_out_at) for v in visits]


# --- the rep's evening report ------------------------------------------------------------


def evening_report(
    session: Session, *, actor: Actor, rep_id: uuid.UUID, day: date
) -> dict[str, Any]:
    rep = _rep(session, actor, rep_id)
    visits = list(
        session.scalars(
            select(Visit)
            .where(Visit.rep_id == rep.id, Visit.local_day == day)
            .order_by(Visit.checked_in_at, Visit.id)
            .options(
                joinedload(Visit.store),
                selectinload(Visit.purposes),
                selectinload(Visit.problems),
                selectinload(Visit.payments),
                selectinload(Visit.trainings),
            )
        )
    )
    skipped = _day_skipped(session, [rep.id], day)
    plan = routes.planned_day_stores(session, [rep.id], day).get(rep.id)
    # Resolutions on this store-local day, possibly of problems raised on earlier days.
    around = (day - timedelta(days=1), day + timedelta(days=2))
    solved = [
        p
        for p in session.scalars(
            select(Problem)
            .where(
                Problem.resolved_by_id == rep.id,
                Problem.resolved_at >= _midnight(around[0]),
                Problem.resolved_at < _midnight(around[1]),
            )
            .order_by(Problem.resolved_at, Problem.id)
            .options(joinedload(Problem.store))
        )
        if p.resolved_at is not None and local_day(p.resolved_at, p.store.timezone) == day
    ]
    help_needed = list(
        session.scalars(
            select(Problem)
            .where(
                Problem.rep_id == rep.id,
                Problem.status == ProblemStatus.OPEN,
                Problem.needs_support,
            )
            .order_by(Problem.recorded_at, Problem.id)
        )
    )
    raised = [p for v in visits for p in v.problems]
    payments = [p for v in visits for p in v.payments]
    summary = summarize_day(_spans(visits))
    return {
        "rep": rep,
        "day": day,
        "summary": {
            "visits": summary.visits,
            "planned_stores": len(planned_stores(visits, skipped, plan)),
            "skipped": len(skipped),
            "first_check_in": summary.first_check_in,
            "last_check_out": summary.last_check_out,
            "in_stores_s": summary.in_stores_s,
            "between_stores_s": summary.between_stores_s,
            "problems_raised": len(raised),
            "problems_solved": len(solved),
            "payments_total": sum((p.amount for p in payments), Decimal("0")),
        },
        "visits": [
            {
                "visit_id": v.id,
                "store": _store_ref(v.store),
                "planned": v.planned,
                "checked_in_at": v.checked_in_at,
                "checked_out_at": v.checked_out_at,
                "duration_s": v.duration_s,
                "met_with": v.met_with,
                "purposes": [p.purpose for p in v.purposes],
                "notes": v.notes,
                "flags": [*v.checkin_flags, *v.checkout_flags],
                "problems_raised": len(v.problems),
                "trainings": len(v.trainings),
                "payments_total": sum((p.amount for p in v.payments), Decimal("0")),
            }
            for v in visits
        ],
        "skipped": [_skipped_row(s) for s in skipped],
        "problems_raised": raised,
        "problems_solved": solved,
        "still_open": [p for p in raised if p.status is ProblemStatus.OPEN],
        "help_needed": help_needed,
        "payments": payments,
        "tomorrow_plan": _tomorrow_plan(session, rep.id, day + timedelta(days=1)),
    }


def _tomorrow_plan(session: Session, rep_id: uuid.UUID, day: date) -> list[dict[str, Any]]:
    """The stops of the rep's current plan for the next day, in driving order."""
    plan = routes.latest_plan(session, rep_id, day)
    if plan is None:
        return []
    return [
        {
            "position": s.position,
            "store": _store_ref(s.store),
            "service_start": s.service_start,
            "departure": s.departure,
            "mandatory": s.mandatory,
            "appointment_at": s.appointment_at,
            "plan_id": plan.id,
            "plan_version": plan.number,
        }
        for s in plan.stops
    ]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


# --- the supervisor's team day -----------------------------------------------------------


def team_reps(session: Session, actor: Actor, team_id: uuid.UUID | None) -> list[User]:
    """The reps of the team asked for (which the actor must see), or of every team the
    actor can see."""
    if team_id is not None:
        scope.get_visible(session, Team, team_id, actor)
    stmt = scope.scoped(select(User), User, actor).where(User.role == Role.REP, User.active)
    if team_id is not None:
        stmt = stmt.where(User.team_id == team_id)
    elif actor.role is Role.SUPERVISOR:
        stmt = stmt.where(User.team_id.in_(scope.led_team_ids(actor)))
    return list(session.scalars(stmt.order_by(User.display_name, User.id)))


def team_day(
    session: Session, *, actor: Actor, day: date, team_id: uuid.UUID | None
) -> dict[str, Any]:
    reps = team_reps(session, actor, team_id)
    rep_ids = [r.id for r in reps]
    visits_by_rep: dict[uuid.UUID, list[Visit]] = defaultdict(list)
    for v in _day_visits(session, rep_ids, day):
        visits_by_rep[v.rep_id].append(v)
    skipped_by_rep: dict[uuid.UUID, list[SkippedVisit]] = defaultdict(list)
    for s in _day_skipped(session, rep_ids, day):
        skipped_by_rep[s.rep_id].append(s)
    plans = routes.planned_day_stores(session, rep_ids, day)

    rows = []
    for rep in reps:
        visits, skipped = visits_by_rep[rep.id], skipped_by_rep[rep.id]
        summary = summarize_day(_spans(visits))
        planned = planned_stores(visits, skipped, plans.get(rep.id))
        rows.append(
            {
                "rep": rep,
                "first_check_in": summary.first_check_in,
                "last_check_out": summary.last_check_out,
                "visits_done": summary.visits,
                "open_visits": summary.open_visits,
                "planned": len(planned),
                "planned_done": len({v.store_id for v in visits if v.store_id in planned}),
                "unplanned": _unplanned(visits, planned, has_plan=rep.id in plans),
                "in_stores_s": summary.in_stores_s,
                "between_stores_s": summary.between_stores_s,
                "flagged_check_ins": [
                    {
                        "visit_id": v.id,
                        "store": _store_ref(v.store),
                        "checked_in_at": v.checked_in_at,
                        "distance_m": v.checkin_distance_m,
                        "checkin_flags": v.checkin_flags,
                        "checkout_flags": v.checkout_flags,
                    }
                    for v in visits
                    if v.flagged
                ],
                "skipped": [_skipped_row(s) for s in skipped],
            }
        )
    return {"day": day, "team_id": team_id, "reps": rows}


def _unplanned(visits: list[Visit], planned: set[uuid.UUID], *, has_plan: bool) -> int:
    """Visits off the plan: with a route plan, to stores not on it; else as checked in."""
    if has_plan:
        return sum(v.store_id not in planned for v in visits)
    return sum(not v.planned for v in visits)


# --- coverage ----------------------------------------------------------------------------


def coverage(
    session: Session,
    *,
    actor: Actor,
    as_of: date,
    weeks: int,
    frequency_days: Mapping[str, int],
    target_per_week: int,
) -> dict[str, Any]:
    since = as_of - timedelta(weeks=weeks)
    last_day = (
        select(Visit.store_id, func.max(Visit.local_day).label("last_day"))
        .where(Visit.local_day <= as_of)
        .group_by(Visit.store_id)
        .subquery()
    )
    stores = session.execute(
        scope.scoped(select(Store, last_day.c.last_day), Store, actor)
        .outerjoin(last_day, last_day.c.store_id == Store.id)
        .where(Store.active)
    ).all()
    by_id = {store.id: store for store, _ in stores}
    overdue = overdue_stores(
        [Cadence(store.id, store.grade.value, last) for store, last in stores],
        as_of=as_of,
        frequency_days=dict(frequency_days),
        never_visited_since=since,
    )

    mondays = weeks_back(as_of, weeks)
    reps = list(
        session.scalars(
            scope.scoped(select(User), User, actor)
            .where(User.role == Role.REP, User.active)
            .order_by(User.display_name, User.id)
        )
    )
    per_day = session.execute(
        select(Visit.rep_id, Visit.local_day, func.count())
        .where(
            Visit.rep_id.in_([r.id for r in reps]),
            Visit.local_day >= mondays[0],
            Visit.local_day <= as_of,
        )
        .group_by(Visit.rep_id, Visit.local_day)
    ).all()
    per_week: dict[tuple[uuid.UUID, date], int] = defaultdict(int)
    for rep_id, day, n in per_day:
        per_week[(rep_id, week_start(day))] += n

    return {
        "as_of": as_of,
        "weeks": weeks,
        "frequency_days": dict(frequency_days),
        "target_per_week": target_per_week,
        "overdue_stores": [
            {
                "store": _store_ref(by_id[o.store_id]),
                "grade": by_id[o.store_id].grade,
                "rep_id": by_id[o.store_id].rep_id,
                "frequency_days": o.frequency_days,
                "last_visit_day": o.last_visit_day,
                "days_since": o.days_since,
                "overdue_days": o.overdue_days,
            }
            for o in overdue
        ],
        "reps": [
            {
                "rep": rep,
                "weeks": [
                    {
                        "week_start": monday,
                        "visits": per_week[(rep.id, monday)],
                        "target": (target := expected_share(monday, as_of, target_per_week)),
                        "met": per_week[(rep.id, monday)] >= target,
                    }
                    for monday in mondays
                ],
            }
            for rep in reps
        ],
    }
