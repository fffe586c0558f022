"""Demo visit history: believable, deterministic, loaded once."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from fieldsales.db.models import (
    Payment,
    Problem,
    SkippedVisit,
    StockCount,
    Store,
    Visit,
    VisitPurpose,
)
from fieldsales.domain.types import Grade
from fieldsales.domain.visits import ProblemStatus
from fieldsales.services.demo_history import load_visit_history

TODAY = date(2026, 11, 23)


@pytest.fixture
def city(make):
    _, team = make.supervisor_with_team()
    reps = [make.rep(team) for _ in range(3)]
    dealer = make.dealer()
    grades = [Grade.A, Grade.B, Grade.C, Grade.C]
    stores = [
        make.store(rep=reps[i % 3], dealer=dealer, grade=grades[i % 4], lat=31.2 + i * 0.003)
        for i in range(36)
    ]
    products = [make.product() for _ in range(8)]
    return {"reps": reps, "stores": stores, "products": products}


def fingerprint(session) -> list[tuple]:
    return list(
        session.execute(
            select(Visit.id, Visit.store_id, Visit.checked_in_at, Visit.checkin_flags).order_by(
                Visit.id
            )
        )
    )


def test_history_covers_the_weeks_with_every_kind_of_record(city, session):
    summary = load_visit_history(session, seed=3, weeks=8, today=TODAY)
    assert summary.startswith("visit history: ")
    visits = list(session.scalars(select(Visit)))
    days = {v.local_day for v in visits}
    assert min(days) >= TODAY - timedelta(weeks=8)
    assert max(days) < TODAY
    assert all(d.weekday() < 5 for d in days)
    for model in (StockCount, Problem, Payment, VisitPurpose, SkippedVisit):
        assert session.scalar(select(func.count()).select_from(model)) > 0, model.__name__


def test_history_days_are_believable(city, session):
    load_visit_history(session, seed=3, weeks=8, today=TODAY)
    visits = list(session.scalars(select(Visit).order_by(Visit.checked_in_at)))
    zone = ZoneInfo("Asia/Shanghai")
    by_rep_day = defaultdict(list)
    for v in visits:
        local_in = v.checked_in_at.astimezone(zone)
        assert 8 <= local_in.hour < 18
        assert v.checked_out_at > v.checked_in_at
        by_rep_day[(v.rep_id, v.local_day)].append(v)
    for day_visits in by_rep_day.values():
        for prev, nxt in zip(day_visits, day_visits[1:], strict=False):
            assert prev.checked_out_at <= nxt.checked_in_at  # one store at a time
    flagged = sum(v.flagged for v in visits) / len(visits)
    assert 0 < flagged < 0.2


def test_a_weeks_visits_follow_the_grade_cadence(city, session):
    load_visit_history(session, seed=5, weeks=8, today=TODAY)
    per_store = Counter(session.scalars(select(Visit.store_id)))
    grade = {s.id: s.grade for s in session.scalars(select(Store))}
    mean = {
        g: sum(n for sid, n in per_store.items() if grade[sid] is g)
        / sum(1 for sid in grade if grade[sid] is g)
        for g in Grade
    }
    assert mean[Grade.A] > mean[Grade.B] > mean[Grade.C]


def test_open_problems_get_solved_in_later_visits(city, session):
    load_visit_history(session, seed=3, weeks=8, today=TODAY)
    later = list(
        session.scalars(
            select(Problem).where(
                Problem.status == ProblemStatus.SOLVED, Problem.solved_on_spot.is_(False)
            )
        )
    )
    assert later
    assert all(p.resolved_at > p.recorded_at and p.resolved_in_visit_id for p in later)


def test_history_is_deterministic(city, session):
    with session.begin_nested() as first:
        summary = load_visit_history(session, seed=9, weeks=2, today=TODAY)
        before = fingerprint(session)
        first.rollback()
    assert session.scalar(select(func.count()).select_from(Visit)) == 0
    assert load_visit_history(session, seed=9, weeks=2, today=TODAY) == summary
    assert fingerprint(session) == before


def test_history_loads_once(city, session):
    load_visit_history(session, seed=3, weeks=1, today=TODAY)
    count = session.scalar(select(func.count()).select_from(Visit))
    assert load_visit_history(session, seed=4, weeks=1, today=TODAY) == (
        "visit history: already present"
    )
    assert session.scalar(select(func.count()).select_from(Visit)) == count


def test_history_leaves_balances_alone(city, session):
    before = {s.id: s.balance_owed for s in session.scalars(select(Store))}
    load_visit_history(session, seed=3, weeks=2, today=TODAY)
    session.expire_all()
    assert {s.id: s.balance_owed for s in session.scalars(select(Store))} == before
