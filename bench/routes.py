"""Route-planning benchmark: our planner next to the plain engines, in one run.

    python -m bench.routes [--ortools-ms 1000] [--days 8] [--time-limit-ms 150] [--api-days 4]

Sets:
- Dumas n20 + n40 (50 TSPTW instances, proven optima from Traveltime_Bounds.csv), read from
  ../shared/benchmarks/tsptw beside the repository.
- Generated rep days with 15, 25 and 40 stores in a 30 x 30 km city (see `rep_day`). There is
  no published optimum: "optimal" means equal to the best plan any solver found, including a
  longer OR-Tools run seeded with that best plan (served priority first, then travel).

Then the 40-store realistic day through the HTTP API on PostgreSQL (bench/route_api.py).

Solvers: "planner" is `plan_route` (VROOM, insertion, exact label-setting search); "vroom" is
plain VROOM (exploration 3, 2 threads); "ortools" is plain OR-Tools routing (PATH_CHEAPEST_ARC
then guided local search for --ortools-ms). Every answer is checked by an independent checker
(TSPTW: `check_tour`; days: `schedule.end_time`, plus "all mandatory stops served").
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bench import route_api
from fieldsales.domain.errors import RouteInfeasible
from fieldsales.domain.routing import (
    BreakRule,
    GreatCircleTravelTimes,
    RoutePlanningProblem,
    Stop,
    TimeWindow,
    plan_route,
)
from fieldsales.domain.routing.compiled import Compiled, compile_problem
from fieldsales.domain.routing.engines import drop_penalties, ortools_order, vroom_order
from fieldsales.domain.routing.schedule import end_time, travel_of
from fieldsales.domain.routing.tsptw import (
    check_tour,
    parse_tsptw,
    solve_tsptw,
    to_problem,
)

BENCHMARKS = Path(__file__).resolve().parents[1] / ".." / "shared" / "benchmarks" / "tsptw"
HOUR = 3600
MINUTE = 60


@dataclass(frozen=True, slots=True)
class Outcome:
    feasible: bool
    priority: int  # served priority (days) or 0 (TSPTW)
    travel: int | None
    elapsed_ms: float
    order: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class _Point:
    lat: float
    lon: float


# ---------------------------------------------------------------------------- Dumas


def dumas_instances() -> list[tuple[str, str, int]]:
    """(set, file path, proven optimum) for Dumas n20 and n40."""
    bounds = BENCHMARKS / "Traveltime_Bounds.csv"
    with bounds.open(newline="") as handle:
        optimum = {row[1]: int(row[2]) for row in csv.reader(handle) if row and row[0] == "Dumas"}
    files = sorted((BENCHMARKS / "Dumas").glob("n[24]0w*.txt"))
    return [(f"dumas-{f.name[:3]}", str(f), optimum[f.name]) for f in files]


def run_dumas(path: str, time_limit_ms: int, ortools_ms: int) -> dict[str, Outcome]:
    instance = parse_tsptw(Path(path).read_text())
    result = solve_tsptw(instance, time_limit_ms)
    tour, elapsed_ms = result["tour"], result["elapsed_ms"]
    assert isinstance(tour, list) and isinstance(elapsed_ms, float)
    travel = check_tour(instance, tour) if tour else None  # re-checked here, not trusted
    outcomes = {"planner": Outcome(travel is not None, 0, travel, elapsed_ms)}
    model = compile_problem(to_problem(instance))
    nodes = list(model.stop_nodes)

    def as_tour(order: list[int] | None) -> int | None:
        return check_tour(instance, [0, *order, 0]) if order is not None else None

    started = time.perf_counter()
    by_vroom = vroom_order(
        model, nodes, priorities=dict.fromkeys(nodes, 100), exploration=3, threads=2
    )
    outcomes["vroom"] = _tsptw_outcome(as_tour(by_vroom), started)
    started = time.perf_counter()
    by_ortools = ortools_order(
        model, nodes, penalties=_plain_penalties(model), time_limit_ms=ortools_ms
    )
    outcomes["ortools"] = _tsptw_outcome(as_tour(by_ortools), started)
    return outcomes


def _tsptw_outcome(travel: int | None, started: float) -> Outcome:
    return Outcome(travel is not None, 0, travel, (time.perf_counter() - started) * 1000)


# ---------------------------------------------------------------------------- rep days


def rep_day(stores: int, seed: int) -> RoutePlanningProblem:
    """A generated rep day, times in seconds after local midnight.

    City 30 x 30 km (stores mostly in three districts, some spread out), great-circle travel
    x 1.3 at 25 km/h. Day 8:30-18:00, back at the start point. Lunch 30 min starting between
    12:00 and 13:30. Dwell 10-30 min. About 15% of stores only talk in the owner's free
    moments (service starting 9:00-9:30 or 13:00-13:30), 20% have opening hours, one has a
    fixed appointment (mandatory), about 10% more are mandatory. Priority 1-6: grade A/B/C
    plus open problems and pending reorders.
    """
    rng = random.Random(seed)
    centre = _Point(31.23, 121.47)
    km_lat, km_lon = 1 / 111.0, 1 / (111.0 * 0.855)
    districts = [(rng.uniform(-10, 10), rng.uniform(-10, 10)) for _ in range(3)]

    def place() -> _Point:
        if rng.random() < 0.7:
            dx, dy = rng.choice(districts)
            x, y = rng.gauss(dx, 2.5), rng.gauss(dy, 2.5)
        else:
            x, y = rng.uniform(-15, 15), rng.uniform(-15, 15)
        x, y = max(-15.0, min(15.0, x)), max(-15.0, min(15.0, y))
        return _Point(centre.lat + y * km_lat, centre.lon + x * km_lon)

    points = [place() for _ in range(stores + 1)]  # point 0: the rep's start and end
    matrix = GreatCircleTravelTimes(speed_kmh=25, circuity_factor=1.3).matrix(points)
    owner = (
        TimeWindow(9 * HOUR, 9 * HOUR + 30 * MINUTE),
        TimeWindow(13 * HOUR, 13 * HOUR + 30 * MINUTE),
    )
    appointment_store = rng.randrange(1, stores + 1)
    result = []
    for node in range(1, stores + 1):
        dwell = rng.randint(10, 30) * MINUTE
        kind = rng.random()
        windows: tuple[TimeWindow, ...] = ()
        appointment = None
        mandatory = False
        if node == appointment_store:
            appointment = rng.choice([10, 11, 14, 15, 16]) * HOUR + rng.choice([0, 30]) * MINUTE
            mandatory = True
        elif kind < 0.15:
            windows = owner
        elif kind < 0.35:
            opening = rng.choice([9, 10]) * HOUR
            windows = (TimeWindow(opening, opening + 8 * HOUR - dwell),)
        elif kind < 0.45:
            mandatory = True
        priority = (
            rng.choice([1, 2, 2, 3, 3, 3]) + rng.choice([0, 0, 0, 1, 2]) + rng.choice([0, 0, 1])
        )
        result.append(
            Stop(
                id=f"S{node:02d}",
                node=node,
                dwell=dwell,
                windows=windows,
                appointment=appointment,
                mandatory=mandatory,
                priority=priority,
            )
        )
    return RoutePlanningProblem(
        stops=tuple(result),
        travel_times=matrix.seconds,
        distances=matrix.metres,
        start_node=0,
        end_node=0,
        day_start=8 * HOUR + 30 * MINUTE,
        latest_return=18 * HOUR,
        break_rule=BreakRule(30 * MINUTE, 12 * HOUR, 13 * HOUR + 30 * MINUTE),
    )


def run_day(
    problem: RoutePlanningProblem, time_limit_ms: int, ortools_ms: int
) -> dict[str, Outcome]:
    model = compile_problem(problem)
    outcomes: dict[str, Outcome] = {}
    started = time.perf_counter()
    try:
        plan = plan_route(problem, time_limit_ms=time_limit_ms)
    except RouteInfeasible:
        outcomes["planner"] = Outcome(False, 0, None, (time.perf_counter() - started) * 1000)
    else:
        elapsed = (time.perf_counter() - started) * 1000
        index_of = {s.id: i + 1 for i, s in enumerate(problem.stops)}  # compiled node numbers
        planned = tuple(index_of[s.stop_id] for s in plan.stops)
        outcomes["planner"] = _day_outcome(model, planned, started, elapsed)
    nodes = list(model.stop_nodes)
    top = max(model.priority[n] for n in nodes)
    priorities = {
        n: 100 if model.mandatory[n] else max(1, round(99 * model.priority[n] / top)) for n in nodes
    }
    started = time.perf_counter()
    order = vroom_order(model, nodes, priorities=priorities, exploration=3, threads=2)
    outcomes["vroom"] = _day_outcome(model, tuple(order), started)
    started = time.perf_counter()
    ortools = ortools_order(
        model, nodes, penalties=_plain_penalties(model), time_limit_ms=ortools_ms
    )
    outcomes["ortools"] = _day_outcome(
        model, tuple(ortools or ()), started, feasible=ortools is not None
    )
    return outcomes


def _plain_penalties(model: Compiled) -> dict[int, int]:
    """Plain OR-Tools setup: every stop droppable, so PATH_CHEAPEST_ARC always has a first
    solution (with hard visits it often finds none on tight windows); a mandatory stop's
    penalty outweighs all optional priority, an optional one's any travel."""
    nodes = list(model.stop_nodes)
    optional = [n for n in nodes if not model.mandatory[n]]
    penalties = drop_penalties(model, optional)
    heavy = (sum(model.priority[n] for n in optional) + 1) * (sum(max(r) for r in model.travel) + 1)
    penalties.update({n: heavy for n in nodes if model.mandatory[n]})
    return penalties


def reference(model: Compiled, best: tuple[int, ...], ortools_ms: int) -> Outcome:
    """A longer OR-Tools run seeded with the best plan found, to tighten "best known"."""
    nodes = list(model.stop_nodes)
    started = time.perf_counter()
    optional = [n for n in nodes if not model.mandatory[n]]
    order = ortools_order(
        model,
        nodes,
        penalties=drop_penalties(model, optional),
        time_limit_ms=ortools_ms,
        seed=list(best),
    )
    return _day_outcome(model, tuple(order or ()), started, feasible=order is not None)


def _day_outcome(
    model: Compiled,
    order: tuple[int, ...],
    started: float,
    elapsed: float | None = None,
    *,
    feasible: bool = True,
) -> Outcome:
    elapsed = (time.perf_counter() - started) * 1000 if elapsed is None else elapsed
    served = set(order)
    mandatory_ok = all(n in served for n in model.stop_nodes if model.mandatory[n])
    ok = feasible and mandatory_ok and end_time(model, order) is not None
    priority = sum(model.priority[n] for n in order) if ok else 0
    return Outcome(ok, priority, travel_of(model, order) if ok else None, elapsed, order)


# ---------------------------------------------------------------------------- report


@dataclass
class Row:
    feasible: int = 0
    optimal: int = 0
    short: int = 0  # served less priority than the best known
    count: int = 0
    gaps: list[float] | None = None
    times: list[float] | None = None


def _score(
    rows: dict[tuple[str, str], Row],
    set_name: str,
    outcomes: dict[str, Outcome],
    best_priority: int,
    best_travel: int,
) -> None:
    for solver, outcome in outcomes.items():
        row = rows.setdefault((set_name, solver), Row(gaps=[], times=[]))
        assert row.gaps is not None and row.times is not None
        row.count += 1
        row.times.append(outcome.elapsed_ms)
        if not outcome.feasible or outcome.travel is None:
            continue
        row.feasible += 1
        if outcome.priority < best_priority:
            row.short += 1
            continue
        row.gaps.append(100.0 * (outcome.travel - best_travel) / best_travel)
        row.optimal += outcome.travel <= best_travel


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def print_table(rows: dict[tuple[str, str], Row]) -> None:
    header = (
        f"{'set':<12} {'solver':<8} {'feasible':>9} {'optimal':>9} {'prio<best':>9} "
        f"{'mean gap %':>10} {'p50 ms':>8} {'p95 ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for (set_name, solver), row in rows.items():
        assert row.gaps is not None and row.times is not None
        gap = f"{statistics.fmean(row.gaps):.2f}" if row.gaps else "-"
        print(
            f"{set_name:<12} {solver:<8} {row.feasible:>4}/{row.count:<4} "
            f"{row.optimal:>4}/{row.count:<4} {row.short:>9} {gap:>10} "
            f"{_percentile(row.times, 0.5):>8.1f} {_percentile(row.times, 0.95):>8.1f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit-ms", type=int, default=150, help="planner budget")
    parser.add_argument("--ortools-ms", type=int, default=1000, help="plain OR-Tools budget")
    parser.add_argument("--reference-ms", type=int, default=2000, help="best-known run (days)")
    parser.add_argument("--days", type=int, default=8, help="generated days per size")
    parser.add_argument(
        "--api-days", type=int, default=4, help="days per demo rep through the HTTP API (0: skip)"
    )
    args = parser.parse_args(argv)
    rows: dict[tuple[str, str], Row] = {}
    started = time.perf_counter()
    together: dict[tuple[str, str], Row] = {}  # n20 + n40: the set the bar is stated for
    for set_name, path, optimum in dumas_instances():
        outcomes = run_dumas(path, args.time_limit_ms, args.ortools_ms)
        _score(rows, set_name, outcomes, 0, optimum)
        _score(together, "dumas-all", outcomes, 0, optimum)
    rows.update(together)
    for size in (15, 25, 40):
        for seed in range(args.days):
            problem = rep_day(size, seed=1000 * size + seed)
            outcomes = run_day(problem, args.time_limit_ms, args.ortools_ms)
            model = compile_problem(problem)
            best = max(
                (o for o in outcomes.values() if o.feasible),
                key=lambda o: (o.priority, -(o.travel or 0)),
            )
            longer = reference(model, best.order, args.reference_ms)
            contenders = [best, longer] if longer.feasible else [best]
            top = max(contenders, key=lambda o: (o.priority, -(o.travel or 0)))
            assert top.travel is not None
            _score(rows, f"day-{size}", outcomes, top.priority, top.travel)
    print_table(rows)
    print(f"\n(wall time {time.perf_counter() - started:.0f} s)")
    if args.api_days > 0:
        print()
        route_api.print_table(route_api.run(args.api_days))


if __name__ == "__main__":
    main()
