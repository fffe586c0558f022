"""Exact search: label-setting dynamic programming over (stops done, current stop, time).

A label is a partial route: which stops are done (bitmask), where the rep is, when they can
leave, the travel so far and whether the break is behind them. Labels grow one stop per stage;
every label that has done all required stops is also closed into a full route (so optional
stops may be left out). A label is discarded when
- another label at the same stop with the same stops done leaves no later, has travelled no
  more and has no break still to take (dominance);
- a required stop still to visit can no longer be reached before its last window closes, or
  the end cannot be reached by the latest return;
- even serving every remaining optional stop cannot beat the incumbent's priority, or can only
  tie it while the cheapest possible completion already travels at least as much.

Tight time windows leave few labels, which is where the heuristic engines struggle; wide
windows make the count explode, so the search stops at a label budget or deadline and says so.
The break and window rules are those of `schedule.step`; the planner re-times every order
found here with `schedule.timeline`.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from fieldsales.domain.routing.compiled import Compiled, shortest_paths

_INF = 1 << 60
_CHECK_EVERY = 8  # keys expanded between deadline checks (one key can take ~0.3 ms)
_LOOKAHEAD_STAGES = 3  # layers assumed at least as large as the current one
_MIN_SAMPLE = 200  # labels expanded before their speed is trusted for a forecast


@dataclass(frozen=True, slots=True)
class ExactResult:
    order: tuple[int, ...] | None  # the best route found that beats the incumbent, if any
    priority: int
    travel: int
    complete: bool  # True: nothing beats `order` (or the incumbent when order is None)
    labels: int


# A label: (departure, travel, break_taken, parent label or None, node, served priority).
_Label = tuple[int, int, int, "_Label | None", int, int]
_Layer = dict[tuple[int, int], list[_Label]]


def solve_exact(
    model: Compiled,
    nodes: Sequence[int],
    *,
    required: Collection[int] | None = None,
    incumbent: tuple[int, int] | None = None,
    deadline: float,
    max_labels: int,
) -> ExactResult:
    """Best route over `nodes` (all of `required`, which defaults to all of `nodes`): most
    priority, then least travel. Only routes strictly better than `incumbent` = (priority,
    travel) are returned."""
    ctx = _Context(model, nodes, nodes if required is None else required)
    best = _Best(*(incumbent if incumbent is not None else (-1, _INF)))
    start_flag = 1 if model.brk is None else 0
    layer: _Layer = {(0, 0): [(model.day_start, 0, start_flag, None, 0, 0)]}
    labels = 0
    keys = 0
    expanded = 0  # labels whose extensions were generated
    started = time.perf_counter()
    for stage in range(ctx.size + 1):
        ctx.close_routes(layer, best)
        if _hopeless(
            layer,
            stages_left=ctx.size - stage,
            expanded=expanded,
            started=started,
            deadline=deadline,
        ):
            return best.result(ctx, complete=False, labels=labels)
        nxt: _Layer = {}
        for (mask, i), group in layer.items():
            keys += 1
            if keys % _CHECK_EVERY == 0 and time.perf_counter() > deadline:
                return best.result(ctx, complete=False, labels=labels)
            expanded += len(group)
            labels += ctx.expand(mask, i, group, best, nxt)
            if labels > max_labels:
                return best.result(ctx, complete=False, labels=labels)
        layer = nxt
        if not layer:
            break
    return best.result(ctx, complete=True, labels=labels)


def _hopeless(
    layer: _Layer, *, stages_left: int, expanded: int, started: float, deadline: float
) -> bool:
    """Give up early when the next few stages, at the current layer's size and the speed seen
    so far, cannot finish before the deadline: wide windows blow the layers up long before
    the deadline would stop the search, and the time is better returned to the caller."""
    if expanded < _MIN_SAMPLE or stages_left <= 0:
        return False
    now = time.perf_counter()
    per_label = (now - started) / expanded
    size = sum(len(group) for group in layer.values())
    return size * per_label * min(stages_left, _LOOKAHEAD_STAGES) > deadline - now


class _Best:
    def __init__(self, priority: int, travel: int) -> None:
        self.priority = priority
        self.travel = travel
        self.label: _Label | None = None

    def offer(self, priority: int, travel: int, label: _Label) -> None:
        if priority > self.priority or (priority == self.priority and travel < self.travel):
            self.priority, self.travel, self.label = priority, travel, label

    def result(self, ctx: _Context, *, complete: bool, labels: int) -> ExactResult:
        order = None if self.label is None else ctx.order_of(self.label)
        return ExactResult(order, self.priority, self.travel, complete, labels)


class _Context:
    """The model restricted to the chosen stops, renumbered 1..m (0 = start, m+1 = end)."""

    def __init__(self, model: Compiled, nodes: Sequence[int], required: Collection[int]) -> None:
        glob = [0, *nodes, model.end]
        self.model_nodes = glob
        self.size = len(nodes)
        self.end = len(glob) - 1
        self.travel = [[model.travel[a][b] for b in glob] for a in glob]
        self.dwell = [model.dwell[a] for a in glob]
        self.opens = [model.opens[a] for a in glob]
        self.closes = [model.closes[a] for a in glob]
        self.priority = [model.priority[a] for a in glob]
        self.latest_return = model.latest_return
        brk = model.brk
        self.brk = (brk.earliest_start, brk.latest_start, brk.duration) if brk else None
        wanted = set(required)
        self.required_mask = sum(1 << k for k in range(1, self.end) if glob[k] in wanted)
        self.total_priority = sum(self.priority[1 : self.end])
        sp = shortest_paths(self.travel)
        self.min_in = [
            min((self.travel[k][j] for k in range(self.end) if k != j), default=0)
            for j in range(self.end + 1)
        ]
        self.total_min_in = sum(self.min_in[1:])
        # For each node j: sorted "latest departure from j that still reaches required stop k
        # in time" and, per prefix of that list, the bitmask of the stops it covers.
        self.thresholds: list[list[int]] = []
        self.prefix_masks: list[list[int]] = []
        for j in range(self.end + 1):
            pairs = sorted(
                (self.closes[k][-1] - sp[j][k], k)
                for k in range(1, self.end)
                if k != j and self.required_mask >> k & 1
            )
            masks = [0]
            for _, k in pairs:
                masks.append(masks[-1] | (1 << k))
            self.thresholds.append([p[0] for p in pairs])
            self.prefix_masks.append(masks)
        self.latest_leave = [self.latest_return - sp[j][self.end] for j in range(self.end + 1)]
        # Fast path data for nodes with a single window (None where there are several).
        self.single_open = [o[0] if len(o) == 1 else None for o in self.opens]
        self.single_close = [c[0] if len(c) == 1 else None for c in self.closes]
        self._bounds: dict[int, tuple[int, int]] = {}

    def bounds(self, mask: int) -> tuple[int, int]:
        """For the stops not in `mask`: their total priority, and the least travel needed to
        visit all of them (the cheapest arc into each, and into the end)."""
        cached = self._bounds.get(mask)
        if cached is None:
            done = [j for j in range(1, self.end) if mask >> j & 1]
            cached = (
                self.total_priority - sum(self.priority[j] for j in done),
                self.total_min_in - sum(self.min_in[j] for j in done),
            )
            self._bounds[mask] = cached
        return cached

    def close_routes(self, layer: _Layer, best: _Best) -> None:
        required = self.required_mask
        for (mask, i), group in layer.items():
            if mask & required != required:
                continue
            leg = self.travel[i][self.end]
            for label in group:
                if self.arrival_at_end(label, leg) is not None:
                    best.offer(label[5], label[1] + leg, label)

    def expand(self, mask: int, i: int, group: list[_Label], best: _Best, out: _Layer) -> int:
        """Add the non-dominated one-stop extensions of `group` (labels at i) to `out`.

        This is the hot loop: the common case (break behind or none, one window) is inline."""
        row = self.travel[i]
        dwell, latest_leave, priority = self.dwell, self.latest_leave, self.priority
        single_open, single_close = self.single_open, self.single_close
        added = 0
        for j in range(1, self.end):
            bit = 1 << j
            if mask & bit:
                continue
            leg = row[j]
            new_mask = mask | bit
            priority_left, travel_left = self.bounds(new_mask)
            gain = priority[j]
            unreached = ~new_mask
            thresholds, prefix = self.thresholds[j], self.prefix_masks[j]
            key = (new_mask, j)
            close, opening = single_close[j], single_open[j]
            latest = latest_leave[j]
            for label in group:
                served = label[5] + gain
                reachable = served + priority_left
                if reachable < best.priority:
                    continue
                travel = label[1] + leg
                if reachable == best.priority and travel + travel_left >= best.travel:
                    continue
                if label[2] and close is not None and opening is not None:
                    # Fast path: break behind (or none) and a single window.
                    arrival = label[0] + leg
                    if arrival > close:
                        continue
                    departure = (arrival if arrival > opening else opening) + dwell[j]
                    if departure > latest or prefix[bisect_left(thresholds, departure)] & unreached:
                        continue
                    if _insert(out, key, (departure, travel, 1, label, j, served)):
                        added += 1
                    continue
                for departure, flag in self._successors(label, j, leg, dwell[j]):
                    if departure > latest or prefix[bisect_left(thresholds, departure)] & unreached:
                        continue  # a required stop could no longer be reached in time
                    if _insert(out, key, (departure, travel, flag, label, j, served)):
                        added += 1
        return added

    def _successors(self, label: _Label, j: int, leg: int, dwell: int) -> list[tuple[int, int]]:
        """Departures from j after `label`, per break state; the general (slow) path."""
        departure, flag = label[0], label[2]
        result = []
        start = self._service(j, departure + leg)
        brk = self.brk
        if flag or brk is None:
            if start is not None:
                result.append((start + dwell, 1))
            return result
        earliest, latest, duration = brk
        if start is not None and start + dwell <= latest:
            result.append((start + dwell, 0))
        at_next = max(departure + leg, earliest)
        if at_next <= latest:
            ready = at_next + duration
        elif max(departure, earliest) <= latest:
            ready = max(departure, earliest) + duration + leg
        else:
            return result
        start = self._service(j, ready)
        if start is not None:
            result.append((start + dwell, 1))
        return result

    def _service(self, j: int, ready: int) -> int | None:
        opens = self.opens[j]
        for pos, close in enumerate(self.closes[j]):
            if close >= ready:
                return ready if ready > opens[pos] else opens[pos]
        return None

    def arrival_at_end(self, label: _Label, leg: int) -> int | None:
        departure, flag = label[0], label[2]
        arrival = departure + leg
        brk = self.brk
        if not flag and brk is not None and arrival > brk[1]:
            # The day runs past the break's latest start: take it before the last leg.
            if max(departure, brk[0]) > brk[1]:
                return None
            arrival = max(departure, brk[0]) + brk[2] + leg
        return arrival if arrival <= self.latest_return else None

    def order_of(self, label: _Label) -> tuple[int, ...]:
        order = []
        node: _Label | None = label
        while node is not None and node[4] != 0:
            order.append(self.model_nodes[node[4]])
            node = node[3]
        return tuple(reversed(order))


def _insert(out: _Layer, key: tuple[int, int], label: _Label) -> bool:
    """Keep `label` unless dominated; remove the labels it dominates. Labels under one key
    serve the same stops, hence the same priority."""
    group = out.get(key)
    if group is None:
        out[key] = [label]
        return True
    departure, travel, flag = label[0], label[1], label[2]
    for other in group:
        if other[0] <= departure and other[1] <= travel and other[2] >= flag:
            return False
    group[:] = [o for o in group if not (departure <= o[0] and travel <= o[1] and flag >= o[2])]
    group.append(label)
    return True
