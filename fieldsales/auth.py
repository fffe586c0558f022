"""Request authentication: every endpoint needs a bearer token unless its view is marked
`@blp.public`, or it belongs to the API docs. The caller becomes `g.actor`."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, g, request

from fieldsales import db
from fieldsales.db.models import User
from fieldsales.domain.errors import AuthenticationFailed
from fieldsales.domain.types import Actor
from fieldsales.extensions import PUBLIC_ATTR
from fieldsales.security import decode_access_token
from fieldsales.services.accounts import AuthSettings

DOCS_BLUEPRINT = "api-docs"


def auth_settings() -> AuthSettings:
    cfg = current_app.config
    return AuthSettings(
        secret=cfg["SECRET_KEY"],
        access_ttl_s=int(cfg["JWT_ACCESS_TTL_S"]),
        refresh_ttl_s=int(cfg["REFRESH_TTL_S"]),
        max_failures=int(cfg["LOGIN_MAX_FAILURES"]),
        window_s=int(cfg["LOGIN_WINDOW_S"]),
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def current_actor() -> Actor:
    actor: Actor | None = g.get("actor")
    if actor is None:
        raise AuthenticationFailed()
    return actor


def _is_public_endpoint() -> bool:
    if request.endpoint is None or request.blueprint == DOCS_BLUEPRINT:
        return True  # unknown URL (-> 404) or the docs
    view = current_app.view_functions[request.endpoint]
    view_class = getattr(view, "view_class", None)
    method = getattr(view_class, request.method.lower(), None) if view_class else view
    return bool(getattr(method, PUBLIC_ATTR, False)) or request.method == "OPTIONS"


def _bearer_token() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Send 'Authorization: Bearer <access token>'.")
    return token.strip()


def load_actor() -> None:
    if _is_public_endpoint():
        return
    user_id = decode_access_token(_bearer_token(), secret=current_app.config["SECRET_KEY"])
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise AuthenticationFailed("The account is not active.")
    g.actor = Actor(user_id=user.id, role=user.role, team_id=user.team_id, dealer_id=user.dealer_id)


def init_app(app: Flask) -> None:
    app.before_request(load_actor)
