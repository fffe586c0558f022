"""Processing after completion (inline jobs, real S3): thumbnail, dimensions, EXIF, and the
fraud flags a reviewer sees, end to end through the API."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import requests
from PIL import Image

from fieldsales.domain.types import Role
from tests.bodies import now
from tests.photo_factories import (
    HTTP_TIMEOUT_S,
    Uploader,
    camera_exif,
    camera_jpeg,
    jpeg,
    recompressed,
)

pytestmark = pytest.mark.s3


@pytest.fixture
def world(make):
    supervisor, team = make.supervisor_with_team()
    rep = make.rep(team)
    first_store, second_store = make.store(rep=rep), make.store(rep=rep)
    # An earlier visit today (closed), and the one the rep is in now.
    earlier_at = now() - timedelta(hours=3)
    return {
        "rep": rep,
        "supervisor": supervisor,
        "first_store": first_store,
        "second_store": second_store,
        "earlier": make.visit(rep, first_store, at=earlier_at, minutes=30),
        "earlier_at": earlier_at + timedelta(minutes=10),
        "current": make.visit(rep, second_store, at=now() - timedelta(minutes=15), minutes=None),
    }


@pytest.fixture
def phone(client, auth):
    return Uploader(client, auth)


def upload(phone, world, visit, data, taken_at):
    rv = phone.upload(world["rep"], world[visit], data, taken_at=taken_at)
    assert rv.status_code == 200, rv.json
    assert rv.json["status"] == "processed"
    return rv.json


def as_reviewer(client, auth, world, photo_id):
    rv = client.get(f"/api/v1/photos/{photo_id}", headers=auth.headers(world["supervisor"]))
    assert rv.status_code == 200
    return rv.json


def codes(photo) -> list[str]:
    return [f["code"] for f in photo["flags"]]


def test_a_camera_photo_taken_at_the_store_has_no_flags(client, auth, phone, world):
    data = camera_jpeg(world["second_store"], now() - timedelta(minutes=5))
    photo = upload(phone, world, "current", data, now())

    seen = as_reviewer(client, auth, world, photo["id"])

    assert seen["flags"] == []
    assert seen["risk_score"] == 0
    assert seen["exif_taken_at"] is not None


def test_thumbnail_and_full_image_download_through_their_urls(phone, world):
    data = camera_jpeg(world["second_store"], now(), size=(1200, 900))
    photo = upload(phone, world, "current", data, now())

    full = requests.get(photo["url"], timeout=HTTP_TIMEOUT_S)
    thumb = requests.get(photo["thumbnail_url"], timeout=HTTP_TIMEOUT_S)

    assert full.content == data
    assert (photo["width"], photo["height"]) == (1200, 900)
    assert Image.open(io.BytesIO(thumb.content)).size == (320, 240)


def test_same_jpeg_at_two_visits_flags_the_second_as_reused(client, auth, phone, world):
    data = camera_jpeg(world["first_store"], world["earlier_at"])
    first = upload(phone, world, "earlier", data, world["earlier_at"])

    second = upload(phone, world, "current", data, now())

    assert "reused" not in codes(as_reviewer(client, auth, world, first["id"]))
    flagged = as_reviewer(client, auth, world, second["id"])
    reused = next(f for f in flagged["flags"] if f["code"] == "reused")
    assert reused["photo_id"] == first["id"]
    assert flagged["risk_score"] >= 60


def test_resized_reencoded_copy_at_another_store_is_a_near_duplicate(client, auth, phone, world):
    original = camera_jpeg(world["first_store"], world["earlier_at"], seed=7)
    first = upload(phone, world, "earlier", original, world["earlier_at"])

    copy = recompressed(original, scale=0.5, quality=60)
    second = upload(phone, world, "current", copy, now())

    flagged = as_reviewer(client, auth, world, second["id"])
    near = next(f for f in flagged["flags"] if f["code"] == "near_duplicate")
    assert near["photo_id"] == first["id"]
    assert near["distance"] <= 10
    assert "reused" not in codes(flagged)  # other bytes


def test_a_different_picture_at_another_store_is_not_a_near_duplicate(client, auth, phone, world):
    upload(
        phone,
        world,
        "earlier",
        camera_jpeg(world["first_store"], world["earlier_at"], seed=7),
        world["earlier_at"],
    )

    other = upload(
        phone, world, "current", camera_jpeg(world["second_store"], now(), seed=8), now()
    )

    assert codes(as_reviewer(client, auth, world, other["id"])) == []


def test_exif_time_a_day_off_is_flagged(client, auth, phone, world):
    data = camera_jpeg(world["second_store"], now() - timedelta(days=1))
    photo = upload(phone, world, "current", data, now())

    flagged = as_reviewer(client, auth, world, photo["id"])

    assert codes(flagged) == ["exif_time_far"]
    assert flagged["flags"][0]["seconds_outside_visit"] > 20 * 3600


def test_exif_gps_far_from_the_store_is_flagged(client, auth, phone, world):
    store = world["second_store"]
    exif = camera_exif(taken_at=now(), at=(store.lat + 0.05, store.lon))  # ~5.5 km north
    photo = upload(phone, world, "current", jpeg(3, exif=exif), now())

    flagged = as_reviewer(client, auth, world, photo["id"])

    assert codes(flagged) == ["exif_gps_far"]
    assert 5000 < flagged["flags"][0]["distance_m"] < 6000


def test_no_exif_is_flagged(client, auth, phone, world):
    photo = upload(phone, world, "current", jpeg(4), now())

    flagged = as_reviewer(client, auth, world, photo["id"])

    assert codes(flagged) == ["no_exif"]
    assert flagged["risk_score"] == 15


def test_the_rep_sees_no_flags(client, auth, phone, world):
    photo = upload(phone, world, "current", jpeg(4), now())

    rv = client.get(f"/api/v1/photos/{photo['id']}", headers=auth.headers(world["rep"]))

    assert rv.json["flags"] is None
    assert rv.json["risk_score"] is None


def test_admin_sees_flags(client, auth, phone, world, make):
    photo = upload(phone, world, "current", jpeg(4), now())

    rv = client.get(f"/api/v1/photos/{photo['id']}", headers=auth.headers(make.user(Role.ADMIN)))

    assert codes(rv.json) == ["no_exif"]
