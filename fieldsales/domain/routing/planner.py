"""plan_route: the rep's day, best order under the owners' windows, and why stops were left out.

Objective, lexicographic: serve every mandatory stop, then maximise the summed priority of the
served stops, then minimise total travel time.

How (the numbers behind each choice are in bench/routes.py and the README's design section):
1. Stops no route can serve (no window reachable, or no way back in time), and optional
   appointments clashing with a mandatory one, are set aside with their reason; a mandatory
   stop among them raises RouteInfeasible at once.
2. VROOM proposes which stops to serve and in what order (it maximises priority, then travel).
   Its order is re-timed by `schedule`, the only feasibility authority here; a mandatory stop
   VROOM traded away is forced back in, and every stop that still fits is inserted, best
   priority first, so nothing is dropped that the day could still hold.
3. The exact label-setting search then tries to beat that plan: over the choice of stops too
   when at most EXACT_SELECTION_MAX_OPTIONAL are optional, else over the order of the chosen
   ones. On tight windows it finishes in milliseconds and proves the plan optimal or finds a
   better one (VROOM alone misses 4 of the 50 Dumas optima); when its layers grow too fast to
   finish in time it gives up early and the plan stands.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fieldsales.domain.errors import RouteInfeasible
from fieldsales.domain.routing.compiled import Compiled, compile_problem, shortest_paths
from fieldsales.domain.routing.engines import VROOM_MAX_PRIORITY, vroom_order
from fieldsales.domain.routing.exact import solve_exact
from fieldsales.domain.routing.model import (
    BreakLocation,
    DroppedStop,
    DropReason,
    PlannedBreak,
    PlannedStop,
    RoutePlan,
    RoutePlanningProblem,
    RouteTotals,
)
from fieldsales.domain.routing.schedule import (
    State,
    Timeline,
    end_time,
    finish,
    forward_states,
    step,
    timeline,
    travel_of,
)

DEFAULT_TIME_LIMIT_MS = 150
# VROOM's exploration level: 5 picks better sets of optional stops (best priority on 24/24
# generated days, against 20/24 for level 3); when every stop must be served, 5 was no better
# than 3 on the Dumas instances and took twice as long.
VROOM_EXPLORATION_CHOOSING = 5
VROOM_EXPLORATION_ALL_REQUIRED = 3
VROOM_THREADS = 2
VROOM_OPTIONAL_PRIORITY_CAP = 33
EXACT_MAX_LABELS = 200_000  # memory guard; the deadline normally stops the search first
EXACT_SELECTION_MAX_OPTIONAL = 10  # up to this many optional stops the exact search picks them


@dataclass(frozen=True, slots=True)
class _Found:
    order: list[int]
    solver: str
    proven: bool


def plan_route(
    problem: RoutePlanningProblem, *, time_limit_ms: int = DEFAULT_TIME_LIMIT_MS
) -> RoutePlan:
    """Plan one rep's day. Raises RouteInfeasible when the mandatory stops cannot all be served.

    `time_limit_ms` is the wall-clock budget of the call: VROOM gets what is left of it as its
    timeout and the exact search stops at it; the insertions and re-timing after VROOM are not
    interrupted (a few ms)."""
    deadline = time.perf_counter() + time_limit_ms / 1000
    model = compile_problem(problem)
    if timeline(model, []) is None:
        raise _day_cannot_work()
    booked = [n for n in model.stop_nodes if problem.stops[n - 1].appointment is not None]
    reach = _Reach(model)
    set_aside = _unservable_alone(model, reach)
    set_aside.update(
        _clashes_with_mandatory(model, reach, [n for n in booked if n not in set_aside])
    )
    blocking = [d for node, d in sorted(set_aside.items()) if model.mandatory[node]]
    if blocking:
        raise _infeasible(blocking)
    candidates = [n for n in model.stop_nodes if n not in set_aside]
    found = _search(model, candidates, deadline)
    plan_timeline = timeline(model, found.order)
    assert plan_timeline is not None  # every order reaching here was re-timed as feasible
    served_booked = [n for n in found.order if n in booked]
    dropped = dict(set_aside)
    for node in candidates:
        if node in found.order:
            continue
        clash = next(
            (
                k
                for k in served_booked
                if node in booked and not _appointments_fit(model, reach, node, k)
            ),
            None,
        )
        dropped[node] = (
            _does_not_fit(model, node, len(found.order))
            if clash is None
            else _clash(model, node, clash)
        )
    return _to_plan(model, plan_timeline, dropped, found)


def _search(model: Compiled, candidates: list[int], deadline: float) -> _Found:
    mandatory = [n for n in candidates if model.mandatory[n]]
    steps: list[str] = []
    order = _initial_route(model, candidates, mandatory, deadline, steps)
    # The exact search picks the stops too when few are optional; otherwise it re-orders the
    # stops already chosen. Either way it only accepts something strictly better.
    choose_stops = len(candidates) - len(mandatory) <= EXACT_SELECTION_MAX_OPTIONAL
    exact = solve_exact(
        model,
        candidates if choose_stops else order,
        required=mandatory if choose_stops else order,
        incumbent=_value(model, order),
        deadline=deadline,
        max_labels=EXACT_MAX_LABELS,
    )
    outcome = []
    if exact.order is not None and end_time(model, exact.order) is not None:
        order = list(exact.order)
        outcome.append("improved")
    proven = exact.complete and (choose_stops or len(order) == len(candidates))
    if proven:
        outcome.append("optimal")
    else:
        outcome.append("best-order" if exact.complete else "stopped")
    steps.append("exact-dp:" + ",".join(outcome))
    return _Found(order, "+".join(steps), proven)


def _initial_route(
    model: Compiled, candidates: list[int], mandatory: list[int], deadline: float, steps: list[str]
) -> list[int]:
    """VROOM's route made feasible under our rules, every mandatory stop in, then filled."""
    steps.append(f"vroom/{_exploration(model, candidates)}")
    order = _feasible_prefix(model, _vroom(model, candidates, deadline))
    if order is not None:
        # VROOM may still trade a mandatory stop for several optional ones.
        order = _force_in(model, order, [n for n in mandatory if n not in order])
    if order is None:
        order = _force_in(model, [], mandatory)
    if order is None:
        # The exact search decides: it finds a route with every mandatory stop or proves there
        # is none (within the time limit). Optional stops stay allowed: with a travel matrix
        # that breaks the triangle inequality, passing one can be what makes a window reachable.
        exact = solve_exact(
            model,
            candidates,
            required=mandatory,
            incumbent=None,
            deadline=deadline,
            max_labels=EXACT_MAX_LABELS,
        )
        if exact.order is None:
            raise _mandatory_do_not_fit(model, mandatory, proven=exact.complete)
        order = list(exact.order)
        steps.append("exact-dp:mandatory")
    return _fill(model, order, [n for n in candidates if n not in order])


def _value(model: Compiled, order: list[int]) -> tuple[int, int]:
    return sum(model.priority[n] for n in order), travel_of(model, order)


def _exploration(model: Compiled, nodes: list[int]) -> int:
    if all(model.mandatory[n] for n in nodes):
        return VROOM_EXPLORATION_ALL_REQUIRED
    return VROOM_EXPLORATION_CHOOSING


def _vroom(model: Compiled, nodes: list[int], deadline: float) -> list[int]:
    if not nodes:
        return []
    top = max((model.priority[n] for n in nodes if not model.mandatory[n]), default=1)
    # VROOM has no mandatory jobs, only priorities 0..100 that it maximises in sum. Mandatory
    # stops get 100 and optional ones at most a third of that, so it takes more than three
    # optional stops to outweigh a mandatory one. (Scaling optional stops up to 99 instead
    # made VROOM drop a mandatory stop on 4 of 5 generated 40-store days.)
    priorities = {
        n: VROOM_MAX_PRIORITY
        if model.mandatory[n]
        else max(1, round(VROOM_OPTIONAL_PRIORITY_CAP * model.priority[n] / top))
        for n in nodes
    }
    return vroom_order(
        model,
        nodes,
        priorities=priorities,
        exploration=_exploration(model, nodes),
        threads=VROOM_THREADS,
        timeout_ms=max(1, round((deadline - time.perf_counter()) * 1000)),
    )


def _force_in(model: Compiled, order: list[int], missing: list[int]) -> list[int] | None:
    """Insert each missing mandatory stop, giving up the fewest optional priority points;
    None if some mandatory stop fits nowhere even with every optional stop removed."""
    for node in missing:
        best: tuple[int, int, list[int]] | None = None
        for position in range(len(order) + 1):
            trial = [*order[:position], node, *order[position:]]
            lost = 0
            while end_time(model, trial) is None:
                optional = [n for n in trial if not model.mandatory[n]]
                if not optional:
                    break
                victim = min(optional, key=lambda n: (model.priority[n], -n))
                trial.remove(victim)
                lost += model.priority[victim]
            else:
                key = (lost, travel_of(model, trial))
                if best is None or key < best[:2]:
                    best = (*key, trial)
        if best is None:
            return None
        order = best[2]
    return order


def _feasible_prefix(model: Compiled, order: list[int]) -> list[int] | None:
    """`order`, minus optional stops (lowest priority first) until it times out feasibly under
    this package's rules; None if even its mandatory stops alone do not."""
    order = list(order)
    while end_time(model, order) is None:
        optional = [n for n in order if not model.mandatory[n]]
        if not optional:
            return None
        order.remove(min(optional, key=lambda n: (model.priority[n], -n)))
    return order


def _fill(model: Compiled, order: list[int], pool: list[int]) -> list[int]:
    """Insert stops from `pool`, highest priority first, each at its cheapest feasible place."""
    order = list(order)
    for node in sorted(pool, key=lambda n: (-model.priority[n], n)):
        position = _cheapest_insertion(model, order, node)
        if position is not None:
            order.insert(position, node)
    return order


def _cheapest_insertion(model: Compiled, order: list[int], node: int) -> int | None:
    path = [0, *order, model.end]
    travel = model.travel

    def detour(position: int) -> int:
        a, b = path[position], path[position + 1]
        return travel[a][node] + travel[node][b] - travel[a][b]

    states = forward_states(model, order)
    for position in sorted(range(len(order) + 1), key=detour):
        if _insertion_feasible(model, order, states, position, node):
            return position
    return None


def _insertion_feasible(
    model: Compiled, order: list[int], states: list[State], position: int, node: int
) -> bool:
    """Is `order` with `node` at `position` feasible? `states` are those of the (feasible)
    `order`; once the new timing is no later than the old one the rest is known to fit."""
    prev = 0 if position == 0 else order[position - 1]
    state = step(model, states[position], prev, node)
    prev = node
    for index in range(position, len(order)):
        if state == (None, None):
            return False
        state = step(model, state, prev, order[index])
        if _no_later(state, states[index + 1]):
            return True
        prev = order[index]
    return finish(model, step(model, state, prev, model.end)) is not None


def _no_later(new: State, old: State) -> bool:
    return all(o is None or (n is not None and n <= o) for n, o in zip(new, old, strict=True))


class _Reach:
    """Lower bounds on the travel time between two nodes along any route. The matrix need not
    satisfy the triangle inequality, so the direct time is not one; shortest paths are, and
    are computed only when a direct check fails (rarely)."""

    def __init__(self, model: Compiled) -> None:
        self._model = model
        self._paths: list[list[int]] | None = None

    def time(self, a: int, b: int) -> int:
        if self._paths is None:
            self._paths = shortest_paths(self._model.travel)
        return self._paths[a][b]


def _unservable_alone(model: Compiled, reach: _Reach) -> dict[int, DroppedStop]:
    """Stops no route can serve: even reaching them as fast as the matrix allows, no window is
    open, or the rep cannot be back in time."""
    result = {}
    for node in model.stop_nodes:
        if end_time(model, [node]) is not None:
            continue
        stop_id = model.stop_ids[node]
        arrival = model.day_start + reach.time(0, node)
        service = model.earliest_service(node, arrival)
        if not model.closes[node]:
            reason = DropReason.WINDOW_UNREACHABLE
            message = (
                f"{stop_id}: no time window or appointment falls inside the day "
                f"({_clock(model.day_start)}–{_clock(model.latest_return)})"
            )
        elif service is None:
            reason = DropReason.WINDOW_UNREACHABLE
            message = (
                f"{stop_id}: even driving there first, the rep arrives at {_clock(arrival)}, "
                f"after its last window closes at {_clock(model.last_close(node))}"
            )
        elif service[0] + model.dwell[node] + reach.time(node, model.end) > model.latest_return:
            reason = DropReason.DAY_TOO_SHORT
            message = (
                f"{stop_id}: even visited alone, its visit ends at "
                f"{_clock(service[0] + model.dwell[node])}, too late to be back by "
                f"{_clock(model.latest_return)}"
            )
        else:
            continue  # may still fit between other stops; the search decides
        result[node] = DroppedStop(stop_id, reason, message)
    return result


def _clashes_with_mandatory(
    model: Compiled, reach: _Reach, booked: list[int]
) -> dict[int, DroppedStop]:
    """Appointments that cannot be combined with a mandatory stop's appointment. Between two
    optional appointments the search chooses (by priority), so they are not decided here."""
    result = {}
    for node in booked:
        other = next(
            (
                k
                for k in booked
                if k != node and model.mandatory[k] and not _appointments_fit(model, reach, node, k)
            ),
            None,
        )
        if other is not None:
            result[node] = _clash(model, node, other)
    return result


def _clash(model: Compiled, node: int, other: int) -> DroppedStop:
    stop_id, other_id = model.stop_ids[node], model.stop_ids[other]
    return DroppedStop(
        stop_id,
        DropReason.APPOINTMENT_CLASH,
        f"{stop_id}: its appointment at {_clock(model.opens[node][0])} cannot be combined with "
        f"{other_id}'s at {_clock(model.opens[other][0])}: one visit plus the drive to the "
        f"other does not fit between them",
    )


def _appointments_fit(model: Compiled, reach: _Reach, a: int, b: int) -> bool:
    start_a, start_b = model.opens[a][0], model.opens[b][0]
    if start_a + model.dwell[a] + model.travel[a][b] <= start_b:
        return True
    if start_b + model.dwell[b] + model.travel[b][a] <= start_a:
        return True
    a_then_b = start_a + model.dwell[a] + reach.time(a, b) <= start_b
    b_then_a = start_b + model.dwell[b] + reach.time(b, a) <= start_a
    return a_then_b or b_then_a


def _does_not_fit(model: Compiled, node: int, served: int) -> DroppedStop:
    stop_id = model.stop_ids[node]
    return DroppedStop(
        stop_id,
        DropReason.DAY_TOO_SHORT,
        f"{stop_id}: does not fit into the day with the {served} stops planned (chosen by "
        f"priority): no place in the route keeps every window, the break and the return by "
        f"{_clock(model.latest_return)}",
    )


def _mandatory_do_not_fit(
    model: Compiled, mandatory: list[int], *, proven: bool
) -> RouteInfeasible:
    how = "no route exists" if proven else "no route was found within the time limit"
    problems = tuple(
        DroppedStop(
            model.stop_ids[n],
            DropReason.DAY_TOO_SHORT,
            f"{model.stop_ids[n]}: {how} that serves all {len(mandatory)} mandatory stops",
        )
        for n in mandatory
    )
    return _infeasible(list(problems))


def _day_cannot_work() -> RouteInfeasible:
    # Every route contains the empty one's legs, so no store can be the culprit: the request's
    # start, end, hours or break are.
    return RouteInfeasible(
        "Not even a day with no stops works: from the start at the day's start, the end cannot "
        "be reached by the latest return (with the break, if any). Move the end, the start "
        "time or the latest return.",
        problems=(),
    )


def _infeasible(problems: list[DroppedStop]) -> RouteInfeasible:
    names = "; ".join(p.message for p in problems)
    return RouteInfeasible(
        f"Mandatory stops cannot all be served: {names}", problems=tuple(problems)
    )


def _to_plan(
    model: Compiled, plan: Timeline, dropped: dict[int, DroppedStop], found: _Found
) -> RoutePlan:
    brk = plan.brk
    stops = []
    previous = 0
    distance_total: int | None = 0 if model.distance is not None else None
    for visit in plan.visits[:-1]:
        distance = None if model.distance is None else model.distance[previous][visit.node]
        if distance is not None and distance_total is not None:
            distance_total += distance
        on_break = (
            brk.end - brk.start
            if brk is not None
            and brk.node == visit.node
            and brk.location is BreakLocation.BEFORE_STOP
            else 0
        )
        stops.append(
            PlannedStop(
                stop_id=model.stop_ids[visit.node],
                arrival=visit.arrival,
                wait=visit.service_start - visit.arrival - on_break,
                service_start=visit.service_start,
                departure=visit.departure,
                travel_from_previous=visit.travel,
                distance_from_previous=distance,
                window_index=model.window_ids[visit.node][visit.window_pos],
            )
        )
        previous = visit.node
    end = plan.visits[-1]
    if distance_total is not None and model.distance is not None:
        distance_total += model.distance[previous][end.node]
    planned_break = None
    if brk is not None:
        planned_break = PlannedBreak(
            brk.start, brk.end, brk.location, model.stop_ids[brk.node] or None
        )
    totals = RouteTotals(
        travel=plan.travel,
        wait=sum(s.wait for s in stops),
        service=sum(model.dwell[v.node] for v in plan.visits[:-1]),
        break_time=0 if brk is None else brk.end - brk.start,
        distance=distance_total,
        start_time=plan.start_departure,
        end_time=end.arrival,
        served_priority=sum(model.priority[v.node] for v in plan.visits[:-1]),
    )
    ordered_drops = tuple(dropped[n] for n in sorted(dropped))
    return RoutePlan(tuple(stops), planned_break, ordered_drops, totals, found.solver, found.proven)


def _clock(seconds: int) -> str:
    """Seconds after the reference instant (local midnight for the service) as H:MM."""
    sign = "-" if seconds < 0 else ""
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"
