"""Demo route plans: every demo rep opens `make run` on a planned today and tomorrow."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from fieldsales.db.models import RoutePlan, RoutePlanStop, Store, User
from fieldsales.domain.routing.plans import PlanStatus
from fieldsales.domain.types import Role
from fieldsales.services.demo import load_demo
from fieldsales.services.demo_routes import load_demo_plans

TODAY = date(2026, 11, 25)  # a Wednesday


def test_demo_reps_have_plans_for_today_and_tomorrow(session):
    load_demo(session, seed=7, today=TODAY, store_count=48)
    reps = set(session.scalars(select(User.id).where(User.role == Role.REP)))
    planned = session.execute(
        select(RoutePlan.rep_id, RoutePlan.day, RoutePlan.status, RoutePlan.selection)
    ).all()
    assert {(rep, day) for rep, day, _s, _sel in planned} == {
        (rep, day) for rep in reps for day in (TODAY, TODAY + timedelta(days=1))
    }
    assert {(s, sel) for _r, _d, s, sel in planned} == {(PlanStatus.CURRENT, "automatic")}
    # Each rep's stops are that rep's own stores.
    foreign = session.scalar(
        select(func.count())
        .select_from(RoutePlanStop)
        .join(RoutePlan, RoutePlan.id == RoutePlanStop.plan_id)
        .join(Store, Store.id == RoutePlanStop.store_id)
        .where(Store.rep_id != RoutePlan.rep_id)
    )
    assert foreign == 0
    assert session.scalar(select(func.count()).select_from(RoutePlanStop)) > len(reps)
    assert load_demo_plans(session, today=TODAY) == "route plans: already present"
