"""S3PhotoStore against a real MiniStack process on loopback (AUTH on).

The refusal tests are the contract the upload flow relies on: the storage itself must refuse
what the presigned PUT did not sign for. An S3 server upgrade that stops enforcing one of
them fails here.
"""

import base64
import dataclasses
import hashlib
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests

from fieldsales.storage.local_server import LocalS3Server, free_loopback_port
from fieldsales.storage.photos import (
    ObjectInfo,
    ObjectNotFound,
    ObjectTooLarge,
    S3PhotoStore,
    S3Settings,
    StorageError,
    StorageUnavailable,
    make_s3_client,
    photo_key,
    settings_from_config,
    thumbnail_key,
)
from tests.s3_fixtures import TEST_CORS_ORIGIN

pytestmark = pytest.mark.s3

# Enough of a JPEG for S3, which never looks inside; tests/adapters/test_images.py covers decoding.
BODY = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
HTTP_TIMEOUT_S = 10


def new_key() -> str:
    return photo_key(uuid.uuid4(), created_at=datetime.now(UTC))


def upload_slot(store, key, body=BODY, *, content_type="image/jpeg", expires_s=60):
    return store.presign_upload(
        key,
        content_type=content_type,
        size=len(body),
        sha256_hex=hashlib.sha256(body).hexdigest(),
        expires_s=expires_s,
    )


def put(url, body, headers):
    return requests.put(url, data=body, headers=headers, timeout=HTTP_TIMEOUT_S)


def with_query_param(url, name, value):
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def preflight(store, origin):
    return requests.options(
        f"{store.settings.endpoint_url}/{store.bucket}/{new_key()}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type,x-amz-checksum-sha256",
        },
        timeout=HTTP_TIMEOUT_S,
    )


def test_presigned_upload_then_head_read_and_presigned_get(photo_store):
    key = new_key()
    slot = upload_slot(photo_store, key)

    response = put(slot.url, BODY, slot.headers)

    assert response.status_code == 200, response.text
    assert slot.method == "PUT"
    assert photo_store.head(key) == ObjectInfo(
        size=len(BODY), content_type="image/jpeg", etag=hashlib.md5(BODY).hexdigest()
    )
    assert photo_store.read(key, max_bytes=len(BODY)) == BODY
    assert photo_store.sha256_hex(key, max_bytes=len(BODY)) == hashlib.sha256(BODY).hexdigest()
    download = requests.get(photo_store.presigned_get(key), timeout=HTTP_TIMEOUT_S)
    assert download.status_code == 200
    assert download.content == BODY
    assert download.headers["Content-Type"] == "image/jpeg"


def test_storage_refuses_an_oversized_upload(photo_store):
    key = new_key()
    slot = upload_slot(photo_store, key)

    response = put(slot.url, BODY + b"\x00" * 4096, slot.headers)

    assert response.status_code == 403
    assert photo_store.head(key) is None


def test_storage_refuses_a_wrong_content_type(photo_store):
    key = new_key()
    slot = upload_slot(photo_store, key)

    response = put(slot.url, BODY, {**slot.headers, "Content-Type": "text/html"})

    assert response.status_code == 403
    assert photo_store.head(key) is None


def test_storage_refuses_an_expired_slot(photo_store):
    key = new_key()
    slot = upload_slot(photo_store, key, expires_s=1)

    time.sleep(2.1)
    response = put(slot.url, BODY, slot.headers)

    assert response.status_code == 403
    assert photo_store.head(key) is None


def test_storage_refuses_a_tampered_signature(photo_store):
    key = new_key()
    slot = upload_slot(photo_store, key)
    signature = dict(parse_qsl(urlsplit(slot.url).query))["X-Amz-Signature"]
    forged = signature[:-1] + ("0" if signature[-1] != "0" else "1")

    response = put(with_query_param(slot.url, "X-Amz-Signature", forged), BODY, slot.headers)

    assert response.status_code == 403
    assert photo_store.head(key) is None


def test_storage_refuses_a_lifetime_raised_without_resigning(photo_store):
    key = new_key()
    slot = upload_slot(photo_store, key, expires_s=60)

    response = put(with_query_param(slot.url, "X-Amz-Expires", "604800"), BODY, slot.headers)

    assert response.status_code == 403
    assert photo_store.head(key) is None


def test_storage_refuses_the_slot_for_another_key(photo_store):
    key, other_key = new_key(), new_key()
    slot = upload_slot(photo_store, key)

    response = put(slot.url.replace(key, other_key), BODY, slot.headers)

    assert response.status_code == 403
    assert photo_store.head(other_key) is None


def test_storage_refuses_a_body_that_does_not_match_the_signed_sha256(photo_store):
    key = new_key()
    slot = upload_slot(photo_store, key)
    same_size_other_bytes = bytes(reversed(BODY))

    response = put(slot.url, same_size_other_bytes, slot.headers)

    assert response.status_code == 400
    assert "BadDigest" in response.text
    assert photo_store.head(key) is None


def test_storage_refuses_other_bytes_sent_with_their_own_checksum(photo_store):
    key = new_key()
    slot = upload_slot(photo_store, key)
    other = bytes(reversed(BODY))
    other_checksum = base64.b64encode(hashlib.sha256(other).digest()).decode()

    response = put(slot.url, other, {**slot.headers, "x-amz-checksum-sha256": other_checksum})

    assert response.status_code == 403
    assert photo_store.head(key) is None


def test_presign_upload_rejects_a_malformed_sha256(photo_store):
    with pytest.raises(ValueError, match="64 hexadecimal"):
        photo_store.presign_upload(
            new_key(), content_type="image/jpeg", size=10, sha256_hex="abc", expires_s=60
        )


def test_read_refuses_more_than_max_bytes(photo_store):
    key = new_key()
    photo_store.put(key, BODY, content_type="image/jpeg")

    with pytest.raises(ObjectTooLarge):
        photo_store.read(key, max_bytes=len(BODY) - 1)
    with pytest.raises(ObjectTooLarge):
        photo_store.sha256_hex(key, max_bytes=len(BODY) - 1)


def test_missing_object(photo_store):
    key = new_key()

    assert photo_store.head(key) is None
    with pytest.raises(ObjectNotFound):
        photo_store.read(key, max_bytes=1000)
    photo_store.delete(key)  # deleting what is not there is fine, as in S3


def test_put_thumbnail_then_delete(photo_store):
    key = thumbnail_key(uuid.uuid4(), created_at=datetime.now(UTC))
    photo_store.put(key, b"thumbnail bytes", content_type="image/jpeg")

    assert photo_store.head(key).content_type == "image/jpeg"
    photo_store.delete(key)
    assert photo_store.head(key) is None


def test_expired_presigned_get_is_refused(photo_store):
    key = new_key()
    photo_store.put(key, BODY, content_type="image/jpeg")
    url = photo_store.presigned_get(key, expires_s=1)

    time.sleep(2.1)

    assert requests.get(url, timeout=HTTP_TIMEOUT_S).status_code == 403


def test_ensure_bucket_is_idempotent_and_reapplies_cors(photo_store):
    key = new_key()
    photo_store.put(key, BODY, content_type="image/jpeg")
    assert preflight(photo_store, TEST_CORS_ORIGIN).headers.get("Access-Control-Allow-Origin") == (
        TEST_CORS_ORIGIN
    )
    # What a MiniStack restart does to bucket CORS.
    make_s3_client(photo_store.settings).delete_bucket_cors(Bucket=photo_store.bucket)
    assert "Access-Control-Allow-Origin" not in preflight(photo_store, TEST_CORS_ORIGIN).headers

    photo_store.ensure_bucket()
    photo_store.ensure_bucket()

    allowed = preflight(photo_store, TEST_CORS_ORIGIN)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == TEST_CORS_ORIGIN
    assert "PUT" in allowed.headers["Access-Control-Allow-Methods"]
    other = preflight(photo_store, "https://evil.example")
    assert other.headers.get("Access-Control-Allow-Origin") != "https://evil.example"
    assert photo_store.read(key, max_bytes=len(BODY)) == BODY  # the bucket was not recreated


def test_ping(photo_store):
    photo_store.ping()

    missing_bucket = dataclasses.replace(photo_store.settings, bucket="fieldsales-no-such-bucket")
    with pytest.raises(StorageError, match="does not exist"):
        S3PhotoStore.from_settings(missing_bucket).ping()


def test_dead_endpoint_fails_fast_as_unavailable(s3_server):
    dead = dataclasses.replace(s3_server, endpoint_url=f"http://127.0.0.1:{free_loopback_port()}")
    store = S3PhotoStore.from_settings(dead)

    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        store.ping()
    assert time.monotonic() - started < 5


def test_objects_survive_a_restart_and_ensure_bucket_restores_cors(tmp_path):
    server = LocalS3Server(data_dir=tmp_path / "data", log_path=tmp_path / "server.log")
    config = {"S3_BUCKET": "fieldsales-restart", "S3_CORS_ORIGINS": TEST_CORS_ORIGIN}
    key = new_key()
    with server:
        store = S3PhotoStore.from_settings(settings_from_config({**server.app_config(), **config}))
        store.ensure_bucket()
        store.put(key, BODY, content_type="image/jpeg")

    with server:
        store = S3PhotoStore.from_settings(settings_from_config({**server.app_config(), **config}))
        store.ensure_bucket()

        assert store.head(key) == ObjectInfo(
            size=len(BODY), content_type="image/jpeg", etag=hashlib.md5(BODY).hexdigest()
        )
        allowed = preflight(store, TEST_CORS_ORIGIN)
        assert allowed.headers["Access-Control-Allow-Origin"] == TEST_CORS_ORIGIN


def test_settings_reject_an_unknown_addressing_style():
    with pytest.raises(ValueError, match="addressing_style"):
        S3Settings(bucket="b", addressing_style="subdomain")
