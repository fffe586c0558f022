"""The upload flow against the real local S3 server (MiniStack, AUTH on): the slot the API
hands out, what storage itself refuses through it, and what completion refuses."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from sqlalchemy import func, select

from fieldsales import jobs
from fieldsales.db.models import Photo
from fieldsales.domain.types import Role
from fieldsales.storage import get_photo_store
from tests.bodies import now
from tests.photo_factories import (
    Uploader,
    camera_jpeg,
    jpeg,
    put_upload,
    sha256,
    slot_body,
)

pytestmark = pytest.mark.s3


@pytest.fixture
def world(make):
    supervisor, team = make.supervisor_with_team()
    rep = make.rep(team)
    store = make.store(rep=rep)
    other_rep = make.rep(make.supervisor_with_team()[1])
    return {
        "rep": rep,
        "supervisor": supervisor,
        "store": store,
        "visit": make.visit(rep, store, at=now() - timedelta(minutes=10), minutes=None),
        "other_rep": other_rep,
        "other_visit": make.visit(
            other_rep, make.store(rep=other_rep), at=now() - timedelta(minutes=5), minutes=None
        ),
        "admin": make.user(Role.ADMIN),
    }


@pytest.fixture
def phone(client, auth):
    return Uploader(client, auth)


@pytest.fixture
def photo_bytes(world):
    return camera_jpeg(world["store"], now() - timedelta(minutes=2))


def photo_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Photo))


def object_exists(app, key: str) -> bool:
    with app.app_context():
        return get_photo_store().head(key) is not None


def stored_key(session, photo_id: str) -> str:
    return session.get(Photo, uuid.UUID(photo_id)).object_key


def slot(phone, world, data, **over):
    rv = phone.slot(world["rep"], world["visit"], slot_body(data, taken_at=now(), **over))
    assert rv.status_code == 201, rv.json
    return rv.json


# --- the slot --------------------------------------------------------------------------------


def test_slot_is_a_presigned_put_for_a_server_chosen_key(phone, world, photo_bytes, session):
    body = slot_body(photo_bytes, taken_at=now())

    rv = phone.slot(world["rep"], world["visit"], body)

    assert rv.status_code == 201
    assert rv.json["id"] == body["id"]
    assert rv.json["status"] == "pending"
    upload = rv.json["upload"]
    assert upload["method"] == "PUT"
    assert set(upload["headers"]) == {"Content-Type", "x-amz-checksum-sha256"}
    key = stored_key(session, body["id"])
    assert body["id"] not in key  # the phone's id never names the object
    assert urlsplit(upload["url"]).path.endswith(key)


def test_slot_retry_returns_the_same_photo_and_key(phone, world, photo_bytes, session):
    body = slot_body(photo_bytes, taken_at=now())
    first = phone.slot(world["rep"], world["visit"], body)

    again = phone.slot(world["rep"], world["visit"], body)

    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert urlsplit(again.json["upload"]["url"]).path == urlsplit(first.json["upload"]["url"]).path
    assert photo_count(session) == 1


def test_slot_id_reused_for_another_photo_is_a_conflict(phone, world, photo_bytes, session):
    body = slot_body(photo_bytes, taken_at=now())
    phone.slot(world["rep"], world["visit"], body)

    rv = phone.slot(world["rep"], world["visit"], {**body, "kind": "shelf"})

    assert rv.status_code == 409
    assert rv.json["type"] == "/problems/id-already-used"
    assert photo_count(session) == 1


@pytest.mark.parametrize(
    ("over", "path"),
    [
        ({"content_type": "image/gif"}, "json.content_type"),
        ({"content_type": "text/plain"}, "json.content_type"),
        ({"byte_size": 15 * 1024 * 1024 + 1}, "json.byte_size"),
        ({"byte_size": 0}, "json.byte_size"),
        ({"sha256": "xyz"}, "json.sha256"),
        ({"sha256": "ab" * 31}, "json.sha256"),
        ({"kind": "selfie"}, "json.kind"),
        ({"taken_at": "2026-11-23T10:00:00"}, "json.taken_at"),  # no offset
        ({"id": "not-a-uuid"}, "json.id"),
        ({"position": {"lat": 91, "lon": 0}}, "json.position.lat"),
        ({"extra": 1}, "json.extra"),
    ],
)
def test_bad_slot_requests_are_422_and_store_nothing(
    phone, world, photo_bytes, session, over, path
):
    body = {**slot_body(photo_bytes, taken_at=now()), **over}

    rv = phone.slot(world["rep"], world["visit"], body)

    assert rv.status_code == 422
    assert rv.mimetype == "application/problem+json"
    assert path in [e["path"] for e in rv.json["errors"]]
    assert photo_count(session) == 0


def test_taken_long_after_the_visit_closed_is_refused(phone, make, world, photo_bytes, session):
    rep, store = world["rep"], world["store"]
    closed = make.visit(rep, store, at=now() - timedelta(hours=3), minutes=20)

    rv = phone.slot(rep, closed, slot_body(photo_bytes, taken_at=now()))

    assert rv.status_code == 409
    assert rv.json["type"] == "/problems/visit-closed"
    assert photo_count(session) == 0


def test_visit_closed_more_than_a_day_ago_takes_no_photos(phone, make, world, photo_bytes):
    rep, store = world["rep"], world["store"]
    at = now() - timedelta(days=2)
    old = make.visit(rep, store, at=at, minutes=20)

    rv = phone.slot(rep, old, slot_body(photo_bytes, taken_at=at + timedelta(minutes=5)))

    assert rv.status_code == 409
    assert rv.json["type"] == "/problems/photo-window-closed"


def test_recently_closed_visit_still_takes_its_photos(phone, make, world, photo_bytes):
    rep, store = world["rep"], world["store"]
    at = now() - timedelta(hours=5)
    visit = make.visit(rep, store, at=at, minutes=30)

    rv = phone.slot(rep, visit, slot_body(photo_bytes, taken_at=at + timedelta(minutes=10)))

    assert rv.status_code == 201


@pytest.mark.parametrize(
    ("who", "visit", "status"),
    [
        ("other_rep", "visit", 404),  # not theirs: not even there
        ("supervisor", "visit", 403),  # can see it, cannot add to it
        ("admin", "visit", 403),
        ("rep", "other_visit", 404),
    ],
)
def test_slot_only_for_own_visit(phone, world, photo_bytes, session, who, visit, status):
    rv = phone.slot(world[who], world[visit], slot_body(photo_bytes, taken_at=now()))

    assert rv.status_code == status
    assert photo_count(session) == 0


def test_slot_for_a_hidden_visit_is_404_even_with_a_bad_body(phone, world):
    rv = phone.slot(world["rep"], world["other_visit"], {"id": "nope"})

    assert rv.status_code == 404


# --- what storage refuses through the slot ---------------------------------------------------


def test_storage_refuses_an_upload_larger_than_declared(phone, world, photo_bytes):
    upload = slot(phone, world, photo_bytes)["upload"]

    rv = put_upload(upload, photo_bytes + b"\0" * 100)

    assert rv.status_code in (400, 403)


def test_storage_refuses_a_wrong_content_type(phone, world, photo_bytes):
    upload = slot(phone, world, photo_bytes)["upload"]

    rv = put_upload(upload, photo_bytes, **{"Content-Type": "image/png"})

    assert rv.status_code == 403


def test_storage_refuses_an_expired_slot(app, phone, world, photo_bytes, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTOS_UPLOAD_TTL_S", 1)
    upload = slot(phone, world, photo_bytes)["upload"]
    time.sleep(2.1)

    rv = put_upload(upload, photo_bytes)

    assert rv.status_code == 403


def test_storage_refuses_a_tampered_signature(phone, world, photo_bytes):
    upload = slot(phone, world, photo_bytes)["upload"]
    parts = urlsplit(upload["url"])
    query = dict(parse_qsl(parts.query))
    signature = query["X-Amz-Signature"]
    query["X-Amz-Signature"] = ("0" if signature[0] != "0" else "1") + signature[1:]
    tampered = {**upload, "url": urlunsplit(parts._replace(query=urlencode(query)))}

    rv = put_upload(tampered, photo_bytes)

    assert rv.status_code == 403


def test_storage_refuses_bytes_other_than_the_declared_sha256(phone, world, photo_bytes):
    other = jpeg(seed=99)[: len(photo_bytes)].ljust(len(photo_bytes), b"\0")
    upload = slot(phone, world, photo_bytes)["upload"]

    rv = put_upload(upload, other)

    assert rv.status_code == 400
    assert "BadDigest" in rv.text


# --- completion ------------------------------------------------------------------------------


def test_complete_verifies_and_processes(app, phone, world, photo_bytes, session):
    body = slot(phone, world, photo_bytes)
    assert put_upload(body["upload"], photo_bytes).status_code == 200

    rv = phone.complete(world["rep"], body["id"])

    assert rv.status_code == 200
    assert rv.json["status"] == "processed"
    assert (rv.json["width"], rv.json["height"]) == (800, 600)
    assert rv.json["url"] and rv.json["thumbnail_url"]
    assert rv.json["flags"] is None and rv.json["risk_score"] is None  # not shown to reps
    photo = session.get(Photo, uuid.UUID(body["id"]))
    assert object_exists(app, photo.object_key)
    assert object_exists(app, photo.thumbnail_key)


def test_complete_twice_changes_nothing(phone, world, photo_bytes):
    body = slot(phone, world, photo_bytes)
    put_upload(body["upload"], photo_bytes)
    first = phone.complete(world["rep"], body["id"])

    again = phone.complete(world["rep"], body["id"])

    assert again.status_code == 200
    assert again.json["version"] == first.json["version"]
    assert again.json["status"] == "processed"


def test_complete_again_reruns_processing_that_was_lost(phone, world, photo_bytes, monkeypatch):
    body = slot(phone, world, photo_bytes)
    put_upload(body["upload"], photo_bytes)
    with monkeypatch.context() as patched:
        patched.setattr(jobs, "enqueue", lambda *args: None)  # the queue lost the job
        assert phone.complete(world["rep"], body["id"]).json["status"] == "verified"

    rv = phone.complete(world["rep"], body["id"])

    assert rv.json["status"] == "processed"


def test_complete_before_the_upload_is_409_and_keeps_the_slot(phone, world, photo_bytes, session):
    body = slot(phone, world, photo_bytes)

    rv = phone.complete(world["rep"], body["id"])

    assert rv.status_code == 409
    assert rv.json["type"] == "/problems/photo-not-uploaded"
    assert session.get(Photo, uuid.UUID(body["id"])).status == "pending"
    assert put_upload(body["upload"], photo_bytes).status_code == 200
    assert phone.complete(world["rep"], body["id"]).status_code == 200


def test_bytes_not_matching_the_declared_sha256_are_refused_and_deleted(
    app, phone, world, photo_bytes, session, s3_client
):
    # MiniStack already refuses such a PUT (BadDigest, above); a store that does not check
    # checksums would take it, so put other bytes at the key directly, as it would.
    body = slot(phone, world, photo_bytes)
    key = stored_key(session, body["id"])
    other = jpeg(seed=42, size=(800, 600))
    other = other[: len(photo_bytes)].ljust(len(photo_bytes), b"\0")
    s3_client.put_object(
        Bucket=app.config["S3_BUCKET"], Key=key, Body=other, ContentType="image/jpeg"
    )

    rv = phone.complete(world["rep"], body["id"])

    assert rv.status_code == 422
    assert rv.mimetype == "application/problem+json"
    assert rv.json["type"] == "/problems/photo-rejected"
    assert rv.json["reason"] == "checksum-mismatch"
    assert not object_exists(app, key)
    photo = session.get(Photo, uuid.UUID(body["id"]))
    assert (photo.status, photo.rejection_reason) == ("rejected", "checksum-mismatch")


def test_text_file_named_jpg_is_refused_and_deleted(app, phone, world, session):
    text = b"Dear supervisor, the POP is up, trust me.\n" * 20
    body = slot(phone, world, text)
    assert put_upload(body["upload"], text).status_code == 200  # S3 never looks inside

    rv = phone.complete(world["rep"], body["id"])

    assert rv.status_code == 422
    assert rv.json["reason"] == "type-mismatch"
    assert not object_exists(app, stored_key(session, body["id"]))


def test_truncated_jpeg_is_refused_as_undecodable(app, phone, world, photo_bytes, session):
    truncated = photo_bytes[: len(photo_bytes) // 2]
    body = slot(phone, world, truncated)
    put_upload(body["upload"], truncated)

    rv = phone.complete(world["rep"], body["id"])

    assert rv.json["reason"] == "undecodable"
    assert not object_exists(app, stored_key(session, body["id"]))


def test_object_of_another_type_than_declared_is_refused(
    app, phone, world, photo_bytes, session, s3_client
):
    body = slot(phone, world, photo_bytes)
    key = stored_key(session, body["id"])
    s3_client.put_object(
        Bucket=app.config["S3_BUCKET"], Key=key, Body=photo_bytes, ContentType="image/png"
    )

    rv = phone.complete(world["rep"], body["id"])

    assert rv.json["reason"] == "content-type-mismatch"
    assert not object_exists(app, key)


def test_rejected_photo_completes_again_with_the_same_problem(phone, world):
    text = b"not an image" * 10
    body = slot(phone, world, text)
    put_upload(body["upload"], text)
    phone.complete(world["rep"], body["id"])

    rv = phone.complete(world["rep"], body["id"])

    assert rv.status_code == 422
    assert rv.json["reason"] == "type-mismatch"


def test_complete_after_the_deadline_expires_the_slot(
    app, phone, world, photo_bytes, session, monkeypatch
):
    body = slot(phone, world, photo_bytes)
    put_upload(body["upload"], photo_bytes)
    monkeypatch.setitem(app.config, "PHOTOS_COMPLETION_GRACE_S", -3600)  # deadline passed

    rv = phone.complete(world["rep"], body["id"])

    assert rv.status_code == 409
    assert rv.json["type"] == "/problems/upload-expired"
    assert session.get(Photo, uuid.UUID(body["id"])).status == "expired"
    assert not object_exists(app, stored_key(session, body["id"]))


@pytest.mark.parametrize(("who", "status"), [("supervisor", 403), ("other_rep", 404)])
def test_only_the_rep_completes(phone, world, photo_bytes, who, status):
    body = slot(phone, world, photo_bytes)
    put_upload(body["upload"], photo_bytes)

    rv = phone.complete(world[who], body["id"])

    assert rv.status_code == status


# --- expiry ----------------------------------------------------------------------------------


def test_expire_slots_command_deletes_uploads_and_marks_them_expired(
    app, phone, world, photo_bytes, session, runner, monkeypatch
):
    stale = slot(phone, world, photo_bytes)
    put_upload(stale["upload"], photo_bytes)  # uploaded but never completed
    live = slot(phone, world, jpeg(seed=5))
    session.get(Photo, uuid.UUID(stale["id"])).upload_expires_at = now() - timedelta(hours=1)
    session.commit()

    result = runner.invoke(args=["photos", "expire-slots"])

    assert result.exit_code == 0, result.output
    assert "expired 1 upload slot(s)" in result.output
    session.expire_all()
    assert session.get(Photo, uuid.UUID(stale["id"])).status == "expired"
    assert session.get(Photo, uuid.UUID(live["id"])).status == "pending"
    assert not object_exists(app, stored_key(session, stale["id"]))


def test_a_new_slot_sweeps_the_reps_own_stale_slots(phone, world, photo_bytes, session):
    stale = slot(phone, world, photo_bytes)
    session.get(Photo, uuid.UUID(stale["id"])).upload_expires_at = now() - timedelta(hours=1)
    session.commit()

    slot(phone, world, jpeg(seed=6))

    session.expire_all()
    assert session.get(Photo, uuid.UUID(stale["id"])).status == "expired"


def test_slot_retry_after_expiry_gives_no_upload_url(phone, world, photo_bytes, session):
    body = slot_body(photo_bytes, taken_at=now())
    phone.slot(world["rep"], world["visit"], body)
    session.get(Photo, uuid.UUID(body["id"])).upload_expires_at = now() - timedelta(seconds=5)
    session.commit()

    rv = phone.slot(world["rep"], world["visit"], body)

    assert rv.status_code == 201
    assert rv.json["upload"] is None


def test_sha256_is_compared_case_insensitively(phone, world, photo_bytes):
    body = slot_body(photo_bytes, taken_at=now(), sha256=sha256(photo_bytes).upper())
    rv = phone.slot(world["rep"], world["visit"], body)
    put_upload(rv.json["upload"], photo_bytes)

    assert phone.complete(world["rep"], body["id"]).json["status"] == "processed"
