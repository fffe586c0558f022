"""POP photos: what a declared upload may be, what makes an arrived object acceptable, which
signs of fraud a processed photo shows, and what a supervisor's decision means.
Pure: times, settings and the facts read from storage come in as arguments.

Fraud signs never block the rep: they are flags that rank the review queue. Refusals are
only for uploads that are not the image the phone declared (wrong size, type or bytes)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fieldsales.domain.errors import Conflict, InvalidInput, NotFound
from fieldsales.domain.types import GeoPoint, great_circle_m

# --- vocabularies ------------------------------------------------------------------------


class PhotoKind(enum.StrEnum):
    OUR_POP = "our_pop"
    COMPETITOR_POP = "competitor_pop"
    SHELF = "shelf"
    STOREFRONT = "storefront"
    BEFORE = "before"
    AFTER = "after"


class PhotoStatus(enum.StrEnum):
    """Where the upload is: `pending` (slot issued), `verified` (the object is the declared
    image; processing queued), `processed` (thumbnail, EXIF and flags done), `rejected`
    (the object was not acceptable and is deleted), `expired` (never completed in time)."""

    PENDING = "pending"
    VERIFIED = "verified"
    PROCESSED = "processed"
    REJECTED = "rejected"
    EXPIRED = "expired"


# Photos whose object is in storage and was checked: the ones that can be shown and reviewed.
STORED_STATUSES = frozenset({PhotoStatus.VERIFIED, PhotoStatus.PROCESSED})


class RejectionReason(enum.StrEnum):
    """Why an arrived object was refused at completion (stable codes for the client)."""

    SIZE_MISMATCH = "size-mismatch"
    TOO_LARGE = "too-large"
    CONTENT_TYPE_MISMATCH = "content-type-mismatch"
    CHECKSUM_MISMATCH = "checksum-mismatch"
    # From the image inspection (fieldsales.media.images.ImageRejected.reason):
    UNSUPPORTED_TYPE = "unsupported-type"
    TYPE_MISMATCH = "type-mismatch"
    UNDECODABLE = "undecodable"
    TOO_MANY_PIXELS = "too-many-pixels"


class ReviewStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETAKE = "retake"


class ReviewDecision(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    RETAKE = "retake"


REVIEW_STATUS_FOR = {
    ReviewDecision.APPROVE: ReviewStatus.APPROVED,
    ReviewDecision.REJECT: ReviewStatus.REJECTED,
    ReviewDecision.RETAKE: ReviewStatus.RETAKE,
}


class Flag(enum.StrEnum):
    REUSED = "reused"  # the same bytes were uploaded at another visit
    NEAR_DUPLICATE = "near_duplicate"  # looks the same as a photo at another store or day
    EXIF_TIME_FAR = "exif_time_far"  # the camera's capture time is far from the visit
    EXIF_GPS_FAR = "exif_gps_far"  # the camera's position is far from the store
    NO_EXIF = "no_exif"  # no camera metadata at all (screenshots, edited or forwarded files)


# Points each flag adds to the risk score (capped at 100). A byte-identical reuse is near
# proof; a look-alike is strong; metadata far off is suggestive; no metadata is weak (some
# apps strip it).
RISK_WEIGHTS: dict[Flag, int] = {
    Flag.REUSED: 60,
    Flag.NEAR_DUPLICATE: 40,
    Flag.EXIF_GPS_FAR: 30,
    Flag.EXIF_TIME_FAR: 25,
    Flag.NO_EXIF: 15,
}
MAX_RISK = 100


# --- errors ------------------------------------------------------------------------------


class PhotoNotFound(NotFound):
    code = "photo-not-found"
    title = "No such photo"


class PhotoRejected(InvalidInput):
    """The uploaded object is not the declared image; it was deleted."""

    code = "photo-rejected"
    title = "The uploaded photo was refused"


class PhotoNotUploaded(Conflict):
    code = "photo-not-uploaded"
    title = "Nothing has been uploaded for this photo yet"


class UploadExpired(Conflict):
    code = "upload-expired"
    title = "The upload slot expired before the photo was completed"


class PhotoNotReviewable(Conflict):
    code = "photo-not-reviewable"
    title = "Only a verified photo can be reviewed"


class PhotoWindowClosed(Conflict):
    code = "photo-window-closed"
    title = "The visit ended too long ago to add photos"


# --- settings ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhotoPolicy:
    allowed_types: frozenset[str]
    max_bytes: int
    upload_ttl_s: int
    # S3 checks a presigned PUT's signature when the upload starts, so a slow upload begun
    # just before the slot expires may still be arriving: completion and clean-up wait this
    # long past the slot's expiry.
    completion_grace_s: int = 900
    # How long after check-out photos may still be added (the phone syncs in the evening).
    late_upload_s: int = 24 * 3600
    exif_time_tolerance_s: int = 3600
    exif_gps_tolerance_m: float = 500.0
    near_duplicate_max_distance: int = 10  # of 64 perceptual-hash bits
    near_duplicate_lookback_days: int = 90


# --- the upload slot ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeclaredUpload:
    content_type: str
    byte_size: int
    sha256_hex: str


def check_declared_upload(upload: DeclaredUpload, policy: PhotoPolicy) -> None:
    """What the phone declares must be something we would accept, before any slot exists."""
    errors = []
    if upload.content_type not in policy.allowed_types:
        allowed = ", ".join(sorted(policy.allowed_types))
        errors.append({"path": "json.content_type", "message": f"Must be one of: {allowed}."})
    if not 1 <= upload.byte_size <= policy.max_bytes:
        errors.append(
            {"path": "json.byte_size", "message": f"Must be 1 to {policy.max_bytes} bytes."}
        )
    if errors:
        raise InvalidInput("The photo cannot be accepted.", errors=errors)


def ensure_visit_takes_photos(
    *, visit_id: uuid.UUID, checked_out_at: datetime | None, now: datetime, policy: PhotoPolicy
) -> None:
    """Photos go to an open visit, or to one closed recently (uploads wait for a network)."""
    if checked_out_at is None:
        return
    if now - checked_out_at > timedelta(seconds=policy.late_upload_s):
        raise PhotoWindowClosed(
            f"Visit {visit_id} was checked out at {checked_out_at.isoformat()}; photos can "
            f"be added for {policy.late_upload_s // 3600} h after check-out."
        )


def slot_deadline(expires_at: datetime, policy: PhotoPolicy) -> datetime:
    """Until when a pending slot may be completed; after it the slot is cleaned up."""
    return expires_at + timedelta(seconds=policy.completion_grace_s)


# --- completion ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What storage says about the uploaded object (HEAD), and the hash of its bytes."""

    size: int
    content_type: str | None


def stored_object_problem(
    declared: DeclaredUpload, stored: StoredObject, policy: PhotoPolicy
) -> RejectionReason | None:
    """Refuse what S3 should already have refused (signed length and type): we check anyway,
    since not every S3-compatible server enforces presigned headers."""
    if stored.size > policy.max_bytes:
        return RejectionReason.TOO_LARGE
    if stored.size != declared.byte_size:
        return RejectionReason.SIZE_MISMATCH
    if (stored.content_type or "").lower() != declared.content_type:
        return RejectionReason.CONTENT_TYPE_MISMATCH
    return None


def checksum_problem(declared: DeclaredUpload, actual_sha256_hex: str) -> RejectionReason | None:
    if actual_sha256_hex.lower() != declared.sha256_hex.lower():
        return RejectionReason.CHECKSUM_MISMATCH
    return None


# --- flags ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Earlier:
    """A photo already verified, as a candidate duplicate of the one being assessed."""

    photo_id: uuid.UUID
    visit_id: uuid.UUID
    store_id: uuid.UUID
    day: date  # store-local day of its visit
    phash: str | None = None


@dataclass(frozen=True, slots=True)
class PhotoFacts:
    """What processing learnt about one photo, and where and when it should have been taken."""

    visit_id: uuid.UUID
    store_id: uuid.UUID
    day: date
    store_position: GeoPoint
    store_timezone: str
    visit_start: datetime
    visit_end: datetime  # check-out, or the completion time for a visit still open
    phash: str
    exif_present: bool
    exif_taken_at: datetime | None  # naive = the camera's local wall time
    exif_position: GeoPoint | None


@dataclass(frozen=True, slots=True)
class Assessment:
    flags: tuple[Flag, ...]
    details: dict[str, dict[str, Any]] = field(hash=False)
    risk_score: int


def phash_distance(a: str, b: str) -> int:
    """Hamming distance of two hex perceptual hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def exif_instant(taken: datetime, store_timezone: str) -> datetime:
    """A camera without a recorded UTC offset wrote local wall time: the store's."""
    return taken if taken.tzinfo is not None else taken.replace(tzinfo=ZoneInfo(store_timezone))


def nearest_look_alike(
    facts: PhotoFacts, earlier: Iterable[Earlier], *, max_distance: int
) -> tuple[Earlier, int] | None:
    """The closest earlier photo by perceptual hash taken at another store or on another day.
    Look-alikes at the same store on the same day are normal (two visits, before/after)."""
    best: tuple[Earlier, int] | None = None
    for other in earlier:
        if other.phash is None or other.visit_id == facts.visit_id:
            continue
        if other.store_id == facts.store_id and other.day == facts.day:
            continue
        distance = phash_distance(facts.phash, other.phash)
        if distance <= max_distance and (best is None or distance < best[1]):
            best = (other, distance)
    return best


def assess_photo(
    facts: PhotoFacts,
    *,
    same_bytes: Sequence[Earlier],
    look_alikes: Iterable[Earlier],
    policy: PhotoPolicy,
) -> Assessment:
    """Flags (with the evidence a reviewer needs) and the risk score they add up to.
    `same_bytes`: earlier photos with the same SHA-256; `look_alikes`: candidates for the
    perceptual-hash comparison."""
    details: dict[str, dict[str, Any]] = {}
    reused = [p for p in same_bytes if p.visit_id != facts.visit_id]
    if reused:
        details[Flag.REUSED] = {"photo_id": str(reused[0].photo_id), "count": len(reused)}
    match = nearest_look_alike(facts, look_alikes, max_distance=policy.near_duplicate_max_distance)
    if match is not None:
        details[Flag.NEAR_DUPLICATE] = {"photo_id": str(match[0].photo_id), "distance": match[1]}
    if not facts.exif_present:
        details[Flag.NO_EXIF] = {}
    if facts.exif_taken_at is not None:
        off_by = _outside_by_s(
            exif_instant(facts.exif_taken_at, facts.store_timezone),
            facts.visit_start,
            facts.visit_end,
        )
        if off_by > policy.exif_time_tolerance_s:
            details[Flag.EXIF_TIME_FAR] = {"seconds_outside_visit": int(off_by)}
    if facts.exif_position is not None:
        distance = great_circle_m(facts.exif_position, facts.store_position)
        if distance > policy.exif_gps_tolerance_m:
            details[Flag.EXIF_GPS_FAR] = {"distance_m": round(distance)}
    flags = tuple(f for f in Flag if f in details)
    return Assessment(flags=flags, details=details, risk_score=risk_score(flags))


def _outside_by_s(instant: datetime, start: datetime, end: datetime) -> float:
    if instant < start:
        return (start - instant).total_seconds()
    if instant > end:
        return (instant - end).total_seconds()
    return 0.0


def risk_score(flags: Iterable[Flag]) -> int:
    return min(MAX_RISK, sum(RISK_WEIGHTS[f] for f in set(flags)))


# --- review ----------------------------------------------------------------------------------


def ensure_reviewable(photo_id: uuid.UUID, status: PhotoStatus) -> None:
    if status not in STORED_STATUSES:
        raise PhotoNotReviewable(f"Photo {photo_id} is {status.value}; there is nothing to review.")


def check_review(decision: ReviewDecision, comment: str | None) -> ReviewStatus:
    """A refusal or a retake request must tell the rep why."""
    if decision is not ReviewDecision.APPROVE and not (comment and comment.strip()):
        raise InvalidInput(
            "Say why, so the rep can act on it.",
            errors=[{"path": "json.comment", "message": f"Required to {decision.value}."}],
        )
    return REVIEW_STATUS_FOR[decision]
