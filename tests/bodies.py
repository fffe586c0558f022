"""Request bodies a phone would send, with believable defaults and overrides."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Any

from fieldsales.db.models import Store

METRES_PER_DEGREE_LAT = 111_195.0


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def new_id() -> str:
    return str(uuid.uuid4())


def iso(at: datetime) -> str:
    return at.isoformat()


def position(store: Store, *, north_m: float = 0.0, **over: Any) -> dict[str, Any]:
    """The store's spot, or `north_m` metres north of it."""
    return {
        "lat": store.lat + north_m / METRES_PER_DEGREE_LAT,
        "lon": store.lon,
        "accuracy_m": 12.0,
        "fix_age_s": 3.0,
        "mock": False,
        **over,
    }


def check_in(store: Store, *, at: datetime | None = None, **over: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "store_id": str(store.id),
        "planned": True,
        "checked_in_at": iso(at or now()),
        "position": position(store),
        **over,
    }


def check_out(store: Store, *, at: datetime | None = None, **over: Any) -> dict[str, Any]:
    return {"checked_out_at": iso(at or now()), "position": position(store), **over}


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Independent of the code under test: an equirectangular estimate, fine at city scale."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_008.8 * math.hypot(x, y)
