"""Route plans through the API: the plan's fields, versions, re-plans, dropped stores with
reasons, infeasible requests, time zones, who may plan whose day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fieldsales.db.models import SkippedVisit
from fieldsales.domain.types import Grade, Role
from tests.route_factories import (
    DAY,
    iso,
    parse,
    plan_body,
    rep_with_home,
    ring_store,
    shanghai,
    wednesday,
)

URL = "/api/v1/route-plans"


@pytest.fixture
def team(make):
    supervisor, team = make.supervisor_with_team()
    _other_supervisor, other_team = make.supervisor_with_team()
    rep = rep_with_home(make, team)
    return {
        "supervisor": supervisor,
        "rep": rep,
        "other_rep": rep_with_home(make, other_team),
        "admin": make.user(Role.ADMIN),
        "dealer_user": make.dealer_user(make.dealer()),
        "stores": [ring_store(make, rep, i) for i in range(6)],
    }


def post_plan(client, auth, user, body, **headers):
    return client.post(URL, json=body, headers=auth.headers(user, **headers))


def test_plan_day_returns_ordered_timed_stops(client, auth, team):
    rep, stores = team["rep"], team["stores"]
    rv = post_plan(client, auth, rep, plan_body(rep, stores))
    assert rv.status_code == 201, rv.json
    plan = rv.json
    assert plan["version"] == 1 and plan["status"] == "current" and plan["selection"] == "explicit"
    assert plan["timezone"] == "Asia/Shanghai"
    assert plan["start"]["kind"] == "home" and plan["end"]["kind"] == "home"
    assert plan["travel"] == {"source": "great-circle", "fell_back": False, "fallback_reason": None}
    assert plan["solver"]["name"].startswith("vroom")
    assert sorted(s["store"]["id"] for s in plan["stops"]) == sorted(str(s.id) for s in stores)
    assert [s["position"] for s in plan["stops"]] == list(range(1, 7))
    previous_departure = parse(plan["totals"]["departure"])
    for stop in plan["stops"]:
        arrival, start = parse(stop["arrival"]), parse(stop["service_start"])
        assert arrival == previous_departure + timedelta(seconds=stop["travel_from_previous_s"])
        assert start >= arrival
        assert parse(stop["departure"]) == start + timedelta(minutes=stop["dwell_minutes"])
        assert stop["dwell_source"] == "store setting"
        assert stop["travel_from_previous_s"] > 0
        previous_departure = parse(stop["departure"])
        if plan["break"]["planned_start"] and parse(plan["break"]["planned_end"]) <= start:
            previous_departure = max(previous_departure, parse(plan["break"]["planned_end"]))
    totals = plan["totals"]
    assert totals["stops"] == 6 and totals["dropped"] == 0
    assert totals["travel_s"] == sum(s["travel_from_previous_s"] for s in plan["stops"]) + (
        (parse(totals["arrival"]) - parse(plan["stops"][-1]["departure"])).seconds
    )
    assert totals["service_s"] == 6 * 20 * 60
    assert parse(totals["departure"]) >= shanghai(8, 30)
    assert parse(totals["arrival"]) <= shanghai(18)
    assert plan["break"]["minutes"] == 30
    # Six short visits are over before lunch: no break is needed then.
    assert plan["break"]["planned_start"] is None
    assert parse(totals["arrival"]) <= shanghai(13, 30)


def test_the_break_is_planned_in_its_window(client, auth, team, make):
    rep = team["rep"]
    stores = [ring_store(make, rep, 20 + i, dwell_minutes=60) for i in range(6)]
    plan = post_plan(client, auth, rep, plan_body(rep, stores)).json
    start, end = parse(plan["break"]["planned_start"]), parse(plan["break"]["planned_end"])
    assert shanghai(12) <= start <= shanghai(13, 30)
    assert end - start == timedelta(minutes=30)
    assert plan["totals"]["break_s"] == 1800
    for stop in plan["stops"]:  # no visit overlaps the break
        assert parse(stop["departure"]) <= start or parse(stop["service_start"]) >= end


def test_each_plan_of_a_day_is_a_new_version(client, auth, team):
    rep, stores = team["rep"], team["stores"]
    first = post_plan(client, auth, rep, plan_body(rep, stores[:3])).json
    second = post_plan(client, auth, rep, plan_body(rep, stores)).json
    assert second["version"] == 2
    rv = client.get(
        URL,
        query_string={"rep_id": str(rep.id), "date": DAY.isoformat()},
        headers=auth.headers(rep),
    )
    assert rv.status_code == 200
    assert [(p["id"], p["version"], p["status"]) for p in rv.json] == [
        (second["id"], 2, "current"),
        (first["id"], 1, "superseded"),
    ]
    assert "X-Pagination" in rv.headers
    current = client.get(
        URL, query_string={"rep_id": str(rep.id), "current_only": "true"}, headers=auth.headers(rep)
    )
    assert [p["id"] for p in current.json] == [second["id"]]


def test_window_in_the_stores_own_time_zone(client, auth, team, make):
    """Dubai is UTC+4: an owner free 09:00-11:00 Dubai time is free 13:00-15:00 on the plan's
    Shanghai clock (05:00-07:00 UTC)."""
    rep = team["rep"]
    dubai = ring_store(
        make,
        rep,
        7,
        timezone="Asia/Dubai",
        appointment_required=True,  # the visit needs the owner: owner windows apply
        owner_windows=wednesday("09:00", "11:00"),
    )
    rv = post_plan(
        client, auth, rep, plan_body(rep, [dubai, *team["stores"][:2]], timezone="Asia/Shanghai")
    )
    assert rv.status_code == 201, rv.json
    stop = next(s for s in rv.json["stops"] if s["store"]["id"] == str(dubai.id))
    window = stop["window"]
    assert window["kind"] == "owner"
    assert parse(window["start"]) == datetime(2026, 11, 18, 5, 0, tzinfo=UTC)
    assert parse(window["end"]) == datetime(2026, 11, 18, 7, 0, tzinfo=UTC)
    assert parse(window["start"]) <= parse(stop["service_start"]) <= parse(window["end"])


def test_unreachable_window_is_dropped_with_its_reason(client, auth, team, make):
    rep = team["rep"]
    early = ring_store(make, rep, 8, opening_hours=wednesday("06:00", "07:30"))
    closed = ring_store(
        make, rep, 9, opening_hours=[{"weekday": 6, "start": "09:00", "end": "17:00"}]
    )
    rv = post_plan(client, auth, rep, plan_body(rep, [early, closed, *team["stores"][:2]]))
    assert rv.status_code == 201, rv.json
    dropped = {d["store"]["id"]: d for d in rv.json["dropped"]}
    assert dropped[str(early.id)]["reason"] == "window-unreachable"
    assert early.code in dropped[str(early.id)]["message"]
    assert dropped[str(closed.id)]["reason"] == "closed-that-day"
    assert len(rv.json["stops"]) == 2


def test_a_short_day_drops_the_least_important_stores(client, auth, team, make):
    rep = team["rep"]
    stores = [
        ring_store(make, rep, 10 + i, dwell_minutes=90, grade=grade)
        for i, grade in enumerate([Grade.A, Grade.C, Grade.A, Grade.C])
    ]
    body = plan_body(rep, stores, day_start="09:00", latest_return="12:30", **{"break": None})
    rv = post_plan(client, auth, rep, body)
    assert rv.status_code == 201, rv.json
    served = {s["store"]["id"] for s in rv.json["stops"]}
    assert served == {str(stores[0].id), str(stores[2].id)}
    assert {d["reason"] for d in rv.json["dropped"]} == {"day-too-short"}
    assert rv.json["break"] is None


def test_mandatory_store_with_a_window_before_the_day_is_422_naming_it(client, auth, team, make):
    rep = team["rep"]
    early = ring_store(make, rep, 8, opening_hours=wednesday("06:00", "07:30"))
    body = plan_body(rep, [early, *team["stores"][:2]], mandatory_store_ids=[str(early.id)])
    rv = post_plan(client, auth, rep, body)
    assert rv.status_code == 422
    assert rv.mimetype == "application/problem+json"
    assert rv.json["type"] == "/problems/route-infeasible"
    assert [s["store_id"] for s in rv.json["stores"]] == [str(early.id)]
    assert rv.json["stores"][0]["reason"] == "window-unreachable"


def test_clashing_appointments_are_422_naming_the_stores(client, auth, team):
    rep, stores = team["rep"], team["stores"]
    at = iso(shanghai(10))
    body = plan_body(
        rep,
        stores[:3],
        appointments=[
            {"store_id": str(stores[0].id), "at": at},
            {"store_id": str(stores[1].id), "at": at},
        ],
    )
    rv = post_plan(client, auth, rep, body)
    assert rv.status_code == 422
    named = {s["store_id"] for s in rv.json["stores"]}
    assert named and named <= {str(stores[0].id), str(stores[1].id)}
    assert rv.json["stores"][0]["reason"] == "appointment-clash"


def test_an_appointment_is_kept_exactly(client, auth, team):
    rep, stores = team["rep"], team["stores"]
    body = plan_body(
        rep, stores, appointments=[{"store_id": str(stores[3].id), "at": iso(shanghai(14, 15))}]
    )
    rv = post_plan(client, auth, rep, body)
    assert rv.status_code == 201, rv.json
    stop = next(s for s in rv.json["stops"] if s["store"]["id"] == str(stores[3].id))
    assert parse(stop["service_start"]) == shanghai(14, 15)
    assert stop["mandatory"] and "appointment" in stop["reasons"]


@pytest.mark.parametrize(
    ("over", "path"),
    [
        ({"day_start": "18:00", "latest_return": "09:00"}, "json.latest_return"),
        (
            {"appointments": [{"store_id": "STORE", "at": "2026-11-18T22:00:00+08:00"}]},
            "json.appointments",
        ),
        ({"start": {"kind": "point"}}, "json.start.lat"),
        ({"end": {"kind": "first_store"}}, "json.end"),
        ({"timezone": "Mars/Olympus"}, "json.timezone"),
    ],
)
def test_impossible_days_are_422(client, auth, team, over, path):
    rep, stores = team["rep"], team["stores"]
    over = {
        k: v if k != "appointments" else [{**v[0], "store_id": str(stores[0].id)}]
        for k, v in over.items()
    }
    rv = post_plan(client, auth, rep, plan_body(rep, stores, **over))
    assert rv.status_code == 422, rv.json
    assert path in {e["path"] for e in rv.json["errors"]}


def test_first_and_last_store_endpoints(client, auth, team):
    rep, stores = team["rep"], team["stores"]
    body = plan_body(rep, stores, start={"kind": "first_store"}, end={"kind": "last_store"})
    plan = post_plan(client, auth, rep, body).json
    first, last = plan["stops"][0], plan["stops"][-1]
    assert first["travel_from_previous_s"] == 0
    assert plan["totals"]["arrival"] == last["departure"]


def test_dwell_is_the_median_of_recent_visits_once_there_are_enough(client, auth, team, make):
    rep, stores = team["rep"], team["stores"]
    for days, minutes in enumerate([30, 40, 40, 50, 60], start=3):
        make.visit(rep, stores[0], at=shanghai(10, day=DAY - timedelta(days=days)), minutes=minutes)
    for days in range(1, 5):  # only four: not enough
        make.visit(rep, stores[1], at=shanghai(10, day=DAY - timedelta(days=days * 7)), minutes=5)
    plan = post_plan(client, auth, rep, plan_body(rep, stores[:2])).json
    by_store = {s["store"]["id"]: s for s in plan["stops"]}
    assert by_store[str(stores[0].id)]["dwell_minutes"] == 40
    assert by_store[str(stores[0].id)]["dwell_source"] == "median of 5 recent visits"
    assert by_store[str(stores[1].id)]["dwell_minutes"] == 20
    assert by_store[str(stores[1].id)]["dwell_source"] == "store setting"


def test_automatic_choice_takes_due_stores_and_open_problems(client, auth, make, team):
    rep = rep_with_home(make)
    due_a = ring_store(make, rep, 1, grade=Grade.A)  # weekly, last seen 10 days ago
    fresh_c = ring_store(make, rep, 2, grade=Grade.C)  # monthly, seen 3 days ago
    troubled = ring_store(make, rep, 3, grade=Grade.C)  # seen yesterday, open problem
    make.visit(rep, due_a, at=shanghai(10, day=DAY - timedelta(days=10)))
    make.visit(rep, fresh_c, at=shanghai(10, day=DAY - timedelta(days=3)))
    make.problem(make.visit(rep, troubled, at=shanghai(10, day=DAY - timedelta(days=1))))
    rv = post_plan(client, auth, team["admin"], plan_body(rep))
    assert rv.status_code == 201, rv.json
    stops = {s["store"]["id"]: s for s in rv.json["stops"]}
    assert set(stops) == {str(due_a.id), str(troubled.id)}
    assert rv.json["selection"] == "automatic"
    assert "overdue 3 days" in stops[str(due_a.id)]["reasons"]
    assert "1 open problem(s)" in stops[str(troubled.id)]["reasons"]
    assert stops[str(due_a.id)]["priority"] > GRADE_A_ALONE


GRADE_A_ALONE = 3


def test_replan_plans_the_rest_of_the_day_and_records_skips(client, auth, team, session):
    rep, stores = team["rep"], team["stores"]
    first = post_plan(client, auth, rep, plan_body(rep, stores)).json
    order = [s["store"]["id"] for s in first["stops"]]
    body = {
        "position": {"lat": 31.24, "lon": 121.48},
        "at": iso(shanghai(11)),
        "done_store_ids": [order[0]],
        "skipped": [{"store_id": order[1], "reason": "closed", "note": "shutters down"}],
    }
    rv = client.post(f"{URL}/{first['id']}/replan", json=body, headers=auth.headers(rep))
    assert rv.status_code == 201, rv.json
    second = rv.json
    assert second["version"] == 2 and second["parent_id"] == first["id"]
    assert second["selection"] == "replan"
    assert {s["store"]["id"] for s in second["stops"]} == set(order[2:])
    assert parse(second["stops"][0]["arrival"]) > shanghai(11)
    assert second["replan"]["done_store_ids"] == [order[0]]
    skip = session.query(SkippedVisit).filter_by(rep_id=rep.id, day=DAY).one()
    assert str(skip.store_id) == order[1] and skip.note == "shutters down"
    old = client.get(f"{URL}/{first['id']}", headers=auth.headers(rep)).json
    assert old["status"] == "superseded"
    again = client.post(f"{URL}/{first['id']}/replan", json=body, headers=auth.headers(rep))
    assert again.status_code == 409


def test_replan_from_too_far_to_get_home_in_time_is_a_422_naming_no_store(client, auth, team):
    """From 150 km away at 17:00 not even an empty rest of the day gets the rep home by
    18:00: the request is at fault, not a store."""
    rep, stores = team["rep"], team["stores"]
    first = post_plan(client, auth, rep, plan_body(rep, stores[:2])).json
    body = {"position": {"lat": 32.2, "lon": 122.4}, "at": iso(shanghai(17))}
    rv = client.post(f"{URL}/{first['id']}/replan", json=body, headers=auth.headers(rep))
    assert rv.status_code == 422, rv.json
    assert rv.mimetype == "application/problem+json"
    assert rv.json["type"] == "/problems/route-infeasible"
    assert rv.json["stores"] == []
    assert "latest return" in rv.json["detail"]


def test_replan_takes_checked_in_stores_as_done(client, auth, team, make):
    rep, stores = team["rep"], team["stores"]
    first = post_plan(client, auth, rep, plan_body(rep, stores[:3])).json
    make.visit(rep, stores[0], at=shanghai(9))
    body = {"position": {"lat": 31.24, "lon": 121.48}, "at": iso(shanghai(10))}
    second = client.post(f"{URL}/{first['id']}/replan", json=body, headers=auth.headers(rep)).json
    assert str(stores[0].id) not in {s["store"]["id"] for s in second["stops"]}
    assert second["replan"]["done_store_ids"] == [str(stores[0].id)]


def test_post_with_idempotency_key_is_replayed(client, auth, team):
    rep, stores = team["rep"], team["stores"]
    body = plan_body(rep, stores[:3])
    first = post_plan(client, auth, rep, body, **{"Idempotency-Key": "plan-wed-1"})
    again = post_plan(client, auth, rep, body, **{"Idempotency-Key": "plan-wed-1"})
    assert again.status_code == 201
    assert again.json["id"] == first.json["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize(
    ("caller", "whose", "status"),
    [
        ("rep", "rep", 201),
        ("rep", "other_rep", 422),
        ("supervisor", "rep", 201),
        ("supervisor", "other_rep", 422),
        ("admin", "other_rep", 201),
        ("dealer_user", "rep", 403),
    ],
)
def test_who_may_plan_whose_day(client, auth, team, make, caller, whose, status):
    rep = team[whose]
    stores = team["stores"][:2] if whose == "rep" else [ring_store(make, rep, 1)]
    rv = post_plan(client, auth, team[caller], plan_body(rep, stores))
    assert rv.status_code == status, rv.json


def test_plans_are_visible_to_their_rep_and_supervisor_only(client, auth, team):
    rep = team["rep"]
    plan = post_plan(client, auth, rep, plan_body(rep, team["stores"][:2])).json
    for who, status in [("rep", 200), ("supervisor", 200), ("admin", 200)]:
        assert (
            client.get(f"{URL}/{plan['id']}", headers=auth.headers(team[who])).status_code == status
        )
    for who in ("other_rep", "dealer_user"):
        assert client.get(f"{URL}/{plan['id']}", headers=auth.headers(team[who])).status_code == 404
        listed = client.get(URL, headers=auth.headers(team[who]))
        assert listed.status_code == 200
        assert listed.json == []


def test_automatic_choice_counts_promotions_in_force(client, auth, make, team):
    rep = rep_with_home(make)
    promoted = ring_store(make, rep, 1, grade=Grade.C, region="east")
    quiet = ring_store(make, rep, 2, grade=Grade.C, region="west")
    for store in (promoted, quiet):  # both seen yesterday: neither is due
        make.visit(rep, store, at=shanghai(10, day=DAY - timedelta(days=1)))
    make.promotion(stores=[promoted], starts_on=DAY, ends_on=DAY + timedelta(days=7))
    make.promotion(
        stores=[quiet], starts_on=DAY + timedelta(days=1), ends_on=DAY + timedelta(days=7)
    )
    rv = post_plan(client, auth, team["admin"], plan_body(rep))
    assert rv.status_code == 201, rv.json
    assert [s["store"]["id"] for s in rv.json["stops"]] == [str(promoted.id)]
    assert "1 promotion(s) in force" in rv.json["stops"][0]["reasons"]
    assert rv.json["stops"][0]["priority"] == 1 + 1  # grade C + the promotion


def test_a_day_with_nothing_due_is_an_empty_plan(client, auth, make, team):
    rep = rep_with_home(make)
    store = ring_store(make, rep, 1, grade=Grade.C)
    make.visit(rep, store, at=shanghai(10, day=DAY - timedelta(days=2)))
    rv = post_plan(client, auth, team["admin"], plan_body(rep))
    assert rv.status_code == 201, rv.json
    assert rv.json["stops"] == [] and rv.json["dropped"] == []
    assert rv.json["totals"]["travel_s"] == 0


def test_a_rep_without_a_home_must_say_where_the_day_starts(client, auth, make, team):
    rep = make.rep()
    store = ring_store(make, rep, 1)
    rv = post_plan(client, auth, team["admin"], plan_body(rep, [store]))
    assert rv.status_code == 422
    assert rv.json["errors"][0]["path"] == "json.start.kind"
    point = {"kind": "store", "store_id": str(store.id)}
    rv = post_plan(client, auth, team["admin"], plan_body(rep, [store], start=point, end=point))
    assert rv.status_code == 201, rv.json
    assert rv.json["stops"][0]["travel_from_previous_s"] == 0


def test_a_day_cannot_start_at_a_store_outside_your_scope(client, auth, make, team):
    rep = team["rep"]
    elsewhere = ring_store(make, team["other_rep"], 3)
    start = {"kind": "store", "store_id": str(elsewhere.id)}
    rv = post_plan(client, auth, rep, plan_body(rep, team["stores"][:2], start=start))
    assert rv.status_code == 422
    assert rv.json["errors"][0]["path"] == "json.start.store_id"


def test_a_failed_travel_time_service_falls_back_and_says_so(client, auth, app, team, monkeypatch):
    monkeypatch.setitem(app.config, "ROUTE_OSRM_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setitem(app.config, "ROUTE_OSRM_TIMEOUT_S", 0.5)
    rep = team["rep"]
    rv = post_plan(client, auth, rep, plan_body(rep, team["stores"][:3]))
    assert rv.status_code == 201, rv.json
    travel = rv.json["travel"]
    assert travel["source"] == "great-circle" and travel["fell_back"] is True
    assert travel["fallback_reason"].startswith("osrm: request failed")
    assert len(rv.json["stops"]) == 3


def test_travel_speed_is_set_per_region(client, auth, app, team, monkeypatch):
    rep, stores = team["rep"], team["stores"][:3]
    normal = post_plan(client, auth, rep, plan_body(rep, stores)).json
    slow = {"north": {"speed_kmh": 12.5}}  # the factory's stores are in region "north"
    monkeypatch.setitem(app.config, "ROUTE_TRAVEL_BY_REGION", slow)
    halved = post_plan(client, auth, rep, plan_body(rep, stores)).json
    assert halved["totals"]["distance_m"] == normal["totals"]["distance_m"]
    assert abs(halved["totals"]["travel_s"] - 2 * normal["totals"]["travel_s"]) <= 6


def test_automatic_choice_adds_mandatory_and_booked_stores(client, auth, make, team):
    rep = rep_with_home(make)
    seen = [ring_store(make, rep, i, grade=Grade.C) for i in range(3)]
    for store in seen:  # all seen yesterday: none is due
        make.visit(rep, store, at=shanghai(10, day=DAY - timedelta(days=1)))
    body = plan_body(
        rep,
        mandatory_store_ids=[str(seen[0].id)],
        appointments=[{"store_id": str(seen[1].id), "at": iso(shanghai(15))}],
    )
    rv = post_plan(client, auth, team["admin"], body)
    assert rv.status_code == 201, rv.json
    stops = {s["store"]["id"]: s for s in rv.json["stops"]}
    assert set(stops) == {str(seen[0].id), str(seen[1].id)}
    assert all(s["mandatory"] for s in stops.values())


def test_a_mandatory_store_closed_that_day_is_422(client, auth, team, make):
    rep = team["rep"]
    sundays = ring_store(
        make, rep, 9, opening_hours=[{"weekday": 6, "start": "09:00", "end": "17:00"}]
    )
    body = plan_body(rep, [sundays, team["stores"][0]], mandatory_store_ids=[str(sundays.id)])
    rv = post_plan(client, auth, rep, body)
    assert rv.status_code == 422
    assert [(s["store_id"], s["reason"]) for s in rv.json["stores"]] == [
        (str(sundays.id), "closed-that-day")
    ]
