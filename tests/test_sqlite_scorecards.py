"""The embedded default (`make run`) runs on SQLite: the hand-built month must score the
same there (window-function medians, date arithmetic and local dates are portable)."""

from __future__ import annotations

import pytest

from fieldsales import db
from tests.api.test_scorecards import EXPECTED, NOVEMBER, NOW, build_month
from tests.conftest import sqlite_app_on
from tests.factories import Auth, Factory


@pytest.fixture
def sqlite_app(tmp_path, monkeypatch):
    monkeypatch.setattr("fieldsales.api.scorecards.utcnow", lambda: NOW)
    with sqlite_app_on(tmp_path) as app:
        yield app


def test_the_hand_built_month_scores_the_same_on_sqlite(sqlite_app):
    auth = Auth(sqlite_app.config["SECRET_KEY"], 900)
    with sqlite_app.app_context():
        month = build_month(Factory(db.session))
        headers = auth.headers(month["sup"])
        dealer_id = month["d"].id
        db.session.remove()
    client = sqlite_app.test_client()
    card = client.get(
        f"/api/v1/dealers/{dealer_id}/scorecard", query_string=NOVEMBER, headers=headers
    ).json
    got = {m["metric"]: (m["value"], m["sample"], m["points"]) for m in card["metrics"]}
    assert got == {m.value: v for m, v in EXPECTED.items()}
    assert (card["score"], card["change"]) == (50.3, -49.7)
    assert card["figures"]["response_hours_p90"] == 29.8
    ranking = client.get("/api/v1/dealer-scorecards", query_string=NOVEMBER, headers=headers)
    assert [r["rank"] for r in ranking.json if r["region"] == "north"] == [1, None]
    evidence = client.get(
        f"/api/v1/dealers/{dealer_id}/scorecard/evidence",
        query_string={**NOVEMBER, "metric": "dealer_stockout_rate"},
        headers=headers,
    )
    assert [r["detail"]["blame"] for r in evidence.json].count("dealer") == 3
