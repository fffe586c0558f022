"""Photo use cases: hand out an upload slot, verify what arrived, process it (thumbnail,
EXIF, perceptual hash, fraud flags), expire slots never completed, review, and list.

The bytes go from the phone straight to S3 with a presigned PUT. This module only ever
reads them back from S3 (to verify and to process), never through the API."""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from fieldsales.db.models import Photo, PhotoReview, Store, User, Visit
from fieldsales.domain.errors import Unavailable
from fieldsales.domain.photos import (
    STORED_STATUSES,
    Assessment,
    DeclaredUpload,
    Earlier,
    PhotoFacts,
    PhotoNotFound,
    PhotoNotUploaded,
    PhotoPolicy,
    PhotoRejected,
    PhotoStatus,
    RejectionReason,
    ReviewDecision,
    StoredObject,
    UploadExpired,
    assess_photo,
    check_declared_upload,
    check_review,
    checksum_problem,
    ensure_reviewable,
    ensure_visit_takes_photos,
    exif_instant,
    slot_deadline,
    stored_object_problem,
)
from fieldsales.domain.types import Actor, GeoPoint, Role
from fieldsales.domain.visits import (
    CheckPolicy,
    IdAlreadyUsed,
    VisitNotFound,
    ensure_record_fits_visit,
)
from fieldsales.media import images
from fieldsales.services import scope
from fieldsales.services.visits import payload_hash
from fieldsales.storage import get_photo_store
from fieldsales.storage.photos import (
    ObjectNotFound,
    ObjectTooLarge,
    PhotoStore,
    StorageError,
    UploadSlot,
    photo_key,
    thumbnail_key,
)

# Fields of the slot request that make up what the photo *is* (a retry sends the same).
DECLARED_FIELDS = ("kind", "content_type", "byte_size", "sha256", "taken_at", "position")
# How many earlier photos with the same bytes are worth naming as evidence.
SAME_BYTES_LIMIT = 20


@dataclass(frozen=True, slots=True)
class PhotoSettings:
    policy: PhotoPolicy
    max_pixels: int
    url_ttl_s: int
    record_policy: CheckPolicy  # when a photo's taken_at still belongs to its visit


def settings_from_config(config: Mapping[str, Any]) -> PhotoSettings:
    allowed = config["PHOTOS_ALLOWED_TYPES"]
    if isinstance(allowed, str):  # FIELDSALES_PHOTOS_ALLOWED_TYPES=image/jpeg,image/png
        allowed = [t.strip() for t in allowed.split(",") if t.strip()]
    return PhotoSettings(
        policy=PhotoPolicy(
            allowed_types=frozenset(t.lower() for t in allowed),
            max_bytes=int(config["PHOTOS_MAX_BYTES"]),
            upload_ttl_s=int(config["PHOTOS_UPLOAD_TTL_S"]),
            completion_grace_s=int(config["PHOTOS_COMPLETION_GRACE_S"]),
            late_upload_s=int(config["PHOTOS_LATE_UPLOAD_S"]),
            exif_time_tolerance_s=int(config["PHOTOS_EXIF_TIME_TOLERANCE_S"]),
            exif_gps_tolerance_m=float(config["PHOTOS_EXIF_GPS_TOLERANCE_M"]),
            near_duplicate_max_distance=int(config["PHOTOS_NEAR_DUPLICATE_MAX_DISTANCE"]),
            near_duplicate_lookback_days=int(config["PHOTOS_NEAR_DUPLICATE_LOOKBACK_DAYS"]),
        ),
        max_pixels=int(config["PHOTOS_MAX_PIXELS"]),
        url_ttl_s=int(config["PHOTOS_URL_TTL_S"]),
        record_policy=CheckPolicy(late_record_grace_s=float(config["VISIT_LATE_RECORD_GRACE_S"])),
    )


@contextmanager
def _storage() -> Iterator[None]:
    """Storage failures are the client's to retry later (503), not a bug (500)."""
    try:
        yield
    except (ObjectNotFound, ObjectTooLarge):
        raise
    except StorageError as exc:
        raise Unavailable("Photo storage is not reachable; try again shortly.") from exc


def _declared(photo: Photo) -> DeclaredUpload:
    return DeclaredUpload(
        content_type=photo.content_type, byte_size=photo.byte_size, sha256_hex=photo.sha256
    )


# --- the upload slot -----------------------------------------------------------------------


def request_upload(
    session: Session,
    store: PhotoStore,
    *,
    actor: Actor,
    visit: Visit,
    photo_id: uuid.UUID,
    data: Mapping[str, Any],
    now: datetime,
    settings: PhotoSettings,
) -> tuple[Photo, UploadSlot | None, bool]:
    """A pending photo and a presigned PUT for a key of the server's choosing.

    Returns (photo, slot, replayed). A retry with the same id and body gets the same photo
    and a freshly signed URL for the same key, valid until the original expiry; once that
    has passed, or the photo was completed, it gets no slot."""
    if visit.rep_id != actor.user_id:  # a supervisor can see the visit, not add to it
        raise VisitNotFound(f"No visit with id {visit.id}.")
    fields = {"visit_id": visit.id, **{k: data.get(k) for k in DECLARED_FIELDS}}
    fields["sha256"] = data["sha256"].lower()
    digest = payload_hash(fields)
    existing = session.get(Photo, photo_id)
    if existing is not None:
        if existing.rep_id != actor.user_id or existing.payload_hash != digest:
            raise IdAlreadyUsed(f"Id {photo_id} is already used by a different photo.")
        return existing, _resign(store, existing, now), True

    policy = settings.policy
    declared = DeclaredUpload(data["content_type"].lower(), data["byte_size"], fields["sha256"])
    check_declared_upload(declared, policy)
    ensure_visit_takes_photos(
        visit_id=visit.id, checked_out_at=visit.checked_out_at, now=now, policy=policy
    )
    ensure_record_fits_visit(
        visit_id=visit.id,
        checked_in_at=visit.checked_in_at,
        checked_out_at=visit.checked_out_at,
        recorded_at=data["taken_at"],
        policy=settings.record_policy,
    )
    object_id = uuid.uuid4()  # never the phone's id: the key is what nobody can guess
    key = photo_key(object_id, created_at=now)
    with _storage():
        slot = store.presign_upload(
            key,
            content_type=declared.content_type,
            size=declared.byte_size,
            sha256_hex=declared.sha256_hex,
            expires_s=policy.upload_ttl_s,
        )
    position = data.get("position") or {}
    photo = Photo(
        id=photo_id,
        visit_id=visit.id,
        rep_id=visit.rep_id,
        store_id=visit.store_id,
        local_day=visit.local_day,
        kind=data["kind"],
        content_type=declared.content_type,
        byte_size=declared.byte_size,
        sha256=declared.sha256_hex,
        taken_at=data["taken_at"],
        lat=position.get("lat"),
        lon=position.get("lon"),
        accuracy_m=position.get("accuracy_m"),
        payload_hash=digest,
        object_id=object_id,
        object_key=key,
        upload_expires_at=slot.expires_at,
        status=PhotoStatus.PENDING,
        flags=[],
        risk_score=0,
        created_at=now,
    )
    session.add(photo)
    session.flush()
    return photo, slot, False


def _resign(store: PhotoStore, photo: Photo, now: datetime) -> UploadSlot | None:
    remaining = math.floor((photo.upload_expires_at - now).total_seconds())
    if photo.status is not PhotoStatus.PENDING or remaining < 1:
        return None
    with _storage():
        return store.presign_upload(
            photo.object_key,
            content_type=photo.content_type,
            size=photo.byte_size,
            sha256_hex=photo.sha256,
            expires_s=remaining,
        )


# --- completion ----------------------------------------------------------------------------


def complete_upload(
    session: Session, store: PhotoStore, *, photo: Photo, now: datetime, settings: PhotoSettings
) -> bool:
    """Check the object that arrived is exactly the declared image, or delete it and mark
    the photo rejected (or expired). Completing a photo again changes nothing.

    Returns True while processing is due: just verified, or verified before and still not
    processed (its job may have been lost; processing a photo twice does nothing)."""
    if photo.status is not PhotoStatus.PENDING:
        return photo.status is PhotoStatus.VERIFIED
    policy = settings.policy
    if now > slot_deadline(photo.upload_expires_at, policy):
        _expire(store, photo)
        return False
    with _storage():
        info = store.head(photo.object_key)
    if info is None:
        raise PhotoNotUploaded(
            f"No upload has arrived for photo {photo.id}; PUT it to the upload URL first."
        )
    declared = _declared(photo)
    reason = stored_object_problem(declared, StoredObject(info.size, info.content_type), policy)
    if reason is None:
        reason = _content_problem(store, photo, declared, settings)
    if reason is not None:
        _reject(store, photo, reason, now)
        return False
    photo.status = PhotoStatus.VERIFIED
    photo.completed_at = now
    session.flush()
    return True


def _content_problem(
    store: PhotoStore, photo: Photo, declared: DeclaredUpload, settings: PhotoSettings
) -> RejectionReason | None:
    """One read of the object: its SHA-256, then a full decode as the declared type."""
    try:
        with _storage():
            data = store.read(photo.object_key, max_bytes=settings.policy.max_bytes)
    except ObjectTooLarge:
        return RejectionReason.TOO_LARGE
    except ObjectNotFound as exc:  # deleted between HEAD and GET
        raise PhotoNotUploaded(f"No upload has arrived for photo {photo.id}.") from exc
    reason = checksum_problem(declared, hashlib.sha256(data).hexdigest())
    if reason is not None:
        return reason
    try:
        images.verify_image(
            data, declared_type=declared.content_type, max_pixels=settings.max_pixels
        )
    except images.ImageRejected as exc:
        return RejectionReason(exc.reason)
    return None


def _reject(store: PhotoStore, photo: Photo, reason: RejectionReason, now: datetime) -> None:
    with _storage():
        store.delete(photo.object_key)
    photo.status = PhotoStatus.REJECTED
    photo.rejection_reason = reason.value
    photo.completed_at = now


def _expire(store: PhotoStore, photo: Photo) -> None:
    with _storage():
        store.delete(photo.object_key)  # whatever arrived too late, if anything
    photo.status = PhotoStatus.EXPIRED


def raise_for_outcome(photo: Photo) -> None:
    """After the outcome of a completion is committed: tell the client what went wrong."""
    if photo.status is PhotoStatus.REJECTED:
        raise PhotoRejected(
            f"Photo {photo.id} was refused ({photo.rejection_reason}) and its upload deleted. "
            "Take or pick the photo again and upload it under a new id.",
            reason=photo.rejection_reason,
            photo_id=str(photo.id),
        )
    if photo.status is PhotoStatus.EXPIRED:
        raise UploadExpired(
            f"The upload slot of photo {photo.id} expired; request a new one under a new id.",
            photo_id=str(photo.id),
        )


def expire_slots(
    session: Session,
    store: PhotoStore,
    *,
    now: datetime,
    policy: PhotoPolicy,
    rep_id: uuid.UUID | None = None,
    limit: int = 200,
) -> int:
    """Mark pending slots past their deadline expired and delete whatever they uploaded.
    Returns how many; call again while it returns `limit`."""
    cutoff = now - timedelta(seconds=policy.completion_grace_s)
    stmt = (
        select(Photo)
        .where(Photo.status == PhotoStatus.PENDING, Photo.upload_expires_at < cutoff)
        .order_by(Photo.upload_expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True)  # a second sweeper takes other rows
    )
    if rep_id is not None:
        stmt = stmt.where(Photo.rep_id == rep_id)
    expired = list(session.scalars(stmt))
    for photo in expired:
        _expire(store, photo)
    session.flush()
    return len(expired)


# --- processing ----------------------------------------------------------------------------


def process_photo(
    session: Session,
    store: PhotoStore,
    *,
    photo_id: uuid.UUID,
    now: datetime,
    settings: PhotoSettings,
) -> Photo | None:
    """Thumbnail, dimensions, EXIF, perceptual hash, then flags and risk. Runs once per
    verified photo; a repeated run (a retried job) finds it processed and does nothing."""
    photo = session.get(Photo, photo_id, with_for_update=True)
    if photo is None or photo.status is not PhotoStatus.VERIFIED:
        return photo
    with _storage():
        data = store.read(photo.object_key, max_bytes=settings.policy.max_bytes)
    analysis = images.analyse_image(
        data, declared_type=photo.content_type, max_pixels=settings.max_pixels
    )
    thumb_key = thumbnail_key(photo.object_id, created_at=photo.created_at)
    with _storage():
        store.put(thumb_key, analysis.thumbnail_jpeg, content_type=images.JPEG)
    visit, shop = photo.visit, photo.store
    exif = analysis.exif
    exif_at = exif_instant(exif.captured_at, shop.timezone) if exif.captured_at else None
    exif_at = exif_at.astimezone(UTC) if exif_at else None
    facts = PhotoFacts(
        visit_id=photo.visit_id,
        store_id=photo.store_id,
        day=photo.local_day,
        store_position=GeoPoint(shop.lat, shop.lon),
        store_timezone=shop.timezone,
        visit_start=visit.checked_in_at,
        visit_end=visit.checked_out_at or photo.completed_at or now,
        phash=analysis.phash,
        exif_present=exif.present,
        exif_taken_at=exif_at,
        exif_position=(
            GeoPoint(exif.position.latitude, exif.position.longitude) if exif.position else None
        ),
    )
    assessment = assess_photo(
        facts,
        same_bytes=_same_bytes(session, photo),
        look_alikes=_look_alike_candidates(session, photo, settings.policy),
        policy=settings.policy,
    )
    photo.thumbnail_key = thumb_key
    photo.width, photo.height = analysis.facts.width, analysis.facts.height
    photo.exif_present = exif.present
    photo.exif_taken_at = exif_at
    photo.exif_lat = facts.exif_position.lat if facts.exif_position else None
    photo.exif_lon = facts.exif_position.lon if facts.exif_position else None
    photo.phash = analysis.phash
    photo.flags = flag_rows(assessment)
    photo.risk_score = assessment.risk_score
    photo.status = PhotoStatus.PROCESSED
    photo.processed_at = now
    session.flush()
    return photo


def flag_rows(assessment: Assessment) -> list[dict[str, Any]]:
    return [{"code": f.value, **assessment.details[f]} for f in assessment.flags]


def _earlier(row: Any) -> Earlier:
    return Earlier(
        photo_id=row.id,
        visit_id=row.visit_id,
        store_id=row.store_id,
        day=row.local_day,
        phash=row.phash,
    )


_EARLIER_COLUMNS = (Photo.id, Photo.visit_id, Photo.store_id, Photo.local_day, Photo.phash)


def _same_bytes(session: Session, photo: Photo) -> list[Earlier]:
    rows = session.execute(
        select(*_EARLIER_COLUMNS)
        .where(
            Photo.sha256 == photo.sha256,
            Photo.id != photo.id,
            Photo.status.in_(STORED_STATUSES),
        )
        .order_by(Photo.completed_at)
        .limit(SAME_BYTES_LIMIT)
    )
    return [_earlier(r) for r in rows]


def _look_alike_candidates(session: Session, photo: Photo, policy: PhotoPolicy) -> list[Earlier]:
    """Processed photos of the same rep or the same store over the look-back window: a
    re-used picture comes from one's own camera roll or from the same shop front."""
    since = photo.local_day - timedelta(days=policy.near_duplicate_lookback_days)
    rows = session.execute(
        select(*_EARLIER_COLUMNS).where(
            or_(Photo.rep_id == photo.rep_id, Photo.store_id == photo.store_id),
            Photo.local_day >= since,
            Photo.status == PhotoStatus.PROCESSED,
            Photo.id != photo.id,
            Photo.visit_id != photo.visit_id,
        )
    )
    return [_earlier(r) for r in rows]


# --- review --------------------------------------------------------------------------------


def review_photo(
    session: Session,
    *,
    actor: Actor,
    photo: Photo,
    decision: ReviewDecision,
    compliance_score: int | None,
    comment: str | None,
    now: datetime,
) -> Photo:
    """Record a supervisor's decision (kept in the trail) and make it the photo's current
    review, which the rep sees on the visit."""
    ensure_reviewable(photo.id, photo.status)
    status = check_review(decision, comment)
    comment = comment.strip() if comment else None
    session.add(
        PhotoReview(
            photo_id=photo.id,
            reviewer_id=actor.user_id,
            decision=decision,
            compliance_score=compliance_score,
            comment=comment,
            created_at=now,
        )
    )
    photo.review_status = status
    photo.compliance_score = compliance_score
    photo.review_comment = comment
    photo.reviewed_at = now
    photo.reviewed_by_id = actor.user_id
    session.flush()
    session.expire(photo, ["reviews"])
    return photo


# --- reads ---------------------------------------------------------------------------------


def _with_names(stmt: Select[Any]) -> Select[Any]:
    """Store and rep names for a page in two extra queries, whatever the page size."""
    return stmt.options(
        selectinload(Photo.store).load_only(Store.name, Store.code),
        selectinload(Photo.rep).load_only(User.display_name),
    )


def review_queue_stmt(actor: Actor, args: Mapping[str, Any]) -> Select[Any]:
    """Verified photos the actor may see, riskiest first, then longest waiting."""
    stmt = scope.scoped(select(Photo), Photo, actor).where(Photo.status.in_(STORED_STATUSES))
    for name in ("rep_id", "store_id", "kind"):
        if name in args:
            stmt = stmt.where(getattr(Photo, name) == args[name])
    if "dealer_id" in args:
        stmt = stmt.where(
            Photo.store_id.in_(select(Store.id).where(Store.dealer_id == args["dealer_id"]))
        )
    if "status" in args:
        stmt = stmt.where(Photo.review_status == args["status"])
    if "flagged" in args:
        stmt = stmt.where(Photo.risk_score > 0 if args["flagged"] else Photo.risk_score == 0)
    if "from_day" in args:
        stmt = stmt.where(Photo.local_day >= args["from_day"])
    if "to_day" in args:
        stmt = stmt.where(Photo.local_day <= args["to_day"])
    return _with_names(stmt).order_by(Photo.risk_score.desc(), Photo.completed_at, Photo.id)


def visit_photos(session: Session, actor: Actor, visit_id: uuid.UUID) -> list[Photo]:
    """Every photo of a visit the actor can see, whatever its state, in the order taken."""
    scope.get_visible(session, Visit, visit_id, actor)
    stmt = scope.scoped(select(Photo), Photo, actor).where(Photo.visit_id == visit_id)
    return list(session.scalars(_with_names(stmt).order_by(Photo.taken_at, Photo.id)))


def photo_detail(session: Session, actor: Actor, photo_id: uuid.UUID) -> Photo:
    photo = session.scalar(
        _with_names(scope.scoped(select(Photo), Photo, actor))
        .where(Photo.id == photo_id)
        .options(selectinload(Photo.reviews))
    )
    if photo is None:
        raise PhotoNotFound(f"No photo with id {photo_id}.")
    return photo


# --- what a caller gets to see -------------------------------------------------------------


@dataclass(frozen=True)
class PhotoView:
    """A photo as one caller sees it: short-lived download URLs signed for this response
    (no request to S3: signing is local), and the fraud flags only for reviewers (a rep
    who is told what gives a reused photo away learns how to hide it)."""

    photo: Photo
    url: str | None
    thumbnail_url: str | None
    urls_expire_at: datetime | None
    flags: list[dict[str, Any]] | None
    risk_score: int | None
    upload: UploadSlot | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.photo, name)


def view_of(
    photo: Photo,
    store: PhotoStore,
    *,
    actor: Actor,
    now: datetime,
    url_ttl_s: int,
    upload: UploadSlot | None = None,
) -> PhotoView:
    url = thumb = expires = None
    if photo.status in STORED_STATUSES:
        with _storage():
            url = store.presigned_get(photo.object_key, expires_s=url_ttl_s)
            if photo.thumbnail_key:
                thumb = store.presigned_get(photo.thumbnail_key, expires_s=url_ttl_s)
        expires = now + timedelta(seconds=url_ttl_s)
    reviewer = actor.role is not Role.REP
    return PhotoView(
        photo=photo,
        url=url,
        thumbnail_url=thumb,
        urls_expire_at=expires,
        flags=photo.flags if reviewer else None,
        risk_score=photo.risk_score if reviewer else None,
        upload=upload,
    )


# --- background jobs (fieldsales.jobs: job(session, *json_args)) ---------------------------


def process_photo_job(session: Session, photo_id: str) -> None:
    process_photo(
        session,
        get_photo_store(),
        photo_id=uuid.UUID(photo_id),
        now=datetime.now(UTC),
        settings=settings_from_config(current_app.config),
    )


def expire_slots_job(session: Session, rep_id: str | None = None) -> None:
    """Opportunistic sweep after a rep asks for a slot: that rep's own stale slots."""
    expire_slots(
        session,
        get_photo_store(),
        now=datetime.now(UTC),
        policy=settings_from_config(current_app.config).policy,
        rep_id=uuid.UUID(rep_id) if rep_id else None,
    )
