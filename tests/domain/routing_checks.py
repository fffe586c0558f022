"""Independent checks for route plans: written from the rules, sharing no code with the
planner's scheduling, so a bug there cannot hide itself."""

from __future__ import annotations

from itertools import permutations

from fieldsales.domain.routing import (
    BreakLocation,
    DropReason,
    PlannedBreak,
    RoutePlan,
    RoutePlanningProblem,
    Stop,
)

_END = object()


def assert_plan_valid(problem: RoutePlanningProblem, plan: RoutePlan) -> None:
    """Every time in the plan follows from the one before, and every rule holds."""
    stops = {s.id: s for s in problem.stops}
    served = [p.stop_id for p in plan.stops]
    dropped = [d.stop_id for d in plan.dropped]
    assert sorted(served + dropped) == sorted(stops), "each stop is served or dropped, once"
    for drop in plan.dropped:
        assert isinstance(drop.reason, DropReason) and drop.message
        assert not stops[drop.stop_id].mandatory, f"mandatory {drop.stop_id} dropped"
    matrix, brk, rule = problem.travel_times, plan.planned_break, problem.break_rule
    assert plan.totals.start_time >= problem.day_start
    node, departure, previous_id, travel = problem.start_node, plan.totals.start_time, None, 0
    for index, visit in enumerate(plan.stops):
        stop = stops[visit.stop_id]
        leg = matrix[node][stop.node]
        assert visit.travel_from_previous == leg
        travel += leg
        if brk is not None and _break_before_leg(brk, previous_id, index):
            assert brk.start >= departure
            departure = brk.end
        assert visit.arrival == departure + leg
        ready = visit.arrival
        if brk is not None and brk.location is BreakLocation.BEFORE_STOP and brk.stop_id == stop.id:
            assert brk.start >= visit.arrival
            ready = brk.end
        assert visit.service_start >= ready
        assert_in_window(stop, visit.service_start, visit.window_index)
        assert visit.departure == visit.service_start + stop.dwell
        node, departure, previous_id = stop.node, visit.departure, stop.id
    if brk is not None and _break_before_leg(brk, previous_id, len(plan.stops)):
        departure = brk.end
    leg = 0 if problem.end_node is None else matrix[node][problem.end_node]
    travel += leg
    assert plan.totals.end_time == departure + leg
    assert plan.totals.end_time <= problem.latest_return
    assert plan.totals.travel == travel
    if rule is None:
        assert brk is None
    elif brk is None:
        assert plan.totals.end_time <= rule.latest_start, "break skipped on a long day"
    else:
        assert rule.earliest_start <= brk.start <= rule.latest_start
        assert brk.end - brk.start == rule.duration


def _break_before_leg(brk: PlannedBreak, previous_id: str | None, index: int) -> bool:
    """Is the break taken before driving the leg into position `index` (at the start, or at
    the previous stop after its service)?"""
    if brk.location is BreakLocation.AT_START:
        return index == 0
    return brk.location is BreakLocation.AFTER_STOP and brk.stop_id == previous_id


def assert_in_window(stop: Stop, start: int, window_index: int | None) -> None:
    if stop.appointment is not None:
        assert start == stop.appointment
    elif stop.windows:
        assert window_index is not None
        window = stop.windows[window_index]
        assert window.start <= start <= window.end
    else:
        assert window_index is None


def feasible_end(problem: RoutePlanningProblem, order: list[Stop]) -> int | None:
    """Earliest return for `order`, trying every place for the break; None if infeasible."""
    ends = [_simulate(problem, order, None, "")]
    if problem.break_rule is not None:
        ends = [e for e in ends if e is not None and e <= problem.break_rule.latest_start]
        for leg in range(len(order) + 1):
            for where in ("previous", "next"):
                ends.append(_simulate(problem, order, leg, where))
    found = [e for e in ends if e is not None]
    return min(found) if found else None


def _simulate(
    problem: RoutePlanningProblem, order: list[Stop], break_leg: int | None, where: str
) -> int | None:
    matrix, rule = problem.travel_times, problem.break_rule
    clock, node = problem.day_start, problem.start_node
    for index, target in enumerate([*order, _END]):
        is_end = target is _END
        target_node = (
            node
            if is_end and problem.end_node is None
            else problem.end_node
            if is_end
            else target.node  # type: ignore[union-attr]
        )
        assert target_node is not None
        on_break = rule is not None and index == break_leg
        if on_break and where == "previous":
            assert rule is not None
            start = max(clock, rule.earliest_start)
            if start > rule.latest_start:
                return None
            clock = start + rule.duration
        clock += matrix[node][target_node]
        if on_break and where == "next":
            assert rule is not None
            start = max(clock, rule.earliest_start)
            if start > rule.latest_start:
                return None
            clock = start + rule.duration
        if is_end:
            return clock if clock <= problem.latest_return else None
        stop: Stop = target  # type: ignore[assignment]
        service = _first_start(problem, stop, clock)
        if service is None:
            return None
        clock, node = service + stop.dwell, stop.node
    raise AssertionError("unreachable")


def _first_start(problem: RoutePlanningProblem, stop: Stop, ready: int) -> int | None:
    if stop.appointment is not None:
        windows = [(stop.appointment, stop.appointment)]
    elif stop.windows:
        windows = [(w.start, w.end) for w in stop.windows]
    else:
        windows = [(problem.day_start, problem.latest_return)]
    starts = [max(ready, a) for a, b in windows if max(ready, a) <= b]
    return min(starts) if starts else None


def brute_force_best(problem: RoutePlanningProblem) -> tuple[int, int] | None:
    """(served priority, travel) of the best plan over all subsets and orders; None if no
    plan serves every mandatory stop."""
    mandatory = [s for s in problem.stops if s.mandatory]
    optional = [s for s in problem.stops if not s.mandatory]
    best: tuple[int, int] | None = None
    for mask in range(1 << len(optional)):
        chosen = mandatory + [s for k, s in enumerate(optional) if mask >> k & 1]
        priority = sum(s.priority for s in chosen)
        if best is not None and priority < best[0]:
            continue
        for order in permutations(chosen):
            if feasible_end(problem, list(order)) is None:
                continue
            value = (priority, -_travel(problem, list(order)))
            if best is None or value > (best[0], -best[1]):
                best = (value[0], -value[1])
    return best


def _travel(problem: RoutePlanningProblem, order: list[Stop]) -> int:
    matrix = problem.travel_times
    nodes = [problem.start_node, *(s.node for s in order)]
    if problem.end_node is not None:
        nodes.append(problem.end_node)
    return sum(matrix[a][b] for a, b in zip(nodes, nodes[1:], strict=False))
