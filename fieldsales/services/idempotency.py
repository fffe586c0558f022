"""Idempotency-Key for POSTs: the first successful response to a (caller, key) is kept and
sent again, byte for byte, when the same caller repeats the key with the same request; the
same key with a different request is refused. Kept in the database, so a retry that lands
on another API machine is answered the same."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fieldsales.db.models import IdempotencyKey
from fieldsales.domain.errors import IdempotencyKeyReused


def fingerprint(method: str, path: str, body: bytes) -> str:
    """Method, path and body; a JSON body is compared by content, not by its spacing."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def find(
    session: Session,
    *,
    user_id: uuid.UUID,
    key: str,
    request_hash: str,
    now: datetime,
    ttl_s: int,
) -> IdempotencyKey | None:
    """The stored answer to repeat, None if the key is new (or expired, then forgotten)."""
    stored = session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    )
    if stored is None:
        return None
    if stored.created_at <= now - timedelta(seconds=ttl_s):
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        )
        return None
    if stored.request_hash != request_hash:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was first used for a different request; use a new key."
        )
    return stored


def remember(
    session: Session,
    *,
    user_id: uuid.UUID,
    key: str,
    request_hash: str,
    status_code: int,
    body: str,
    headers: dict[str, str],
    now: datetime,
) -> None:
    """Keep the answer. If a concurrent request with the same key got there first, its
    answer stands (the work itself is idempotent by record id)."""
    try:
        with session.begin_nested():
            session.add(
                IdempotencyKey(
                    user_id=user_id,
                    key=key,
                    request_hash=request_hash,
                    status_code=status_code,
                    body=body,
                    headers=headers,
                    created_at=now,
                )
            )
    except IntegrityError:
        pass
