"""Sign-in, token refresh with rotation, logout, and failed-login throttling."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from fieldsales import security
from fieldsales.db.models import LoginAttempt, RefreshToken, User
from fieldsales.domain.errors import AuthenticationFailed, DomainError, TooManyRequests


@dataclass(frozen=True, slots=True)
class AuthSettings:
    secret: str
    access_ttl_s: int
    refresh_ttl_s: int
    max_failures: int
    window_s: int


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a sign-in or refresh produced. Failures are returned, not raised, because what
    they recorded (a failed attempt, a revoked token family) must be committed first."""

    tokens: TokenPair | None = None
    error: DomainError | None = None

    def unwrap(self) -> TokenPair:
        if self.error is not None:
            raise self.error
        assert self.tokens is not None
        return self.tokens


def login(
    session: Session,
    *,
    username: str,
    password: str,
    remote_addr: str | None,
    now: datetime,
    settings: AuthSettings,
) -> Outcome:
    throttled = _throttle(session, username=username, now=now, settings=settings)
    if throttled:
        return Outcome(error=throttled)
    user = session.scalar(select(User).where(User.username == username))
    if not security.verify_password(user.password_hash if user else None, password) or (
        user is not None and not user.active
    ):
        session.add(LoginAttempt(username=username, remote_addr=remote_addr, at=now))
        session.flush()
        return Outcome(error=AuthenticationFailed("Wrong username or password."))
    assert user is not None
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
    return Outcome(tokens=_issue(session, user, family_id=uuid.uuid4(), now=now, settings=settings))


def refresh(session: Session, *, token: str, now: datetime, settings: AuthSettings) -> Outcome:
    record = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == security.hash_refresh_token(token))
    )
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        return Outcome(error=AuthenticationFailed("The refresh token is not valid; sign in again."))
    if record.used_at is not None:
        # A rotated-out token came back: someone holds a copy. End the whole session.
        _revoke_family(session, record.family_id, now)
        return Outcome(
            error=AuthenticationFailed("The refresh token was already used; sign in again.")
        )
    user = session.get(User, record.user_id)
    if user is None or not user.active:
        return Outcome(error=AuthenticationFailed("The account is not active."))
    record.used_at = now
    return Outcome(
        tokens=_issue(session, user, family_id=record.family_id, now=now, settings=settings)
    )


def logout(session: Session, *, token: str, user_id: uuid.UUID, now: datetime) -> None:
    """Revoke the refresh token's family. Unknown or foreign tokens are ignored: logout is
    idempotent and must not reveal whose token a string is."""
    record = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == security.hash_refresh_token(token))
    )
    if record is not None and record.user_id == user_id:
        _revoke_family(session, record.family_id, now)


def _issue(
    session: Session, user: User, *, family_id: uuid.UUID, now: datetime, settings: AuthSettings
) -> TokenPair:
    token, token_hash = security.new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=token_hash,
            issued_at=now,
            expires_at=now + timedelta(seconds=settings.refresh_ttl_s),
        )
    )
    session.flush()
    access = security.issue_access_token(
        user_id=user.id,
        role=user.role,
        secret=settings.secret,
        now=now,
        ttl_s=settings.access_ttl_s,
    )
    return TokenPair(access_token=access, refresh_token=token, expires_in=settings.access_ttl_s)


def _revoke_family(session: Session, family_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _throttle(
    session: Session, *, username: str, now: datetime, settings: AuthSettings
) -> TooManyRequests | None:
    since = now - timedelta(seconds=settings.window_s)
    count, oldest = session.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(
            LoginAttempt.username == username, LoginAttempt.at > since
        )
    ).one()
    if count < settings.max_failures:
        return None
    retry_after = max(1, int((oldest + timedelta(seconds=settings.window_s) - now).total_seconds()))
    return TooManyRequests(
        f"Too many failed sign-ins for this account; try again in {retry_after} s.",
        retry_after_s=retry_after,
    )
