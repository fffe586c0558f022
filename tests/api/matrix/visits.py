"""Matrix entries for visits and what they record, skipped stops, problems, sync, the store
briefing and the reports.

A rep writes only in their own visits. An operation on one visit (or problem, or store)
answers 404 outside the caller's scope, whatever the caller's role, and 403 to a role that
sees the row but may not do this (a supervisor or admin writing in a rep's visit). Dealer
users see no visits or problems. Collections and reports are refused by role (403) to the
roles that have no business there, whatever the query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fieldsales.db.models import Store, User, Visit
from tests import bodies
from tests.api.matrix import ANONYMOUS, HIDDEN, VISIBLE, Ctx, Op, Request, _item_targets
from tests.visit_factories import RECORD_KINDS, open_visit, record_fields

Expect = Callable[[str, str], set[int]]

# Whose visit each caller reaches for: one in its scope ("visible": the rep's own, the
# supervisor's team's, any for the admin) and one outside it ("hidden": another team's). A
# dealer user has no visible visit; its hidden one is at a store its own dealer supplies.
VISIT_REP = {
    "visible": {"rep": "rep_a", "supervisor": "rep_a", "admin": "rep_b"},
    "hidden": {"rep": "rep_b", "supervisor": "rep_b", "dealer": "rep_a"},
}
REP_STORE = {"rep_a": "store_a", "rep_b": "store_b"}
# The team a report is asked for (only supervisors and admins get team reports).
REPORT_TEAM = {
    "visible": {"supervisor": "team_a", "admin": "team_b"},
    "hidden": {"supervisor": "team_b"},
}
# The target of a caller refused by role: any row will do (the evening report of rep_a, the
# day of team A), the answer must not depend on it.
ANY = "any"


def _caller(ctx: Ctx) -> str:
    """Anonymous callers are sent the admin's visible row (they must get 401 before it
    matters)."""
    return "admin" if ctx.caller == ANONYMOUS else ctx.caller


def targets_in(table: dict[str, dict[str, str]], refused: frozenset[str] = frozenset()) -> Any:
    def targets(caller: str) -> list[str]:
        if caller == ANONYMOUS:
            return ["visible"]
        if caller in refused:
            return [ANY]
        return [kind for kind, by_caller in table.items() if caller in by_caller]

    return targets


VISIT_TARGETS = targets_in(VISIT_REP)


def visit_owner(ctx: Ctx) -> tuple[User, Store]:
    name = VISIT_REP[ctx.target or "visible"][_caller(ctx)]
    return getattr(ctx.world, name), getattr(ctx.world, REP_STORE[name])


def target_visit(ctx: Ctx) -> Visit:
    """An open visit of the rep the caller aims at, made for this request."""
    rep, store = visit_owner(ctx)
    return open_visit(ctx.make, rep, store)


def item_read(caller: str, kind: str) -> set[int]:
    """Anyone signed in reads what they can see; the rest is 404."""
    return {401} if caller == ANONYMOUS else {404} if kind == "hidden" else {200}


def rep_write(ok: int) -> Expect:
    """Only the rep writes in their visit; others who can see it get 403."""

    def expect(caller: str, kind: str) -> set[int]:
        if caller == ANONYMOUS:
            return {401}
        if kind == "hidden":
            return {404}
        return {ok} if caller == "rep" else {403}

    return expect


def refused_to(refused: set[str], *, ok: int = 200) -> Expect:
    """A collection, report or create some roles may not use at all (403 whatever they send);
    a row the others cannot see is 404."""

    def expect(caller: str, kind: str) -> set[int]:
        if caller == ANONYMOUS:
            return {401}
        if caller in refused:
            return {403}
        return {404} if kind == "hidden" else {ok}

    return expect


def on_visit(
    path_json: Callable[[Ctx, Visit], Any] = lambda _ctx, _visit: None,
) -> Callable[[Ctx], Request]:
    def build(ctx: Ctx) -> Request:
        visit = target_visit(ctx)
        return Request(path_params={"visit_id": str(visit.id)}, json=path_json(ctx, visit))

    return build


def _record(kind: str) -> Callable[[Ctx, Visit], dict[str, Any]]:
    return lambda ctx, _visit: {"id": bodies.new_id(), **record_fields(kind, ctx.world.product)}


def _check_out(ctx: Ctx, visit: Visit) -> dict[str, Any]:
    return bodies.check_out(visit.store)


def _problem(ctx: Ctx) -> Any:
    return ctx.make.problem(target_visit(ctx))


def _problem_request(json: Callable[[], Any] = lambda: None) -> Callable[[Ctx], Request]:
    return lambda ctx: Request(path_params={"problem_id": str(_problem(ctx).id)}, json=json())


def _resolution() -> dict[str, Any]:
    return {"resolution": "Dealer delivered", "resolved_at": bodies.iso(bodies.now())}


def _check_in(ctx: Ctx) -> Request:
    return Request(json=bodies.check_in(ctx.world.store_a))


def _skip(ctx: Ctx) -> Request:
    return Request(
        json={
            "id": bodies.new_id(),
            "store_id": str(ctx.world.store_a.id),
            "day": bodies.now().date().isoformat(),
            "reason": "closed",
        }
    )


def _sync(ctx: Ctx) -> Request:
    check_in = bodies.check_in(ctx.world.store_a)
    item = {"op": "visit.check_in", "id": check_in.pop("id"), "payload": check_in}
    return Request(json={"sent_at": bodies.iso(bodies.now()), "items": [item]})


def _briefing(ctx: Ctx) -> Request:
    table = HIDDEN["stores"] if ctx.target == "hidden" else VISIBLE["stores"]
    store = getattr(ctx.world, table[_caller(ctx)])
    return Request(path_params={"store_id": str(store.id)})


def _briefing_expect(caller: str, kind: str) -> set[int]:
    """A dealer user sees the stores its dealer supplies, but gets no briefing (403)."""
    if caller == ANONYMOUS:
        return {401}
    if kind == "hidden":
        return {404}
    return {403} if caller == "dealer" else {200}


def _evening(ctx: Ctx) -> Request:
    kind = "hidden" if ctx.target == "hidden" else "visible"
    rep = getattr(ctx.world, VISIT_REP[kind].get(_caller(ctx), "rep_a"))
    return Request(query={"day": bodies.now().date().isoformat(), "rep_id": str(rep.id)})


def _team_day(ctx: Ctx) -> Request:
    kind = "hidden" if ctx.target == "hidden" else "visible"
    team = getattr(ctx.world, REPORT_TEAM[kind].get(_caller(ctx), "team_a"))
    return Request(query={"day": bodies.now().date().isoformat(), "team_id": str(team.id)})


def _no_dealer(build: Callable[[Ctx], Request]) -> Op:
    """A collection dealers may not read, or a report they do not get."""
    return Op(build=build, expect=refused_to({"dealer"}))


def _reps_only(build: Callable[[Ctx], Request], ok: int) -> Op:
    return Op(build=build, expect=refused_to({"supervisor", "dealer", "admin"}, ok=ok))


def _records() -> dict[tuple[str, str], Op]:
    ops = {}
    for kind in RECORD_KINDS:
        path = f"/api/v1/visits/{{visit_id}}/{kind}"
        ops[("GET", path)] = Op(on_visit(), item_read, VISIT_TARGETS)
        ops[("POST", path)] = Op(on_visit(_record(kind)), rep_write(201), VISIT_TARGETS)
    return ops


EXPECTATIONS: dict[tuple[str, str], Op] = {
    ("GET", "/api/v1/visits"): _no_dealer(lambda _ctx: Request()),
    ("POST", "/api/v1/visits"): _reps_only(_check_in, 201),
    ("GET", "/api/v1/visits/{visit_id}"): Op(on_visit(), item_read, VISIT_TARGETS),
    ("POST", "/api/v1/visits/{visit_id}/check-out"): Op(
        on_visit(_check_out), rep_write(200), VISIT_TARGETS
    ),
    **_records(),
    ("GET", "/api/v1/skipped-visits"): _no_dealer(lambda _ctx: Request()),
    ("POST", "/api/v1/skipped-visits"): _reps_only(_skip, 201),
    ("POST", "/api/v1/sync"): _reps_only(_sync, 200),
    ("GET", "/api/v1/problems"): _no_dealer(lambda _ctx: Request()),
    ("GET", "/api/v1/problems/{problem_id}"): Op(_problem_request(), item_read, VISIT_TARGETS),
    # Whoever sees an open problem may resolve it (a rep, their supervisor, an admin).
    ("POST", "/api/v1/problems/{problem_id}/resolution"): Op(
        _problem_request(_resolution), item_read, VISIT_TARGETS
    ),
    ("GET", "/api/v1/stores/{store_id}/briefing"): Op(
        _briefing, _briefing_expect, _item_targets("stores")
    ),
    ("GET", "/api/v1/reports/evening"): Op(
        _evening, refused_to({"dealer"}), targets_in(VISIT_REP, frozenset({"dealer"}))
    ),
    ("GET", "/api/v1/reports/team-day"): Op(
        _team_day,
        refused_to({"rep", "dealer"}),
        targets_in(REPORT_TEAM, frozenset({"rep", "dealer"})),
    ),
    ("GET", "/api/v1/reports/coverage"): _no_dealer(lambda _ctx: Request()),
}
