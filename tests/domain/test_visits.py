"""Pure visit rules: check-in flags, state guards, a rep's day, coverage, briefing bits."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from fieldsales.domain.errors import InvalidInput
from fieldsales.domain.types import GeoPoint
from fieldsales.domain.visits import (
    Cadence,
    CheckFlag,
    CheckPolicy,
    Fix,
    GiftStatus,
    MoneyPosition,
    ProblemAlreadyResolved,
    VisitAlreadyClosed,
    VisitAlreadyOpen,
    VisitClosed,
    VisitSpan,
    assess_fix,
    check_out_is_replay,
    clock_offset_s,
    ensure_no_open_visit,
    ensure_problem_open,
    ensure_record_fits_visit,
    expected_share,
    gift_status,
    local_day,
    overdue_stores,
    reminders,
    summarize_day,
    weeks_back,
    windows_on,
)

STORE = GeoPoint(31.2304, 121.4737)
POLICY = CheckPolicy(max_accuracy_m=100, max_fix_age_s=120, max_clock_skew_s=300)
T0 = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)
# 0.001 degree of latitude is 111.2 m everywhere.
DEG_PER_M = 0.001 / 111.195


def fix(north_m: float = 0.0, **over) -> Fix:
    values = {"point": GeoPoint(STORE.lat + north_m * DEG_PER_M, STORE.lon), "accuracy_m": 10.0}
    return Fix(**{**values, **over})


def assess(f: Fix, *, radius: float = 150, offset: float = 0.0):
    return assess_fix(f, store=STORE, geofence_radius_m=radius, clock_offset=offset, policy=POLICY)


@pytest.mark.parametrize(
    ("f", "offset", "flags"),
    [
        (fix(), 0, ()),
        (fix(north_m=149), 0, ()),
        (fix(north_m=151), 0, (CheckFlag.OUTSIDE_GEOFENCE,)),
        (fix(north_m=2000), 0, (CheckFlag.OUTSIDE_GEOFENCE,)),
        (fix(accuracy_m=100.0), 0, ()),
        (fix(accuracy_m=100.1), 0, (CheckFlag.POOR_ACCURACY,)),
        (fix(fix_age_s=121), 0, (CheckFlag.STALE_FIX,)),
        (fix(mock=True), 0, (CheckFlag.MOCK_LOCATION,)),
        (fix(), 301, (CheckFlag.CLOCK_SKEW,)),
        (fix(), -301, (CheckFlag.CLOCK_SKEW,)),
        (
            fix(north_m=500, accuracy_m=300, fix_age_s=600, mock=True),
            -3600,
            tuple(CheckFlag),
        ),
    ],
)
def test_assess_fix_flags(f, offset, flags):
    assert assess(f, offset=offset).flags == flags


def test_assess_fix_measures_the_distance():
    assert assess(fix(north_m=2000)).distance_m == pytest.approx(2000, abs=1)


def test_geofence_radius_is_the_stores():
    assert assess(fix(north_m=400), radius=500).flags == ()


def test_clock_offset_compares_send_time_not_event_time():
    sent = T0 + timedelta(hours=6, seconds=-40)
    assert clock_offset_s(client_sent_at=sent, received_at=T0 + timedelta(hours=6)) == -40


def test_local_day_is_the_stores_calendar_day():
    late_evening_utc = datetime(2026, 11, 17, 17, 30, tzinfo=UTC)
    assert local_day(late_evening_utc, "Asia/Shanghai") == date(2026, 11, 18)
    assert local_day(late_evening_utc, "America/Sao_Paulo") == date(2026, 11, 17)


def test_one_open_visit_per_rep():
    ensure_no_open_visit(None)
    with pytest.raises(VisitAlreadyOpen) as err:
        ensure_no_open_visit(uuid.UUID(int=7))
    assert err.value.extra == {"open_visit_id": str(uuid.UUID(int=7))}


@pytest.mark.parametrize(
    ("closed_at", "out_at", "outcome"),
    [
        (None, T0 + timedelta(minutes=20), False),
        (None, T0, False),
        (T0 + timedelta(minutes=20), T0 + timedelta(minutes=20), True),
        (T0 + timedelta(minutes=20), T0 + timedelta(minutes=21), VisitAlreadyClosed),
        (None, T0 - timedelta(seconds=1), InvalidInput),
    ],
)
def test_check_out_guard(closed_at, out_at, outcome):
    def run():
        return check_out_is_replay(
            visit_id=uuid.UUID(int=1), checked_in_at=T0, closed_at=closed_at, checked_out_at=out_at
        )

    if isinstance(outcome, type):
        with pytest.raises(outcome):
            run()
    else:
        assert run() is outcome


@pytest.mark.parametrize(
    ("out_after", "recorded_after", "error"),
    [
        (None, timedelta(hours=9), None),  # still open: anything goes
        (timedelta(minutes=20), timedelta(minutes=10), None),
        (timedelta(minutes=20), timedelta(minutes=50), None),  # within 30 min of check-out
        (timedelta(minutes=20), timedelta(minutes=51), VisitClosed),
        (timedelta(minutes=20), timedelta(minutes=-31), InvalidInput),
    ],
)
def test_records_must_fit_the_visit(out_after, recorded_after, error):
    def run():
        ensure_record_fits_visit(
            visit_id=uuid.UUID(int=1),
            checked_in_at=T0,
            checked_out_at=T0 + out_after if out_after else None,
            recorded_at=T0 + recorded_after,
            policy=CheckPolicy(late_record_grace_s=1800),
        )

    if error:
        with pytest.raises(error):
            run()
    else:
        run()


def test_problem_resolution_guard():
    pid = uuid.UUID(int=3)
    assert ensure_problem_open(problem_id=pid, resolved_at=None, new_resolved_at=T0) is False
    assert ensure_problem_open(problem_id=pid, resolved_at=T0, new_resolved_at=T0) is True
    with pytest.raises(ProblemAlreadyResolved):
        ensure_problem_open(problem_id=pid, resolved_at=T0, new_resolved_at=T0 + timedelta(1))


def span(start_min: int, end_min: int | None) -> VisitSpan:
    end = T0 + timedelta(minutes=end_min) if end_min is not None else None
    return VisitSpan(uuid.uuid4(), T0 + timedelta(minutes=start_min), end)


def test_summarize_day_in_stores_and_between():
    s = summarize_day([span(60, 80), span(0, 20), span(30, 45)])  # any order
    assert s.first_check_in == T0
    assert s.last_check_out == T0 + timedelta(minutes=80)
    assert (s.visits, s.open_visits) == (3, 0)
    assert s.in_stores_s == (20 + 15 + 20) * 60
    assert s.between_stores_s == (10 + 15) * 60


def test_summarize_day_with_an_open_visit_and_overlap():
    s = summarize_day([span(0, 30), span(20, 40), span(50, None)])
    assert s.open_visits == 1
    assert s.in_stores_s == (30 + 20) * 60
    assert s.between_stores_s == 10 * 60  # the overlap counts as no gap, not negative


def test_summarize_empty_day():
    s = summarize_day([])
    assert (s.first_check_in, s.visits, s.in_stores_s) == (None, 0, 0)


AS_OF = date(2026, 11, 18)
FREQ = {"A": 7, "B": 14, "C": 30}


@pytest.mark.parametrize(
    ("grade", "last", "overdue_days"),
    [
        ("A", AS_OF - timedelta(days=7), None),
        ("A", AS_OF - timedelta(days=8), 1),
        ("B", AS_OF - timedelta(days=20), 6),
        ("C", AS_OF - timedelta(days=30), None),
        ("C", None, 26),  # never visited: counted from the start of the record (56 days)
        ("A", None, 49),
    ],
)
def test_overdue_stores(grade, last, overdue_days):
    found = overdue_stores(
        [Cadence(uuid.UUID(int=1), grade, last)],
        as_of=AS_OF,
        frequency_days=FREQ,
        never_visited_since=AS_OF - timedelta(weeks=8),
    )
    assert [o.overdue_days for o in found] == ([overdue_days] if overdue_days else [])


def test_overdue_stores_most_overdue_first():
    cadences = [
        Cadence(uuid.UUID(int=i), "A", AS_OF - timedelta(days=d)) for i, d in enumerate((9, 30, 12))
    ]
    found = overdue_stores(cadences, as_of=AS_OF, frequency_days=FREQ, never_visited_since=AS_OF)
    assert [o.overdue_days for o in found] == [23, 5, 2]


def test_weeks_back_ends_with_the_current_week():
    assert weeks_back(AS_OF, 3) == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]


@pytest.mark.parametrize(
    ("as_of", "target"),
    [
        (date(2026, 11, 16), 20),  # Monday: 1/5 of 100
        (date(2026, 11, 18), 60),  # Wednesday
        (date(2026, 11, 20), 100),  # Friday: the whole week
        (date(2026, 11, 22), 100),  # Sunday
    ],
)
def test_expected_share_of_the_running_week(as_of, target):
    assert expected_share(date(2026, 11, 16), as_of, 100) == target


def test_expected_share_of_a_past_week_is_the_target():
    assert expected_share(date(2026, 11, 9), AS_OF, 75) == 75


@pytest.mark.parametrize(
    ("arrives_on", "status"),
    [
        (None, GiftStatus.UNSCHEDULED),
        (AS_OF, GiftStatus.ARRIVED),
        (AS_OF - timedelta(days=1), GiftStatus.ARRIVED),
        (AS_OF + timedelta(days=1), GiftStatus.EXPECTED),
    ],
)
def test_gift_status(arrives_on, status):
    assert gift_status(arrives_on, AS_OF) is status


def test_windows_on_picks_the_weekday():
    windows = [
        {"weekday": 2, "start": "09:00", "end": "09:30"},
        {"weekday": 3, "start": "13:00", "end": "13:30"},
    ]
    assert windows_on(windows, AS_OF) == [windows[0]]  # a Wednesday


def test_money_position():
    m = MoneyPosition(credit_limit=Decimal("1000.00"), balance_owed=Decimal("1200.10"))
    assert m.available_credit == Decimal("-200.10")
    assert m.over_limit


def test_reminders_put_money_first():
    out = reminders(
        money=MoneyPosition(Decimal("1000.00"), Decimal("1200.10")),
        monthly_terms=False,
        appointment_required=True,
        windows_today=[{"weekday": 2, "start": "09:00", "end": "09:30"}],
        open_problems=2,
        gifts_arrived=1,
        pop_damaged_last_visit=True,
    )
    assert out[0].startswith("Over the credit limit by 200.10")
    assert len(out) == 7


def test_no_reminders_for_a_quiet_store():
    out = reminders(
        money=MoneyPosition(Decimal("1000.00"), Decimal("0.00")),
        monthly_terms=True,
        appointment_required=False,
        windows_today=[],
        open_problems=0,
        gifts_arrived=0,
        pop_damaged_last_visit=False,
    )
    assert out == []
