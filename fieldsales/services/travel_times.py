"""Travel times from an OSRM-compatible `table` service, falling back to great circle.

Any server speaking OSRM's HTTP table API works (OSRM itself, Valhalla's OSRM mode, hosted
ones). A routing server that is down, slow or answering nonsense must not stop reps from
planning their day: the great-circle estimate is used instead and the matrix says so
(`source`, `fallback_reason`), so the plan records which numbers it was built on.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import requests

from fieldsales.domain.routing.travel import (
    GreatCircleTravelTimes,
    LatLon,
    TravelMatrix,
    TravelTimeProvider,
)

log = logging.getLogger(__name__)


class MalformedTable(ValueError):
    """The service answered, but not with a usable square matrix."""


class OsrmTravelTimes:
    """`GET {base_url}/table/v1/{profile}/{lon,lat;...}?annotations=duration,distance`."""

    source = "osrm"

    def __init__(
        self,
        base_url: str,
        *,
        profile: str = "driving",
        timeout_s: float = 2.0,
        fallback: TravelTimeProvider | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._profile = profile
        self._timeout_s = timeout_s
        self._fallback = fallback or GreatCircleTravelTimes()
        self._session = session  # reuse connections when the caller keeps one open

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        try:
            return self._fetch(points)
        except requests.Timeout:
            reason = f"osrm: no answer within {self._timeout_s:g} s"
        except requests.exceptions.JSONDecodeError:
            reason = "osrm: unusable answer (not JSON)"
        except MalformedTable as exc:
            reason = f"osrm: unusable answer ({exc})"
        except requests.RequestException as exc:
            reason = f"osrm: request failed ({type(exc).__name__})"
        log.warning("travel times fall back to great circle: %s", reason)
        return replace(self._fallback.matrix(points), fallback_reason=reason)

    def _fetch(self, points: Sequence[LatLon]) -> TravelMatrix:
        coordinates = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
        get = self._session.get if self._session is not None else requests.get
        response = get(
            f"{self._base_url}/table/v1/{self._profile}/{coordinates}",
            params={"annotations": "duration,distance"},
            timeout=self._timeout_s,
        )
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict) or body.get("code") != "Ok":
            code = body.get("code") if isinstance(body, dict) else None
            raise MalformedTable(f"code {code!r}")
        size = len(points)
        return TravelMatrix(
            seconds=_square(body.get("durations"), size, "durations"),
            metres=_square(body.get("distances"), size, "distances"),
            source=self.source,
        )


def _square(rows: Any, size: int, name: str) -> tuple[tuple[int, ...], ...]:
    if not isinstance(rows, list) or len(rows) != size:
        raise MalformedTable(f"{name} is not a {size}x{size} matrix")
    result = []
    for row in rows:
        if not isinstance(row, list) or len(row) != size:
            raise MalformedTable(f"{name} is not a {size}x{size} matrix")
        if not all(_is_number(v) for v in row):
            # OSRM sends null for pairs it cannot route between.
            raise MalformedTable(f"{name} has missing or invalid entries")
        result.append(tuple(round(v) for v in row))
    return tuple(result)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )
