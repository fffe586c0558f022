"""Test plumbing: a real PostgreSQL database per run (migrated with Alembic), every test in
a transaction rolled back afterwards, the app and client, and sign-in helpers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url

from fieldsales import create_app, db
from fieldsales.storage import get_photo_store
from fieldsales.storage.photos import S3Settings
from tests.factories import Factory, World, build_world

# The local S3-compatible server fixtures (one server process per test run).
pytest_plugins = ["tests.s3_fixtures"]

ROOT = Path(__file__).resolve().parents[1]

# CI runs property tests on a fixed sequence of examples, so a landing is reproducible;
# local runs draw fresh examples and keep finding new edge cases.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
DEFAULT_TEST_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fieldsales_test"


def database_url_under_test() -> str:
    return os.environ.get("FIELDSALES_TEST_DATABASE_URL", DEFAULT_TEST_URL)


def recreate_database(url: str) -> None:
    """Drop and create the database named in `url` (connecting to `postgres` to do it)."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["configure_logger"] = False
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


@contextmanager
def sqlite_app_on(tmp_path: Path, **config: Any) -> Iterator[Flask]:
    """The embedded default (`make run`): a migrated SQLite file and an app on it."""
    url = f"sqlite:///{tmp_path / 'fieldsales.db'}"
    engine = create_engine(url)
    migrate(engine)
    engine.dispose()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", **config})
    try:
        yield app
    finally:
        db.session.remove()
        db.engine_for(url).dispose()


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    url = database_url_under_test()
    recreate_database(url)
    eng = db.engine_for(url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def app(engine: Engine, s3_server: S3Settings) -> Flask:
    """The app on the test database and the test run's own S3 server process."""
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "LOG_LEVEL": "WARNING",
            "S3_ENDPOINT_URL": s3_server.endpoint_url,
            "S3_REGION": s3_server.region,
            "S3_ACCESS_KEY_ID": s3_server.access_key_id,
            "S3_SECRET_ACCESS_KEY": s3_server.secret_access_key,
            "S3_ADDRESSING_STYLE": s3_server.addressing_style,
            "S3_BUCKET": "fieldsales-app-test",
            # The webhook tests run a real receiver on loopback.
            "WEBHOOK_ALLOW_PRIVATE_HOSTS": True,
        }
    )
    with application.app_context():
        get_photo_store().ensure_bucket()
    return application


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """Each test runs inside one outer transaction; the code under test commits to
    SAVEPOINTs inside it, and the whole thing is rolled back at the end."""
    conn = engine.connect()
    outer = conn.begin()
    db.SessionFactory.configure(bind=conn, join_transaction_mode="create_savepoint")
    db.session.remove()
    yield conn
    db.session.remove()
    outer.rollback()
    conn.close()
    db.SessionFactory.configure(bind=engine, join_transaction_mode="conditional_savepoint")


@pytest.fixture
def session(connection: Connection) -> Any:
    """The test's own session. Each request gets another one (per app context) on the same
    connection, so it sees the test's rows; after an API call changed a row, re-read it
    (`session.refresh(obj)` or a column select) rather than trusting the loaded object."""
    return db.session


@pytest.fixture
def client(app: Flask, connection: Connection) -> FlaskClient:
    # Not `with app.test_client()`: that keeps the last request's app context pushed, and
    # the test's own db.session would then silently be that request's session.
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def make(session: Any) -> Factory:
    return Factory(session)


@pytest.fixture
def world(make: Factory) -> World:
    """Rows in and out of every role's scope (see tests.factories.World)."""
    return build_world(make)


@pytest.fixture
def auth(app: Flask) -> Any:
    """`auth.headers(user)` -> Authorization header for that user (token minted directly:
    signing in through the API with argon2 for every test would be slow)."""
    from tests.factories import Auth

    return Auth(app.config["SECRET_KEY"], int(app.config["JWT_ACCESS_TTL_S"]))
