"""Dealer scorecards: one dealer's scorecard, the ranking, the evidence behind each number,
and the score weights."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView

from fieldsales import db
from fieldsales.auth import current_actor, utcnow
from fieldsales.domain.types import Role
from fieldsales.extensions import Blueprint, SelectPage
from fieldsales.services import scorecards
from schemas.scorecards import (
    EvidenceArgsSchema,
    EvidenceItemSchema,
    RankingArgsSchema,
    RankingRowSchema,
    ScorecardArgsSchema,
    ScorecardSchema,
    WeightSchema,
    WeightsUpdateSchema,
)

blp = Blueprint(
    "scorecards",
    __name__,
    url_prefix="/api/v1",
    description="Dealer scorecards: weighted score, ranking within the region, evidence",
)

READERS = (Role.SUPERVISOR, Role.ADMIN, Role.DEALER)
CSV = "text/csv"


def with_csv(schema: Any) -> dict[str, Any]:
    """OpenAPI for a 200 that is JSON (the schema) or the same data as CSV."""
    content = {"application/json": {"schema": schema}, CSV: {"schema": {"type": "string"}}}
    return {"responses": {"200": {"description": "OK", "content": content}}}


def clock() -> scorecards.Clock:
    return scorecards.Clock(utcnow(), current_app.config["SCORECARD_TIMEZONE"])


def wants_csv(args: dict[str, Any]) -> bool:
    if "format" in args:
        return bool(args["format"] == "csv")
    return request.accept_mimetypes.best_match(["application/json", CSV]) == CSV


def csv_response(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype=CSV,
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


@blp.route("/dealers/<uuid:dealer_id>/scorecard")
class DealerScorecard(MethodView):
    @blp.roles(*READERS)
    @blp.arguments(ScorecardArgsSchema, location="query")
    @blp.response(200, ScorecardSchema)
    @blp.doc(**with_csv(ScorecardSchema))
    def get(self, args: dict[str, Any], dealer_id: uuid.UUID) -> Any:
        """A dealer's scorecard for a period

        Every metric with its raw value, sample, points on its scale and weight; the
        weighted score (null when the metrics with enough data carry less than half the
        weight); the previous period's score and the change. Closed weeks, months and
        quarters come from the stored scorecards, anything else is computed now. A dealer
        user reads only its own dealer. CSV with `?format=csv` or `Accept: text/csv`."""
        now = clock()
        period = scorecards.period_from_args(args, now)
        card = scorecards.scorecard(
            db.session, actor=current_actor(), dealer_id=dealer_id, period=period, clock=now
        )
        if wants_csv(args):
            code = card["dealer"]["code"]
            return csv_response(scorecards.scorecard_csv(card), f"scorecard-{code}-{period.key}")
        return card


@blp.route("/dealer-scorecards")
class DealerRanking(MethodView):
    @blp.roles(*READERS)
    @blp.arguments(RankingArgsSchema, location="query")
    @blp.response(200, RankingRowSchema(many=True))
    @blp.doc(**with_csv(RankingRowSchema(many=True)))
    def get(self, args: dict[str, Any]) -> Any:
        """Dealers ranked within their region for a period

        Active dealers by region, best score first ("1, 2, 2, 4" on ties; dealers without
        enough data last, unranked), with the previous period's score and the change. A
        dealer user gets only its own row. CSV with `?format=csv` or `Accept: text/csv`."""
        now = clock()
        period = scorecards.period_from_args(args, now)
        rows = scorecards.ranking(
            db.session,
            actor=current_actor(),
            period=period,
            region=args.get("region"),
            clock=now,
        )
        if wants_csv(args):
            return csv_response(scorecards.ranking_csv(rows, period), f"ranking-{period.key}")
        return rows


class EvidencePage(SelectPage):
    """Rows (not ORM objects) of a metric's population, shaped as evidence items."""

    @property
    def items(self) -> list[Any]:
        stmt = self.collection.limit(self.page_params.page_size).offset(self.page_params.first_item)
        return [scorecards.evidence_item(row) for row in db.session.execute(stmt).mappings()]


@blp.route("/dealers/<uuid:dealer_id>/scorecard/evidence")
class DealerScorecardEvidence(MethodView):
    @blp.roles(*READERS)
    @blp.arguments(EvidenceArgsSchema, location="query")
    @blp.response(200, EvidenceItemSchema(many=True))
    @blp.paginate(EvidencePage, page_size=50, max_page_size=500)
    def get(self, args: dict[str, Any], dealer_id: uuid.UUID) -> Any:
        """The records behind one number of a dealer's scorecard

        The request lines, requests, stock counts, visits, problems or photos the metric
        is computed from, oldest first, each with `against_dealer` (does it count against
        the dealer?) and its figures in `detail`. Read from the records as they are now."""
        now = clock()
        return scorecards.evidence_stmt(
            db.session,
            actor=current_actor(),
            dealer_id=dealer_id,
            metric=args["metric"],
            period=scorecards.period_from_args(args, now),
            clock=now,
        )


@blp.route("/scorecard-weights")
class ScorecardWeights(MethodView):
    @blp.roles(*READERS)
    @blp.response(200, WeightSchema(many=True))
    def get(self) -> Any:
        """The score weights and metric scales

        Each metric's weight (and the documented default), and its scale: the value worth
        0 points, the value worth 100, and the sample below which it is "not enough data"."""
        return scorecards.weights_view(db.session)

    @blp.roles(Role.ADMIN)
    @blp.arguments(WeightsUpdateSchema)
    @blp.response(200, WeightSchema(many=True))
    def put(self, data: dict[str, Any]) -> Any:
        """Set the score weights

        Every metric's weight, 0 to 1000 (0 leaves the metric out of the score; it is still
        shown). Scores of every period, stored ones included, use the new weights at once."""
        weights = scorecards.set_weights(
            db.session, weights=data["weights"], actor=current_actor(), now=utcnow()
        )
        db.session.commit()
        return weights
