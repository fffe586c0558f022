"""Reorder prompts for a store, reorder requests and the dealer's workflow on them."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from fieldsales import db, jobs
from fieldsales.api.visits import READERS, created, write_context
from fieldsales.auth import current_actor, utcnow
from fieldsales.db.models import Store
from fieldsales.domain.errors import NotFound
from fieldsales.domain.reorder.workflow import Action
from fieldsales.domain.types import Role
from fieldsales.extensions import Blueprint, SelectPage, check_if_match, with_etag
from fieldsales.services import reorder_prompts, reorders, scope, webhooks
from schemas.common import ProblemSchema as ProblemDetailsSchema
from schemas.reorders import (
    CancelSchema,
    CannotFillSchema,
    ConfirmSchema,
    DeclinedPromptsSchema,
    DeliverSchema,
    EmptySchema,
    PromptDecisionSchema,
    RejectSchema,
    ReorderRequestCreateSchema,
    ReorderRequestDetailSchema,
    ReorderRequestQueryArgsSchema,
    ReorderRequestSchema,
    StorePromptsSchema,
)

blp = Blueprint(
    "reorders",
    __name__,
    url_prefix="/api/v1",
    description="Reorder prompts from shelf counts; reorder requests and the dealer workflow",
)

ALL = (Role.REP, Role.SUPERVISOR, Role.DEALER, Role.ADMIN)
DEALER_SIDE = (Role.DEALER, Role.ADMIN)
REP_SIDE = (Role.REP, Role.SUPERVISOR, Role.ADMIN)


def send_webhooks() -> None:
    """After the commit: try the new outbox rows now (what fails is retried by the drain)."""
    ids = webhooks.take_queued(db.session)
    if ids:
        jobs.enqueue(webhooks.deliver_job, ids)


@blp.route("/stores/<uuid:store_id>/reorder-prompts")
class StoreReorderPrompts(MethodView):
    @blp.roles(*READERS)
    @blp.response(200, StorePromptsSchema)
    def get(self, store_id: uuid.UUID) -> Any:
        """Reorder prompts for a store

        One prompt per product the store carries: suggested units (whole cases, after the
        dealer's minimum order) and every input of the formula (sell rate and its source,
        days of cover, next visit, the dealer's real lead time and short-shipping,
        promotions, safety stock), so the rep can tell the owner why."""
        actor = current_actor()
        store = db.session.scalar(
            select(Store)
            .where(Store.id == store_id, scope.condition(Store, actor))
            .options(joinedload(Store.dealer))
        )
        if store is None:
            raise NotFound(f"No store with id {store_id}.")
        now = utcnow()
        result = reorder_prompts.store_prompts(
            db.session, store, now=now, settings=reorder_prompts.configured_settings()
        )
        return reorder_prompts.prompts_document(result, now)


@blp.route("/reorder-requests")
class ReorderRequests(MethodView):
    @blp.roles(*ALL)
    @blp.arguments(ReorderRequestQueryArgsSchema, location="query")
    @blp.response(200, ReorderRequestSchema(many=True))
    @blp.paginate(SelectPage, page_size=50, max_page_size=500)
    def get(self, args: dict[str, Any]) -> Any:
        """List reorder requests you can see

        Newest first. A rep sees their own, a supervisor their teams', a dealer user those
        sent to its dealer, an admin all."""
        return reorders.requests_stmt(current_actor(), args)

    @blp.roles(Role.REP)
    @blp.idempotent
    @blp.arguments(ReorderRequestCreateSchema)
    @blp.response(201, ReorderRequestSchema)
    @blp.alt_response(409, schema=ProblemDetailsSchema, description="Id used for another request")
    def post(self, data: dict[str, Any]) -> Any:
        """Order from the store's dealer at a visit

        Lines are priced from the price list in force (a product with no price is a 422;
        a `client_total` that disagrees is flagged, not used). The credit gate checks the
        store's limit against balance owed + open orders + this order, and a prepaid store
        needs payments covering them: a request that fails is stored `held` with
        `held_reason`/`held_detail` and is not sent to the dealer. What the rep did with
        each prompt (accepted, changed, declined) is recorded."""
        ctx = write_context()
        outcome = reorders.create_request(db.session, ctx, data.pop("id"), data)
        db.session.commit()
        send_webhooks()
        return created(outcome)


@blp.route("/prompt-declines")
class PromptDeclines(MethodView):
    @blp.roles(Role.REP)
    @blp.idempotent
    @blp.arguments(DeclinedPromptsSchema)
    @blp.response(201, PromptDecisionSchema(many=True))
    def post(self, data: dict[str, Any]) -> Any:
        """Record prompts declined at a visit where nothing was ordered

        When the rep orders, the request records what was done with each prompt; this is
        for a visit that ends with no order. Sending the same again records nothing new;
        the answer lists the visit's declines."""
        decisions = reorders.record_declines(
            db.session, write_context(), data["visit_id"], data["prompts"]
        )
        db.session.commit()
        return decisions


@blp.route("/reorder-requests/<uuid:request_id>")
class ReorderRequestById(MethodView):
    @blp.roles(*ALL)
    @blp.response(200, ReorderRequestDetailSchema)
    def get(self, request_id: uuid.UUID) -> Any:
        """Read a reorder request with its history"""
        return with_etag(reorders.request_detail(db.session, current_actor(), request_id))


def _step(request_id: uuid.UUID, action: Action, data: dict[str, Any]) -> Any:
    """Lock, check If-Match, apply the step, commit, then send the webhooks."""
    actor, now = current_actor(), utcnow()
    request = reorders.lock_for_change(db.session, actor, request_id)
    check_if_match(request)
    if action is Action.DELIVER:
        reorders.deliver(db.session, actor, request, data, now)
    else:
        reorders.transition(db.session, actor, request, action, data, now)
    db.session.commit()
    send_webhooks()
    return with_etag(request)


STEPS: tuple[tuple[str, Action, type, tuple[Role, ...], str, str], ...] = (
    (
        "acknowledge",
        Action.ACKNOWLEDGE,
        EmptySchema,
        DEALER_SIDE,
        "Acknowledge a submitted request",
        "The dealer has seen it.",
    ),
    (
        "confirm",
        Action.CONFIRM,
        ConfirmSchema,
        DEALER_SIDE,
        "Confirm a request with a promised delivery date",
        "From submitted, acknowledged or cannot fill (with the new date).",
    ),
    (
        "deliver",
        Action.DELIVER,
        DeliverSchema,
        DEALER_SIDE,
        "Record a delivery, per line",
        "Partial deliveries leave the request partially delivered until every line is "
        "complete. More than outstanding is a 422. Deliveries feed the store's sell rate.",
    ),
    (
        "cannot-fill",
        Action.CANNOT_FILL,
        CannotFillSchema,
        DEALER_SIDE,
        "Say the request cannot be filled (reason, new date)",
        "Not the end: the dealer may still confirm or deliver later.",
    ),
    (
        "reject",
        Action.REJECT,
        RejectSchema,
        DEALER_SIDE,
        "Reject a request (reason)",
        "Only before confirmation.",
    ),
    (
        "cancel",
        Action.CANCEL,
        CancelSchema,
        REP_SIDE,
        "Cancel a request before the dealer acknowledges it",
        "Held or submitted requests only.",
    ),
    (
        "release",
        Action.RELEASE,
        EmptySchema,
        REP_SIDE,
        "Send a held request to the dealer once the credit gate passes",
        "The gate is checked again (e.g. after a payment was recorded); still failing: 409.",
    ),
)


def register_step(
    path: str, action: Action, schema: type, roles: tuple[Role, ...], summary: str, doc: str
) -> None:
    class Step(MethodView):
        @blp.doc(
            summary=summary,
            description=f"{doc} Illegal from the current status: 409. A stale If-Match: 412.",
        )
        @blp.roles(*roles)
        @blp.etag_checked
        @blp.arguments(schema)
        @blp.response(200, ReorderRequestSchema)
        @blp.alt_response(409, schema=ProblemDetailsSchema, description="Illegal transition")
        @blp.alt_response(412, schema=ProblemDetailsSchema, description="Stale If-Match")
        def post(self, data: dict[str, Any], request_id: uuid.UUID) -> Any:
            return _step(request_id, action, data)

    Step.__name__ = "ReorderRequest" + action.value.title().replace("_", "")
    blp.route(f"/reorder-requests/<uuid:request_id>/{path}")(Step)


for _step_spec in STEPS:
    register_step(*_step_spec)
