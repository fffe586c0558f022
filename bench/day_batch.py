"""A rep's day of offline work as the phone would sync it: check-in, purposes, observations,
stock counts, now and then a problem, a payment or a training, check-out; travel; next store.
Used by `make bench-sync` and by the sync tests."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

METRES_PER_DEGREE = 111_195.0


@dataclass(frozen=True, slots=True)
class StoreSpot:
    id: uuid.UUID
    lat: float
    lon: float


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _position(rng: random.Random, store: StoreSpot) -> dict[str, Any]:
    return {
        "lat": store.lat + rng.uniform(-25, 25) / METRES_PER_DEGREE,
        "lon": store.lon + rng.uniform(-25, 25) / METRES_PER_DEGREE,
        "accuracy_m": round(rng.uniform(4, 40), 1),
        "fix_age_s": round(rng.uniform(0, 20), 1),
        "mock": False,
    }


def _item(op: str, item_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"op": op, "id": item_id, "payload": payload}


def day_batch(
    stores: list[StoreSpot],
    product_ids: list[uuid.UUID],
    *,
    start: datetime,
    rng: random.Random,
    counts_per_visit: int = 8,
) -> list[dict[str, Any]]:
    """One visit per store in the given order, starting at `start` (aware)."""
    items: list[dict[str, Any]] = []
    at = start
    for store in stores:
        visit_id = _id(rng)
        items.append(
            _item(
                "visit.check_in",
                visit_id,
                {
                    "store_id": str(store.id),
                    "planned": True,
                    "checked_in_at": at.isoformat(),
                    "position": _position(rng, store),
                    "met_with": "Owner",
                },
            )
        )
        t = at + timedelta(minutes=1)

        def record(op: str, payload: dict[str, Any], _vid: str = visit_id) -> None:
            nonlocal t
            t += timedelta(seconds=rng.randint(20, 90))
            items.append(
                _item(op, _id(rng), {"visit_id": _vid, "recorded_at": t.isoformat(), **payload})
            )

        for purpose in rng.sample(["merchandise", "pop_maintenance", "reorder", "relationship"], 2):
            record("visit.purpose", {"purpose": purpose, "achieved": True})
        record(
            "visit.observation",
            {
                "kind": "our_pop",
                "pop_present": True,
                "pop_visible": rng.random() < 0.9,
                "pop_complete": rng.random() < 0.8,
                "pop_damaged": rng.random() < 0.1,
            },
        )
        record("visit.observation", {"kind": "foot_traffic", "rating": rng.randint(1, 5)})
        for product_id in rng.sample(product_ids, min(counts_per_visit, len(product_ids))):
            record(
                "visit.stock_count",
                {
                    "product_id": str(product_id),
                    "shelf_qty": rng.randint(0, 48),
                    "backroom_qty": rng.randint(0, 96),
                },
            )
        if rng.random() < 0.3:
            record(
                "visit.problem",
                {
                    "category": rng.choice(["gift_delivery", "dealer_service", "promotion"]),
                    "what": "Promotion gifts missing",
                    "who": "Owner",
                    "why": "Dealer delivery late",
                    "suggestion": "Deliver with next order",
                    "needs_support": rng.random() < 0.3,
                },
            )
        if rng.random() < 0.3:
            record(
                "visit.payment",
                {"amount": f"{rng.randint(5, 80) * 10}.00", "method": "cash", "reference": None},
            )
        if rng.random() < 0.1:
            record(
                "visit.training",
                {"topics": ["product_knowledge"], "attendees": [{"name": "Shop assistant"}]},
            )
        out = t + timedelta(minutes=2)
        items.append(
            _item(
                "visit.check_out",
                visit_id,
                {
                    "checked_out_at": out.isoformat(),
                    "position": _position(rng, store),
                    "notes": "Shelf tidied",
                },
            )
        )
        at = out + timedelta(minutes=rng.randint(6, 25))
    return items
