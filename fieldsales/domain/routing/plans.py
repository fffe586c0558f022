"""Words of a stored route plan, shared by the records and the wire schemas."""

from __future__ import annotations

import enum


class PlanStatus(enum.StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"


class EndpointKind(enum.StrEnum):
    """Where the day starts or ends: the rep's home, a given point (a depot, say), a given
    store, or wherever the first stop is (start) / the last stop is (end)."""

    HOME = "home"
    POINT = "point"
    STORE = "store"
    FIRST_STORE = "first_store"
    LAST_STORE = "last_store"


# A store considered but not planned because it does not open that weekday (the solver's own
# reasons are DropReason values).
CLOSED_THAT_DAY = "closed-that-day"
