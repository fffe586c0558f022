"""Photo test data: real JPEGs (with or without EXIF), slot request bodies, the phone's side
of an upload (PUT to the presigned URL), and photo rows inserted directly for queue tests."""

from __future__ import annotations

import hashlib
import io
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from PIL import ExifTags, Image, ImageDraw, ImageFilter
from sqlalchemy.orm import Session

from fieldsales.db.models import Photo, Store, Visit
from fieldsales.domain.photos import PhotoKind, PhotoStatus
from fieldsales.storage.photos import photo_key

HTTP_TIMEOUT_S = 10
_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL = 0x9003, 0x9011


def scene(seed: int, size: tuple[int, int] = (800, 600)) -> Image.Image:
    """A photo-like picture: blurred random shapes on a gradient, different per seed."""
    rng = random.Random(seed)
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(img)
    width, height = size
    for _ in range(25):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = (
            x0,
            y0,
            x0 + rng.randrange(width // 8, width // 2),
            y0 + rng.randrange(height // 8, height // 2),
        )
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    return img.filter(ImageFilter.GaussianBlur(3))


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4))


def camera_exif(*, taken_at: datetime | None, at: tuple[float, float] | None) -> Image.Exif:
    """What a phone camera writes: capture time with its UTC offset, and GPS."""
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make: EXIF is present even without time or position
    if taken_at is not None:
        exif[ExifTags.IFD.Exif] = {
            _DATETIME_ORIGINAL: taken_at.astimezone(UTC).strftime("%Y:%m:%d %H:%M:%S"),
            _OFFSET_TIME_ORIGINAL: "+00:00",
        }
    if at is not None:
        lat, lon = at
        exif[ExifTags.IFD.GPSInfo] = {
            1: "N" if lat >= 0 else "S",
            2: _dms(lat),
            3: "E" if lon >= 0 else "W",
            4: _dms(lon),
        }
    return exif


def jpeg(
    seed: int = 1,
    *,
    size: tuple[int, int] = (800, 600),
    exif: Image.Exif | None = None,
    quality: int = 85,
) -> bytes:
    out = io.BytesIO()
    params: dict[str, Any] = {"quality": quality}
    if exif is not None:
        params["exif"] = exif
    scene(seed, size).save(out, format="JPEG", **params)
    return out.getvalue()


def camera_jpeg(store: Store, taken_at: datetime, seed: int = 1, **kwargs: Any) -> bytes:
    """A JPEG as taken at the store at `taken_at`: no flag should fire on it."""
    return jpeg(seed, exif=camera_exif(taken_at=taken_at, at=(store.lat, store.lon)), **kwargs)


def recompressed(data: bytes, *, scale: float = 0.6, quality: int = 70) -> bytes:
    """The same picture resized and re-encoded (and its metadata dropped)."""
    img = Image.open(io.BytesIO(data))
    img = img.resize((int(img.width * scale), int(img.height * scale)))
    out = io.BytesIO()
    img.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def slot_body(
    data: bytes,
    *,
    taken_at: datetime,
    content_type: str = "image/jpeg",
    kind: str = "our_pop",
    **over: Any,
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "content_type": content_type,
        "byte_size": len(data),
        "sha256": sha256(data),
        "taken_at": taken_at.isoformat(),
        "position": {"lat": 31.2304, "lon": 121.4737, "accuracy_m": 8.0},
        **over,
    }


def put_upload(upload: dict[str, Any], body: bytes, **header_over: str) -> requests.Response:
    """The phone's PUT to the presigned URL, with the headers the slot told it to send."""
    headers = {**upload["headers"], **header_over}
    return requests.request(
        upload["method"], upload["url"], data=body, headers=headers, timeout=HTTP_TIMEOUT_S
    )


@dataclass
class Uploader:
    """Drives the API as a rep's phone does: ask for a slot, PUT, complete."""

    client: Any
    auth: Any

    def slot(self, rep: Any, visit: Visit, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1/visits/{visit.id}/photos", json=body, headers=self.auth.headers(rep)
        )

    def complete(self, rep: Any, photo_id: str) -> Any:
        return self.client.post(
            f"/api/v1/photos/{photo_id}/complete", headers=self.auth.headers(rep)
        )

    def upload(
        self, rep: Any, visit: Visit, data: bytes, *, taken_at: datetime, **over: Any
    ) -> Any:
        """Slot, PUT, complete; returns the completion response."""
        rv = self.slot(rep, visit, slot_body(data, taken_at=taken_at, **over))
        assert rv.status_code == 201, rv.json
        put = put_upload(rv.json["upload"], data)
        assert put.status_code == 200, put.text
        return self.complete(rep, rv.json["id"])


def stored_photo(
    session: Session,
    visit: Visit,
    *,
    risk_score: int = 0,
    completed_at: datetime | None = None,
    status: PhotoStatus = PhotoStatus.PROCESSED,
    **over: Any,
) -> Photo:
    """A photo row as processing leaves it, without any object in storage (the review
    queue only signs URLs, which needs no object)."""
    now = datetime.now(UTC)
    object_id = uuid.uuid4()
    values: dict[str, Any] = {
        "visit_id": visit.id,
        "rep_id": visit.rep_id,
        "store_id": visit.store_id,
        "local_day": visit.local_day,
        "kind": PhotoKind.OUR_POP,
        "content_type": "image/jpeg",
        "byte_size": 1000,
        "sha256": uuid.uuid4().hex * 2,
        "taken_at": visit.checked_in_at,
        "payload_hash": "0" * 64,
        "object_id": object_id,
        "object_key": photo_key(object_id, created_at=now),
        "thumbnail_key": f"thumbnails/{object_id}.jpg",
        "upload_expires_at": now + timedelta(minutes=10),
        "status": status,
        "completed_at": completed_at or now,
        "flags": [{"code": "no_exif"}] if risk_score else [],
        "risk_score": risk_score,
        **over,
    }
    photo = Photo(**values)
    session.add(photo)
    session.commit()
    return photo
