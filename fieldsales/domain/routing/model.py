"""Value types of the day-route planning problem and of its answer.

All times are integer seconds relative to one reference instant chosen by the caller (the
service uses local midnight of the planned day), so the solver never sees a time zone.
Travel times and distances come as a square matrix over "nodes"; each stop, the start and the
end name their node, so several stops may share a location.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Service may START at any second in [start, end] (both inclusive)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"time window ends before it starts: [{self.start}, {self.end}]")


@dataclass(frozen=True, slots=True)
class Stop:
    """One store to visit.

    `windows` empty means "any time in the working day". An `appointment` is an exact service
    start and overrides `windows`. `priority` weighs the stop when not everything fits: the plan
    maximises the summed priority of the stops it serves. Mandatory stops are always served or
    the planner raises `RouteInfeasible`.
    """

    id: str
    node: int
    dwell: int
    windows: tuple[TimeWindow, ...] = ()
    appointment: int | None = None
    mandatory: bool = False
    priority: int = 1

    def __post_init__(self) -> None:
        if self.dwell < 0:
            raise ValueError(f"stop {self.id}: negative dwell time")
        if self.priority < 1:
            raise ValueError(f"stop {self.id}: priority must be at least 1")


@dataclass(frozen=True, slots=True)
class BreakRule:
    """A break of `duration` seconds that must start within [earliest_start, latest_start].

    It may be taken at a stop (before or after service, also while waiting for a window) or at
    the start. It is not scheduled when the route is already over by `latest_start`.
    """

    duration: int
    earliest_start: int
    latest_start: int

    def __post_init__(self) -> None:
        if self.duration < 0 or self.latest_start < self.earliest_start:
            raise ValueError("break needs a non-negative duration and earliest <= latest start")


@dataclass(frozen=True, slots=True)
class RoutePlanningProblem:
    """One rep, one day.

    `travel_times[i][j]` is the driving time in seconds from node i to node j, used as given
    (no triangle inequality assumed). `distances` (metres, same shape) is optional and only
    reported. `end_node=None` is an open route: the day ends when the last stop is done.
    """

    stops: tuple[Stop, ...]
    travel_times: Sequence[Sequence[int]]
    start_node: int
    end_node: int | None
    day_start: int
    latest_return: int
    break_rule: BreakRule | None = None
    distances: Sequence[Sequence[int]] | None = None

    def __post_init__(self) -> None:
        size = len(self.travel_times)
        if any(len(row) != size for row in self.travel_times):
            raise ValueError("travel_times must be a square matrix")
        if self.distances is not None and (
            len(self.distances) != size or any(len(row) != size for row in self.distances)
        ):
            raise ValueError("distances must have the shape of travel_times")
        nodes = [self.start_node, *(s.node for s in self.stops)]
        if self.end_node is not None:
            nodes.append(self.end_node)
        if any(not 0 <= node < size for node in nodes):
            raise ValueError("a stop, start or end node is outside the travel matrix")
        if len({s.id for s in self.stops}) != len(self.stops):
            raise ValueError("stop ids must be unique")
        if self.latest_return < self.day_start:
            raise ValueError("latest_return is before day_start")


class DropReason(enum.StrEnum):
    """Why a stop is not in the plan; the values are stable machine-readable codes."""

    WINDOW_UNREACHABLE = "window-unreachable"
    DAY_TOO_SHORT = "day-too-short"
    APPOINTMENT_CLASH = "appointment-clash"


class BreakLocation(enum.StrEnum):
    AT_START = "at-start"  # before leaving the start point
    AFTER_STOP = "after-stop"  # at `stop_id`, once its service is done
    BEFORE_STOP = "before-stop"  # at `stop_id`, on arrival, before its service


@dataclass(frozen=True, slots=True)
class PlannedStop:
    """One visit of the plan. `wait` is idle time before service, excluding the break.

    `window_index` indexes `Stop.windows`; it is None for a stop without windows or with an
    appointment.
    """

    stop_id: str
    arrival: int
    wait: int
    service_start: int
    departure: int
    travel_from_previous: int
    distance_from_previous: int | None
    window_index: int | None


@dataclass(frozen=True, slots=True)
class PlannedBreak:
    start: int
    end: int
    location: BreakLocation
    stop_id: str | None


@dataclass(frozen=True, slots=True)
class DroppedStop:
    stop_id: str
    reason: DropReason
    message: str


@dataclass(frozen=True, slots=True)
class RouteTotals:
    travel: int
    wait: int
    service: int
    break_time: int
    distance: int | None
    start_time: int  # departure from the start point
    end_time: int  # arrival at the end point, or the last departure of an open route
    served_priority: int


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """The answer: visits in order, the break, what was left out and why, and how it was found.

    `proven_optimal` is True when the exact search finished over every choice of stops, or
    over every order of the stops when all (servable ones) are served. `solver` names the steps
    taken: "vroom/5+exact-dp:optimal", "...:improved,optimal", "...:best-order" (the order of
    the chosen stops is optimal, the choice is VROOM's), "...:stopped" (gave up in time).
    """

    stops: tuple[PlannedStop, ...]
    planned_break: PlannedBreak | None
    dropped: tuple[DroppedStop, ...]
    totals: RouteTotals
    solver: str
    proven_optimal: bool = False
