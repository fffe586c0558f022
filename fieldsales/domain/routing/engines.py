"""Adapters to the two routing engines: VROOM (pyvroom) and OR-Tools routing.

Both take the compiled problem restricted to a set of stop nodes and return a visiting order
(internal node numbers). Neither is trusted: every order is re-timed with `schedule`. All
times are shifted so the day starts at 0 (VROOM wants unsigned ones).

plan_route uses VROOM. OR-Tools is measured side by side in bench/routes.py (and, seeded with
the best plan, gives the generated days their "best known" reference). On the Dumas set plain
OR-Tools at 1 s was slower and worse than VROOM. As a polish after VROOM and the exact search,
using the rest of a 150 ms budget on 24 generated days, it reached the best known plan on 23
instead of 22 and cut the mean travel gap from 0.21% to 0.03%, but moved the median planning
time from 58 ms to 156 ms; not worth it for a sales force planning at 8:00, so it is not in
the planner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

import vroom
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from fieldsales.domain.routing.compiled import Compiled

VROOM_MAX_PRIORITY = 100  # VROOM's job priorities are integers in [0, 100]


def vroom_order(
    model: Compiled,
    nodes: Sequence[int],
    *,
    priorities: Mapping[int, int],
    exploration: int,
    threads: int,
    timeout_ms: int | None = None,
) -> list[int]:
    """VROOM's route over `nodes` (some may be left out). VROOM maximises the summed
    `priorities` (0..100 each) first, then the number of jobs, then travel time."""
    offset = model.day_start
    problem = vroom.Input()
    problem.set_durations_matrix("car", [list(row) for row in model.travel])
    breaks = []
    brk = model.brk
    if brk is not None and brk.latest_start < model.latest_return:
        # VROOM insists on every break inside the working day; a day that ends before the
        # break's latest start never needs it (see schedule.finish).
        window = vroom.TimeWindow(brk.earliest_start - offset, brk.latest_start - offset)
        breaks.append(vroom.Break(1, time_windows=[window], service=brk.duration))
    problem.add_vehicle(
        vroom.Vehicle(
            1,
            start=0,
            end=model.end,
            time_window=vroom.TimeWindow(0, model.latest_return - offset),
            breaks=breaks,
        )
    )
    problem.add_job(
        [
            vroom.Job(
                node,
                location=node,
                default_service=model.dwell[node],
                priority=priorities[node],
                time_windows=[
                    vroom.TimeWindow(o - offset, c - offset) for o, c in merged_windows(model, node)
                ],
            )
            for node in nodes
        ]
    )
    timeout = None if timeout_ms is None else timedelta(milliseconds=max(1, timeout_ms))
    solution = problem.solve(exploration_level=exploration, nb_threads=threads, timeout=timeout)
    routes = solution.to_dict()["routes"]
    if not routes:
        return []
    return [int(step["id"]) for step in routes[0]["steps"] if step["type"] == "job"]


def ortools_order(
    model: Compiled,
    nodes: Sequence[int],
    *,
    penalties: Mapping[int, int],
    time_limit_ms: int,
    seed: Sequence[int] | None = None,
) -> list[int] | None:
    """OR-Tools route over `nodes` with guided local search, or None if it found none.

    Stops listed in `penalties` are optional (dropping one costs its penalty, in travel-time
    units); the others must be served. With a `seed` order the search starts from it instead of
    OR-Tools' own first solution (PATH_CHEAPEST_ARC), which often fails on tight windows."""
    local = [0, *nodes, model.end]
    size = len(local)
    offset = model.day_start
    manager = pywrapcp.RoutingIndexManager(size, 1, [0], [size - 1])
    routing = pywrapcp.RoutingModel(manager)
    travel = [[model.travel[a][b] for b in local] for a in local]
    busy = [[travel[i][j] + model.dwell[a] for j in range(size)] for i, a in enumerate(local)]
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(travel))
    horizon = model.latest_return - offset
    routing.AddDimension(routing.RegisterTransitMatrix(busy), horizon, horizon, False, "time")
    clock = routing.GetDimensionOrDie("time")
    for position, node in enumerate(local[1:-1], start=1):
        index = manager.NodeToIndex(position)
        _restrict_to_windows(clock.CumulVar(index), model, node, offset)
        if node in penalties:
            routing.AddDisjunction([index], penalties[node])
    clock.CumulVar(routing.End(0)).SetMax(horizon)
    if model.brk is not None:
        brk = model.brk
        interval = routing.solver().FixedDurationIntervalVar(
            brk.earliest_start - offset, brk.latest_start - offset, brk.duration, False, "break"
        )
        visit = [model.dwell[local[manager.IndexToNode(i)]] for i in range(routing.Size())]
        clock.SetBreakIntervalsOfVehicle([interval], 0, visit)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, time_limit_ms))
    routing.CloseModelWithParameters(params)
    initial = None
    if seed:
        position_of = {node: position for position, node in enumerate(local)}
        initial = routing.ReadAssignmentFromRoutes([[position_of[n] for n in seed]], True)
    if initial is not None:
        solution = routing.SolveFromAssignmentWithParameters(initial, params)
    else:
        solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    order = []
    index = solution.Value(routing.NextVar(routing.Start(0)))
    while not routing.IsEnd(index):
        order.append(local[manager.IndexToNode(index)])
        index = solution.Value(routing.NextVar(index))
    return order


def drop_penalties(model: Compiled, droppable: Sequence[int]) -> dict[int, int]:
    """OR-Tools drop penalties that make its objective lexicographic, priority then travel:
    one priority point outweighs the travel of any route."""
    worth = sum(max(row) for row in model.travel) + 1
    return {n: model.priority[n] * worth for n in droppable}


def merged_windows(model: Compiled, node: int) -> list[tuple[int, int]]:
    """The node's windows with overlapping or touching ones joined (VROOM rejects overlaps)."""
    merged: list[tuple[int, int]] = []
    for start, end in zip(model.opens[node], model.closes[node], strict=True):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _restrict_to_windows(cumul: pywrapcp.IntVar, model: Compiled, node: int, offset: int) -> None:
    windows = merged_windows(model, node)
    cumul.SetRange(windows[0][0] - offset, windows[-1][1] - offset)
    for (_, close), (next_open, _) in zip(windows, windows[1:], strict=False):
        cumul.RemoveInterval(close + 1 - offset, next_open - 1 - offset)
