"""Sign in, refresh, sign out, and who am I."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView

from fieldsales import db
from fieldsales.auth import auth_settings, current_actor, utcnow
from fieldsales.db.models import User
from fieldsales.extensions import Blueprint
from fieldsales.services import accounts
from schemas.accounts import LoginSchema, RefreshSchema, TokenPairSchema, UserSchema

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign-in and tokens")


@blp.route("/login")
class Login(MethodView):
    @blp.public
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenPairSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Sign in with username and password

        Returns a short-lived access token and a refresh token. Repeated failures for an
        account are throttled (429 with Retry-After)."""
        outcome = accounts.login(
            db.session,
            username=data["username"],
            password=data["password"],
            remote_addr=request.remote_addr,
            now=utcnow(),
            settings=auth_settings(),
        )
        db.session.commit()  # a failed attempt is recorded even though we answer 401
        return outcome.unwrap()


@blp.route("/refresh")
class Refresh(MethodView):
    @blp.public
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenPairSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Trade a refresh token for a new pair

        The old refresh token stops working. Presenting it again revokes the whole session."""
        outcome = accounts.refresh(
            db.session, token=data["refresh_token"], now=utcnow(), settings=auth_settings()
        )
        db.session.commit()
        return outcome.unwrap()


@blp.route("/logout")
class Logout(MethodView):
    @blp.arguments(RefreshSchema)
    @blp.response(204)
    def post(self, data: dict[str, Any]) -> None:
        """Sign out: revoke the refresh token and every token rotated from it"""
        accounts.logout(
            db.session, token=data["refresh_token"], user_id=current_actor().user_id, now=utcnow()
        )
        db.session.commit()


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self) -> Any:
        """The signed-in user"""
        return db.session.get(User, current_actor().user_id)
