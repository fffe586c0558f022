"""Who can sign in: users with a role, the teams that group reps under a supervisor, and
the credentials machinery (refresh tokens, login attempts)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Enum, Float, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldsales.db import Base
from fieldsales.db.models.mixins import IdMixin, TimestampMixin, VersionMixin, utcnow
from fieldsales.db.types import UTCDateTime
from fieldsales.domain.types import Role


def str_enum(enum_cls: type) -> Enum:
    """Store an enum as its string value (portable; no native PG enum to migrate)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Team(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "teams"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    supervisor_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", use_alter=True), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")

    supervisor: Mapped[User | None] = relationship(foreign_keys=[supervisor_id])


class User(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    # A rep belongs to a team; a supervisor leads teams (Team.supervisor_id).
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("teams.id"), index=True)
    # A dealer user acts for one dealer.
    dealer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("dealers.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    # Where a rep's day usually starts and ends (route planning default).
    home_lat: Mapped[float | None] = mapped_column(Float)
    home_lon: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")

    team: Mapped[Team | None] = relationship(foreign_keys=[team_id])


class RefreshToken(IdMixin, Base):
    """An opaque refresh token, stored only as a hash. Tokens rotate on use; the whole
    family is revoked if a used token comes back (it was stolen or replayed)."""

    __tablename__ = "refresh_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(IdMixin, Base):
    """Failed sign-ins, kept in the database so throttling holds across API machines."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),)

    username: Mapped[str] = mapped_column(String(80))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
