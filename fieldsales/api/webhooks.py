"""Dealer webhooks: where a dealer wants its reorder requests POSTed, signed."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from flask.views import MethodView

from fieldsales import db
from fieldsales.auth import current_actor
from fieldsales.domain.types import Role
from fieldsales.extensions import Blueprint
from fieldsales.services import webhooks
from schemas.reorders import WebhookCreatedSchema, WebhookCreateSchema, WebhookSchema

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1",
    description="Dealer webhooks: each new reorder request and each change, POSTed and signed",
)


@blp.route("/dealers/<uuid:dealer_id>/webhooks")
class DealerWebhooks(MethodView):
    @blp.roles_doc(Role.DEALER, Role.ADMIN)
    @blp.response(200, WebhookSchema(many=True))
    def get(self, dealer_id: uuid.UUID) -> Any:
        """List a dealer's webhooks"""
        webhooks.check_access(db.session, current_actor(), dealer_id)
        return db.session.scalars(webhooks.webhooks_stmt(dealer_id))

    @blp.roles_doc(Role.DEALER, Role.ADMIN)
    @blp.arguments(WebhookCreateSchema)
    @blp.response(201, WebhookCreatedSchema)
    def post(self, data: dict[str, Any], dealer_id: uuid.UUID) -> Any:
        """Register a webhook

        Every new reorder request of the dealer's stores and every change to one is POSTed
        as JSON with `X-Fieldsales-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.body">`
        and `X-Fieldsales-Event-Id` (delivery is at least once: de-duplicate on it).
        Failures are retried with exponential back-off until the receiver answers 2xx.
        The secret is returned here only."""
        actor = current_actor()
        webhooks.check_access(db.session, actor, dealer_id)
        settings = webhooks.delivery_settings(current_app.config)
        hook = webhooks.register(db.session, actor, dealer_id, data, settings)
        db.session.commit()
        return hook


@blp.route("/dealers/<uuid:dealer_id>/webhooks/<uuid:webhook_id>")
class DealerWebhookById(MethodView):
    @blp.roles_doc(Role.DEALER, Role.ADMIN)
    @blp.response(204)
    def delete(self, dealer_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
        """Remove a webhook (its undelivered events go with it)"""
        webhooks.check_access(db.session, current_actor(), dealer_id)
        webhooks.remove(db.session, dealer_id, webhook_id)
        db.session.commit()
