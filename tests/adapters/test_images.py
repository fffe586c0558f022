"""fieldsales.media.images on real images encoded by Pillow in the test (no S3, no fixtures)."""

import io
import random
import struct
import zlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import ExifTags, Image, ImageDraw, ImageFilter

from fieldsales.media import images

ORIENTATION = 0x0112
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011


def scene(seed: int, size: tuple[int, int] = (1200, 900)) -> Image.Image:
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


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **params)
    return out.getvalue()


def exif_with(
    *,
    taken: str | None = None,
    offset: str | None = None,
    gps: tuple[str, tuple, str, tuple] | None = None,
    orientation: int | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    sub_ifd = {}
    if taken is not None:
        sub_ifd[DATETIME_ORIGINAL] = taken
    if offset is not None:
        sub_ifd[OFFSET_TIME_ORIGINAL] = offset
    if sub_ifd:
        exif[ExifTags.IFD.Exif] = sub_ifd
    if gps is not None:
        lat_ref, lat, lon_ref, lon = gps
        exif[ExifTags.IFD.GPSInfo] = {1: lat_ref, 2: lat, 3: lon_ref, 4: lon}
    return exif


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("JPEG", images.JPEG), ("PNG", images.PNG), ("WEBP", images.WEBP), ("HEIF", images.HEIC)],
)
def test_verify_image_accepts_each_supported_type(fmt, content_type):
    data = encode(scene(1, (640, 480)), fmt)

    facts = images.verify_image(data, declared_type=content_type)

    assert images.sniff_type(data) == content_type
    assert facts == images.ImageFacts(content_type=content_type, width=640, height=480)


def test_text_file_named_jpg_is_rejected():
    data = b"this is not a photo, just text saved as shelf.jpg\n" * 20

    assert images.sniff_type(data) is None
    with pytest.raises(images.ImageRejected) as excinfo:
        images.verify_image(data, declared_type=images.JPEG)
    assert excinfo.value.reason == "type-mismatch"


def test_png_declared_as_jpeg_is_rejected():
    data = encode(scene(1, (64, 64)), "PNG")

    with pytest.raises(images.ImageRejected) as excinfo:
        images.verify_image(data, declared_type=images.JPEG)
    assert excinfo.value.reason == "type-mismatch"


def test_unsupported_declared_type_is_rejected():
    data = encode(scene(1, (64, 64)), "GIF")

    with pytest.raises(images.ImageRejected) as excinfo:
        images.verify_image(data, declared_type="image/gif")
    assert excinfo.value.reason == "unsupported-type"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_image_is_undecodable(fmt):
    data = encode(scene(2, (800, 600)), fmt)
    content_type = images.sniff_type(data)

    with pytest.raises(images.ImageRejected) as excinfo:
        images.verify_image(data[: len(data) // 2], declared_type=content_type)
    assert excinfo.value.reason == "undecodable"


def test_jpeg_magic_followed_by_garbage_is_undecodable():
    data = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8

    with pytest.raises(images.ImageRejected) as excinfo:
        images.verify_image(data, declared_type=images.JPEG)
    assert excinfo.value.reason == "undecodable"


def test_pixel_count_over_the_limit_is_rejected_before_decoding():
    data = encode(Image.new("L", (300, 200)), "PNG")

    with pytest.raises(images.ImageRejected) as excinfo:
        images.verify_image(data, declared_type=images.PNG, max_pixels=300 * 200 - 1)
    assert excinfo.value.reason == "too-many-pixels"
    assert images.verify_image(data, declared_type=images.PNG, max_pixels=300 * 200).width == 300


def png_claiming_size(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header is rewritten to claim width x height (CRC fixed up)."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    ihdr = 8  # after the signature: length (4), b"IHDR" (4), width (4), height (4), …
    data[ihdr + 8 : ihdr + 16] = struct.pack(">II", width, height)
    crc_at = ihdr + 8 + 13
    data[crc_at : crc_at + 4] = struct.pack(">I", zlib.crc32(data[ihdr + 4 : crc_at]))
    return bytes(data)


def test_decompression_bomb_header_is_rejected():
    data = png_claiming_size(20_000, 20_000)  # 400 MP in 70 bytes

    with pytest.raises(images.ImageRejected) as excinfo:
        images.verify_image(data, declared_type=images.PNG, max_pixels=10**12)
    assert excinfo.value.reason == "too-many-pixels"


def test_default_pixel_limit_rejects_a_70_megapixel_header():
    with pytest.raises(images.ImageRejected) as excinfo:
        images.verify_image(png_claiming_size(10_000, 7_000), declared_type=images.PNG)
    assert excinfo.value.reason == "too-many-pixels"


def test_exif_capture_time_with_offset_and_gps_are_read():
    exif = exif_with(
        taken="2026:11:20 09:15:30",
        offset="+08:00",
        gps=("N", (31.0, 13.0, 48.0), "E", (121.0, 28.0, 12.0)),
    )
    data = encode(scene(3, (640, 480)), "JPEG", exif=exif)

    result = images.analyse_image(data, declared_type=images.JPEG).exif

    assert result.present
    assert result.captured_at_has_offset
    assert result.captured_at == datetime(2026, 11, 20, 1, 15, 30, tzinfo=UTC)
    assert result.captured_at.utcoffset() == timedelta(hours=8)
    assert result.position.latitude == pytest.approx(31.23)
    assert result.position.longitude == pytest.approx(121.47)


def test_exif_time_without_offset_is_naive_local_and_south_west_is_negative():
    exif = exif_with(
        taken="2026:03:01 17:45:00",
        gps=("S", (33.0, 52.0, 12.0), "W", (70.0, 30.0, 0.0)),
    )
    data = encode(scene(3, (320, 240)), "JPEG", exif=exif)

    result = images.analyse_image(data, declared_type=images.JPEG).exif

    assert result.captured_at == datetime(2026, 3, 1, 17, 45)
    assert result.captured_at.tzinfo is None
    assert not result.captured_at_has_offset
    assert result.position == images.GeoPoint(latitude=-(33 + 52 / 60 + 12 / 3600), longitude=-70.5)


def test_negative_exif_offset():
    exif = exif_with(taken="2026:03:01 17:45:00", offset="-05:30")
    data = encode(scene(3, (320, 240)), "JPEG", exif=exif)

    captured_at = images.analyse_image(data, declared_type=images.JPEG).exif.captured_at

    assert captured_at.tzinfo == timezone(-timedelta(hours=5, minutes=30))


def test_image_without_exif_says_so():
    data = encode(scene(3, (320, 240)), "JPEG")

    assert images.analyse_image(data, declared_type=images.JPEG).exif == images.NO_EXIF


def test_blank_exif_time_is_absent():
    data = encode(scene(3, (320, 240)), "JPEG", exif=exif_with(taken="0000:00:00 00:00:00"))

    result = images.analyse_image(data, declared_type=images.JPEG).exif

    assert result.present
    assert result.captured_at is None
    assert result.position is None


def test_thumbnail_is_a_jpeg_within_the_bound_keeping_the_aspect_ratio():
    data = encode(scene(4, (1600, 900)), "PNG")

    analysis = images.analyse_image(data, declared_type=images.PNG, thumbnail_px=320)

    thumb = Image.open(io.BytesIO(analysis.thumbnail_jpeg))
    assert thumb.format == "JPEG"
    assert thumb.size == (320, 180)
    assert analysis.facts.width == 1600


def test_thumbnail_honours_exif_orientation_and_drops_exif():
    # Orientation 6: stored landscape, displayed rotated 90° clockwise (portrait).
    exif = exif_with(orientation=6, gps=("N", (31.0, 0.0, 0.0), "E", (121.0, 0.0, 0.0)))
    data = encode(scene(5, (1200, 800)), "JPEG", exif=exif)

    analysis = images.analyse_image(data, declared_type=images.JPEG)

    assert (analysis.facts.width, analysis.facts.height) == (800, 1200)
    thumb = Image.open(io.BytesIO(analysis.thumbnail_jpeg))
    assert thumb.size == (213, 320)
    assert not thumb.getexif()


def test_resized_reencoded_copy_is_near_and_another_picture_is_far():
    original = scene(6)
    copy = original.resize((700, 525)).crop((5, 5, 695, 520))
    other = scene(7)

    hash_of = {
        name: images.analyse_image(data, declared_type=content_type).phash
        for name, data, content_type in [
            ("original", encode(original, "JPEG", quality=92), images.JPEG),
            ("copy", encode(copy, "WEBP", quality=60), images.WEBP),
            ("other", encode(other, "JPEG", quality=92), images.JPEG),
        ]
    }

    assert images.phash_distance(hash_of["original"], hash_of["copy"]) <= 6
    assert images.phash_distance(hash_of["original"], hash_of["other"]) >= 20


def test_phash_distance_counts_differing_bits():
    assert images.phash_distance("0000000000000000", "0000000000000000") == 0
    assert images.phash_distance("ffffffffffffffff", "0000000000000000") == 64
    assert images.phash_distance("8000000000000001", "0000000000000000") == 2
    with pytest.raises(ValueError):
        images.phash_distance("00", "000")


def test_sha256_hex_of_bytes():
    # Known-answer vector from FIPS 180-2.
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert images.sha256_hex(b"abc") == expected


def test_avif_brand_is_not_taken_for_heic():
    avif_header = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(16)

    assert images.sniff_type(avif_header) is None
