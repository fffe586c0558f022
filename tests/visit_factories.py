"""Visit test data beyond tests/factories.py: a visit still open (the state every write
under a visit accepts now) and a valid body for each kind of record made in a visit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fieldsales.db.models import Product, Store, User, Visit
from tests.bodies import now
from tests.factories import Factory

# The records a visit holds, by their URL segment under /visits/{id}/.
RECORD_KINDS = ("purposes", "observations", "problems", "stock-counts", "trainings", "payments")


def open_visit(make: Factory, rep: User, store: Store, *, minutes_ago: int = 10) -> Visit:
    """A visit checked in `minutes_ago` and not closed: records, photos and a check-out
    sent now all fit it."""
    return make.visit(rep, store, at=now() - timedelta(minutes=minutes_ago), minutes=None)


def record_fields(kind: str, product: Product) -> dict[str, Any]:
    """A valid body (without its id) for a record of `kind` (one of RECORD_KINDS)."""
    return {
        "purposes": {"purpose": "merchandise", "achieved": True},
        "observations": {
            "kind": "our_pop",
            "pop_present": True,
            "pop_visible": True,
            "pop_damaged": False,
        },
        "problems": {
            "category": "gift_delivery",
            "what": "Gifts missing",
            "when": "Since Monday",
            "who": "Owner",
            "where": "Back room",
            "why": "Dealer forgot",
            "suggestion": "Bring them Friday",
        },
        "stock-counts": {"product_id": str(product.id), "shelf_qty": 7, "backroom_qty": 12},
        "trainings": {
            "topics": ["promotion_mechanics"],
            "attendees": [{"name": "Ms Wu", "role": "owner"}],
        },
        "payments": {"amount": "80.00", "method": "mobile", "reference": "WX-1"},
    }[kind]
