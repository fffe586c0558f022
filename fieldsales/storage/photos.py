"""Photo storage on any S3-compatible endpoint (AWS S3, MinIO, Ceph, R2, MiniStack) via boto3.

Uploads never pass through the API: the phone PUTs to a presigned URL. We presign PUT rather
than POST because a PUT can carry the declared SHA-256 as a *signed* `x-amz-checksum-sha256`
header, so S3 itself refuses a body whose bytes differ (BadDigest), besides refusing another
Content-Type or Content-Length (both signed in too). MiniStack (our strict test server) enforces
all of that for PUT, but ignores a checksum field in a POST policy, and POST only bounds the
size with content-length-range. A PUT is also a plain body upload for the mobile client.
S3 never inspects the bytes, so the app still verifies what arrived (head, hash, decode).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol
from uuid import UUID

import boto3
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

AddressingStyle = Literal["path", "virtual", "auto"]
ADDRESSING_STYLES: frozenset[str] = frozenset({"path", "virtual", "auto"})

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_READ_CHUNK = 1024 * 1024
# What a browser client may send on the presigned PUT; Content-Length is set by the browser.
_CORS_ALLOWED_HEADERS = ["content-type", "x-amz-checksum-sha256"]
_CORS_MAX_AGE_S = 3600
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket"})


class StorageError(Exception):
    """The object store refused or failed an operation."""


class StorageUnavailable(StorageError):
    """The endpoint could not be reached or timed out (readiness: not ready)."""


class ObjectNotFound(StorageError):
    """No object under that key."""


class ObjectTooLarge(StorageError):
    """The stored object is larger than the caller allows."""


@dataclass(frozen=True, slots=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None = None  # None = AWS S3
    region: str = "us-east-1"
    access_key_id: str | None = None  # None = boto3's default chain (env, IAM role, …)
    secret_access_key: str | None = None
    addressing_style: AddressingStyle = "auto"
    url_ttl_s: int = 900  # default lifetime of presigned GET URLs
    cors_origins: tuple[str, ...] = ()
    # Fail fast on a dead endpoint (readiness checks and request latency depend on it).
    connect_timeout_s: float = 2.0
    read_timeout_s: float = 10.0
    max_attempts: int = 2

    def __post_init__(self) -> None:
        if self.addressing_style not in ADDRESSING_STYLES:
            raise ValueError(f"addressing_style must be one of {sorted(ADDRESSING_STYLES)}")
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("set both access_key_id and secret_access_key, or neither")


def settings_from_config(config: Mapping[str, Any]) -> S3Settings:
    """S3Settings from the app config keys (`S3_*`, `PHOTOS_URL_TTL_S`)."""
    origins = config.get("S3_CORS_ORIGINS") or ()
    if isinstance(origins, str):  # FIELDSALES_S3_CORS_ORIGINS="https://a,https://b"
        origins = [o for o in (part.strip() for part in origins.split(",")) if o]
    return S3Settings(
        bucket=config["S3_BUCKET"],
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region=config.get("S3_REGION") or "us-east-1",
        access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
        secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
        addressing_style=config.get("S3_ADDRESSING_STYLE") or "auto",
        url_ttl_s=int(config.get("PHOTOS_URL_TTL_S") or 900),
        cors_origins=tuple(origins),
    )


@dataclass(frozen=True, slots=True)
class UploadSlot:
    """A presigned PUT: send the body to `url` with exactly `headers`.

    The HTTP client's Content-Length must equal the declared size (it is signed in).
    """

    method: Literal["PUT"]
    url: str
    headers: dict[str, str] = field(hash=False)
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    size: int
    content_type: str | None
    etag: str


class PhotoStore(Protocol):
    def ping(self) -> None: ...
    def ensure_bucket(self) -> None: ...
    def presign_upload(
        self, key: str, *, content_type: str, size: int, sha256_hex: str, expires_s: int
    ) -> UploadSlot: ...
    def head(self, key: str) -> ObjectInfo | None: ...
    def read(self, key: str, *, max_bytes: int) -> bytes: ...
    def sha256_hex(self, key: str, *, max_bytes: int) -> str: ...
    def put(self, key: str, data: bytes, *, content_type: str) -> None: ...
    def delete(self, key: str) -> None: ...
    def presigned_get(self, key: str, *, expires_s: int | None = None) -> str: ...


def photo_key(object_id: UUID, *, created_at: datetime) -> str:
    """Key of an uploaded photo. `object_id` must be a fresh server-side uuid4, never a
    client-supplied id: the key is what makes a slot unguessable and single-use."""
    return f"photos/{_year_month(created_at)}/{object_id}"


def thumbnail_key(object_id: UUID, *, created_at: datetime) -> str:
    return f"thumbnails/{_year_month(created_at)}/{object_id}.jpg"


def _year_month(created_at: datetime) -> str:
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    return created_at.astimezone(UTC).strftime("%Y/%m")


def make_s3_client(settings: S3Settings) -> BaseClient:
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": settings.addressing_style},
        connect_timeout=settings.connect_timeout_s,
        read_timeout=settings.read_timeout_s,
        retries={"max_attempts": settings.max_attempts, "mode": "standard"},
        # boto3 >= 1.36 adds CRC checksums to every upload and validates them on download;
        # several S3-compatible stores (older MinIO/Ceph, R2) reject or mangle those.
        # Checksums we need (the photo's SHA-256) are set explicitly.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.endpoint_url,
        region_name=settings.region,
        aws_access_key_id=settings.access_key_id,
        aws_secret_access_key=settings.secret_access_key,
        config=config,
    )


@contextmanager
def _storage_errors() -> Iterator[None]:
    """botocore exceptions become StorageError subclasses, so callers need no botocore."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "unknown"))
        if code in _NOT_FOUND_CODES:
            raise ObjectNotFound(code) from exc
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if status >= 500:
            raise StorageUnavailable(f"S3 error {code}") from exc
        raise StorageError(f"S3 error {code}") from exc
    except BotoConnectionError as exc:  # connect/read timeouts, refused, reset
        raise StorageUnavailable(type(exc).__name__) from exc
    except BotoCoreError as exc:
        raise StorageError(type(exc).__name__) from exc


class S3PhotoStore:
    """PhotoStore over one bucket. The boto3 client is thread-safe; build one per app."""

    def __init__(self, client: BaseClient, settings: S3Settings) -> None:
        self._client = client
        self.settings = settings
        self.bucket = settings.bucket

    @classmethod
    def from_settings(cls, settings: S3Settings) -> S3PhotoStore:
        return cls(make_s3_client(settings), settings)

    def ping(self) -> None:
        """Readiness: raise StorageUnavailable (unreachable) or StorageError (e.g. no bucket)."""
        try:
            with _storage_errors():
                self._client.head_bucket(Bucket=self.bucket)
        except ObjectNotFound as exc:
            raise StorageError(f"bucket {self.bucket} does not exist") from exc

    def ensure_bucket(self) -> None:
        """Create the bucket if missing, then (re)apply its CORS rule.

        Idempotent. CORS is re-put every time because MiniStack does not persist it across
        restarts. With no `cors_origins` the bucket's CORS is left as it is (it may be managed
        outside the app). Needs s3:CreateBucket/PutBucketCORS: call it from the embedded
        default and setup commands, not from every API worker against production.
        """
        with _storage_errors():
            try:
                self._client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) not in _NOT_FOUND_CODES:
                    raise
                self._create_bucket()
            if self.settings.cors_origins:
                self._client.put_bucket_cors(
                    Bucket=self.bucket, CORSConfiguration=self._cors_configuration()
                )

    def _create_bucket(self) -> None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if self.settings.region != "us-east-1":  # AWS rejects us-east-1 as a LocationConstraint
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.settings.region}
        try:
            self._client.create_bucket(**kwargs)
        except ClientError as exc:  # another worker created it between our HEAD and CREATE
            if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise

    def _cors_configuration(self) -> dict[str, Any]:
        return {
            "CORSRules": [
                {
                    "AllowedOrigins": list(self.settings.cors_origins),
                    "AllowedMethods": ["GET", "HEAD", "PUT"],
                    "AllowedHeaders": _CORS_ALLOWED_HEADERS,
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": _CORS_MAX_AGE_S,
                }
            ]
        }

    def presign_upload(
        self, key: str, *, content_type: str, size: int, sha256_hex: str, expires_s: int
    ) -> UploadSlot:
        """A presigned PUT for exactly this key, Content-Type, Content-Length and SHA-256."""
        if size < 1:
            raise ValueError("size must be at least 1 byte")
        if expires_s < 1:
            raise ValueError("expires_s must be positive")
        checksum = _sha256_hex_to_base64(sha256_hex)
        expires_at = datetime.now(UTC) + timedelta(seconds=expires_s)
        with _storage_errors():
            url = self._client.generate_presigned_url(
                "put_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "ContentType": content_type,
                    "ContentLength": size,
                    "ChecksumSHA256": checksum,
                },
                ExpiresIn=expires_s,
                HttpMethod="PUT",
            )
        headers = {"Content-Type": content_type, "x-amz-checksum-sha256": checksum}
        return UploadSlot(method="PUT", url=url, headers=headers, expires_at=expires_at)

    def head(self, key: str) -> ObjectInfo | None:
        try:
            with _storage_errors():
                response = self._client.head_object(Bucket=self.bucket, Key=key)
        except ObjectNotFound:
            return None
        return ObjectInfo(
            size=int(response["ContentLength"]),
            content_type=response.get("ContentType"),
            etag=str(response.get("ETag", "")).strip('"'),
        )

    def read(self, key: str, *, max_bytes: int) -> bytes:
        """The object's bytes; ObjectTooLarge past `max_bytes` (checked before downloading)."""
        return b"".join(self._chunks(key, max_bytes=max_bytes))

    def sha256_hex(self, key: str, *, max_bytes: int) -> str:
        """SHA-256 of the stored bytes, hashed while streaming (the object is never buffered)."""
        digest = hashlib.sha256()
        for chunk in self._chunks(key, max_bytes=max_bytes):
            digest.update(chunk)
        return digest.hexdigest()

    def _chunks(self, key: str, *, max_bytes: int) -> Iterator[bytes]:
        with _storage_errors():
            response = self._client.get_object(Bucket=self.bucket, Key=key)
            body = response["Body"]
            try:
                if int(response["ContentLength"]) > max_bytes:
                    raise ObjectTooLarge(f"{key}: {response['ContentLength']} > {max_bytes} bytes")
                received = 0
                while chunk := body.read(_READ_CHUNK):
                    received += len(chunk)
                    if received > max_bytes:  # a server that misreported ContentLength
                        raise ObjectTooLarge(f"{key}: more than {max_bytes} bytes")
                    yield chunk
            finally:
                body.close()

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        with _storage_errors():
            self._client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
            )

    def delete(self, key: str) -> None:
        """Delete the object; deleting a missing key is not an error (as in S3)."""
        with _storage_errors():
            self._client.delete_object(Bucket=self.bucket, Key=key)

    def presigned_get(self, key: str, *, expires_s: int | None = None) -> str:
        """A GET URL; signing is local (no request), so a page of 50 photos costs no I/O."""
        with _storage_errors():
            return str(
                self._client.generate_presigned_url(
                    "get_object",
                    Params={"Bucket": self.bucket, "Key": key},
                    ExpiresIn=expires_s or self.settings.url_ttl_s,
                )
            )


def _sha256_hex_to_base64(sha256_hex: str) -> str:
    """S3 wants the checksum header as base64 of the raw digest; clients declare hex."""
    normalised = sha256_hex.lower()
    if not _SHA256_HEX.fullmatch(normalised):
        raise ValueError("sha256_hex must be 64 hexadecimal characters")
    return base64.b64encode(binascii.unhexlify(normalised)).decode("ascii")
