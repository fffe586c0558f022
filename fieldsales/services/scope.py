"""Who sees what, in one place.

Each model has one rule: a SQL condition that is true for the rows the actor may see.
Every list query goes through `scoped`, every fetch by id through `get_visible`, so a row
outside the caller's scope is simply not there (404), whatever the endpoint.

- rep: own stores (stores.rep_id), own user, own team, the dealers of own stores.
- supervisor: the teams they lead, those teams' reps and the reps' stores, every dealer
  (supervisors judge dealers).
- dealer user: its dealer, the stores that dealer supplies, users of that dealer.
- admin: everything.
Visits and what they record: a rep their own, a supervisor their teams' reps', an admin all,
a dealer user none (what dealers may see of problems comes with their scorecard evidence).
Problems also belong to the store: a rep or supervisor sees the open problems of the stores
they cover, whoever raised them.
Photos follow their visit's rep: a rep their own, a supervisor their teams' reps', an admin
all, a dealer user none (the dealer scorecard shows its evidence separately).
Route plans follow their rep like visits: a rep their own, a supervisor their teams' reps',
an admin all, a dealer user none.
Catalogue data (products, prices, promotions) is visible to every signed-in user.
Reorder requests: a rep their own, a supervisor their teams' reps', an admin all, a dealer
user those sent to its dealer (not those still held by the credit gate).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, false, or_, select, true
from sqlalchemy.orm import Session

from fieldsales.db.models import (
    Dealer,
    Observation,
    Payment,
    Photo,
    Price,
    Problem,
    Product,
    Promotion,
    ReorderRequest,
    RoutePlan,
    SkippedVisit,
    StockCount,
    Store,
    Team,
    Training,
    User,
    Visit,
    VisitPurpose,
)
from fieldsales.domain.errors import NotFound
from fieldsales.domain.reorder.workflow import RequestStatus
from fieldsales.domain.types import Actor, Role

T = TypeVar("T")
Rule = Callable[[Actor], ColumnElement[bool]]


def led_team_ids(actor: Actor) -> Select[tuple[uuid.UUID]]:
    return select(Team.id).where(Team.supervisor_id == actor.user_id)


def team_rep_ids(actor: Actor) -> Select[tuple[uuid.UUID]]:
    return select(User.id).where(User.team_id.in_(led_team_ids(actor)))


def _stores(actor: Actor) -> ColumnElement[bool]:
    match actor.role:
        case Role.ADMIN:
            return true()
        case Role.REP:
            return Store.rep_id == actor.user_id
        case Role.SUPERVISOR:
            return Store.rep_id.in_(team_rep_ids(actor))
        case Role.DEALER:
            return Store.dealer_id == actor.dealer_id if actor.dealer_id else false()
    return false()


def store_ids(actor: Actor) -> Select[tuple[uuid.UUID]]:
    """The ids of the stores the actor may see, for rules of records hanging off stores."""
    return select(Store.id).where(_stores(actor))


def _users(actor: Actor) -> ColumnElement[bool]:
    match actor.role:
        case Role.ADMIN:
            return true()
        case Role.REP:
            return User.id == actor.user_id
        case Role.SUPERVISOR:
            return or_(User.id == actor.user_id, User.team_id.in_(led_team_ids(actor)))
        case Role.DEALER:
            return (
                User.dealer_id == actor.dealer_id if actor.dealer_id else User.id == actor.user_id
            )
    return false()


def _teams(actor: Actor) -> ColumnElement[bool]:
    match actor.role:
        case Role.ADMIN:
            return true()
        case Role.REP:
            return Team.id == actor.team_id if actor.team_id else false()
        case Role.SUPERVISOR:
            return Team.supervisor_id == actor.user_id
    return false()


def _dealers(actor: Actor) -> ColumnElement[bool]:
    match actor.role:
        case Role.ADMIN | Role.SUPERVISOR:
            return true()
        case Role.REP:
            return Dealer.id.in_(select(Store.dealer_id).where(Store.rep_id == actor.user_id))
        case Role.DEALER:
            return Dealer.id == actor.dealer_id if actor.dealer_id else false()
    return false()


def _everyone(_actor: Actor) -> ColumnElement[bool]:
    return true()


def _rep_owned(column: Any) -> Rule:
    """Rows that belong to a rep: the rep's own, a supervisor's team's, all for admin."""

    def rule(actor: Actor) -> ColumnElement[bool]:
        match actor.role:
            case Role.ADMIN:
                return true()
            case Role.REP:
                return column == actor.user_id
            case Role.SUPERVISOR:
                return column.in_(team_rep_ids(actor))
        return false()

    return rule


_visits = _rep_owned(Visit.rep_id)


def visit_ids(actor: Actor) -> Select[tuple[uuid.UUID]]:
    return select(Visit.id).where(_visits(actor))


def _in_visible_visit(model: Any) -> Rule:
    return lambda actor: model.visit_id.in_(visit_ids(actor))


def _problems(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.DEALER:
        return false()
    if actor.role is Role.ADMIN:
        return true()
    return or_(_rep_owned(Problem.rep_id)(actor), Problem.store_id.in_(store_ids(actor)))


def _reorder_requests(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.DEALER:
        if actor.dealer_id is None:
            return false()
        # A request held by the credit gate has not been sent to the dealer yet.
        return and_(
            ReorderRequest.dealer_id == actor.dealer_id,
            ReorderRequest.status != RequestStatus.HELD,
        )
    return _rep_owned(ReorderRequest.rep_id)(actor)


RULES: dict[type, Rule] = {
    Store: _stores,
    User: _users,
    Team: _teams,
    Dealer: _dealers,
    Product: _everyone,
    Price: _everyone,
    Promotion: _everyone,
    Visit: _visits,
    Photo: _rep_owned(Photo.rep_id),
    SkippedVisit: _rep_owned(SkippedVisit.rep_id),
    RoutePlan: _rep_owned(RoutePlan.rep_id),
    VisitPurpose: _in_visible_visit(VisitPurpose),
    Observation: _in_visible_visit(Observation),
    StockCount: _in_visible_visit(StockCount),
    Training: _in_visible_visit(Training),
    Payment: _in_visible_visit(Payment),
    Problem: _problems,
    ReorderRequest: _reorder_requests,
}


def condition(model: type, actor: Actor) -> ColumnElement[bool]:
    return RULES[model](actor)


def scoped(stmt: Select[Any], model: type, actor: Actor) -> Select[Any]:
    return stmt.where(condition(model, actor))


def get_visible(session: Session, model: type[T], obj_id: uuid.UUID, actor: Actor) -> T:
    """The row if it exists and the actor may see it; NotFound otherwise (never 403: the
    caller must not learn that something outside their scope exists)."""
    pk = model.id  # type: ignore[attr-defined]
    obj = session.scalar(select(model).where(pk == obj_id, condition(model, actor)))
    if obj is None:
        raise NotFound(f"No {model.__name__.lower()} with id {obj_id}.")
    return obj
