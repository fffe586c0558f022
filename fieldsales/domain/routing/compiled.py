"""The planning problem in the dense form every solver in this package works on.

Internal node 0 is the start, nodes 1..k are the stops in problem order, node k+1 is the end.
An open route gets an end node that every stop reaches in zero time, so all solvers can treat
routes as closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fieldsales.domain.routing.model import BreakRule, RoutePlanningProblem, Stop


@dataclass(frozen=True, slots=True)
class Compiled:
    travel: tuple[tuple[int, ...], ...]
    distance: tuple[tuple[int, ...], ...] | None
    dwell: tuple[int, ...]
    # Per node: service-start windows sorted by opening time, and the index of each one in
    # Stop.windows (None for the synthetic "whole day" window and for appointments).
    opens: tuple[tuple[int, ...], ...]
    closes: tuple[tuple[int, ...], ...]
    window_ids: tuple[tuple[int | None, ...], ...]
    mandatory: tuple[bool, ...]
    priority: tuple[int, ...]
    day_start: int
    latest_return: int
    brk: BreakRule | None
    open_end: bool
    stop_ids: tuple[str, ...]  # per node; "" for start and end

    @property
    def end(self) -> int:
        return len(self.dwell) - 1

    @property
    def stop_nodes(self) -> range:
        return range(1, self.end)

    def last_close(self, node: int) -> int:
        closes = self.closes[node]
        return closes[-1] if closes else -1

    def earliest_service(self, node: int, ready: int) -> tuple[int, int] | None:
        """First second >= ready at which service may start, and the window position used."""
        opens = self.opens[node]
        for pos, close in enumerate(self.closes[node]):
            if close >= ready:
                start = opens[pos]
                return (ready if ready > start else start), pos
        return None


def compile_problem(problem: RoutePlanningProblem) -> Compiled:
    nodes = [problem.start_node, *(s.node for s in problem.stops)]
    matrix = problem.travel_times
    end_node = problem.end_node
    travel = [[int(matrix[a][b]) for b in nodes] for a in nodes]
    dist_rows = None
    if problem.distances is not None:
        dist = problem.distances
        dist_rows = [[int(dist[a][b]) for b in nodes] for a in nodes]
    # The end column/row: real travel to a closed end, zero to an open one (the day ends at the
    # last departure). Nothing ever leaves the end.
    for row_index, a in enumerate(nodes):
        travel[row_index].append(0 if end_node is None else int(matrix[a][end_node]))
        if dist_rows is not None and problem.distances is not None:
            dist_rows[row_index].append(
                0 if end_node is None else int(problem.distances[a][end_node])
            )
    travel.append([0] * (len(nodes) + 1))
    if dist_rows is not None:
        dist_rows.append([0] * (len(nodes) + 1))

    day = (problem.day_start, problem.latest_return)
    windows = [_service_windows(s, *day) for s in problem.stops]
    return Compiled(
        travel=tuple(tuple(row) for row in travel),
        distance=None if dist_rows is None else tuple(tuple(row) for row in dist_rows),
        dwell=(0, *(s.dwell for s in problem.stops), 0),
        opens=((day[0],), *(tuple(w[0] for w in ws) for ws in windows), (day[0],)),
        closes=((day[1],), *(tuple(w[1] for w in ws) for ws in windows), (day[1],)),
        window_ids=((None,), *(tuple(w[2] for w in ws) for ws in windows), (None,)),
        mandatory=(True, *(s.mandatory for s in problem.stops), True),
        priority=(0, *(s.priority for s in problem.stops), 0),
        day_start=problem.day_start,
        latest_return=problem.latest_return,
        brk=problem.break_rule,
        open_end=end_node is None,
        stop_ids=("", *(s.id for s in problem.stops), ""),
    )


def _service_windows(stop: Stop, day_start: int, day_end: int) -> list[tuple[int, int, int | None]]:
    """Windows clipped to the working day, sorted; an empty list means never servable."""
    if stop.appointment is not None:
        raw: list[tuple[int, int, int | None]] = [(stop.appointment, stop.appointment, None)]
    elif stop.windows:
        raw = [(w.start, w.end, index) for index, w in enumerate(stop.windows)]
    else:
        raw = [(day_start, day_end, None)]
    clipped = [(max(a, day_start), min(b, day_end), i) for a, b, i in raw]
    return sorted((w for w in clipped if w[0] <= w[1]), key=lambda w: (w[0], w[1]))


UNREACHABLE = 1 << 60


def shortest_paths(travel: Sequence[Sequence[int]]) -> list[list[int]]:
    """Lower bounds on the time between two nodes along any route (waiting and dwell left
    out): shortest paths in the travel matrix, which need not satisfy the triangle
    inequality. Routes never return to the start (node 0) or leave the end (the last node)."""
    size = len(travel)
    end = size - 1
    sp = [
        [
            UNREACHABLE if (i == end and j != end) or (j == 0 and i != 0) else travel[i][j]
            for j in range(size)
        ]
        for i in range(size)
    ]
    for i in range(size):
        sp[i][i] = 0
    for k in range(1, end):
        row_k = sp[k]
        for i in range(size):
            via = sp[i][k]
            if via >= UNREACHABLE:
                continue
            row_i = sp[i]
            for j in range(size):
                if via + row_k[j] < row_i[j]:
                    row_i[j] = via + row_k[j]
    return sp
