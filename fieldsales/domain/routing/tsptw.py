"""TSPTW benchmark instances (López-Ibáñez format) through the route planner.

Format: n, then an n x n integer travel-time matrix (row = from), then n lines "ready due".
Node 0 is the depot; the tour leaves it at its ready time and must be back by its due time;
service (zero duration) must start inside [ready, due]; arriving early means waiting; the
objective is the sum of the travel times of the closed tour, waiting not counted. The matrix
is used as given (it does not satisfy the triangle inequality everywhere).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fieldsales.domain.errors import RouteInfeasible
from fieldsales.domain.routing.model import RoutePlanningProblem, Stop, TimeWindow
from fieldsales.domain.routing.planner import plan_route


@dataclass(frozen=True, slots=True)
class TsptwInstance:
    travel: tuple[tuple[int, ...], ...]
    windows: tuple[tuple[int, int], ...]

    @property
    def size(self) -> int:
        return len(self.travel)


def parse_tsptw(text: str) -> TsptwInstance:
    """Parse the López-Ibáñez format; numbers may be written as floats ("62.00")."""
    tokens = text.split()
    if not tokens:
        raise ValueError("empty TSPTW file")
    size = int(tokens[0])
    numbers = [_integer(t) for t in tokens[1:]]
    expected = size * size + 2 * size
    if len(numbers) < expected:
        raise ValueError(f"TSPTW file with n={size} needs {expected} numbers, has {len(numbers)}")
    travel = tuple(tuple(numbers[i * size : (i + 1) * size]) for i in range(size))
    base = size * size
    windows = tuple((numbers[base + 2 * i], numbers[base + 2 * i + 1]) for i in range(size))
    return TsptwInstance(travel, windows)


def check_tour(instance: TsptwInstance, tour: list[int]) -> int | None:
    """Travel time of `tour` if it is a feasible TSPTW tour, else None.

    Deliberately independent of the planner's scheduling code: a plain walk along the tour."""
    size = instance.size
    if len(tour) != size + 1 or tour[0] != 0 or tour[-1] != 0:
        return None
    if sorted(tour[1:-1]) != list(range(1, size)):
        return None
    clock, total = instance.windows[0][0], 0
    for a, b in zip(tour, tour[1:], strict=False):
        clock += instance.travel[a][b]
        total += instance.travel[a][b]
        ready, due = instance.windows[b]
        clock = max(clock, ready)
        if clock > due:
            return None
    return total


def to_problem(instance: TsptwInstance) -> RoutePlanningProblem:
    """Every customer a mandatory stop with one window and no dwell; the depot is start and
    end, its window the working day."""
    day_start, day_end = instance.windows[0]
    stops = tuple(
        Stop(
            id=str(node),
            node=node,
            dwell=0,
            windows=(TimeWindow(*instance.windows[node]),),
            mandatory=True,
        )
        for node in range(1, instance.size)
    )
    return RoutePlanningProblem(
        stops=stops,
        travel_times=instance.travel,
        start_node=0,
        end_node=0,
        day_start=day_start,
        latest_return=day_end,
    )


def solve_tsptw(instance: TsptwInstance, time_limit_ms: int) -> dict[str, object]:
    """Solve with `plan_route`; the answer is checked by `check_tour`, not taken on trust.

    Returns {"tour", "travel_time", "feasible", "elapsed_ms"}; when no tour is found "tour" is
    empty and "travel_time" is None."""
    started = time.perf_counter()
    try:
        plan = plan_route(to_problem(instance), time_limit_ms=time_limit_ms)
    except RouteInfeasible:
        tour: list[int] = []
    else:
        tour = [0, *(int(s.stop_id) for s in plan.stops), 0]
    elapsed_ms = (time.perf_counter() - started) * 1000
    travel = check_tour(instance, tour) if tour else None
    return {
        "tour": tour,
        "travel_time": travel if travel is not None else _tour_travel(instance, tour),
        "feasible": travel is not None,
        "elapsed_ms": round(elapsed_ms, 3),
    }


def _tour_travel(instance: TsptwInstance, tour: list[int]) -> int | None:
    if not tour:
        return None
    return sum(instance.travel[a][b] for a, b in zip(tour, tour[1:], strict=False))


def _integer(token: str) -> int:
    value = float(token)
    if not value.is_integer():
        raise ValueError(f"TSPTW files hold integer times, got {token!r}")
    return int(value)
