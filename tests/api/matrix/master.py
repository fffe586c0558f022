"""Matrix entries for health, auth and the master-data CRUD and CSV imports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fieldsales import security
from fieldsales.db.models import RefreshToken
from fieldsales.domain.types import Role
from tests.api.matrix import (
    ADMIN,
    ANONYMOUS,
    Ctx,
    Op,
    Request,
    _no_body,
    admin_write,
    create,
    listing,
    public,
    read,
    signed_in,
)
from tests.api.payloads import PATCH_BODIES
from tests.factories import PASSWORD


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
