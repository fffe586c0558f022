"""Session-wide local S3 server (MiniStack, AUTH on) and a ready photo store per test.

Import into tests/conftest.py with `pytest_plugins = ["tests.s3_fixtures"]`.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest
from botocore.client import BaseClient

from fieldsales.storage.local_server import LocalS3Server
from fieldsales.storage.photos import S3PhotoStore, S3Settings, make_s3_client, settings_from_config

TEST_CORS_ORIGIN = "https://app.fieldsales.test"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Settings]:
    """Settings pointing at a MiniStack process on a free loopback port (bucket not created)."""
    workdir = tmp_path_factory.mktemp("s3-server")
    server = LocalS3Server(data_dir=workdir / "data", log_path=workdir / "server.log")
    with server:
        config = {
            **server.app_config(),
            "S3_BUCKET": "fieldsales-test",
            "S3_CORS_ORIGINS": [TEST_CORS_ORIGIN],
        }
        yield settings_from_config(config)


@pytest.fixture(scope="session")
def s3_client(s3_server: S3Settings) -> BaseClient:
    return make_s3_client(s3_server)


@pytest.fixture
def photo_store(s3_server: S3Settings, s3_client: BaseClient) -> S3PhotoStore:
    """An S3PhotoStore on a fresh, empty bucket with CORS applied."""
    settings = dataclasses.replace(s3_server, bucket=f"test-{uuid.uuid4().hex[:16]}")
    store = S3PhotoStore(s3_client, settings)
    store.ensure_bucket()
    return store
