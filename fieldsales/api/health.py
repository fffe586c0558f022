"""Liveness and readiness probes (no token)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from marshmallow import fields
from sqlalchemy import text

from fieldsales import db
from fieldsales.domain.errors import Unavailable
from fieldsales.extensions import Blueprint
from schemas import BaseSchema

blp = Blueprint("health", __name__, description="Probes for the load balancer")


class HealthSchema(BaseSchema):
    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String())


@blp.route("/healthz")
class Healthz(MethodView):
    @blp.public
    @blp.response(200, HealthSchema)
    def get(self) -> Any:
        """The process is up"""
        return {"status": "ok", "checks": {}}


@blp.route("/readyz")
class Readyz(MethodView):
    @blp.public
    @blp.response(200, HealthSchema)
    def get(self) -> Any:
        """The database and the photo storage answer"""
        checks = {"database": _check(_ping_db), "storage": _check(_ping_storage)}
        if any(v != "ok" for v in checks.values()):
            raise Unavailable("Not ready: " + ", ".join(f"{k}={v}" for k, v in checks.items()))
        return {"status": "ok", "checks": checks}


def _check(probe: Any) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - a probe reports, it does not raise
        current_app.logger.warning("readiness probe failed: %s", exc)
        return "unreachable"


def _ping_db() -> None:
    db.session.execute(text("SELECT 1"))


def _ping_storage() -> None:
    from fieldsales.storage import get_photo_store

    get_photo_store().ping()
