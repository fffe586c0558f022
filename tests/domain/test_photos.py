import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from fieldsales.domain.errors import InvalidInput
from fieldsales.domain.photos import (
    DeclaredUpload,
    Earlier,
    Flag,
    PhotoFacts,
    PhotoNotReviewable,
    PhotoPolicy,
    PhotoStatus,
    PhotoWindowClosed,
    RejectionReason,
    ReviewDecision,
    ReviewStatus,
    StoredObject,
    assess_photo,
    check_declared_upload,
    check_review,
    checksum_problem,
    ensure_reviewable,
    ensure_visit_takes_photos,
    exif_instant,
    nearest_look_alike,
    phash_distance,
    risk_score,
    slot_deadline,
    stored_object_problem,
)
from fieldsales.domain.types import GeoPoint

POLICY = PhotoPolicy(
    allowed_types=frozenset({"image/jpeg", "image/png"}), max_bytes=1000, upload_ttl_s=600
)
SHA = "ab" * 32
DECLARED = DeclaredUpload(content_type="image/jpeg", byte_size=500, sha256_hex=SHA)
NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
VISIT, OTHER_VISIT = uuid.uuid4(), uuid.uuid4()
STORE, OTHER_STORE = uuid.uuid4(), uuid.uuid4()
DAY = date(2026, 11, 23)
STORE_AT = GeoPoint(31.2304, 121.4737)
PHASH = "f0f0f0f0f0f0f0f0"


def facts(**over) -> PhotoFacts:
    values = {
        "visit_id": VISIT,
        "store_id": STORE,
        "day": DAY,
        "store_position": STORE_AT,
        "store_timezone": "Asia/Shanghai",
        "visit_start": NOW - timedelta(minutes=20),
        "visit_end": NOW,
        "phash": PHASH,
        "exif_present": True,
        "exif_taken_at": NOW - timedelta(minutes=10),
        "exif_position": STORE_AT,
        **over,
    }
    return PhotoFacts(**values)


def earlier(phash=PHASH, *, visit=OTHER_VISIT, store=OTHER_STORE, day=DAY) -> Earlier:
    return Earlier(photo_id=uuid.uuid4(), visit_id=visit, store_id=store, day=day, phash=phash)


def flags_of(f: PhotoFacts, same_bytes=(), look_alikes=()) -> tuple[Flag, ...]:
    return assess_photo(f, same_bytes=same_bytes, look_alikes=look_alikes, policy=POLICY).flags


@pytest.mark.parametrize(
    ("upload", "paths"),
    [
        (DECLARED, []),
        (DeclaredUpload("image/gif", 500, SHA), ["json.content_type"]),
        (DeclaredUpload("image/jpeg", 1001, SHA), ["json.byte_size"]),
        (DeclaredUpload("image/jpeg", 0, SHA), ["json.byte_size"]),
        (DeclaredUpload("text/plain", 5000, SHA), ["json.content_type", "json.byte_size"]),
    ],
)
def test_check_declared_upload_names_each_bad_field(upload, paths):
    if not paths:
        check_declared_upload(upload, POLICY)
        return
    with pytest.raises(InvalidInput) as exc:
        check_declared_upload(upload, POLICY)
    assert [e["path"] for e in exc.value.errors] == paths


@pytest.mark.parametrize(
    ("checked_out_at", "allowed"),
    [
        (None, True),
        (NOW - timedelta(hours=23), True),
        (NOW - timedelta(hours=25), False),
    ],
)
def test_photos_go_to_an_open_or_recently_closed_visit(checked_out_at, allowed):
    def call():
        ensure_visit_takes_photos(
            visit_id=VISIT, checked_out_at=checked_out_at, now=NOW, policy=POLICY
        )

    if allowed:
        call()
    else:
        with pytest.raises(PhotoWindowClosed):
            call()


def test_slot_deadline_adds_the_completion_grace():
    assert slot_deadline(NOW, POLICY) == NOW + timedelta(seconds=POLICY.completion_grace_s)


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        (StoredObject(500, "image/jpeg"), None),
        (StoredObject(500, "IMAGE/JPEG"), None),
        (StoredObject(499, "image/jpeg"), RejectionReason.SIZE_MISMATCH),
        (StoredObject(1001, "image/jpeg"), RejectionReason.TOO_LARGE),
        (StoredObject(500, "image/png"), RejectionReason.CONTENT_TYPE_MISMATCH),
        (StoredObject(500, None), RejectionReason.CONTENT_TYPE_MISMATCH),
    ],
)
def test_stored_object_problem(stored, reason):
    assert stored_object_problem(DECLARED, stored, POLICY) == reason


def test_checksum_problem_compares_case_insensitively():
    assert checksum_problem(DECLARED, SHA.upper()) is None
    assert checksum_problem(DECLARED, "cd" * 32) is RejectionReason.CHECKSUM_MISMATCH


def test_a_clean_photo_has_no_flags_and_no_risk():
    assessment = assess_photo(facts(), same_bytes=[], look_alikes=[], policy=POLICY)
    assert assessment.flags == ()
    assert assessment.risk_score == 0


def test_same_bytes_at_another_visit_is_reused():
    first = earlier()
    assessment = assess_photo(facts(), same_bytes=[first], look_alikes=[], policy=POLICY)
    assert assessment.flags == (Flag.REUSED,)
    assert assessment.details[Flag.REUSED] == {"photo_id": str(first.photo_id), "count": 1}


def test_same_bytes_twice_in_the_same_visit_is_not_reuse():
    assert flags_of(facts(), same_bytes=[earlier(visit=VISIT, store=STORE)]) == ()


@pytest.mark.parametrize(
    ("store", "day", "flagged"),
    [
        (OTHER_STORE, DAY, True),  # another store
        (STORE, DAY - timedelta(days=1), True),  # same store, another day
        (STORE, DAY, False),  # same store and day: a second visit, before/after
    ],
)
def test_near_duplicate_only_at_another_store_or_day(store, day, flagged):
    close = "f0f0f0f0f0f0f0f3"  # 2 bits off
    assert (
        Flag.NEAR_DUPLICATE in flags_of(facts(), look_alikes=[earlier(close, store=store, day=day)])
    ) is flagged


def test_near_duplicate_ignores_photos_of_the_same_visit_and_far_hashes():
    far = "0f0f0f0f0f0f0f0f"  # 64 bits off
    candidates = [earlier(visit=VISIT, store=OTHER_STORE), earlier(far)]
    assert nearest_look_alike(facts(), candidates, max_distance=10) is None


def test_nearest_look_alike_picks_the_closest():
    near, nearer = earlier("f0f0f0f0f0f0f0ff"), earlier("f0f0f0f0f0f0f0f1")
    match = nearest_look_alike(facts(), [near, nearer], max_distance=10)
    assert match == (nearer, 1)


def test_phash_distance_counts_differing_bits():
    assert phash_distance("0000000000000000", "000000000000000f") == 4
    assert phash_distance(PHASH, PHASH) == 0


def test_no_exif_is_flagged():
    f = facts(exif_present=False, exif_taken_at=None, exif_position=None)
    assert flags_of(f) == (Flag.NO_EXIF,)


@pytest.mark.parametrize(
    ("taken", "flagged"),
    [
        (NOW - timedelta(minutes=20) - timedelta(minutes=59), False),  # within an hour before
        (NOW + timedelta(minutes=59), False),
        (NOW - timedelta(minutes=20) - timedelta(minutes=61), True),
        (NOW + timedelta(days=3), True),
    ],
)
def test_exif_time_far_from_the_visit(taken, flagged):
    assert (Flag.EXIF_TIME_FAR in flags_of(facts(exif_taken_at=taken))) is flagged


def test_exif_time_without_offset_is_read_in_the_store_time_zone():
    # 11:55 wall time in Shanghai is 03:55 UTC, inside the visit; read as UTC it would be
    # eight hours off.
    naive_local = datetime(2026, 11, 23, 11, 55)
    assert exif_instant(naive_local, "Asia/Shanghai") == datetime(2026, 11, 23, 3, 55, tzinfo=UTC)
    assert flags_of(facts(exif_taken_at=naive_local)) == ()


def test_exif_gps_far_from_the_store():
    two_km_north = GeoPoint(STORE_AT.lat + 0.018, STORE_AT.lon)
    assessment = assess_photo(
        facts(exif_position=two_km_north), same_bytes=[], look_alikes=[], policy=POLICY
    )
    assert assessment.flags == (Flag.EXIF_GPS_FAR,)
    assert 1900 < assessment.details[Flag.EXIF_GPS_FAR]["distance_m"] < 2100


def test_exif_gps_within_tolerance_is_fine():
    nearby = GeoPoint(STORE_AT.lat + 0.002, STORE_AT.lon)  # ~220 m
    assert flags_of(facts(exif_position=nearby)) == ()


def test_risk_adds_up_and_is_capped():
    assert risk_score([Flag.NO_EXIF]) == 15
    assert risk_score([Flag.REUSED, Flag.NO_EXIF]) == 75
    assert risk_score(list(Flag)) == 100
    assert risk_score([Flag.NO_EXIF, Flag.NO_EXIF]) == 15


def test_flags_come_in_a_stable_order():
    f = facts(exif_present=False, exif_taken_at=None, exif_position=None)
    assert flags_of(f, same_bytes=[earlier()], look_alikes=[earlier()]) == (
        Flag.REUSED,
        Flag.NEAR_DUPLICATE,
        Flag.NO_EXIF,
    )


@pytest.mark.parametrize("status", [PhotoStatus.PENDING, PhotoStatus.REJECTED, PhotoStatus.EXPIRED])
def test_only_stored_photos_are_reviewable(status):
    with pytest.raises(PhotoNotReviewable):
        ensure_reviewable(uuid.uuid4(), status)


@pytest.mark.parametrize("status", [PhotoStatus.VERIFIED, PhotoStatus.PROCESSED])
def test_verified_photos_are_reviewable(status):
    ensure_reviewable(uuid.uuid4(), status)


@pytest.mark.parametrize(
    ("decision", "comment", "status"),
    [
        (ReviewDecision.APPROVE, None, ReviewStatus.APPROVED),
        (ReviewDecision.REJECT, "POP hidden behind boxes", ReviewStatus.REJECTED),
        (ReviewDecision.RETAKE, "Blurred", ReviewStatus.RETAKE),
    ],
)
def test_check_review_maps_decision_to_status(decision, comment, status):
    assert check_review(decision, comment) is status


@pytest.mark.parametrize("decision", [ReviewDecision.REJECT, ReviewDecision.RETAKE])
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_reject_or_retake_needs_a_comment(decision, comment):
    with pytest.raises(InvalidInput) as exc:
        check_review(decision, comment)
    assert exc.value.errors[0]["path"] == "json.comment"
