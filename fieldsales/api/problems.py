"""Problems raised in visits (5W1H), across visits: the open ones of a store, the ones
blamed on a dealer, the ones a rep needs help with; and their resolution."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from fieldsales import db
from fieldsales.api.visits import READERS, write_context
from fieldsales.auth import current_actor
from fieldsales.db.models import Problem
from fieldsales.domain.types import Role
from fieldsales.extensions import Blueprint, SelectPage, with_etag
from fieldsales.services import scope, visits
from schemas.common import ProblemSchema as ProblemDetailsSchema
from schemas.visits import ProblemResolutionSchema, VisitProblemQueryArgsSchema, VisitProblemSchema

blp = Blueprint(
    "problems",
    __name__,
    url_prefix="/api/v1",
    description="Store problems raised in visits (5W1H), and their resolution",
)


@blp.route("/problems")
class Problems(MethodView):
    @blp.roles(*READERS)
    @blp.arguments(VisitProblemQueryArgsSchema, location="query")
    @blp.response(200, VisitProblemSchema(many=True))
    @blp.paginate(SelectPage, page_size=50, max_page_size=500)
    def get(self, args: dict[str, Any]) -> Any:
        """List problems you can see

        Those raised by you (or your team), and those at the stores you cover."""
        return visits.problems_stmt(current_actor(), args)


@blp.route("/problems/<uuid:problem_id>")
class ProblemById(MethodView):
    @blp.item_roles(Problem, "problem_id", *READERS)
    @blp.response(200, VisitProblemSchema)
    def get(self, problem_id: uuid.UUID) -> Any:
        """Read a problem"""
        return with_etag(scope.get_visible(db.session, Problem, problem_id, current_actor()))


@blp.route("/problems/<uuid:problem_id>/resolution")
class ProblemResolution(MethodView):
    @blp.item_roles(Problem, "problem_id", Role.REP, Role.SUPERVISOR, Role.ADMIN)
    @blp.idempotent
    @blp.arguments(ProblemResolutionSchema)
    @blp.response(200, VisitProblemSchema)
    @blp.alt_response(409, schema=ProblemDetailsSchema, description="Resolved at another time")
    def post(self, data: dict[str, Any], problem_id: uuid.UUID) -> Any:
        """Resolve an open problem

        Sending the same resolution again (same resolved_at) returns the problem unchanged."""
        problem, _ = visits.resolve_problem(db.session, write_context(), problem_id, data)
        db.session.commit()
        return with_etag(problem)
