"""Route plans feeding the reports: the evening report's plan for tomorrow, the team day's
"planned" from the day's plan (including what a re-plan left out), and the "when is the rep
back" lookup for reorders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldsales.domain.reorder import VisitPlanSource
from fieldsales.domain.types import Role
from fieldsales.services import reorder_prompts
from fieldsales.services.route_calendar import next_planned_visit_dates
from tests.route_factories import DAY, iso, make_plan, rep_with_home, ring_store, shanghai

TOMORROW = DAY + timedelta(days=1)


@pytest.fixture
def team(make):
    supervisor, team = make.supervisor_with_team()
    rep = rep_with_home(make, team)
    return {
        "supervisor": supervisor,
        "rep": rep,
        "stores": [ring_store(make, rep, i) for i in range(5)],
    }


@pytest.fixture
def admin(make):
    return make.user(Role.ADMIN)


def team_day_row(client, auth, team):
    """The team rep's row of the supervisor's team day for DAY."""
    day = client.get(
        "/api/v1/reports/team-day",
        query_string={"day": DAY.isoformat()},
        headers=auth.headers(team["supervisor"]),
    ).json
    return next(r for r in day["reps"] if r["rep"]["id"] == str(team["rep"].id))


def test_evening_report_lists_tomorrows_current_plan(client, auth, session, team, admin):
    rep, stores = team["rep"], team["stores"]
    make_plan(session, admin, rep, stores[:2], day=TOMORROW)
    plan = make_plan(session, admin, rep, stores[:3], day=TOMORROW)  # version 2 replaces it
    make_plan(session, admin, rep, stores[3:], day=DAY + timedelta(days=2))
    rv = client.get(
        "/api/v1/reports/evening",
        query_string={"day": DAY.isoformat()},
        headers=auth.headers(rep),
    )
    assert rv.status_code == 200
    tomorrow = rv.json["tomorrow_plan"]
    assert [s["store"]["id"] for s in tomorrow] == [str(s.store_id) for s in plan.stops]
    assert {s["plan_version"] for s in tomorrow} == {2}
    assert [s["position"] for s in tomorrow] == [1, 2, 3]


def test_evening_report_without_a_plan_for_tomorrow(client, auth, team):
    rv = client.get(
        "/api/v1/reports/evening",
        query_string={"day": DAY.isoformat()},
        headers=auth.headers(team["rep"]),
    )
    assert rv.json["tomorrow_plan"] == []


def test_team_day_counts_the_days_plan_and_what_a_replan_left_out(
    client, auth, session, make, team, admin
):
    rep, stores = team["rep"], team["stores"]
    first = make_plan(session, admin, rep, stores)
    order = [s.store_id for s in first.stops]
    visited = next(s for s in stores if s.id == order[0])
    make.visit(rep, visited, at=shanghai(9), planned=False)  # marked unplanned, but on the plan
    off_plan = ring_store(make, rep, 9)
    make.visit(rep, off_plan, at=shanghai(10))  # "planned" by the phone, but not on the plan
    body = {
        "position": {"lat": 31.23, "lon": 121.47},
        "at": iso(shanghai(11)),
        "skipped": [{"store_id": str(order[1]), "reason": "owner_absent"}],
    }
    rv = client.post(f"/api/v1/route-plans/{first.id}/replan", json=body, headers=auth.headers(rep))
    assert rv.status_code == 201, rv.json
    assert len(rv.json["stops"]) == 3
    row = team_day_row(client, auth, team)
    assert row["planned"] == 5  # three still to do, one done and one skipped before the replan
    assert row["planned_done"] == 1
    assert row["unplanned"] == 1
    assert [s["store"]["id"] for s in row["skipped"]] == [str(order[1])]


def test_team_day_without_a_plan_still_reads_the_records(client, auth, make, team):
    rep, stores = team["rep"], team["stores"]
    make.visit(rep, stores[0], at=shanghai(9))
    make.visit(rep, stores[1], at=shanghai(10), planned=False)
    row = team_day_row(client, auth, team)
    assert (row["planned"], row["planned_done"], row["unplanned"]) == (1, 1, 1)


def test_next_planned_visit_dates_reads_current_versions_only(session, make, team, admin):
    rep, stores = team["rep"], team["stores"]
    other = ring_store(make, rep, 7)
    make_plan(session, admin, rep, [stores[0], other], day=TOMORROW)  # superseded next
    make_plan(session, admin, rep, [stores[1]], day=TOMORROW)
    make_plan(session, admin, rep, [stores[0], stores[1]], day=DAY + timedelta(days=3))
    make_plan(session, admin, rep, [stores[2]], day=DAY)  # before `after`
    found = next_planned_visit_dates(
        session, [s.id for s in stores] + [other.id], after=shanghai(18)
    )
    assert found == {stores[1].id: TOMORROW, stores[0].id: DAY + timedelta(days=3)}


def test_next_planned_visit_dates_of_nothing(session):
    assert next_planned_visit_dates(session, [], after=shanghai(8)) == {}


def test_reorder_prompts_expect_the_rep_back_on_the_planned_day(session, team, admin):
    """The reorder policy's review period ends at the next planned visit when a current plan
    has the store; today's own plan does not count (that visit is the one happening)."""
    rep, store = team["rep"], team["stores"][0]
    make_plan(session, admin, rep, [store], day=DAY)
    settings = reorder_prompts.DEFAULT_PROMPT_SETTINGS
    without = reorder_prompts.visit_outlook(session, store, DAY, settings)
    assert without.source == VisitPlanSource.GRADE_FREQUENCY

    make_plan(session, admin, rep, [store], day=DAY + timedelta(days=3))
    planned = reorder_prompts.visit_outlook(session, store, DAY, settings)
    assert planned.source == VisitPlanSource.ROUTE_PLAN
    assert planned.next_visit_on == DAY + timedelta(days=3)
