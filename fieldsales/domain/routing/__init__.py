"""Route planning for one rep's day: pure, stdlib plus the VROOM and OR-Tools engines."""

from fieldsales.domain.routing.model import (
    BreakLocation,
    BreakRule,
    DroppedStop,
    DropReason,
    PlannedBreak,
    PlannedStop,
    RoutePlan,
    RoutePlanningProblem,
    RouteTotals,
    Stop,
    TimeWindow,
)
from fieldsales.domain.routing.planner import DEFAULT_TIME_LIMIT_MS, plan_route
from fieldsales.domain.routing.travel import (
    GreatCircleTravelTimes,
    LatLon,
    TravelMatrix,
    TravelTimeProvider,
)

__all__ = [
    "DEFAULT_TIME_LIMIT_MS",
    "BreakLocation",
    "BreakRule",
    "DropReason",
    "DroppedStop",
    "GreatCircleTravelTimes",
    "LatLon",
    "PlannedBreak",
    "PlannedStop",
    "RoutePlan",
    "RoutePlanningProblem",
    "RouteTotals",
    "Stop",
    "TimeWindow",
    "TravelMatrix",
    "TravelTimeProvider",
    "plan_route",
]
