"""Small value objects and enums shared by every layer."""

from __future__ import annotations

import enum
import math
import uuid
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8


class Role(enum.StrEnum):
    REP = "rep"
    SUPERVISOR = "supervisor"
    DEALER = "dealer"
    ADMIN = "admin"


class Grade(enum.StrEnum):
    A = "A"
    B = "B"
    C = "C"


class PaymentTerms(enum.StrEnum):
    MONTHLY = "monthly"  # 月结: monthly settlement on credit
    PREPAID = "prepaid"  # pay before delivery


class GiftAllocation(enum.StrEnum):
    EQUAL = "equal"  # the same number per participating store
    BY_GRADE = "by_grade"  # A stores first, then B, then C
    BY_SALES = "by_sales"  # in proportion to the store's recent sales
    MANUAL = "manual"  # allocated by the supervisor


@dataclass(frozen=True, slots=True)
class GeoPoint:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"not a position on Earth: {self.lat}, {self.lon}")


def great_circle_m(a: GeoPoint, b: GeoPoint) -> float:
    """Haversine distance in metres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking: loaded once per request from the token and the users table."""

    user_id: uuid.UUID
    role: Role
    team_id: uuid.UUID | None = None
    dealer_id: uuid.UUID | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
