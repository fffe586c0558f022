"""Reports filled from the visit records."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from fieldsales import db
from fieldsales.auth import current_actor, utcnow
from fieldsales.domain.errors import InvalidInput
from fieldsales.domain.types import Role
from fieldsales.extensions import Blueprint
from fieldsales.services import reports
from schemas.reports import (
    CoverageArgsSchema,
    CoverageSchema,
    EveningReportArgsSchema,
    EveningReportSchema,
    TeamDayArgsSchema,
    TeamDaySchema,
)

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/reports",
    description="Evening report, team day and coverage, filled from the visit records",
)


@blp.route("/evening")
class EveningReport(MethodView):
    @blp.roles(Role.REP, Role.SUPERVISOR, Role.ADMIN)
    @blp.arguments(EveningReportArgsSchema, location="query")
    @blp.response(200, EveningReportSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """A rep's evening report for a day

        Stores visited with times, whom they met, purposes, problems raised / solved / still
        open, payments, help needed, skipped stops. A rep gets their own; a supervisor
        passes rep_id."""
        actor = current_actor()
        rep_id = args.get("rep_id") or (actor.user_id if actor.role is Role.REP else None)
        if rep_id is None:
            raise InvalidInput(
                "Say whose report.",
                errors=[{"path": "query.rep_id", "message": "Required unless you are a rep."}],
            )
        return reports.evening_report(db.session, actor=actor, rep_id=rep_id, day=args["day"])


@blp.route("/team-day")
class TeamDay(MethodView):
    @blp.roles(Role.SUPERVISOR, Role.ADMIN)
    @blp.arguments(TeamDayArgsSchema, location="query")
    @blp.response(200, TeamDaySchema)
    def get(self, args: dict[str, Any]) -> Any:
        """A team's day, rep by rep

        First check-in, visits done vs planned, time in stores vs between stores, flagged
        check-ins, skipped stops with reasons."""
        return reports.team_day(
            db.session, actor=current_actor(), day=args["day"], team_id=args.get("team_id")
        )


@blp.route("/coverage")
class Coverage(MethodView):
    @blp.roles(Role.REP, Role.SUPERVISOR, Role.ADMIN)
    @blp.arguments(CoverageArgsSchema, location="query")
    @blp.response(200, CoverageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Coverage: overdue stores and visits per rep per week

        Stores whose last visit is older than their grade's frequency (VISIT_FREQUENCY_DAYS),
        and each rep's visits per week against VISITS_PER_WEEK_TARGET."""
        cfg = current_app.config
        return reports.coverage(
            db.session,
            actor=current_actor(),
            as_of=args.get("as_of") or utcnow().date(),
            weeks=args["weeks"],
            frequency_days=cfg["VISIT_FREQUENCY_DAYS"],
            target_per_week=int(cfg["VISITS_PER_WEEK_TARGET"]),
        )
