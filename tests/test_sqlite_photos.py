"""The embedded default runs on SQLite with inline jobs: the photo journey (slot, PUT to the
real local S3 server, complete, processing, queue, review) must work there too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fieldsales import db
from fieldsales.storage import get_photo_store
from tests.conftest import sqlite_app_on
from tests.factories import Auth, Factory
from tests.photo_factories import Uploader, camera_jpeg

pytestmark = pytest.mark.s3


@pytest.fixture
def sqlite_app(tmp_path, s3_server):
    with sqlite_app_on(
        tmp_path,
        S3_ENDPOINT_URL=s3_server.endpoint_url,
        S3_REGION=s3_server.region,
        S3_ACCESS_KEY_ID=s3_server.access_key_id,
        S3_SECRET_ACCESS_KEY=s3_server.secret_access_key,
        S3_ADDRESSING_STYLE=s3_server.addressing_style,
        S3_BUCKET="fieldsales-sqlite-test",
    ) as app:
        with app.app_context():
            get_photo_store().ensure_bucket()
        yield app


def test_photo_journey_on_sqlite(sqlite_app):
    auth = Auth(sqlite_app.config["SECRET_KEY"], 900)
    now = datetime.now(UTC)
    with sqlite_app.app_context():
        make = Factory(db.session)
        supervisor, team = make.supervisor_with_team()
        rep = make.rep(team)
        store = make.store(rep=rep)
        visit = make.visit(rep, store, at=now - timedelta(minutes=20), minutes=None)
        data = camera_jpeg(store, now - timedelta(minutes=5))
        db.session.remove()

    client = sqlite_app.test_client()
    completed = Uploader(client, auth).upload(rep, visit, data, taken_at=now)
    assert completed.json["status"] == "processed"

    sup = auth.headers(supervisor)
    page = client.get("/api/v1/photos", headers=sup)
    assert [p["id"] for p in page.json] == [completed.json["id"]]
    assert page.json[0]["flags"] == []

    reviewed = client.post(
        f"/api/v1/photos/{completed.json['id']}/review",
        json={"decision": "approve", "compliance_score": 90},
        headers=sup,
    )
    assert reviewed.status_code == 200
    assert reviewed.json["reviews"][0]["compliance_score"] == 90
