"""The permission matrix toolkit: how to describe one API operation for the matrix test.

`tests/api/test_permissions.py` walks EVERY operation of openapi.yaml × every role (and
anonymous) and fails until the operation has an entry. Entries live in this package, one
module per area (`master.py`, `visits.py`, ...), each defining `EXPECTATIONS`; `collect()`
merges them, so areas never edit each other's files. Each entry says how to build a valid
request and which class of answer each caller gets:

- anonymous: 401 for everything but the public operations;
- a role that may not do something it can see: 403;
- anything outside the caller's scope: 404 (for every role, whatever the method);
- never a 5xx.

Rows an area needs beyond the shared `World` are made inside its `build` functions with
`ctx.make` / `ctx.session`, so the World stays small.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldsales.domain.types import Role
from tests.api.payloads import CREATE_BODIES
from tests.factories import World

ROOT = Path(__file__).resolve().parents[3]
ANONYMOUS = "anonymous"
CALLERS = [ANONYMOUS, *(r.value for r in Role)]
METHODS = {"get", "post", "put", "patch", "delete"}

# Which world row each role reaches for in an item operation: one inside its scope
# ("visible") and one outside it ("hidden"). None: the role has no such row (admin sees
# everything; a dealer user sees no team; everyone sees the catalogue).
VISIBLE = {
    "users": {"rep": "rep_a", "supervisor": "rep_a", "dealer": "du1", "admin": "rep_b"},
    "teams": {"rep": "team_a", "supervisor": "team_a", "dealer": None, "admin": "team_b"},
    "dealers": {"rep": "d1", "supervisor": "d2", "dealer": "d1", "admin": "d2"},
    "stores": {"rep": "store_a", "supervisor": "store_a", "dealer": "store_u", "admin": "store_b"},
    "products": dict.fromkeys(["rep", "supervisor", "dealer", "admin"], "product"),
    "prices": dict.fromkeys(["rep", "supervisor", "dealer", "admin"], "price"),
    "promotions": dict.fromkeys(["rep", "supervisor", "dealer", "admin"], "promotion"),
}
HIDDEN = {
    "users": {"rep": "rep_b", "supervisor": "rep_b", "dealer": "du2"},
    "teams": {"rep": "team_b", "supervisor": "team_b", "dealer": "team_a"},
    "dealers": {"rep": "d2", "dealer": "d2"},
    "stores": {"rep": "store_b", "supervisor": "store_b", "dealer": "store_b"},
}


@dataclass
class Ctx:
    """What a request builder gets: the world, the factory, the caller and the target row."""

    world: World
    make: Any
    session: Any
    caller: str
    target: str | None  # a World attribute name, for item operations


@dataclass(frozen=True)
class Request:
    path_params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    query: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Op:
    """How to call one operation, and what each caller should get.

    `targets(caller)` lists the item targets to try ("visible"/"hidden"); `expect(caller,
    kind)` is the set of acceptable statuses; `build(ctx)` makes the request."""

    build: Callable[[Ctx], Request]
    expect: Callable[[str, str], set[int]]
    targets: Callable[[str], list[str]] = lambda _caller: ["none"]
    resource: str | None = None


def _no_body(_ctx: Ctx) -> Request:
    return Request()


def public(status: set[int], build: Callable[[Ctx], Request] = _no_body) -> Op:
    return Op(build=build, expect=lambda _caller, _kind: status)


def signed_in(ok: int, build: Callable[[Ctx], Request] = _no_body) -> Op:
    return Op(build=build, expect=lambda caller, _k: {401} if caller == ANONYMOUS else {ok})


def listing(resource: str) -> Op:
    return Op(
        build=_no_body,
        expect=lambda caller, _k: {401} if caller == ANONYMOUS else {200},
        resource=resource,
    )


def create(resource: str, *, roles: set[str]) -> Op:
    def expect(caller: str, _kind: str) -> set[int]:
        return {401} if caller == ANONYMOUS else {201} if caller in roles else {403}

    return Op(build=lambda ctx: Request(json=CREATE_BODIES[resource](ctx.make)), expect=expect)


def _item_targets(resource: str) -> Callable[[str], list[str]]:
    def targets(caller: str) -> list[str]:
        if caller == ANONYMOUS:
            return ["visible"]
        kinds = ["visible"] if VISIBLE[resource].get(caller) else []
        return kinds + (["hidden"] if HIDDEN.get(resource, {}).get(caller) else [])

    return targets


def _item_request(resource: str, body: dict[str, Any] | None = None) -> Callable[[Ctx], Request]:
    def build(ctx: Ctx) -> Request:
        caller = "admin" if ctx.caller == ANONYMOUS else ctx.caller
        table = HIDDEN[resource] if ctx.target == "hidden" else VISIBLE[resource]
        row = getattr(ctx.world, table[caller])
        return Request(path_params={"item_id": str(row.id)}, json=body)

    return build


def read(resource: str) -> Op:
    def expect(caller: str, kind: str) -> set[int]:
        return {401} if caller == ANONYMOUS else {404} if kind == "hidden" else {200}

    return Op(_item_request(resource), expect, _item_targets(resource), resource)


def admin_write(resource: str, ok: int, body: dict[str, Any] | None = None) -> Op:
    def expect(caller: str, kind: str) -> set[int]:
        if caller == ANONYMOUS:
            return {401}
        if kind == "hidden":
            return {404}
        return {ok} if caller == "admin" else {403}

    return Op(_item_request(resource, body), expect, _item_targets(resource), resource)


ALL_ROLES = {r.value for r in Role}
ADMIN = {"admin"}


def collect() -> dict[tuple[str, str], Op]:
    """Every area module's EXPECTATIONS, merged; an operation listed twice is a mistake."""
    merged: dict[tuple[str, str], Op] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        twice = set(merged) & set(module.EXPECTATIONS)
        assert not twice, f"{info.name} repeats operations: {sorted(twice)}"
        merged.update(module.EXPECTATIONS)
    return merged
