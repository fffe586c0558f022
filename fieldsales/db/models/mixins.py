"""Columns most tables share: a UUID key, audit times, and an optimistic-lock version."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Integer, Uuid, func
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from fieldsales.db.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class IdMixin:
    # UUIDs rather than serials: phones create records offline with ids of their own.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class VersionMixin:
    """`version` backs the ETag; SQLAlchemy adds `WHERE version = :old` to every UPDATE,
    so two writers racing past the If-Match check still cannot both win."""

    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:  # noqa: N805 - SQLAlchemy's signature
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]
