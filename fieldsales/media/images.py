"""What a photo really is: type from magic bytes, a full decode, EXIF time and GPS, a
thumbnail and a perceptual hash. Pure functions over bytes (Pillow, pillow-heif, imagehash).

Everything here distrusts its input: the declared Content-Type is only a claim, the pixel
count is checked before decoding (decompression bombs), and decoding is restricted to the one
format the bytes claim to be.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import imagehash
import pillow_heif
from PIL import ExifTags, Image, ImageOps

pillow_heif.register_heif_opener()

JPEG, PNG, WEBP, HEIC = "image/jpeg", "image/png", "image/webp", "image/heic"
SUPPORTED_TYPES: frozenset[str] = frozenset({JPEG, PNG, WEBP, HEIC})
_PILLOW_FORMAT = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP", HEIC: "HEIF"}

# 64 MP covers 48/50 MP phone cameras; RGB decode of that is ~190 MB. JPEGs are decoded
# downscaled (see _decoded), so the bound matters most for PNG/WebP/HEIC.
DEFAULT_MAX_PIXELS = 64_000_000
DEFAULT_THUMBNAIL_PX = 320
_THUMBNAIL_QUALITY = 80

# HEIF brands of HEVC-coded stills. The generic HEIF brands `mif1`/`msf1` alone do not count:
# AVIF files carry them too.
_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})

_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_OFFSET_TIME_ORIGINAL = 0x9011
_EXIF_DATETIME = 0x0132  # IFD0, when the camera wrote no DateTimeOriginal
_EXIF_OFFSET_TIME = 0x9010
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4
_ORIENTATION = 0x0112
_TRANSPOSED_ORIENTATIONS = frozenset({5, 6, 7, 8})  # stored sideways: width/height swap


class ImageRejected(ValueError):
    """The bytes are not an acceptable image. `reason` is a stable kebab-case code:
    unsupported-type, type-mismatch, undecodable, too-many-pixels."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class GeoPoint:
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class ExifInfo:
    """`captured_at` is aware when the camera recorded its UTC offset; otherwise it is the
    camera's naive local wall time (`captured_at_has_offset` False) and the caller attaches
    the store's time zone."""

    present: bool
    captured_at: datetime | None
    captured_at_has_offset: bool
    position: GeoPoint | None


NO_EXIF = ExifInfo(present=False, captured_at=None, captured_at_has_offset=False, position=None)


@dataclass(frozen=True, slots=True)
class ImageFacts:
    content_type: str
    width: int  # as displayed, i.e. after EXIF orientation
    height: int


@dataclass(frozen=True, slots=True)
class ImageAnalysis:
    facts: ImageFacts
    exif: ExifInfo
    phash: str  # 64-bit DCT perceptual hash, 16 hex digits
    thumbnail_jpeg: bytes


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sniff_type(data: bytes) -> str | None:
    """The image type the magic bytes announce, or None if not one we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if _is_hevc_heif(data):
        return HEIC
    return None


def _is_hevc_heif(data: bytes) -> bool:
    # ISO BMFF: box size (4) + "ftyp" + major brand (4) + minor version (4) + compatible brands.
    if data[4:8] != b"ftyp" or len(data) < 16:
        return False
    box_end = min(int.from_bytes(data[:4], "big"), len(data))
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, box_end - 3, 4)}
    return bool(brands & _HEVC_BRANDS)


def verify_image(
    data: bytes, *, declared_type: str, max_pixels: int = DEFAULT_MAX_PIXELS
) -> ImageFacts:
    """Check the bytes are a complete image of the declared type; raise ImageRejected if not."""
    # draft_px=1: JPEGs decode at 1/8 scale, which still entropy-decodes every byte.
    decoding = _decoded(data, declared_type=declared_type, max_pixels=max_pixels, draft_px=1)
    with decoding as (_, facts):
        return facts


def analyse_image(
    data: bytes,
    *,
    declared_type: str,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    thumbnail_px: int = DEFAULT_THUMBNAIL_PX,
) -> ImageAnalysis:
    """Verify, then read EXIF and build the thumbnail and perceptual hash from one decode."""
    # Decoding JPEGs at twice the thumbnail size keeps the thumbnail sharp and costs a
    # fraction of a full decode; the 32x32 perceptual hash does not need more.
    with _decoded(
        data, declared_type=declared_type, max_pixels=max_pixels, draft_px=2 * thumbnail_px
    ) as (img, facts):
        upright = ImageOps.exif_transpose(img)
        return ImageAnalysis(
            facts=facts,
            exif=_read_exif(img),
            phash=str(imagehash.phash(upright)),
            thumbnail_jpeg=_thumbnail(upright, max_px=thumbnail_px),
        )


@contextmanager
def _decoded(
    data: bytes, *, declared_type: str, max_pixels: int, draft_px: int
) -> Iterator[tuple[Image.Image, ImageFacts]]:
    """The decoded image, opened by the declared format's decoder only. JPEGs are decoded
    scaled down to no less than draft_px on a side."""
    if declared_type not in SUPPORTED_TYPES:
        raise ImageRejected("unsupported-type", f"{declared_type} is not an accepted type")
    actual = sniff_type(data)
    if actual != declared_type:
        raise ImageRejected("type-mismatch", f"declared {declared_type}, bytes are {actual}")
    try:
        # Pillow itself refuses > 2x Image.MAX_IMAGE_PIXELS here, before any decoding.
        img = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[declared_type]])
    except Image.DecompressionBombError as exc:
        raise ImageRejected("too-many-pixels", str(exc)) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("undecodable", str(exc)) from exc
    with img:
        width, height = img.size  # from the header; nothing decoded yet
        if width * height > max_pixels:
            raise ImageRejected("too-many-pixels", f"{width}x{height} > {max_pixels} px")
        if declared_type == JPEG:
            # libjpeg scales by 1/2..1/8 while decoding but still reads every byte, so a
            # truncated file fails the same way as in a full decode.
            img.draft("RGB", (draft_px, draft_px))
        try:
            img.load()
            # After load: a PNG's EXIF chunk may follow the pixel data.
            orientation = img.getexif().get(_ORIENTATION)
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageRejected("undecodable", str(exc)) from exc
        if orientation in _TRANSPOSED_ORIENTATIONS:
            width, height = height, width
        yield img, ImageFacts(content_type=declared_type, width=width, height=height)


def _read_exif(img: Image.Image) -> ExifInfo:
    exif = img.getexif()
    if not exif:
        return NO_EXIF
    sub_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    raw_time, raw_offset = (
        sub_ifd.get(_EXIF_DATETIME_ORIGINAL),
        sub_ifd.get(_EXIF_OFFSET_TIME_ORIGINAL),
    )
    if raw_time is None:
        raw_time, raw_offset = exif.get(_EXIF_DATETIME), sub_ifd.get(_EXIF_OFFSET_TIME)
    captured_at = _exif_datetime(raw_time, raw_offset)
    return ExifInfo(
        present=True,
        captured_at=captured_at,
        captured_at_has_offset=captured_at is not None and captured_at.tzinfo is not None,
        position=_gps_position(exif.get_ifd(ExifTags.IFD.GPSInfo)),
    )


def _exif_datetime(raw: object, raw_offset: object) -> datetime | None:
    """'YYYY:MM:DD HH:MM:SS' (+ optional '+HH:MM'); cameras also write blanks and zeros."""
    if not isinstance(raw, str):
        return None
    try:
        local = datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = _exif_offset(raw_offset)
    return local.replace(tzinfo=offset) if offset is not None else local


def _exif_offset(raw: object) -> timezone | None:
    if not isinstance(raw, str):
        return None
    text = raw.strip("\x00 ")
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


def _gps_position(gps: dict[int, Any]) -> GeoPoint | None:
    latitude = _gps_degrees(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF), negative="S")
    longitude = _gps_degrees(gps.get(_GPS_LON), gps.get(_GPS_LON_REF), negative="W")
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return GeoPoint(latitude=latitude, longitude=longitude)


def _gps_degrees(dms: object, ref: object, *, negative: str) -> float | None:
    if not isinstance(dms, tuple) or len(dms) != 3 or not isinstance(ref, str):
        return None
    try:
        degrees, minutes, seconds = (float(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(value):
        return None
    return -value if ref.strip("\x00 ").upper() == negative else value


def _thumbnail(upright: Image.Image, *, max_px: int) -> bytes:
    """A JPEG no larger than max_px on either side, without EXIF (no GPS in thumbnails)."""
    thumb = _flatten_to_rgb(upright)
    thumb.thumbnail((max_px, max_px))
    out = io.BytesIO()
    thumb.save(out, format="JPEG", quality=_THUMBNAIL_QUALITY)
    return out.getvalue()


def _flatten_to_rgb(img: Image.Image) -> Image.Image:
    # Transparent pixels would turn black in a plain RGB conversion; put them on white.
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def phash_distance(a: str, b: str) -> int:
    """Hamming distance of two hex perceptual hashes (0 = same picture, 64 bits max)."""
    if len(a) != len(b):
        raise ValueError("hashes of different lengths")
    return (int(a, 16) ^ int(b, 16)).bit_count()
