"""Timing of a given visiting order: the single authority on feasibility in this package.

Every solver only proposes orders; this module decides whether an order keeps the windows,
the break and the return time, and computes the times shown to the rep.

Waiting is allowed, so leaving as early as possible is never worse: for a fixed order the
earliest departure from each stop, tracked separately for "break still to take" (state A) and
"break taken" (state B), decides feasibility exactly.

A break between stop i and stop j is taken either at j on arrival (before service, possibly
while waiting for j's window) or, when that would start too late, at i right after service.
The first is never later than the second, so it is preferred whenever it is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fieldsales.domain.routing.compiled import Compiled
from fieldsales.domain.routing.model import BreakLocation

# Departure time from the current node in state A (break pending) and B (taken or none needed);
# None marks a state that cannot be reached.
State = tuple[int | None, int | None]


@dataclass(frozen=True, slots=True)
class Visit:
    node: int
    arrival: int
    service_start: int
    departure: int
    travel: int
    window_pos: int


@dataclass(frozen=True, slots=True)
class BreakSlot:
    start: int
    end: int
    location: BreakLocation
    node: int  # the stop where it is taken; 0 = the start point


@dataclass(frozen=True, slots=True)
class Timeline:
    visits: tuple[Visit, ...]  # the stops, then the end node
    brk: BreakSlot | None
    start_departure: int
    travel: int


def initial_state(model: Compiled) -> State:
    if model.brk is None:
        return None, model.day_start
    return model.day_start, None


def step(model: Compiled, state: State, i: int, j: int) -> State:
    """Earliest departures from j (per break state) after leaving i in `state`."""
    a_dep, b_dep = state
    travel = model.travel[i][j]
    dwell = model.dwell[j]
    new_a = new_b = None
    if b_dep is not None:
        service = model.earliest_service(j, b_dep + travel)
        if service is not None:
            new_b = service[0] + dwell
    brk = model.brk
    if a_dep is not None and brk is not None:
        service = model.earliest_service(j, a_dep + travel)
        if service is not None and service[0] + dwell <= brk.latest_start:
            new_a = service[0] + dwell
        ready = _ready_after_break(model, a_dep, travel)
        if ready is not None:
            service = model.earliest_service(j, ready[0])
            if service is not None and (new_b is None or service[0] + dwell < new_b):
                new_b = service[0] + dwell
    return new_a, new_b


def finish(model: Compiled, state: State) -> tuple[int, bool] | None:
    """Arrival at the end node and whether the break was used, given the state computed for the
    end node (its "departure" is the arrival), or None if infeasible.

    Staying in state A means the break was never taken: fine only when the day is over by its
    latest start. Taking a break never makes anything earlier, so state A wins when valid."""
    a_dep, b_dep = state
    if a_dep is not None and model.brk is not None and a_dep <= model.brk.latest_start:
        return a_dep, False
    if b_dep is None:
        return None
    return b_dep, model.brk is not None


def forward_states(model: Compiled, order: Sequence[int]) -> list[State]:
    """States after the start and after each stop of `order` (the end node not included)."""
    states = [initial_state(model)]
    prev = 0
    for node in order:
        states.append(step(model, states[-1], prev, node))
        prev = node
    return states


def end_time(model: Compiled, order: Sequence[int]) -> int | None:
    """Arrival at the end for this order, or None if the order is infeasible."""
    state = initial_state(model)
    prev = 0
    for node in order:
        state = step(model, state, prev, node)
        if state == (None, None):
            return None
        prev = node
    done = finish(model, step(model, state, prev, model.end))
    return None if done is None else done[0]


def travel_of(model: Compiled, order: Sequence[int]) -> int:
    path = [0, *order, model.end]
    return sum(model.travel[a][b] for a, b in zip(path, path[1:], strict=False))


def timeline(model: Compiled, order: Sequence[int]) -> Timeline | None:
    """Full times for `order`, or None when it breaks a window, the break rule or the return."""
    path = [0, *order, model.end]
    states = [initial_state(model)]
    for i, j in zip(path, path[1:], strict=False):
        states.append(step(model, states[-1], i, j))
    done = finish(model, states[-1])
    if done is None:
        return None
    break_leg = _find_break_leg(model, path, states) if done[1] else None
    return _build(model, path, break_leg)


def _find_break_leg(model: Compiled, path: list[int], states: list[State]) -> int:
    """Index k of the leg path[k] -> path[k+1] in which the break is taken."""
    k = len(path) - 1
    target = states[k][1]
    while k > 0:
        b_prev = states[k - 1][1]
        i, j = path[k - 1], path[k]
        if b_prev is not None and step(model, (None, b_prev), i, j)[1] == target:
            target = b_prev
            k -= 1
            continue
        return k - 1
    raise AssertionError("state B reached without a break leg")  # pragma: no cover


def _ready_after_break(
    model: Compiled, a_dep: int, travel: int
) -> tuple[int, BreakLocation] | None:
    brk = model.brk
    assert brk is not None
    at_next = max(a_dep + travel, brk.earliest_start)
    if at_next <= brk.latest_start:
        return at_next + brk.duration, BreakLocation.BEFORE_STOP
    at_prev = max(a_dep, brk.earliest_start)
    if at_prev <= brk.latest_start:
        return at_prev + brk.duration + travel, BreakLocation.AFTER_STOP
    return None


def _build(model: Compiled, path: list[int], break_leg: int | None) -> Timeline:
    visits: list[Visit] = []
    brk_slot = None
    dep = model.day_start
    total = 0
    for k, (i, j) in enumerate(zip(path, path[1:], strict=False)):
        travel = model.travel[i][j]
        total += travel
        if k == break_leg:
            after_break = _ready_after_break(model, dep, travel)
            brk = model.brk
            assert after_break is not None and brk is not None
            ready, where = after_break
            if where is BreakLocation.BEFORE_STOP:
                arrival = dep + travel
                start = max(arrival, brk.earliest_start)
                brk_slot = BreakSlot(start, start + brk.duration, where, j)
            else:
                start = max(dep, brk.earliest_start)
                arrival = start + brk.duration + travel
                location = BreakLocation.AFTER_STOP if i != 0 else BreakLocation.AT_START
                brk_slot = BreakSlot(start, start + brk.duration, location, i)
        else:
            arrival = ready = dep + travel
        service = model.earliest_service(j, ready)
        assert service is not None
        dep = service[0] + model.dwell[j]
        visits.append(Visit(j, arrival, service[0], dep, travel, service[1]))
    start_departure = model.day_start
    first = visits[0]
    if break_leg != 0 and first.service_start > first.arrival and len(visits) > 1:
        # Leave later instead of waiting at the first stop; nothing after it moves.
        start_departure += first.service_start - first.arrival
        visits[0] = Visit(
            first.node,
            first.service_start,
            first.service_start,
            first.departure,
            first.travel,
            first.window_pos,
        )
    return Timeline(tuple(visits), brk_slot, start_departure, total)
