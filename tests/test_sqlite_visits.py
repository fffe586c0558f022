"""The embedded default runs on SQLite: a visit day, a sync batch, the briefing and the
reports must work there too (portable SQL, money exact in a string column)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bench.day_batch import StoreSpot, day_batch
from fieldsales import db
from fieldsales.db.models import Store
from tests.conftest import sqlite_app_on
from tests.factories import Auth, Factory


@pytest.fixture
def sqlite_app(tmp_path):
    with sqlite_app_on(tmp_path) as app:
        yield app


def test_visits_sync_briefing_and_reports_on_sqlite(sqlite_app):
    auth = Auth(sqlite_app.config["SECRET_KEY"], 900)
    with sqlite_app.app_context():
        make = Factory(db.session)
        supervisor, team = make.supervisor_with_team()
        rep = make.rep(team)
        stores = [make.store(rep=rep, balance_owed=Decimal("100.10")) for _ in range(3)]
        products = [make.product() for _ in range(4)]
        spots = [StoreSpot(s.id, s.lat, s.lon) for s in stores]
        start = datetime.now(UTC) - timedelta(hours=6)
        items = day_batch(spots, [p.id for p in products], start=start, rng=random.Random(1))
        db.session.remove()

    client = sqlite_app.test_client()
    body = {"sent_at": datetime.now(UTC).isoformat(), "items": items}
    rv = client.post("/api/v1/sync", json=body, headers=auth.headers(rep))
    assert rv.json["counts"]["applied"] == len(items)
    again = client.post("/api/v1/sync", json=body, headers=auth.headers(rep))
    assert again.json["counts"]["duplicate"] == len(items)

    with sqlite_app.app_context():
        collected = sum(
            Decimal(i["payload"]["amount"]) for i in items if i["op"] == "visit.payment"
        )
        owed = sum(db.session.get(Store, s.id).balance_owed for s in stores)
        assert owed == Decimal("300.30") - collected
        db.session.remove()

    day = items[0]["payload"]["checked_in_at"][:10]
    for url, user in [
        (f"/api/v1/stores/{stores[0].id}/briefing", rep),
        (f"/api/v1/reports/evening?day={day}", rep),
        (f"/api/v1/reports/team-day?day={day}", supervisor),
        ("/api/v1/reports/coverage", supervisor),
        ("/api/v1/visits?flagged=false", supervisor),
    ]:
        assert client.get(url, headers=auth.headers(user)).status_code == 200, url
