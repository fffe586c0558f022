"""POP photos taken during visits, and the supervisors' review decisions on them.

The photo's id is the phone's (idempotent retries); the object key in storage is the
server's own random uuid, so nobody can aim an upload at a key they guessed. The rep, the
store and the store-local day are copied from the visit: the review queue filters and the
duplicate search use them on every row, without joining visits."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldsales.db import Base
from fieldsales.db.models.accounts import User, str_enum
from fieldsales.db.models.master import Store
from fieldsales.db.models.mixins import IdMixin, TimestampMixin, VersionMixin, utcnow
from fieldsales.db.models.visits import Visit
from fieldsales.db.types import JsonDoc, UTCDateTime
from fieldsales.domain.photos import PhotoKind, PhotoStatus, ReviewDecision, ReviewStatus

SHA256_HEX_LENGTH = 64
KEY_LENGTH = 200


class Photo(IdMixin, TimestampMixin, VersionMixin, Base):
    __tablename__ = "photos"
    __table_args__ = (
        Index("ix_photos_rep_id_local_day", "rep_id", "local_day"),
        Index("ix_photos_store_id_local_day", "store_id", "local_day"),
        # The expiry sweep: pending slots by deadline.
        Index("ix_photos_status_upload_expires_at", "status", "upload_expires_at"),
    )

    visit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("visits.id"), index=True)
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    store_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("stores.id"))
    local_day: Mapped[date] = mapped_column(Date)

    # What the phone declared when it asked for the upload slot.
    kind: Mapped[PhotoKind] = mapped_column(str_enum(PhotoKind))
    content_type: Mapped[str] = mapped_column(String(100))
    byte_size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), index=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    payload_hash: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH))

    # Storage.
    object_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    object_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    thumbnail_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    upload_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    status: Mapped[PhotoStatus] = mapped_column(str_enum(PhotoStatus))
    rejection_reason: Mapped[str | None] = mapped_column(String(40))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # What processing found.
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    exif_present: Mapped[bool | None] = mapped_column(Boolean)
    exif_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_lon: Mapped[float | None] = mapped_column(Float)
    phash: Mapped[str | None] = mapped_column(String(16))
    # [{"code": "reused", "photo_id": "...", ...}]: each flag with the reviewer's evidence.
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc, default=list)
    risk_score: Mapped[int] = mapped_column(Integer, default=0)

    # The latest review decision (the full trail is in photo_reviews).
    review_status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus), default=ReviewStatus.PENDING
    )
    compliance_score: Mapped[int | None] = mapped_column(Integer)
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))

    visit: Mapped[Visit] = relationship()
    rep: Mapped[User] = relationship(foreign_keys=[rep_id])
    store: Mapped[Store] = relationship()
    reviews: Mapped[list[PhotoReview]] = relationship(
        back_populates="photo", order_by="PhotoReview.created_at"
    )


# The review queue's order (riskiest, then longest waiting): a page is read off this index
# instead of sorting every photo the supervisor can see.
Index("ix_photos_queue_order", Photo.risk_score.desc(), Photo.completed_at, Photo.id)


class PhotoReview(IdMixin, Base):
    """One supervisor decision on a photo; rows are only ever added (the audit trail)."""

    __tablename__ = "photo_reviews"

    photo_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("photos.id"), index=True)
    reviewer_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    decision: Mapped[ReviewDecision] = mapped_column(str_enum(ReviewDecision))
    compliance_score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    photo: Mapped[Photo] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()
