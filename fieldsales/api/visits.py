"""Visits: check in, check out, and the records made during a visit (purposes, observations,
5W1H problems, stock counts, training, payments), plus planned stops that were skipped.

Creates carry the phone's id for the record; sending the same request again returns the
stored record with the same status (header `Idempotent-Replayed: true`), never a copy.

An operation on one visit answers, in this order: 404 outside the caller's scope (dealer
users see no visits), 403 to a role that sees it but may not do this (only its rep writes
in a visit), then 422 for a bad body (`Blueprint.item_roles`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema

from fieldsales import db
from fieldsales.auth import current_actor, utcnow
from fieldsales.db.models import (
    Observation,
    Payment,
    Problem,
    StockCount,
    Training,
    Visit,
    VisitPurpose,
)
from fieldsales.domain.types import Role
from fieldsales.domain.visits import CheckPolicy
from fieldsales.extensions import Blueprint, SelectPage, etag_for, with_etag
from fieldsales.services import scope, visits
from fieldsales.services.visits import Outcome, WriteContext
from schemas.common import ProblemSchema as ProblemDetailsSchema
from schemas.visits import (
    ObservationCreateSchema,
    ObservationSchema,
    PaymentCreateSchema,
    PaymentSchema,
    PurposeCreateSchema,
    PurposeSchema,
    SkippedVisitCreateSchema,
    SkippedVisitQueryArgsSchema,
    SkippedVisitSchema,
    StockCountCreateSchema,
    StockCountSchema,
    TrainingCreateSchema,
    TrainingSchema,
    VisitCheckInSchema,
    VisitCheckOutSchema,
    VisitDetailSchema,
    VisitProblemCreateSchema,
    VisitProblemSchema,
    VisitQueryArgsSchema,
    VisitSchema,
)

blp = Blueprint(
    "visits",
    __name__,
    url_prefix="/api/v1",
    description="Store visits: check-in/out with position checks, and what each visit records",
)

READERS = (Role.REP, Role.SUPERVISOR, Role.ADMIN)  # dealers see no visits at all


def check_policy() -> CheckPolicy:
    cfg = current_app.config
    return CheckPolicy(
        max_accuracy_m=float(cfg["CHECKIN_MAX_ACCURACY_M"]),
        max_fix_age_s=float(cfg["CHECKIN_MAX_FIX_AGE_S"]),
        max_clock_skew_s=float(cfg["CHECKIN_MAX_CLOCK_SKEW_S"]),
        late_record_grace_s=float(cfg["VISIT_LATE_RECORD_GRACE_S"]),
    )


def write_context(client_sent_at: datetime | None = None) -> WriteContext:
    return WriteContext(
        actor=current_actor(), now=utcnow(), client_sent_at=client_sent_at, policy=check_policy()
    )


def created(outcome: Outcome[Any]) -> Any:
    """201 with the record and its ETag, the same for a retry (marked as a replay)."""
    record, replayed = outcome
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    if hasattr(record, "version"):
        headers["ETag"] = etag_for(record)
    return record, headers


@blp.route("/visits")
class Visits(MethodView):
    @blp.roles(*READERS)
    @blp.arguments(VisitQueryArgsSchema, location="query")
    @blp.response(200, VisitSchema(many=True))
    @blp.paginate(SelectPage, page_size=50, max_page_size=500)
    def get(self, args: dict[str, Any]) -> Any:
        """List visits you can see

        Newest first. A rep sees their own, a supervisor their teams'."""
        return visits.visits_stmt(current_actor(), args)

    @blp.roles(Role.REP)
    @blp.idempotent
    @blp.arguments(VisitCheckInSchema)
    @blp.response(201, VisitSchema)
    @blp.alt_response(409, schema=ProblemDetailsSchema, description="Another visit is open")
    def post(self, data: dict[str, Any]) -> Any:
        """Check in at a store

        The server measures the distance to the store and flags (never refuses) a check-in
        outside the store's geofence, with a poor or stale fix, a mock location, or a phone
        clock far from the server's. One open visit per rep."""
        sent_at = data.pop("sent_at", None)
        outcome = visits.check_in(db.session, write_context(sent_at), data.pop("id"), data)
        db.session.commit()
        return created(outcome)


@blp.route("/visits/<uuid:visit_id>")
class VisitById(MethodView):
    @blp.item_roles(Visit, "visit_id", *READERS)
    @blp.response(200, VisitDetailSchema)
    def get(self, visit_id: uuid.UUID) -> Any:
        """Read a visit with everything recorded in it"""
        return with_etag(visits.visit_detail(db.session, current_actor(), visit_id))


@blp.route("/visits/<uuid:visit_id>/check-out")
class VisitCheckOut(MethodView):
    @blp.item_roles(Visit, "visit_id", Role.REP)
    @blp.idempotent
    @blp.arguments(VisitCheckOutSchema)
    @blp.response(200, VisitSchema)
    @blp.alt_response(409, schema=ProblemDetailsSchema, description="Closed at another time")
    def post(self, data: dict[str, Any], visit_id: uuid.UUID) -> Any:
        """Check out of a visit

        Sending the same check-out again (same checked_out_at) returns the visit unchanged."""
        sent_at = data.pop("sent_at", None)
        visit, _ = visits.check_out(db.session, write_context(sent_at), visit_id, data)
        db.session.commit()
        return with_etag(visit)


@dataclass(frozen=True)
class RecordSpec:
    path: str  # URL segment under the visit
    label: str
    model: type
    create_schema: type[Schema]
    schema: type[Schema]
    add: Callable[..., Outcome[Any]]


RECORDS = (
    RecordSpec(
        "purposes", "purpose", VisitPurpose, PurposeCreateSchema, PurposeSchema, visits.add_purpose
    ),
    RecordSpec(
        "observations",
        "observation",
        Observation,
        ObservationCreateSchema,
        ObservationSchema,
        visits.add_observation,
    ),
    RecordSpec(
        "problems",
        "problem",
        Problem,
        VisitProblemCreateSchema,
        VisitProblemSchema,
        visits.add_problem,
    ),
    RecordSpec(
        "stock-counts",
        "stock count",
        StockCount,
        StockCountCreateSchema,
        StockCountSchema,
        visits.add_stock_count,
    ),
    RecordSpec(
        "trainings", "training", Training, TrainingCreateSchema, TrainingSchema, visits.add_training
    ),
    RecordSpec(
        "payments", "payment", Payment, PaymentCreateSchema, PaymentSchema, visits.add_payment
    ),
)


def register_records(spec: RecordSpec) -> None:
    """The two operations every kind of record under a visit has: list and create."""

    class Records(MethodView):
        @blp.doc(summary=f"List the {spec.path.replace('-', ' ')} of a visit")
        @blp.item_roles(Visit, "visit_id", *READERS)
        @blp.response(200, spec.schema(many=True))
        def get(self, visit_id: uuid.UUID) -> Any:
            scope.get_visible(db.session, Visit, visit_id, current_actor())
            return db.session.scalars(visits.records_stmt(current_actor(), spec.model, visit_id))

        @blp.doc(
            summary=f"Record a {spec.label} in a visit",
            description="Also accepted after check-out when the phone recorded it during the "
            "visit (its recorded_at is at most the grace period after the check-out).",
        )
        @blp.item_roles(Visit, "visit_id", Role.REP)
        @blp.idempotent
        @blp.arguments(spec.create_schema)
        @blp.response(201, spec.schema)
        def post(self, data: dict[str, Any], visit_id: uuid.UUID) -> Any:
            record_id = data.pop("id")
            outcome = spec.add(
                db.session, write_context(), record_id, {**data, "visit_id": visit_id}
            )
            db.session.commit()
            return created(outcome)

    Records.__name__ = "Visit" + spec.model.__name__ + "s"
    blp.route(f"/visits/<uuid:visit_id>/{spec.path}")(Records)


for _spec in RECORDS:
    register_records(_spec)


@blp.route("/skipped-visits")
class SkippedVisits(MethodView):
    @blp.roles(*READERS)
    @blp.arguments(SkippedVisitQueryArgsSchema, location="query")
    @blp.response(200, SkippedVisitSchema(many=True))
    @blp.paginate(SelectPage, page_size=50, max_page_size=500)
    def get(self, args: dict[str, Any]) -> Any:
        """List planned stops that were not visited"""
        return visits.skipped_stmt(current_actor(), args)

    @blp.roles(Role.REP)
    @blp.idempotent
    @blp.arguments(SkippedVisitCreateSchema)
    @blp.response(201, SkippedVisitSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Record a planned stop not visited, and why"""
        outcome = visits.skip_visit(db.session, write_context(), data.pop("id"), data)
        db.session.commit()
        return created(outcome)
