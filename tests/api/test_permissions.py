"""The permission matrix: EVERY operation of the API × every role (and anonymous).

The operations come from openapi.yaml (test_openapi keeps it equal to the code), so an
endpoint added later is picked up here automatically, and this test fails until it has an
entry in EXPECTATIONS below. Each entry says how to build a valid request and which class of
answer each caller gets:

- anonymous: 401 for everything but the public operations;
- a role that may not do something it can see: 403;
- anything outside the caller's scope: 404 (for every role, whatever the method);
- never a 5xx.

To add an operation: add `(METHOD, "/path/{param}")` with one of the helpers (`listing`,
`create`, `read`, `admin_write`, `public`, `signed_in`), or an `Op` of your own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from fieldsales import security
from fieldsales.db.models import RefreshToken
from fieldsales.domain.types import Role
from tests.api.payloads import CREATE_BODIES, PATCH_BODIES
from tests.factories import PASSWORD, World

ROOT = Path(__file__).resolve().parents[2]
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


def _login(ctx: Ctx) -> Request:
    user = ctx.world.actor(Role(ctx.caller)) if ctx.caller != ANONYMOUS else ctx.world.rep_a
    return Request(json={"username": user.username, "password": PASSWORD})


def _refresh_token(ctx: Ctx) -> Request:
    """A live refresh token of the caller (or of rep_a for anonymous), made without argon2."""
    user = ctx.world.actor(Role(ctx.caller)) if ctx.caller != ANONYMOUS else ctx.world.rep_a
    token, token_hash = security.new_refresh_token()
    now = datetime.now(UTC)
    ctx.session.add(
        RefreshToken(
            user_id=user.id,
            family_id=uuid.uuid4(),
            token_hash=token_hash,
            issued_at=now,
            expires_at=now + timedelta(days=1),
        )
    )
    ctx.session.commit()
    return Request(json={"refresh_token": token})


ALL_ROLES = {r.value for r in Role}
ADMIN = {"admin"}


def _crud(resource: str, *, deactivatable: bool = True) -> dict[tuple[str, str], Op]:
    ops = {
        ("GET", f"/api/v1/{resource}"): listing(resource),
        ("POST", f"/api/v1/{resource}"): create(resource, roles=ADMIN),
        ("GET", f"/api/v1/{resource}/{{item_id}}"): read(resource),
        ("PATCH", f"/api/v1/{resource}/{{item_id}}"): admin_write(
            resource, 200, PATCH_BODIES[resource]
        ),
    }
    if deactivatable:
        ops[("DELETE", f"/api/v1/{resource}/{{item_id}}")] = admin_write(resource, 204)
    return ops


def csv_import() -> Op:
    """The matrix sends no CSV, so an admin gets 415; tests/api/test_imports.py does the rest."""

    def expect(caller: str, _kind: str) -> set[int]:
        return {401} if caller == ANONYMOUS else {415} if caller == "admin" else {403}

    return Op(build=_no_body, expect=expect)


EXPECTATIONS: dict[tuple[str, str], Op] = {
    ("GET", "/healthz"): public({200}),
    # The test run starts its own S3-compatible server, so readiness is 200.
    ("GET", "/readyz"): public({200}),
    ("POST", "/api/v1/auth/login"): public({200}, _login),
    ("POST", "/api/v1/auth/refresh"): public({200}, _refresh_token),
    ("POST", "/api/v1/auth/logout"): signed_in(204, _refresh_token),
    ("GET", "/api/v1/auth/me"): signed_in(200),
    **_crud("users"),
    **_crud("teams"),
    **_crud("dealers"),
    **_crud("stores"),
    **_crud("products"),
    **_crud("prices", deactivatable=False),
    **_crud("promotions"),
    ("POST", "/api/v1/stores/import"): csv_import(),
    ("POST", "/api/v1/products/import"): csv_import(),
}


def spec_operations() -> list[tuple[str, str]]:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    return sorted(
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    )


def matrix() -> list[Any]:
    cases = []
    for method, path in spec_operations():
        op = EXPECTATIONS.get((method, path))
        for caller in CALLERS:
            for kind in op.targets(caller) if op else ["none"]:
                cases.append(
                    pytest.param(method, path, caller, kind, id=f"{method} {path} {caller} {kind}")
                )
    return cases


def test_every_expectation_is_a_real_operation():
    stale = set(EXPECTATIONS) - set(spec_operations())
    assert not stale, f"EXPECTATIONS lists operations the API no longer has: {sorted(stale)}"


@pytest.mark.parametrize(("method", "path", "caller", "kind"), matrix())
def test_permission_matrix(client, auth, make, session, world, method, path, caller, kind):
    op = EXPECTATIONS.get((method, path))
    assert op is not None, (
        f"{method} {path} has no entry in tests/api/test_permissions.py EXPECTATIONS: "
        "say what each role gets there."
    )
    request = op.build(Ctx(world, make, session, caller, kind))
    url = path.format(**request.path_params)
    headers = {} if caller == ANONYMOUS else auth.headers(world.actor(Role(caller)))
    rv = client.open(url, method=method, json=request.json, headers=headers)
    expected = op.expect(caller, kind)
    assert rv.status_code in expected, (
        f"{method} {url} as {caller} ({kind}): got {rv.status_code}, expected {expected}: "
        f"{rv.get_data(as_text=True)[:300]}"
    )
    if rv.status_code >= 400:
        assert rv.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("caller", "resource"),
    [(caller, resource) for resource, by_caller in HIDDEN.items() for caller in by_caller],
)
def test_lists_never_contain_a_hidden_row(client, auth, world, caller, resource):
    rv = client.get(
        f"/api/v1/{resource}",
        query_string={"page_size": 500},
        headers=auth.headers(world.actor(Role(caller))),
    )
    assert rv.status_code == 200
    assert str(getattr(world, HIDDEN[resource][caller]).id) not in {row["id"] for row in rv.json}
