"""plan_route on small days whose right answer can be worked out by hand."""

from __future__ import annotations

import pytest

from fieldsales.domain.errors import DomainError, RouteInfeasible
from fieldsales.domain.routing import (
    BreakLocation,
    BreakRule,
    DropReason,
    RoutePlanningProblem,
    Stop,
    TimeWindow,
    plan_route,
)
from tests.domain.routing_checks import assert_plan_valid

M = 60
H = 3600
LUNCH = BreakRule(duration=30 * M, earliest_start=12 * H, latest_start=13 * H + 30 * M)


def uniform(size: int, minutes: int) -> list[list[int]]:
    """Every node `minutes` from every other one."""
    return [[0 if a == b else minutes * M for b in range(size)] for a in range(size)]


def day(
    stops: list[Stop],
    matrix: list[list[int]],
    *,
    start: int = 8 * H + 30 * M,
    end: int = 18 * H,
    lunch: BreakRule | None = None,
    end_node: int | None = 0,
    distances: list[list[int]] | None = None,
) -> RoutePlanningProblem:
    return RoutePlanningProblem(
        stops=tuple(stops),
        travel_times=matrix,
        start_node=0,
        end_node=end_node,
        day_start=start,
        latest_return=end,
        break_rule=lunch,
        distances=distances,
    )


def plan_checked(problem: RoutePlanningProblem):  # type: ignore[no-untyped-def]
    plan = plan_route(problem)
    assert_plan_valid(problem, plan)
    return plan


def test_plan_route_leaves_later_instead_of_waiting_at_the_first_stop():
    owner = (TimeWindow(9 * H, 9 * H + 30 * M),)
    plan = plan_checked(day([Stop("A", 1, 20 * M, owner)], uniform(2, 10)))
    (visit,) = plan.stops
    assert (visit.arrival, visit.wait, visit.service_start) == (9 * H, 0, 9 * H)
    assert plan.totals.start_time == 8 * H + 50 * M
    assert visit.window_index == 0


def test_plan_route_uses_the_afternoon_owner_window_when_the_morning_one_is_missed():
    owner = (TimeWindow(9 * H, 9 * H + 30 * M), TimeWindow(13 * H, 13 * H + 30 * M))
    first = Stop("A", 1, 2 * H, (TimeWindow(9 * H, 9 * H),))  # busy until 11:00
    plan = plan_checked(day([first, Stop("B", 2, 20 * M, owner)], uniform(3, 15)))
    b = plan.stops[1]
    assert b.stop_id == "B" and b.window_index == 1
    assert b.arrival == 11 * H + 15 * M
    assert (b.service_start, b.wait) == (13 * H, 105 * M)


def test_plan_route_takes_the_break_while_waiting_for_a_window():
    owner = (TimeWindow(13 * H, 13 * H + 30 * M),)
    busy = Stop("A", 1, 3 * H + 50 * M, (TimeWindow(8 * H + 40 * M, 8 * H + 40 * M),))
    plan = plan_checked(day([busy, Stop("B", 2, 40 * M, owner)], uniform(3, 10), lunch=LUNCH))
    b = plan.stops[1]
    assert b.arrival == 12 * H + 40 * M
    assert plan.planned_break is not None
    assert plan.planned_break.location is BreakLocation.BEFORE_STOP
    assert plan.planned_break.stop_id == "B"
    assert (plan.planned_break.start, b.service_start, b.wait) == (
        12 * H + 40 * M,
        13 * H + 10 * M,
        0,
    )


def test_plan_route_breaks_after_service_when_the_next_arrival_is_past_the_latest_start():
    a = Stop("A", 1, 60 * M, (TimeWindow(12 * H + 20 * M, 12 * H + 20 * M),))
    b = Stop("B", 2, 10 * M, (TimeWindow(12 * H + 20 * M, 16 * H),))
    matrix = uniform(3, 10)
    matrix[1][2] = matrix[2][1] = 40 * M
    plan = plan_checked(day([a, b], matrix, lunch=LUNCH))
    assert [s.stop_id for s in plan.stops] == ["A", "B"]
    assert plan.planned_break is not None
    assert plan.planned_break.location is BreakLocation.AFTER_STOP
    assert plan.planned_break.stop_id == "A"
    assert plan.planned_break.start == 13 * H + 20 * M
    assert plan.stops[1].arrival == 14 * H + 30 * M


def test_plan_route_schedules_no_break_when_the_day_is_over_before_its_latest_start():
    plan = plan_checked(day([Stop("A", 1, 30 * M)], uniform(2, 10), end=11 * H, lunch=LUNCH))
    assert plan.planned_break is None
    assert plan.totals.break_time == 0


def test_plan_route_open_end_finishes_at_the_last_departure():
    plan = plan_checked(
        day([Stop("A", 1, 30 * M), Stop("B", 2, 15 * M)], uniform(3, 10), end_node=None)
    )
    assert plan.totals.end_time == plan.stops[-1].departure
    assert plan.totals.travel == 20 * M


def test_plan_route_reports_distances_when_known():
    metres = [[0, 1000, 2500], [1000, 0, 1800], [2500, 1800, 0]]
    plan = plan_checked(
        day([Stop("A", 1, 10 * M), Stop("B", 2, 10 * M)], uniform(3, 10), distances=metres)
    )
    assert plan.totals.distance == 1000 + 1800 + 2500
    nodes = [0, *({"A": 1, "B": 2}[s.stop_id] for s in plan.stops)]
    legs = [metres[a][b] for a, b in zip(nodes, nodes[1:], strict=False)]
    assert [s.distance_from_previous for s in plan.stops] == legs


def test_plan_route_serves_more_priority_before_less_travel():
    matrix = uniform(3, 10)
    matrix[0][2] = matrix[2][0] = 50 * M  # B is far away
    far_but_important = Stop("B", 2, 60 * M, priority=5)
    near = Stop("A", 1, 60 * M, priority=1)
    plan = plan_checked(day([near, far_but_important], matrix, end=11 * H + 30 * M))
    assert [s.stop_id for s in plan.stops] == ["B"]
    (drop,) = plan.dropped
    assert (drop.stop_id, drop.reason) == ("A", DropReason.DAY_TOO_SHORT)
    assert "A" in drop.message


def test_plan_route_drops_a_stop_whose_window_closes_before_the_rep_can_arrive():
    early = Stop("EARLY", 1, 10 * M, (TimeWindow(7 * H, 8 * H + 35 * M),))
    plan = plan_checked(day([early, Stop("OK", 2, 10 * M)], uniform(3, 10)))
    (drop,) = plan.dropped
    assert (drop.stop_id, drop.reason) == ("EARLY", DropReason.WINDOW_UNREACHABLE)
    assert "8:40" in drop.message and "8:35" in drop.message


def test_plan_route_raises_naming_a_mandatory_stop_whose_window_is_before_the_day():
    before = Stop("X1", 1, 10 * M, (TimeWindow(6 * H, 7 * H),), mandatory=True)
    with pytest.raises(RouteInfeasible) as caught:
        plan_route(day([before, Stop("OK", 2, 10 * M)], uniform(3, 10)))
    error = caught.value
    assert isinstance(error, DomainError)
    assert error.code == "route-infeasible"
    assert error.stop_ids == ("X1",)
    assert error.problems[0].reason is DropReason.WINDOW_UNREACHABLE
    assert "X1" in error.detail


def test_plan_route_raises_when_two_mandatory_appointments_clash():
    a = Stop("A", 1, 30 * M, appointment=10 * H, mandatory=True)
    b = Stop("B", 2, 30 * M, appointment=10 * H + 15 * M, mandatory=True)
    with pytest.raises(RouteInfeasible) as caught:
        plan_route(day([a, b], uniform(3, 10)))
    assert sorted(caught.value.stop_ids) == ["A", "B"]
    assert {p.reason for p in caught.value.problems} == {DropReason.APPOINTMENT_CLASH}


def test_plan_route_drops_the_optional_appointment_that_clashes():
    kept = Stop("KEEP", 1, 30 * M, appointment=10 * H, priority=3)
    lost = Stop("LOSE", 2, 30 * M, appointment=10 * H + 15 * M, priority=1)
    free = Stop("FREE", 3, 30 * M)
    plan = plan_checked(day([lost, kept, free], uniform(4, 10)))
    assert {s.stop_id for s in plan.stops} == {"KEEP", "FREE"}
    (drop,) = plan.dropped
    assert (drop.stop_id, drop.reason) == ("LOSE", DropReason.APPOINTMENT_CLASH)
    assert "KEEP" in drop.message


def test_plan_route_sets_aside_an_optional_appointment_clashing_with_a_mandatory_one():
    must = Stop("MUST", 1, 30 * M, appointment=10 * H, mandatory=True, priority=1)
    rich = Stop("RICH", 2, 30 * M, appointment=10 * H + 15 * M, priority=50)
    plan = plan_checked(day([must, rich], uniform(3, 10)))
    assert [s.stop_id for s in plan.stops] == ["MUST"]
    assert plan.dropped[0].reason is DropReason.APPOINTMENT_CLASH


def test_plan_route_raises_when_mandatory_stops_fit_alone_but_not_together():
    stops = [Stop(f"M{k}", k, 3 * H, mandatory=True) for k in (1, 2, 3)]
    with pytest.raises(RouteInfeasible) as caught:
        plan_route(day(stops, uniform(4, 10), end=16 * H))
    assert sorted(caught.value.stop_ids) == ["M1", "M2", "M3"]
    assert {p.reason for p in caught.value.problems} == {DropReason.DAY_TOO_SHORT}


def test_plan_route_keeps_mandatory_stops_over_any_number_of_optional_ones():
    mandatory = Stop("MUST", 1, 4 * H, mandatory=True)
    optional = [Stop(f"O{k}", k, 50 * M, priority=9) for k in range(2, 8)]
    plan = plan_checked(day([mandatory, *optional], uniform(8, 5), end=14 * H))
    assert "MUST" in {s.stop_id for s in plan.stops}
    assert all(d.reason is DropReason.DAY_TOO_SHORT for d in plan.dropped)


def test_plan_route_drops_a_stop_that_does_not_fit_even_alone_as_day_too_short():
    plan = plan_checked(day([Stop("LONG", 1, 10 * H), Stop("OK", 2, 10 * M)], uniform(3, 10)))
    (drop,) = plan.dropped
    assert (drop.stop_id, drop.reason) == ("LONG", DropReason.DAY_TOO_SHORT)


def test_plan_route_with_no_stops_is_an_empty_day():
    plan = plan_checked(day([], uniform(1, 0)))
    assert plan.stops == () and plan.dropped == ()
    assert plan.totals.travel == 0


@pytest.mark.parametrize(
    "build",
    [
        lambda: Stop("A", 0, -1),
        lambda: Stop("A", 0, 10, priority=0),
        lambda: TimeWindow(10, 5),
        lambda: BreakRule(30, 100, 50),
        lambda: day([Stop("A", 5, 10)], uniform(2, 10)),
        lambda: day([Stop("A", 1, 10), Stop("A", 1, 10)], uniform(2, 10)),
        lambda: day([], [[0, 1], [1]]),
    ],
)
def test_routing_value_types_reject_malformed_input(build):
    with pytest.raises(ValueError):
        build()
