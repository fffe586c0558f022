"""Credentials: argon2id password hashes, JWT access tokens, opaque refresh tokens.
No Flask here: secrets and lifetimes are arguments."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fieldsales.domain.errors import AuthenticationFailed
from fieldsales.domain.types import Role

# argon2id with the library's defaults (64 MiB, 3 passes): memory-hard, as the issue asks.
_hasher = PasswordHasher()
# Verified against when the username is unknown, so a miss costs the same time as a hit.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

JWT_ALGORITHM = "HS256"
JWT_ISSUER = "fieldsales"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def issue_access_token(
    *, user_id: uuid.UUID, role: Role, secret: str, now: datetime, ttl_s: int
) -> str:
    claims = {
        "iss": JWT_ISSUER,
        "sub": str(user_id),
        "role": role.value,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_s)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


def decode_access_token(token: str, *, secret: str) -> uuid.UUID:
    """The user id in a valid, unexpired token; AuthenticationFailed otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            issuer=JWT_ISSUER,
            options={"require": ["exp", "sub", "iat"]},
        )
        return uuid.UUID(claims["sub"])
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationFailed("The access token has expired; refresh it.") from exc
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise AuthenticationFailed("The access token is not valid.") from exc


def new_refresh_token() -> tuple[str, str]:
    """(token for the client, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    # High-entropy random token: a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()
