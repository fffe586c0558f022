"""The embedded default runs on SQLite: an app on a SQLite file migrated by Alembic signs an
admin in through the API (argon2 and all), and creates, finds and lists a store."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from alembic import command
from flask.testing import FlaskClient
from sqlalchemy import select

from fieldsales import create_app, db
from fieldsales.db.models import Store, User
from fieldsales.domain.types import Role
from tests.conftest import alembic_config
from tests.factories import PASSWORD, PASSWORD_HASH

STORE = {
    "code": "SQL-1",
    "name": "Lite Mart",
    "address": "1 File Street",
    "lat": 31.2304,
    "lon": 121.4737,
    "timezone": "Asia/Shanghai",
    "grade": "A",
    "owner_windows": [{"weekday": 2, "start": "13:00", "end": "13:30"}],
    "payment_terms": "prepaid",
    "credit_limit": "0.00",
    "balance_owed": "12.34",
}


@pytest.fixture
def sqlite_client(tmp_path) -> Iterator[FlaskClient]:
    url = f"sqlite:///{tmp_path / 'fieldsales.db'}"
    engine = db.engine_for(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    previous = dict(db.SessionFactory.kw)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "LOG_LEVEL": "WARNING"})
    try:
        with app.app_context():
            db.session.add(
                User(
                    username="root",
                    display_name="Root",
                    password_hash=PASSWORD_HASH,
                    role=Role.ADMIN,
                )
            )
            db.session.commit()
        with app.test_client() as client:
            yield client
    finally:
        # create_app bound the shared session factory to this file; give it back.
        db.session.remove()
        db.SessionFactory.configure(**previous)
        engine.dispose()


def test_sqlite_app_signs_in_and_creates_and_lists_a_store(sqlite_client):
    rv = sqlite_client.post("/api/v1/auth/login", json={"username": "root", "password": PASSWORD})
    assert rv.status_code == 200, rv.json
    headers = {"Authorization": f"Bearer {rv.json['access_token']}"}

    created = sqlite_client.post("/api/v1/stores", json=STORE, headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["balance_owed"] == "12.34"
    assert created.json["owner_windows"] == STORE["owner_windows"]
    assert created.json["created_at"].endswith("+00:00")

    listed = sqlite_client.get("/api/v1/stores", headers=headers)
    assert listed.status_code == 200
    assert [s["code"] for s in listed.json] == ["SQL-1"]
    assert listed.headers["X-Pagination"]

    near = sqlite_client.get(
        "/api/v1/stores",
        query_string={"near_lat": 31.23, "near_lon": 121.47, "within_m": 1000, "q": "lite"},
        headers=headers,
    )
    assert near.status_code == 200, near.json
    assert [s["code"] for s in near.json] == ["SQL-1"]

    with sqlite_client.application.app_context():
        stored = db.session.scalar(select(Store.balance_owed).where(Store.code == "SQL-1"))
    assert stored == Decimal("12.34")
