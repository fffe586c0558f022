"""Dealer scorecards through the API, on a small hand-built month where every figure, every
metric's points and the final score were worked out by hand beforehand (comments below).

The month is November 2026 in the reporting zone (Asia/Shanghai, UTC+8); "now" is
2026-11-28 12:00 UTC (20:00 local), so November is the current, live period and October is
closed (served from a stored scorecard). All record times are UTC, chosen away from local
midnights except where a test is about exactly that.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from fieldsales.db.models import StoredScorecard
from fieldsales.domain.periods import PeriodKind
from fieldsales.domain.photos import PhotoKind, ReviewStatus
from fieldsales.domain.reorder.workflow import RequestStatus as S
from fieldsales.domain.scoring import DealerFigures, Metric
from fieldsales.domain.types import Role
from fieldsales.domain.visits import ProblemStatus
from tests.scorecard_factories import reorder, reviewed_photo

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
NOVEMBER = {"period": "month", "date": "2026-11-15"}


def at(month: int, day: int, hour: int = 2, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setattr("fieldsales.api.scorecards.utcnow", lambda: NOW)


@pytest.fixture
def month(make) -> dict[str, Any]:
    return build_month(make)


def build_month(make) -> dict[str, Any]:
    """Dealer D (north) with stores S1, S2; dealer E (north) with one store and almost
    nothing; dealer F (south) with nothing."""
    d = make.dealer(code="D-NORTH", region="north")
    e = make.dealer(code="E-NORTH", region="north")
    f = make.dealer(code="F-SOUTH", region="south")
    sup, team = make.supervisor_with_team()
    rep = make.rep(team)
    s1, s2 = make.store(rep=rep, dealer=d), make.store(rep=rep, dealer=d)
    s3 = make.store(rep=rep, dealer=e)
    p1, p2 = make.product(), make.product()
    p3 = make.product(active=False)
    session = make.session

    # 20 visits at D's stores in November: S1 on the 2nd, 4th, ... 20th at 01:00, S2 on the
    # 3rd, 5th, ... 21st at 01:30. Each counts P1 and P2: 40 counts (P3, inactive, is
    # counted too but never counts). Stock is 5 unless listed as zero below.
    zero = {
        (s1.id, p1.id, 8),  # (a) dealer: R5 (S1/P1, 6th 02:00, after the 6th's visit) short
        (s1.id, p1.id, 10),  # (b) dealer: R7 (S1/P1, 8th) cannot fill; R5 is before the 8th
        (s2.id, p1.id, 11),  # (c) dealer: R8 (S2/P1, 9th) rejected
        (s2.id, p2.id, 13),  # (d) rep: nothing ordered for S2/P2 since the 11th
        (s1.id, p2.id, 20),  # (e) rep: R9 had P2, but on the 10th, before the 18th's visit
        (s1.id, p1.id, 12),  # (f) rep: R9 (10th) delivered complete at 00:30, count at 01:00
    }
    visits: dict[tuple[Any, int], Any] = {}
    for day in range(2, 22):
        store, minute = (s1, 0) if day % 2 == 0 else (s2, 30)
        visit = make.visit(rep, store, at=at(11, day, 1, minute))
        visits[store.id, day] = visit
        for product in (p1, p2):
            qty = 0 if (store.id, product.id, day) in zero else 5
            make.stock_count(visit, product, shelf_qty=qty, backroom_qty=0)
        make.stock_count(visit, p3, shelf_qty=0, backroom_qty=0)  # inactive: not counted
    # Another dealer's store: its visit and stock-out are E's, not D's.
    e_visit = make.visit(rep, s3, at=at(11, 5))
    make.stock_count(e_visit, p1, shelf_qty=0, backroom_qty=0)
    # October visits (October itself is stored; these carry October's problems).
    oct_visit = make.visit(rep, s1, at=at(10, 25, 3))

    def v(store, day):
        return visits[store.id, day]

    # Reorder requests (lines: product, ordered, delivered), dealer D:
    #  id   submitted  first answer  promised  delivered        lines
    #  R1   2nd S1     +1h ack       5th       5th 04:00        P1 10/10
    #  R2   3rd S2     +2h ack       6th       6th 15:30 UTC    P1 20/20   (23:30 local: on time)
    #  R3   4th S1     +3h ack       7th       7th              P1 10/10
    #  R4   5th S2     +4h ack       8th       8th              P1 20/20, P2 20/20
    #  R5   6th S1     +5h ack       9th       partial          P1 20/10
    #  R6   7th S2     +6h ack       10th      10th             P1 30/30, P2 30/30
    #  R7   8th S1     +10h ack      10th      cannot fill (no new date)   P1 5/0
    #  R8   9th S2     +24h reject   -         -                P1 5/0
    #  R9   10th S1    +8h ack       12th      12th 00:30       P1 15/15, P2 15/15
    #  R13  25th S2    none yet      -         -                P1 10/0  (not due)
    #  cancelled (12th) and held (never submitted) requests count nowhere.
    def delivered(sub: datetime, hours: int, promised: date, when: datetime) -> dict[str, Any]:
        """Acknowledged and confirmed `hours` after submission, then delivered `when`."""
        return {
            "acknowledged_at": sub + timedelta(hours=hours),
            "confirmed_at": sub + timedelta(hours=hours),
            "promised_delivery_on": promised,
            "first_delivery_at": when,
            "delivered_at": when,
        }

    r1 = reorder(
        session, v(s1, 2), [(p1, 10, 10)], status=S.DELIVERED, submitted_at=at(11, 2),
        **delivered(at(11, 2), 1, date(2026, 11, 5), at(11, 5, 4)),
    )  # fmt: skip
    reorder(
        session, v(s2, 3), [(p1, 20, 20)], status=S.DELIVERED, submitted_at=at(11, 3),
        **delivered(at(11, 3), 2, date(2026, 11, 6), at(11, 6, 15, 30)),
    )  # fmt: skip
    reorder(
        session, v(s1, 4), [(p1, 10, 10)], status=S.DELIVERED, submitted_at=at(11, 4),
        **delivered(at(11, 4), 3, date(2026, 11, 7), at(11, 7, 4)),
    )  # fmt: skip
    reorder(
        session, v(s2, 5), [(p1, 20, 20), (p2, 20, 20)], status=S.DELIVERED,
        submitted_at=at(11, 5), **delivered(at(11, 5), 4, date(2026, 11, 8), at(11, 8, 4)),
    )  # fmt: skip
    reorder(
        session, v(s1, 6), [(p1, 20, 10)], status=S.PARTIALLY_DELIVERED, submitted_at=at(11, 6),
        **{**delivered(at(11, 6), 5, date(2026, 11, 9), at(11, 9, 4)), "delivered_at": None},
    )  # fmt: skip
    reorder(
        session, v(s2, 7), [(p1, 30, 30), (p2, 30, 30)], status=S.DELIVERED,
        submitted_at=at(11, 7), **delivered(at(11, 7), 6, date(2026, 11, 10), at(11, 10, 4)),
    )  # fmt: skip
    reorder(
        session, v(s1, 8), [(p1, 5, 0)], status=S.CANNOT_FILL, submitted_at=at(11, 8),
        acknowledged_at=at(11, 8, 12), confirmed_at=at(11, 8, 13),
        promised_delivery_on=date(2026, 11, 10), cannot_fill_at=at(11, 9, 2),
        cannot_fill_reason="out of stock at the warehouse",
    )  # fmt: skip
    reorder(
        session, v(s2, 9), [(p1, 5, 0)], status=S.REJECTED, submitted_at=at(11, 9),
        rejected_at=at(11, 10), rejection_reason="store owes us money",
    )  # fmt: skip
    reorder(
        session, v(s1, 10), [(p1, 15, 15), (p2, 15, 15)], status=S.DELIVERED,
        submitted_at=at(11, 10), **delivered(at(11, 10), 8, date(2026, 11, 12), at(11, 12, 0, 30)),
    )  # fmt: skip
    reorder(session, v(s2, 21), [(p1, 10, 0)], status=S.SUBMITTED, submitted_at=at(11, 25))
    reorder(
        session, v(s1, 12), [(p1, 50, 0)], status=S.CANCELLED, submitted_at=at(11, 12),
        cancelled_at=at(11, 12, 3),
    )  # fmt: skip
    reorder(session, v(s2, 13), [(p2, 50, 0)], status=S.HELD, submitted_at=None)

    # Problems. Raised in November and attributed to D: one (B). Resolved in November and
    # attributed to D: A (10 days), B (2 days), C (4 days). Not D's: one attributed to
    # nobody, one to E.
    solved = {"status": ProblemStatus.SOLVED}
    make.problem(
        oct_visit, dealer_id=d.id, recorded_at=at(10, 25, 3), resolved_at=at(11, 4, 3), **solved
    )  # A
    make.problem(
        v(s2, 3), dealer_id=d.id, recorded_at=at(11, 3, 1, 30), resolved_at=at(11, 5, 1, 30),
        **solved,
    )  # fmt: skip
    make.problem(
        oct_visit, dealer_id=d.id, recorded_at=at(10, 30, 3), resolved_at=at(11, 3, 3), **solved
    )  # C
    make.problem(v(s1, 4), dealer_id=None)
    make.problem(e_visit, dealer_id=e.id)

    # Our-POP photos at D's stores in November: approved 90, 80, 70, 60; rejected 30;
    # retake without a score. Not counted: one pending, one competitor POP.
    for day, review, score in [
        (2, ReviewStatus.APPROVED, 90),
        (4, ReviewStatus.APPROVED, 80),
        (6, ReviewStatus.APPROVED, 70),
        (8, ReviewStatus.APPROVED, 60),
        (10, ReviewStatus.REJECTED, 30),
        (12, ReviewStatus.RETAKE, None),
        (14, ReviewStatus.PENDING, None),
    ]:
        reviewed_photo(session, v(s1, day), review, score)
    reviewed_photo(session, v(s1, 16), ReviewStatus.APPROVED, 0, kind=PhotoKind.COMPETITOR_POP)

    # October is closed and stored: fill 1.0, full lines 1.0, no stock-outs, no problems
    # over 20 visits -> each 100 points, 55 of 100 weight with data -> score 100.0.
    make.session.add(
        StoredScorecard(
            dealer_id=d.id,
            period_kind=PeriodKind.MONTH,
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            figures=asdict(
                DealerFigures(
                    lines=10,
                    units_requested=100,
                    units_delivered=100,
                    full_lines=10,
                    stock_counts=20,
                    visits=20,
                )
            ),
            computed_at=at(11, 1, 0),
        )
    )
    make.session.commit()
    return {
        "d": d,
        "e": e,
        "f": f,
        "sup": sup,
        "rep": rep,
        "admin": make.user(Role.ADMIN),
        "du_d": make.dealer_user(d),
        "du_e": make.dealer_user(e),
        "r1": r1,
    }


# Hand computation for D, November (default weights 20/10/15/10/5/15/10/5/10):
#
# fill rate: due lines R1-R9 (R13 is not due: no date, no answer) = 12 lines,
#   requested 10+20+10+40+20+60+5+5+30 = 200, delivered 10+20+10+40+10+60+0+0+30 = 180
#   -> 0.9 on 0.80..1.00 -> 50.0 points
# full lines: 9 of 12 complete (R5, R7, R8 are not) -> 0.75 on 0.60..1.00 -> 37.5
# on time: due requests with a confirmed date R1-R7, R9 = 8; on time R1, R2 (23:30 local on
#   the day), R3, R4, R6, R9 = 6 -> 0.75 on 0.60..1.00 -> 37.5
# response: R1..R9 answered after 1, 2, 3, 4, 5, 6, 10, 24, 8 h; R13 waiting since the
#   25th 02:00 = 82 h. Sorted 1 2 3 4 5 6 8 10 24 82: median (5+6)/2 = 5.5 h,
#   p90 = 24 + 0.1 * (82 - 24) = 29.8 h. 5.5 on 48..2 -> 42.5 / 46 = 0.9239 -> 92.4
# cannot fill: 1 (R7) of 10 requests (R1-R9, R13) -> 0.1 on 0.20..0 -> 50.0
# stock-outs: 40 counts, 3 the dealer's (a, b, c), 3 the rep's (d, e, f)
#   -> 0.075 on 0.10..0 -> 25.0
# problems: 1 attributed in 20 visits -> 5.0 per 100 on 10..0 -> 50.0
# resolution: median of 10, 2, 4 days = 4 on 14..1 -> 10 / 13 = 0.7692 -> 76.9
# POP: 6 reviewed, 4 approved (share 0.6667); mean of 90 80 70 60 30 = 66 on 0..100 -> 66.0
# score = (50*20 + 37.5*10 + 37.5*15 + 92.4*10 + 50*5 + 25*15 + 50*10 + 76.9*5 + 66*10) / 100
#       = (1000 + 375 + 562.5 + 924 + 250 + 375 + 500 + 384.5 + 660) / 100 = 50.31 -> 50.3
# previous (October, stored) 100.0 -> change -49.7
EXPECTED = {
    Metric.FILL_RATE: (0.9, 12, 50.0),
    Metric.FULL_LINE_RATE: (0.75, 12, 37.5),
    Metric.ON_TIME_RATE: (0.75, 8, 37.5),
    Metric.RESPONSE_HOURS_MEDIAN: (5.5, 10, 92.4),
    Metric.CANNOT_FILL_RATE: (0.1, 10, 50.0),
    Metric.DEALER_STOCKOUT_RATE: (0.075, 40, 25.0),
    Metric.PROBLEMS_PER_100_VISITS: (5.0, 20, 50.0),
    Metric.RESOLUTION_DAYS_MEDIAN: (4.0, 3, 76.9),
    Metric.POP_COMPLIANCE: (66.0, 5, 66.0),
}


def get_card(client, auth, user, dealer, **query):
    return client.get(
        f"/api/v1/dealers/{dealer.id}/scorecard",
        query_string={**NOVEMBER, **query},
        headers=auth.headers(user),
    )


def test_the_hand_built_month_scores_exactly_as_computed_by_hand(client, auth, month):
    rv = get_card(client, auth, month["sup"], month["d"])
    assert rv.status_code == 200, rv.json
    card = rv.json
    got = {m["metric"]: (m["value"], m["sample"], m["points"]) for m in card["metrics"]}
    assert got == {m.value: v for m, v in EXPECTED.items()}
    assert card["score"] == 50.3 and card["enough_data"] is True
    assert card["weight_with_data"] == 1.0
    assert card["period"] == {
        "kind": "month",
        "key": "2026-11",
        "start": "2026-11-01",
        "end": "2026-11-30",
        "closed": False,
    }
    assert card["source"] == "live"
    assert card["previous"]["score"] == 100.0 and card["previous"]["period"]["key"] == "2026-10"
    assert card["change"] == -49.7


def test_the_reported_figures_beside_the_score(client, auth, month):
    figures = get_card(client, auth, month["admin"], month["d"]).json["figures"]
    assert figures["response_hours_p90"] == 29.8
    assert (figures["dealer_stockouts"], figures["rep_stockouts"]) == (3, 3)
    assert figures["rep_stockout_rate"] == 0.075
    assert (figures["reviewed_photos"], figures["approved_photos"]) == (6, 4)
    assert figures["approval_share"] == 0.6667
    assert figures["cannot_fill_reasons"] == [
        {"reason": "out of stock at the warehouse", "requests": 1}
    ]
    assert (figures["units_requested"], figures["units_delivered"]) == (200, 180)


def test_closed_period_is_served_from_the_stored_scorecard(client, auth, month):
    rv = get_card(client, auth, month["sup"], month["d"], date="2026-10-10")
    assert rv.json["source"] == "stored" and rv.json["score"] == 100.0
    assert rv.json["period"]["closed"] is True


def test_admin_weights_rescore_at_once(client, auth, month):
    only_fill = {m.value: 0 for m in Metric} | {"fill_rate": 1}
    rv = client.put(
        "/api/v1/scorecard-weights",
        json={"weights": only_fill},
        headers=auth.headers(month["admin"]),
    )
    assert rv.status_code == 200
    assert {w["metric"]: w["weight"] for w in rv.json}["fill_rate"] == 1.0
    card = get_card(client, auth, month["sup"], month["d"]).json
    assert card["score"] == 50.0  # the fill rate's points alone
    assert card["previous"]["score"] == 100.0  # the stored October, re-scored


def test_default_weights_are_documented_in_the_api(client, auth, month):
    rv = client.get("/api/v1/scorecard-weights", headers=auth.headers(month["du_d"]))
    weights = {w["metric"]: (w["weight"], w["default_weight"], w["min_sample"]) for w in rv.json}
    assert weights["fill_rate"] == (20.0, 20.0, 10)
    assert sum(w for w, _, _ in weights.values()) == 100.0


FULL_WEIGHTS = {m.value: 10 for m in Metric}


@pytest.mark.parametrize(
    "weights",
    [
        FULL_WEIGHTS | {"fill_rate": -1},
        FULL_WEIGHTS | {"fill_rate": 1001},
        {"fill_rate": 1},  # every metric must be given
        FULL_WEIGHTS | {"nope": 1},
        dict.fromkeys(FULL_WEIGHTS, 0),
        FULL_WEIGHTS | {"fill_rate": "heavy"},
    ],
)
def test_bad_weights_are_refused_and_nothing_changes(client, auth, month, weights):
    rv = client.put(
        "/api/v1/scorecard-weights",
        json={"weights": weights},
        headers=auth.headers(month["admin"]),
    )
    assert rv.status_code == 422 and rv.mimetype == "application/problem+json"
    after = client.get("/api/v1/scorecard-weights", headers=auth.headers(month["admin"])).json
    assert {w["metric"]: w["weight"] for w in after}["fill_rate"] == 20.0


def test_ranking_within_region_with_change(client, auth, month):
    rv = client.get(
        "/api/v1/dealer-scorecards",
        query_string={**NOVEMBER, "region": "north"},
        headers=auth.headers(month["sup"]),
    )
    assert rv.status_code == 200
    rows = [(r["dealer"]["code"], r["rank"], r["score"], r["change"]) for r in rv.json]
    # E has one visit and one count: not enough data, listed unranked after D.
    assert rows == [("D-NORTH", 1, 50.3, -49.7), ("E-NORTH", None, None, None)]


def test_dealer_user_sees_only_its_own_row_of_the_ranking(client, auth, month):
    rv = client.get(
        "/api/v1/dealer-scorecards", query_string=NOVEMBER, headers=auth.headers(month["du_d"])
    )
    assert [(r["dealer"]["code"], r["rank"]) for r in rv.json] == [("D-NORTH", 1)]


def test_dealer_user_reads_its_own_scorecard_but_not_another(client, auth, month):
    assert get_card(client, auth, month["du_d"], month["d"]).status_code == 200
    rv = get_card(client, auth, month["du_e"], month["d"])
    assert rv.status_code == 404 and rv.mimetype == "application/problem+json"


def test_reps_do_not_read_scorecards(client, auth, month):
    assert get_card(client, auth, month["rep"], month["d"]).status_code == 403


def evidence(client, auth, user, dealer, metric, **query):
    return client.get(
        f"/api/v1/dealers/{dealer.id}/scorecard/evidence",
        query_string={**NOVEMBER, "metric": metric, **query},
        headers=auth.headers(user),
    )


def test_stock_out_evidence_separates_dealer_from_rep(client, auth, month):
    rv = evidence(client, auth, month["sup"], month["d"], "dealer_stockout_rate")
    assert rv.status_code == 200
    blame = [(row["at"][:10], row["detail"]["blame"], row["against_dealer"]) for row in rv.json]
    assert blame == [
        ("2026-11-08", "dealer", True),
        ("2026-11-10", "dealer", True),
        ("2026-11-11", "dealer", True),
        ("2026-11-12", "rep", False),
        ("2026-11-13", "rep", False),
        ("2026-11-20", "rep", False),
    ]


def test_evidence_is_paginated(client, auth, month):
    rv = evidence(client, auth, month["du_d"], month["d"], "fill_rate", page_size=5, page=3)
    assert rv.status_code == 200
    assert len(rv.json) == 2  # 12 lines: 5 + 5 + 2
    assert '"total": 12' in rv.headers["X-Pagination"]
    assert rv.json[0]["kind"] == "request_line"


def test_response_evidence_lists_every_request_with_its_hours(client, auth, month):
    rows = evidence(client, auth, month["sup"], month["d"], "response_hours_median").json
    assert [round(r["detail"]["response_hours"], 1) for r in rows] == [
        1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 10.0, 24.0, 8.0, 82.0,
    ]  # fmt: skip


def test_evidence_of_another_dealer_is_not_found(client, auth, month):
    assert evidence(client, auth, month["du_e"], month["d"], "fill_rate").status_code == 404


def test_scorecard_as_csv(client, auth, month):
    rv = get_card(client, auth, month["sup"], month["d"], format="csv")
    assert rv.status_code == 200 and rv.mimetype == "text/csv"
    lines = rv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("dealer_code,dealer_name,region,period,metric,value")
    assert lines[1].split(",")[4:8] == ["fill_rate", "0.9", "12", "50.0"]
    assert lines[-1].split(",")[4:6] == ["score", "50.3"]


def test_ranking_as_csv_by_accept_header(client, auth, month):
    rv = client.get(
        "/api/v1/dealer-scorecards",
        query_string={**NOVEMBER, "region": "north"},
        headers=auth.headers(month["sup"], Accept="text/csv"),
    )
    assert rv.mimetype == "text/csv"
    first = rv.get_data(as_text=True).splitlines()[1].split(",")
    assert first[:4] == ["2026-11", "north", "1", "D-NORTH"] and first[5] == "50.3"


def test_a_free_range_is_computed_live(client, auth, month):
    rv = client.get(
        f"/api/v1/dealers/{month['d'].id}/scorecard",
        query_string={"from": "2026-11-01", "to": "2026-11-30"},
        headers=auth.headers(month["sup"]),
    )
    assert rv.json["period"]["kind"] == "range" and rv.json["score"] == 50.3
    assert rv.json["previous"]["period"]["start"] == "2026-10-02"


@pytest.mark.parametrize(
    "query",
    [
        {"from": "2026-11-01"},
        {"from": "2026-11-10", "to": "2026-11-01"},
        {"period": "year"},
        {"date": "not-a-date"},
        {"format": "xml"},
    ],
)
def test_bad_period_arguments_are_422(client, auth, month, query):
    rv = client.get(
        f"/api/v1/dealers/{month['d'].id}/scorecard",
        query_string=query,
        headers=auth.headers(month["sup"]),
    )
    assert rv.status_code == 422 and rv.mimetype == "application/problem+json"


def test_a_dealer_with_too_little_data_has_no_score(client, auth, month):
    card = get_card(client, auth, month["sup"], month["e"]).json
    assert card["score"] is None and card["enough_data"] is False
    assert all(m["points"] is None for m in card["metrics"])


def test_the_scheduled_job_stores_a_closed_period_that_the_api_then_serves(
    client, auth, runner, month, session
):
    result = runner.invoke(
        args=["scorecards", "compute", "--period", "month", "--date", "2026-10-05"]
    )
    assert result.exit_code == 0, result.output
    assert "2026-10: stored 3 dealer scorecard(s)" in result.output
    card = get_card(client, auth, month["sup"], month["d"], date="2026-10-05").json
    # October as recorded (the hand-made stored row was replaced): one visit, problems A and C.
    assert card["source"] == "stored"
    assert (card["figures"]["visits"], card["figures"]["dealer_problems"]) == (1, 2)
    assert card["score"] is None  # far too little data


def test_the_job_refuses_a_period_that_is_not_over(runner, month):
    result = runner.invoke(
        args=["scorecards", "compute", "--period", "quarter", "--date", "2099-01-01"]
    )
    assert result.exit_code != 0 and "not over yet" in result.output


@pytest.mark.parametrize(
    ("metric", "rows", "against"),
    [
        ("fill_rate", 12, 3),  # the 12 due lines; R5, R7, R8 short
        ("full_line_rate", 12, 3),
        ("on_time_rate", 8, 2),  # R5 partial, R7 cannot fill
        ("response_hours_median", 10, 0),
        ("cannot_fill_rate", 10, 1),
        ("dealer_stockout_rate", 6, 3),
        ("problems_per_100_visits", 1, 1),
        ("visits", 20, 0),
        ("resolution_days_median", 3, 0),
        ("pop_compliance", 6, 2),  # rejected and retake
    ],
)
def test_every_number_opens_onto_its_records(client, auth, month, metric, rows, against):
    rv = evidence(client, auth, month["sup"], month["d"], metric, page_size=100)
    assert rv.status_code == 200
    assert len(rv.json) == rows
    assert sum(1 for r in rv.json if r["against_dealer"]) == against
