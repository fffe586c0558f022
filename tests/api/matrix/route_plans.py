"""Matrix entries for route plans: reps plan their own day, supervisors their teams' reps',
admins anyone's; dealers may ask but see none (empty list, 404 for an item) and plan nothing.
A rep or store named in a body outside the caller's scope is a 422 (tests/api/
test_route_plans.py); out-of-scope plans in the path are 404."""

from __future__ import annotations

from tests.api.matrix import ANONYMOUS, Ctx, Op, Request, _no_body
from tests.route_factories import DAY, iso, make_plan, shanghai

URL = "/api/v1/route-plans"
PLANNERS = {"rep", "supervisor", "admin"}
NEAR = {"kind": "point", "lat": 31.2, "lon": 121.4}


def _create(ctx: Ctx) -> Request:
    world = ctx.world
    return Request(
        json={
            "rep_id": str(world.rep_a.id),
            "date": DAY.isoformat(),
            "store_ids": [str(world.store_a.id)],
            "start": NEAR,
            "end": NEAR,
        }
    )


def _plan(ctx: Ctx) -> dict[str, str]:
    """A plan of rep_a (visible to rep, sup_a, admin) or of rep_b (hidden from all but admin;
    the dealer user sees no plan at all, so rep_a's is "hidden" for it)."""
    world = ctx.world
    hidden = ctx.target == "hidden" and ctx.caller != "dealer"
    rep, store = (world.rep_b, world.store_b) if hidden else (world.rep_a, world.store_a)
    plan = make_plan(ctx.session, world.admin, rep, [store])
    return {"plan_id": str(plan.id)}


def _read(ctx: Ctx) -> Request:
    return Request(path_params=_plan(ctx))


def _replan(ctx: Ctx) -> Request:
    return Request(
        path_params=_plan(ctx),
        json={"position": {"lat": 31.2, "lon": 121.4}, "at": iso(shanghai(11))},
    )


def _targets(caller: str) -> list[str]:
    if caller == ANONYMOUS:
        return ["visible"]
    if caller == "dealer":
        return ["hidden"]
    return ["visible"] if caller == "admin" else ["visible", "hidden"]


def _item(ok: int) -> Op:
    def expect(caller: str, kind: str) -> set[int]:
        return {401} if caller == ANONYMOUS else {404} if kind == "hidden" else {ok}

    return Op(build=_read if ok == 200 else _replan, expect=expect, targets=_targets)


def _create_expect(caller: str, _kind: str) -> set[int]:
    return {401} if caller == ANONYMOUS else {201} if caller in PLANNERS else {403}


EXPECTATIONS: dict[tuple[str, str], Op] = {
    ("GET", URL): Op(build=_no_body, expect=lambda c, _k: {401} if c == ANONYMOUS else {200}),
    ("POST", URL): Op(build=_create, expect=_create_expect),
    ("GET", f"{URL}/{{plan_id}}"): _item(200),
    ("POST", f"{URL}/{{plan_id}}/replan"): _item(201),
}
