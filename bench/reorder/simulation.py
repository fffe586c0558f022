"""One seed: build the scenario, run the shared warm-up, fork, run each policy."""

from __future__ import annotations

from dataclasses import dataclass

from bench.reorder.policies import AverageOfLastThree, HandMinMax, Ours, Textbook
from bench.reorder.scenario import REALISTIC, Catalog, Labels, Realism, build_scenario
from bench.reorder.world import Outcome, Policy, World
from fieldsales.domain.reorder import ReorderPolicy

DEFAULT_SERVICE_LEVEL = 0.95
# Service targets at which ours and the textbook are also run, to compare them at equal stock.
OURS_FRONTIER = (0.90, 0.93, 0.95, 0.97)
TEXTBOOK_FRONTIER = (0.90, 0.95, 0.975, 0.99)


@dataclass(frozen=True)
class SeedResult:
    catalog: Catalog
    labels: Labels
    outcomes: dict[str, Outcome]  # the four policies at their defaults
    ours_frontier: dict[float, Outcome]
    textbook_frontier: dict[float, Outcome]


def run_seed(
    seed: int,
    *,
    stores: int,
    products: int,
    weeks: int,
    warmup_weeks: int,
    textbook_alpha: float,
    frontier: bool = True,
    realism: Realism = REALISTIC,
) -> SeedResult:
    scenario = build_scenario(
        seed=seed,
        stores=stores,
        products=products,
        weeks=weeks,
        warmup_weeks=warmup_weeks,
        realism=realism,
    )
    catalog = scenario.catalog
    shared = World.start(scenario)
    shared.run(HandMinMax(), until=catalog.warmup_days)

    def run(policy: Policy) -> Outcome:
        world = shared.fork()
        world.run(policy, until=catalog.days)
        return world.outcome

    ours = {
        level: run(Ours(policy=ReorderPolicy(service_level=level)))
        for level in (OURS_FRONTIER if frontier else (DEFAULT_SERVICE_LEVEL,))
    }
    textbook = {
        level: run(Textbook(alpha=textbook_alpha, service_level=level))
        for level in (TEXTBOOK_FRONTIER if frontier else (DEFAULT_SERVICE_LEVEL,))
    }
    outcomes = {
        "ours": ours[DEFAULT_SERVICE_LEVEL],
        "textbook": textbook[DEFAULT_SERVICE_LEVEL],
        "avg-last-3": run(AverageOfLastThree()),
        "min/max": run(HandMinMax()),
    }
    return SeedResult(catalog, scenario.labels, outcomes, ours, textbook)
