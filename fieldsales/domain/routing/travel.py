"""Travel times between points: the provider interface and the pure great-circle default."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

EARTH_RADIUS_M = 6_371_008.8


class LatLon(Protocol):
    """Anything with a latitude and a longitude in degrees (e.g. the shared GeoPoint)."""

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


@dataclass(frozen=True, slots=True)
class TravelMatrix:
    """Square matrices over the given points, row = from, column = to.

    `source` says where the numbers come from ("great-circle", "osrm"); `fallback_reason` is
    set when the configured provider failed and the great-circle estimate was used instead.
    """

    seconds: tuple[tuple[int, ...], ...]
    metres: tuple[tuple[int, ...], ...]
    source: str
    fallback_reason: str | None = None


class TravelTimeProvider(Protocol):
    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix: ...


@dataclass(frozen=True, slots=True)
class GreatCircleTravelTimes:
    """Road distance ~ great-circle distance x circuity; time = road distance / speed.

    Defaults suit urban driving: roads are about 30% longer than the straight line and the
    average speed including lights and parking is about 25 km/h."""

    speed_kmh: float = 25.0
    circuity_factor: float = 1.3

    def __post_init__(self) -> None:
        if self.speed_kmh <= 0 or self.circuity_factor < 1:
            raise ValueError("speed must be positive and circuity at least 1")

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        metres_per_s = self.speed_kmh / 3.6
        metres = tuple(
            tuple(round(great_circle_m(a, b) * self.circuity_factor) for b in points)
            for a in points
        )
        seconds = tuple(tuple(round(m / metres_per_s) for m in row) for row in metres)
        return TravelMatrix(seconds=seconds, metres=metres, source="great-circle")


def great_circle_m(a: LatLon, b: LatLon) -> float:
    """Haversine distance in metres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlambda = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
