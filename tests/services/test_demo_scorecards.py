"""`make run` shows scorecards: the demo city's history fills every dealer's visit, stock
and problem figures for the month so far (reorder figures come with the demo's requests)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fieldsales.domain.periods import PeriodKind, period_containing
from fieldsales.domain.scoring import Metric
from fieldsales.domain.types import Actor, Role
from fieldsales.services import scorecards
from fieldsales.services.demo import load_demo

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_demo_dealers_have_scorecard_figures(session):
    load_demo(session, seed=7, today=NOW.date(), store_count=120)
    clock = scorecards.Clock(NOW, "Asia/Shanghai")
    # The quarter so far holds the demo's eight weeks of history.
    period = period_containing(PeriodKind.QUARTER, NOW.date())
    rows = scorecards.ranking(
        session, actor=Actor(uuid.uuid4(), Role.ADMIN), period=period, region=None, clock=clock
    )
    assert len(rows) == 4
    for row in rows:
        card = scorecards.scorecard(
            session,
            actor=Actor(uuid.uuid4(), Role.ADMIN),
            dealer_id=row["dealer"]["id"],
            period=period,
            clock=clock,
        )
        figures = card["figures"]
        assert figures["visits"] > 20 and figures["stock_counts"] > 20
        points = {m["metric"]: m["points"] for m in card["metrics"]}
        assert points[Metric.DEALER_STOCKOUT_RATE] is not None
        assert points[Metric.PROBLEMS_PER_100_VISITS] is not None
