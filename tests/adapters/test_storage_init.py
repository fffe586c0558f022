"""Wiring the photo store into a Flask app from its config keys."""

import pytest
from flask import Flask

from fieldsales import storage
from fieldsales.storage.photos import S3PhotoStore, S3Settings, settings_from_config


def test_settings_from_config_defaults_to_aws_with_the_default_credential_chain():
    assert settings_from_config({"S3_BUCKET": "photos"}) == S3Settings(bucket="photos")


def test_settings_from_config_reads_every_key_and_splits_comma_separated_origins():
    config = {
        "S3_BUCKET": "photos",
        "S3_ENDPOINT_URL": "https://minio.internal:9000",
        "S3_REGION": "eu-central-1",
        "S3_ACCESS_KEY_ID": "AKID",
        "S3_SECRET_ACCESS_KEY": "secret",
        "S3_ADDRESSING_STYLE": "path",
        "PHOTOS_URL_TTL_S": "300",
        "S3_CORS_ORIGINS": "https://a.example, https://b.example,",
    }

    assert settings_from_config(config) == S3Settings(
        bucket="photos",
        endpoint_url="https://minio.internal:9000",
        region="eu-central-1",
        access_key_id="AKID",
        secret_access_key="secret",
        addressing_style="path",
        url_ttl_s=300,
        cors_origins=("https://a.example", "https://b.example"),
    )


def test_settings_need_both_keys_or_neither():
    with pytest.raises(ValueError, match="both"):
        S3Settings(bucket="photos", access_key_id="AKID")


@pytest.mark.s3
def test_init_app_builds_one_store_reachable_through_get_photo_store(s3_server):
    app = Flask(__name__)
    app.config.update(
        S3_ENDPOINT_URL=s3_server.endpoint_url,
        S3_REGION=s3_server.region,
        S3_BUCKET="fieldsales-init-app",
        S3_ACCESS_KEY_ID=s3_server.access_key_id,
        S3_SECRET_ACCESS_KEY=s3_server.secret_access_key,
        S3_ADDRESSING_STYLE="path",
        PHOTOS_URL_TTL_S=600,
        S3_CORS_ORIGINS=["https://app.example"],
    )

    storage.init_app(app)

    with app.app_context():
        store = storage.get_photo_store()
        assert store is storage.get_photo_store()
        assert isinstance(store, S3PhotoStore)
        store.ensure_bucket()
        store.ping()
        assert "X-Amz-Expires=600" in store.presigned_get("photos/x")
