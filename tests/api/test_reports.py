"""Reports: the rep's evening report, the supervisor's team day, coverage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from fieldsales.db.models import VisitPurpose
from fieldsales.domain.types import Grade, Role
from fieldsales.domain.visits import ProblemStatus, Purpose, SkipReason
from tests import bodies

DAY = date(2026, 11, 18)  # a Wednesday


def shanghai(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    """A wall-clock time in Shanghai (UTC+8) as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
def team(make):
    supervisor, team = make.supervisor_with_team()
    other_supervisor, other_team = make.supervisor_with_team()
    rep = make.rep(team, display_name="Ana")
    teammate = make.rep(team, display_name="Bo")
    return {
        "supervisor": supervisor,
        "team": team,
        "other_supervisor": other_supervisor,
        "other_team": other_team,
        "rep": rep,
        "teammate": teammate,
        "other_rep": make.rep(other_team),
        "admin": make.user(Role.ADMIN),
        "dealer_user": make.dealer_user(make.dealer()),
        "stores": [make.store(rep=rep) for _ in range(4)],
    }


@pytest.fixture
def ana_day(make, team):
    """Ana's Wednesday: three visits 9:00-9:20, 9:40-10:00, 10:30-10:50 (the last a drop-in),
    one stop skipped; problems raised, solved and carried over; two payments."""
    rep, stores = team["rep"], team["stores"]
    v1 = make.visit(rep, stores[0], at=shanghai(9), minutes=20, met_with="Mr Li")
    v2 = make.visit(rep, stores[1], at=shanghai(9, 40), minutes=20)
    v3 = make.visit(rep, stores[2], at=shanghai(10, 30), minutes=20, planned=False)
    make.visit(rep, stores[0], at=shanghai(9, day=DAY - timedelta(days=1)))  # yesterday
    make._add(
        VisitPurpose(
            visit_id=v1.id,
            purpose=Purpose.COLLECT_PAYMENT,
            recorded_at=v1.checked_in_at,
            payload_hash="0" * 64,
        )
    )
    make.problem(v1, needs_support=True, what="Dealer ignores calls")
    make.problem(
        v2,
        status=ProblemStatus.SOLVED,
        solved_on_spot=True,
        resolved_at=shanghai(9, 50),
        resolved_by_id=rep.id,
    )
    old_visit = make.visit(rep, stores[1], at=shanghai(9, day=DAY - timedelta(days=7)))
    make.problem(
        old_visit,
        status=ProblemStatus.SOLVED,
        resolved_at=shanghai(9, 45),
        resolved_by_id=rep.id,
        resolution="Gifts delivered",
    )
    make.payment(v1, "250.50")
    make.payment(v3, "100.00")
    make.skipped(rep, stores[3], DAY, reason=SkipReason.OWNER_ABSENT, note="Back Friday")
    return {"visits": [v1, v2, v3]}


def get(client, auth, user, url):
    return client.get(url, headers=auth.headers(user))


# --- evening report ----------------------------------------------------------------------


def test_evening_report_is_filled_from_the_days_records(client, auth, team, ana_day):
    rv = get(client, auth, team["rep"], f"/api/v1/reports/evening?day={DAY}")
    assert rv.status_code == 200
    r = rv.json
    assert [v["visit_id"] for v in r["visits"]] == [str(v.id) for v in ana_day["visits"]]
    assert r["visits"][0]["met_with"] == "Mr Li"
    assert r["visits"][0]["purposes"] == ["collect_payment"]
    assert r["summary"] == {
        "visits": 3,
        "planned_stores": 3,  # two planned visits + the skipped stop
        "skipped": 1,
        "first_check_in": shanghai(9).isoformat(),
        "last_check_out": shanghai(10, 50).isoformat(),
        "in_stores_s": 3 * 20 * 60,
        "between_stores_s": (20 + 30) * 60,
        "problems_raised": 2,
        "problems_solved": 2,  # one on the spot, one raised last week
        "payments_total": "350.50",
    }
    assert [p["what"] for p in r["still_open"]] == ["Dealer ignores calls"]
    assert [p["what"] for p in r["help_needed"]] == ["Dealer ignores calls"]
    assert "Gifts delivered" in [p["resolution"] for p in r["problems_solved"]]
    assert r["skipped"][0]["reason"] == "owner_absent"
    assert r["tomorrow_plan"] == []


def test_supervisor_reads_a_team_reps_evening_report(client, auth, team, ana_day):
    url = f"/api/v1/reports/evening?day={DAY}&rep_id={team['rep'].id}"
    assert get(client, auth, team["supervisor"], url).json["summary"]["visits"] == 3


def test_supervisor_must_say_whose_evening_report(client, auth, team):
    rv = get(client, auth, team["supervisor"], f"/api/v1/reports/evening?day={DAY}")
    assert rv.status_code == 422
    assert rv.json["errors"][0]["path"] == "query.rep_id"


@pytest.mark.parametrize(
    ("who", "status"),
    [("teammate", 404), ("other_rep", 404), ("other_supervisor", 404), ("dealer_user", 403)],
)
def test_evening_report_of_someone_else(client, auth, team, ana_day, who, status):
    url = f"/api/v1/reports/evening?day={DAY}&rep_id={team['rep'].id}"
    assert get(client, auth, team[who], url).status_code == status


def test_evening_report_needs_a_day(client, auth, team):
    assert get(client, auth, team["rep"], "/api/v1/reports/evening").status_code == 422


# --- team day ----------------------------------------------------------------------------


def test_team_day_per_rep(client, auth, team, ana_day):
    rv = get(client, auth, team["supervisor"], f"/api/v1/reports/team-day?day={DAY}")
    assert rv.status_code == 200
    rows = {row["rep"]["display_name"]: row for row in rv.json["reps"]}
    assert set(rows) == {"Ana", "Bo"}
    ana = rows["Ana"]
    assert ana["first_check_in"] == shanghai(9).isoformat()
    assert (ana["visits_done"], ana["planned"], ana["planned_done"], ana["unplanned"]) == (
        3,
        3,
        2,
        1,
    )
    assert (ana["in_stores_s"], ana["between_stores_s"]) == (3600, 3000)
    assert ana["skipped"] == [
        {
            "store": {
                "id": str(team["stores"][3].id),
                "code": team["stores"][3].code,
                "name": team["stores"][3].name,
            },
            "reason": "owner_absent",
            "note": "Back Friday",
        }
    ]
    assert rows["Bo"]["visits_done"] == 0
    assert rows["Bo"]["first_check_in"] is None


def test_check_in_2_km_away_shows_in_the_supervisors_team_day(client, auth, team):
    store = team["stores"][0]
    body = bodies.check_in(store, position=bodies.position(store, north_m=2000))
    visit = client.post("/api/v1/visits", json=body, headers=auth.headers(team["rep"])).json
    rv = get(client, auth, team["supervisor"], f"/api/v1/reports/team-day?day={visit['local_day']}")
    ana = next(r for r in rv.json["reps"] if r["rep"]["display_name"] == "Ana")
    assert [f["visit_id"] for f in ana["flagged_check_ins"]] == [body["id"]]
    flagged = ana["flagged_check_ins"][0]
    assert flagged["checkin_flags"] == ["outside_geofence"]
    assert flagged["distance_m"] == pytest.approx(2000, rel=0.01)


def test_team_day_of_a_team_you_do_not_lead_is_404(client, auth, team):
    url = f"/api/v1/reports/team-day?day={DAY}&team_id={team['other_team'].id}"
    assert get(client, auth, team["supervisor"], url).status_code == 404


def test_team_day_without_team_shows_only_the_supervisors_teams(client, auth, team):
    rv = get(client, auth, team["other_supervisor"], f"/api/v1/reports/team-day?day={DAY}")
    assert [r["rep"]["id"] for r in rv.json["reps"]] == [str(team["other_rep"].id)]


@pytest.mark.parametrize("who", ["rep", "dealer_user"])
def test_team_day_is_for_supervisors(client, auth, team, who):
    assert get(client, auth, team[who], f"/api/v1/reports/team-day?day={DAY}").status_code == 403


# --- coverage ----------------------------------------------------------------------------


def test_coverage_lists_stores_overdue_for_their_grade(client, auth, make, team):
    rep = team["teammate"]
    a_late = make.store(rep=rep, grade=Grade.A)  # weekly, last seen 10 days ago
    a_fine = make.store(rep=rep, grade=Grade.A)  # last seen 5 days ago
    c_never = make.store(rep=rep, grade=Grade.C)  # monthly, never seen
    make.visit(rep, a_late, at=shanghai(10, day=DAY - timedelta(days=10)))
    make.visit(rep, a_fine, at=shanghai(10, day=DAY - timedelta(days=5)))
    rv = get(client, auth, rep, f"/api/v1/reports/coverage?as_of={DAY}&weeks=8")
    assert rv.status_code == 200
    overdue = {o["store"]["id"]: o for o in rv.json["overdue_stores"]}
    assert set(overdue) == {str(c_never.id), str(a_late.id)}
    assert overdue[str(a_late.id)]["overdue_days"] == 3
    assert overdue[str(a_late.id)]["days_since"] == 10
    assert overdue[str(c_never.id)]["days_since"] is None
    assert overdue[str(c_never.id)]["overdue_days"] == 8 * 7 - 30


def test_coverage_counts_visits_per_rep_per_week_against_target(client, auth, app, make, team):
    rep, store = team["teammate"], make.store(rep=team["teammate"])
    for days_back in (0, 1, 7):  # two this week (Mon 16th .. Wed 18th), one last week
        make.visit(rep, store, at=shanghai(10, day=DAY - timedelta(days=days_back)))
    app.config["VISITS_PER_WEEK_TARGET"] = 2
    try:
        rv = get(client, auth, rep, f"/api/v1/reports/coverage?as_of={DAY}&weeks=2")
    finally:
        app.config["VISITS_PER_WEEK_TARGET"] = 80
    [row] = rv.json["reps"]
    assert row["weeks"] == [
        {"week_start": "2026-11-09", "visits": 1, "target": 2, "met": False},
        # Wednesday: 3 of 5 working days gone, so 2 × 3/5 rounded up.
        {"week_start": "2026-11-16", "visits": 2, "target": 2, "met": True},
    ]


def test_rep_coverage_shows_only_their_own(client, auth, make, team):
    make.store(rep=team["other_rep"], grade=Grade.A)
    rv = get(client, auth, team["rep"], f"/api/v1/reports/coverage?as_of={DAY}&weeks=8")
    assert {o["store"]["id"] for o in rv.json["overdue_stores"]} <= {
        str(s.id) for s in team["stores"]
    }
    assert [r["rep"]["id"] for r in rv.json["reps"]] == [str(team["rep"].id)]


def test_dealer_gets_no_coverage(client, auth, team):
    assert get(client, auth, team["dealer_user"], "/api/v1/reports/coverage").status_code == 403


def test_payments_in_reports_are_exact(client, auth, make, team):
    visit = make.visit(team["rep"], team["stores"][0], at=shanghai(11))
    for amount in ("0.10", "0.20", "1000.05"):
        make.payment(visit, amount)
    rv = get(client, auth, team["rep"], f"/api/v1/reports/evening?day={DAY}")
    assert Decimal(rv.json["summary"]["payments_total"]) == Decimal("1000.35")


@pytest.mark.parametrize("query", ["weeks=0", "weeks=27", "weeks=two", "as_of=yesterday"])
def test_coverage_bad_query_is_a_422(client, auth, team, query):
    rv = get(client, auth, team["rep"], f"/api/v1/reports/coverage?{query}")
    assert rv.status_code == 422
    assert rv.mimetype == "application/problem+json"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30"])
def test_evening_report_with_an_impossible_day_is_a_422(client, auth, team, day):
    rv = get(client, auth, team["rep"], f"/api/v1/reports/evening?day={day}")
    assert rv.status_code == 422
    assert rv.json["errors"][0]["path"] == "query.day"
