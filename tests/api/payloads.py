"""Valid request bodies for creating each master-data resource (the referenced rows are
built with the factory), shared by the CRUD, permission and scope tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fieldsales.domain.types import Role
from tests.factories import Factory


def user_body(make: Factory) -> dict[str, Any]:
    _sup, team = make.supervisor_with_team()
    return {
        "username": f"new.rep.{uuid.uuid4().hex[:6]}",
        "display_name": "New Rep",
        "password": "long enough secret",
        "role": "rep",
        "team_id": str(team.id),
        "phone": "+86 21 5555 0100",
        "home_lat": 31.23,
        "home_lon": 121.47,
    }


def team_body(make: Factory) -> dict[str, Any]:
    sup = make.user(Role.SUPERVISOR)
    return {"name": f"Team {uuid.uuid4().hex[:6]}", "supervisor_id": str(sup.id)}


def dealer_body(_make: Factory) -> dict[str, Any]:
    return {
        "code": f"DL-{uuid.uuid4().hex[:6]}",
        "name": "Eastern Supply",
        "region": "east",
        "lead_time_days": 3,
        "minimum_order": "1500.50",
        "contact_name": "Ms Li",
        "contact_phone": "+86 21 5555 0101",
        "contact_email": "li@example.com",
    }


def store_body(make: Factory) -> dict[str, Any]:
    return {
        "code": f"ST-{uuid.uuid4().hex[:6]}",
        "name": "Corner Shop",
        "address": "12 Nanjing Road",
        "region": "east",
        "lat": 31.2304,
        "lon": 121.4737,
        "timezone": "Asia/Shanghai",
        "grade": "A",
        "owner_windows": [{"weekday": 0, "start": "09:00", "end": "09:30"}],
        "dealer_id": str(make.dealer().id),
        "rep_id": str(make.rep().id),
        "payment_terms": "monthly",
        "credit_limit": "20000.00",
        "balance_owed": "1234.56",
    }


def product_body(_make: Factory) -> dict[str, Any]:
    return {"sku": f"SKU-{uuid.uuid4().hex[:6]}", "name": "Green Tea 500ml", "case_pack": 24}


def price_body(make: Factory) -> dict[str, Any]:
    return {"product_id": str(make.product().id), "unit_price": "3.50", "valid_from": "2026-01-01"}


def promotion_body(make: Factory) -> dict[str, Any]:
    return {
        "name": "Summer tea",
        "mechanics": "Buy 10 cases, get 1 free",
        "starts_on": "2026-06-01",
        "ends_on": "2026-06-30",
        "product_ids": [str(make.product().id)],
        "store_ids": [str(make.store().id)],
        "grades": ["A"],
        "regions": ["east"],
        "gifts": [
            {
                "description": "Fridge sticker",
                "quantity": 100,
                "arrives_on": "2026-05-25",
                "allocation": "equal",
            },
        ],
    }


CREATE_BODIES: dict[str, Callable[[Factory], dict[str, Any]]] = {
    "users": user_body,
    "teams": team_body,
    "dealers": dealer_body,
    "stores": store_body,
    "products": product_body,
    "prices": price_body,
    "promotions": promotion_body,
}

# A small valid change for each resource (the first key is what the tests look at).
PATCH_BODIES: dict[str, dict[str, Any]] = {
    "users": {"display_name": "Renamed"},
    "teams": {"name": "Renamed team"},
    "dealers": {"name": "Renamed"},
    "stores": {"name": "Renamed"},
    "products": {"name": "Renamed"},
    "prices": {"unit_price": "3.75"},
    "promotions": {"name": "Renamed"},
}
