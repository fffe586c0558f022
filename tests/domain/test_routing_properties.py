"""Properties of plan_route on generated days, checked by code that shares nothing with it."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldsales.domain.errors import RouteInfeasible
from fieldsales.domain.routing import (
    BreakRule,
    GreatCircleTravelTimes,
    RoutePlanningProblem,
    Stop,
    TimeWindow,
    plan_route,
)
from tests.domain.routing_checks import assert_plan_valid, brute_force_best

M = 60
H = 3600


@st.composite
def windows(draw: st.DrawFn) -> tuple[TimeWindow, ...]:
    count = draw(st.integers(0, 2))
    result = []
    for _ in range(count):
        start = draw(st.integers(8 * 60, 17 * 60)) * M
        result.append(TimeWindow(start, start + draw(st.integers(0, 180)) * M))
    return tuple(result)


@st.composite
def small_days(draw: st.DrawFn) -> RoutePlanningProblem:
    """Up to 5 stops on up to 6 nodes, open or closed routes, with or without a lunch break:
    small enough for brute force over every subset and order."""
    size = draw(st.integers(1, 5))
    nodes = size + 1
    matrix = [
        [0 if a == b else draw(st.integers(1, 90)) * M for b in range(nodes)] for a in range(nodes)
    ]
    stops = []
    for k in range(1, size + 1):
        appointment = draw(st.one_of(st.none(), st.integers(9 * 60, 16 * 60).map(lambda m: m * M)))
        stops.append(
            Stop(
                id=f"S{k}",
                node=k,
                dwell=draw(st.integers(0, 120)) * M,
                windows=draw(windows()),
                appointment=appointment if draw(st.integers(0, 4)) == 0 else None,
                mandatory=draw(st.integers(0, 3)) == 0,
                priority=draw(st.integers(1, 5)),
            )
        )
    lunch = draw(st.one_of(st.none(), st.just(BreakRule(30 * M, 12 * H, 13 * H + 30 * M))))
    return RoutePlanningProblem(
        stops=tuple(stops),
        travel_times=matrix,
        start_node=0,
        end_node=draw(st.sampled_from([0, None])),
        day_start=8 * H + 30 * M,
        latest_return=draw(st.integers(11, 19)) * H,
        break_rule=lunch,
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=small_days())
def test_plan_route_is_valid_and_matches_brute_force_on_small_days(problem):
    best = brute_force_best(problem)
    try:
        plan = plan_route(problem, time_limit_ms=500)
    except RouteInfeasible as error:
        assert best is None, f"raised although {best} is possible"
        assert set(error.stop_ids) <= {s.id for s in problem.stops if s.mandatory}
        assert all(p.reason and p.message for p in error.problems)
        return
    assert_plan_valid(problem, plan)
    assert best is not None
    assert (plan.totals.served_priority, plan.totals.travel) == best
    assert plan.proven_optimal


@st.composite
def city_days(draw: st.DrawFn) -> RoutePlanningProblem:
    """15-30 stores in a 20 x 20 km city, a third with owner windows, lunch, some mandatory."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    size = draw(st.integers(15, 30))

    class Point:
        def __init__(self) -> None:
            self.lat = 31.2 + rng.uniform(0, 0.18)
            self.lon = 121.4 + rng.uniform(0, 0.21)

    matrix = GreatCircleTravelTimes().matrix([Point() for _ in range(size + 1)])
    owner = (TimeWindow(9 * H, 9 * H + 30 * M), TimeWindow(13 * H, 13 * H + 30 * M))
    stops = tuple(
        Stop(
            id=f"S{k}",
            node=k,
            dwell=rng.randint(10, 30) * M,
            windows=owner if rng.random() < 0.3 else (),
            mandatory=rng.random() < 0.08,
            priority=rng.randint(1, 6),
        )
        for k in range(1, size + 1)
    )
    return RoutePlanningProblem(
        stops=stops,
        travel_times=matrix.seconds,
        distances=matrix.metres,
        start_node=0,
        end_node=0,
        day_start=8 * H + 30 * M,
        latest_return=18 * H,
        break_rule=BreakRule(30 * M, 12 * H, 13 * H + 30 * M),
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=city_days())
def test_plan_route_keeps_every_rule_on_city_days(problem):
    try:
        plan = plan_route(problem, time_limit_ms=40)
    except RouteInfeasible as error:
        # Only mandatory stops stuck in the owners' windows can make such a day infeasible.
        assert error.problems
        return
    assert_plan_valid(problem, plan)
    assert plan.totals.served_priority == sum(
        s.priority for s in problem.stops if s.id in {p.stop_id for p in plan.stops}
    )
