"""HTTP adapters: one flask-smorest Blueprint per resource."""

from __future__ import annotations

from fieldsales.api import (
    auth,
    briefings,
    dealers,
    health,
    photos,
    prices,
    problems,
    products,
    promotions,
    reorders,
    reports,
    route_plans,
    scorecards,
    stores,
    sync,
    teams,
    users,
    visits,
    webhooks,
)
from fieldsales.extensions import Api

BLUEPRINTS = (
    health.blp,
    auth.blp,
    users.blp,
    teams.blp,
    dealers.blp,
    stores.blp,
    products.blp,
    prices.blp,
    promotions.blp,
    visits.blp,
    photos.blp,
    problems.blp,
    sync.blp,
    briefings.blp,
    reports.blp,
    reorders.blp,
    webhooks.blp,
    scorecards.blp,
    route_plans.blp,
)


def register_blueprints(api: Api) -> None:
    for blp in BLUEPRINTS:
        api.register_blueprint(blp)
