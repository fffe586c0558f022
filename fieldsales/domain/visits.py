"""Store visits: what a check-in is worth, which changes a visit allows, and how a rep's day
and a territory's coverage add up. Pure: no I/O; times and policies come in as arguments.

A check-in is never refused for a doubtful position or clock: it is stored and flagged, so a
supervisor can judge it (a rep in a basement must still be able to work)."""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from fieldsales.domain.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from fieldsales.domain.types import GeoPoint, great_circle_m

# --- vocabularies ------------------------------------------------------------------------


class CheckFlag(enum.StrEnum):
    """Why a check-in or check-out position or time deserves a second look."""

    OUTSIDE_GEOFENCE = "outside_geofence"
    POOR_ACCURACY = "poor_accuracy"
    STALE_FIX = "stale_fix"
    MOCK_LOCATION = "mock_location"
    CLOCK_SKEW = "clock_skew"


class SkipReason(enum.StrEnum):
    CLOSED = "closed"
    OWNER_ABSENT = "owner_absent"
    NO_TIME = "no_time"
    REFUSED = "refused"
    OTHER = "other"


class Purpose(enum.StrEnum):
    COLLECT_PAYMENT = "collect_payment"
    MERCHANDISE = "merchandise"  # 理货: tidy and fill the shelf
    POP_MAINTENANCE = "pop_maintenance"
    EXPLAIN_POLICY = "explain_policy"  # a sales policy or a promotion
    RELATIONSHIP = "relationship"
    REORDER = "reorder"
    TRAINING = "training"


class ObservationKind(enum.StrEnum):
    OUR_POP = "our_pop"
    COMPETITOR_POP = "competitor_pop"
    COMPETITOR_PROMOTION = "competitor_promotion"
    STAFF_MORALE = "staff_morale"
    FOOT_TRAFFIC = "foot_traffic"
    PRICE_TAGS = "price_tags"
    DISPLAY = "display"


class ProblemCategory(enum.StrEnum):
    PROMOTION = "promotion"
    GIFT_DELIVERY = "gift_delivery"
    DEALER_SERVICE = "dealer_service"
    AFTER_SALES = "after_sales"
    SALES_PRESSURE = "sales_pressure"
    TRAINING_NEED = "training_need"
    OTHER = "other"


class ProblemStatus(enum.StrEnum):
    OPEN = "open"
    SOLVED = "solved"


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    MOBILE = "mobile"  # WeChat Pay, Alipay, …
    CHEQUE = "cheque"


class TrainingTopic(enum.StrEnum):
    PRODUCT_KNOWLEDGE = "product_knowledge"
    COMPANY = "company"
    PROMOTION_MECHANICS = "promotion_mechanics"
    BEST_PRACTICE = "best_practice"  # what other stores do well
    SALES_SKILLS = "sales_skills"
    OTHER = "other"


class AttendeeRole(enum.StrEnum):
    OWNER = "owner"
    STAFF = "staff"
    OTHER = "other"


class GiftStatus(enum.StrEnum):
    ARRIVED = "arrived"  # its arrival date has passed
    EXPECTED = "expected"  # arrives on a later date
    UNSCHEDULED = "unscheduled"  # no arrival date known


# --- errors ------------------------------------------------------------------------------


class VisitNotFound(NotFound):
    """The visit is not (yet) known to the caller. In a sync batch this may be an item that
    arrived before its check-in, so it is worth retrying."""

    code = "visit-not-found"
    title = "No such visit"


class ProblemNotFound(NotFound):
    code = "problem-not-found"
    title = "No such problem"


class VisitAlreadyOpen(Conflict):
    code = "visit-already-open"
    title = "The rep already has an open visit"


class VisitAlreadyClosed(IllegalTransition):
    code = "visit-already-closed"
    title = "Visit already closed"


class VisitClosed(Conflict):
    code = "visit-closed"
    title = "The visit was closed before this was recorded"


class ProblemAlreadyResolved(IllegalTransition):
    code = "problem-already-resolved"
    title = "Problem already resolved"


class IdAlreadyUsed(Conflict):
    """A client id came back with a different body: the phone reused an id (a bug), and
    silently answering with the first record would hide it."""

    code = "id-already-used"
    title = "This id is already used by a different record"


class AlreadyRecorded(Conflict):
    code = "already-recorded"
    title = "Already recorded in this visit"


# --- check-in assessment -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    """Thresholds for flagging positions and clocks, and how long after check-out a record
    written during the visit may still be attached to it."""

    max_accuracy_m: float = 100.0
    max_fix_age_s: float = 120.0
    max_clock_skew_s: float = 300.0
    late_record_grace_s: float = 1800.0


@dataclass(frozen=True, slots=True)
class Fix:
    """A position as the phone reported it."""

    point: GeoPoint
    accuracy_m: float
    fix_age_s: float = 0.0
    mock: bool = False


@dataclass(frozen=True, slots=True)
class FixAssessment:
    distance_m: float
    flags: tuple[CheckFlag, ...]


def clock_offset_s(*, client_sent_at: datetime, received_at: datetime) -> float:
    """How far the phone's clock is ahead (+) or behind (-) the server's, measured on one
    request: what the phone said the time was when it sent, against when it arrived. A
    batch synced hours later is not skewed; a phone set to the wrong day is."""
    return (client_sent_at - received_at).total_seconds()


def assess_fix(
    fix: Fix,
    *,
    store: GeoPoint,
    geofence_radius_m: float,
    clock_offset: float,
    policy: CheckPolicy,
) -> FixAssessment:
    distance = great_circle_m(fix.point, store)
    flags: list[CheckFlag] = []
    if distance > geofence_radius_m:
        flags.append(CheckFlag.OUTSIDE_GEOFENCE)
    if fix.accuracy_m > policy.max_accuracy_m:
        flags.append(CheckFlag.POOR_ACCURACY)
    if fix.fix_age_s > policy.max_fix_age_s:
        flags.append(CheckFlag.STALE_FIX)
    if fix.mock:
        flags.append(CheckFlag.MOCK_LOCATION)
    if abs(clock_offset) > policy.max_clock_skew_s:
        flags.append(CheckFlag.CLOCK_SKEW)
    return FixAssessment(distance_m=round(distance, 1), flags=tuple(flags))


def local_day(at: datetime, timezone: str) -> date:
    """The calendar day at the store when something happened there."""
    return at.astimezone(ZoneInfo(timezone)).date()


# --- state guards ------------------------------------------------------------------------


def ensure_no_open_visit(open_visit_id: uuid.UUID | None) -> None:
    if open_visit_id is not None:
        raise VisitAlreadyOpen(
            f"Visit {open_visit_id} is still open; check out of it first.",
            open_visit_id=str(open_visit_id),
        )


def check_out_is_replay(
    *,
    visit_id: uuid.UUID,
    checked_in_at: datetime,
    closed_at: datetime | None,
    checked_out_at: datetime,
) -> bool:
    """True when this check-out was already applied (a retry); raises when it cannot be."""
    if closed_at is not None:
        if closed_at == checked_out_at:
            return True
        raise VisitAlreadyClosed(
            f"Visit {visit_id} was closed at {closed_at.isoformat()}.",
            closed_at=closed_at.isoformat(),
        )
    if checked_out_at < checked_in_at:
        raise InvalidInput(
            "The check-out is before the check-in.",
            errors=[{"path": "json.checked_out_at", "message": "Before checked_in_at."}],
        )
    return False


def ensure_record_fits_visit(
    *,
    visit_id: uuid.UUID,
    checked_in_at: datetime,
    checked_out_at: datetime | None,
    recorded_at: datetime,
    policy: CheckPolicy,
) -> None:
    """Records belong to the visit they were made in. Phones sync late and out of order,
    so a record may arrive after the check-out; what counts is when the phone recorded it
    (same clock as the check-out), with some grace for notes written in the car."""
    if checked_out_at is None:
        return
    latest = checked_out_at + timedelta(seconds=policy.late_record_grace_s)
    if recorded_at > latest:
        raise VisitClosed(
            f"Visit {visit_id} was closed at {checked_out_at.isoformat()}; records made "
            f"after {latest.isoformat()} belong to another visit.",
        )
    if recorded_at < checked_in_at - timedelta(seconds=policy.late_record_grace_s):
        raise InvalidInput(
            "Recorded long before the check-in.",
            errors=[{"path": "json.recorded_at", "message": "Before the visit's check-in."}],
        )


def ensure_problem_open(
    *, problem_id: uuid.UUID, resolved_at: datetime | None, new_resolved_at: datetime
) -> bool:
    """True when this resolution was already applied (a retry); raises on a second one."""
    if resolved_at is None:
        return False
    if resolved_at == new_resolved_at:
        return True
    raise ProblemAlreadyResolved(
        f"Problem {problem_id} was resolved at {resolved_at.isoformat()}.",
        resolved_at=resolved_at.isoformat(),
    )


# --- a rep's day -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VisitSpan:
    visit_id: uuid.UUID
    start: datetime
    end: datetime | None


@dataclass(frozen=True, slots=True)
class DaySummary:
    first_check_in: datetime | None
    last_check_out: datetime | None
    visits: int
    open_visits: int
    in_stores_s: int
    between_stores_s: int


def summarize_day(spans: Iterable[VisitSpan]) -> DaySummary:
    """Time in stores is the sum of closed visits; time between stores is the sum of the
    gaps from one check-out to the next check-in (overlaps, which a bad clock can produce,
    count as no gap rather than negative time)."""
    ordered = sorted(spans, key=lambda s: s.start)
    if not ordered:
        return DaySummary(None, None, 0, 0, 0, 0)
    closed = [s for s in ordered if s.end is not None]
    in_stores = sum(max(0.0, (s.end - s.start).total_seconds()) for s in closed if s.end)
    between = 0.0
    for prev, nxt in zip(ordered, ordered[1:], strict=False):
        if prev.end is not None:
            between += max(0.0, (nxt.start - prev.end).total_seconds())
    ends = [s.end for s in closed if s.end is not None]
    return DaySummary(
        first_check_in=ordered[0].start,
        last_check_out=max(ends) if ends else None,
        visits=len(ordered),
        open_visits=len(ordered) - len(closed),
        in_stores_s=int(in_stores),
        between_stores_s=int(between),
    )


# --- coverage ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cadence:
    store_id: uuid.UUID
    grade: str
    last_visit_day: date | None


@dataclass(frozen=True, slots=True)
class Overdue:
    store_id: uuid.UUID
    frequency_days: int
    last_visit_day: date | None
    days_since: int | None  # None: never visited
    overdue_days: int


def overdue_stores(
    cadences: Iterable[Cadence],
    *,
    as_of: date,
    frequency_days: dict[str, int],
    never_visited_since: date,
) -> list[Overdue]:
    """Stores whose last visit is older than their grade's frequency. A store never visited
    counts from `never_visited_since` (the start of the record), so a new store is not
    instantly years overdue. Most overdue first."""
    out: list[Overdue] = []
    for c in cadences:
        freq = frequency_days[c.grade]
        reference = c.last_visit_day or never_visited_since
        late = (as_of - reference).days - freq
        if late > 0:
            since = (as_of - c.last_visit_day).days if c.last_visit_day else None
            out.append(Overdue(c.store_id, freq, c.last_visit_day, since, late))
    return sorted(out, key=lambda o: (-o.overdue_days, str(o.store_id)))


def week_start(day: date) -> date:
    """Monday of the ISO week."""
    return day - timedelta(days=day.weekday())


def weeks_back(as_of: date, weeks: int) -> list[date]:
    """The Mondays of the last `weeks` weeks, the current (partial) week last."""
    this_week = week_start(as_of)
    return [this_week - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]


def expected_share(week: date, as_of: date, target: int) -> int:
    """The target for a week, pro rata for the week still running (Mon–Fri working days)."""
    if as_of >= week + timedelta(days=4):
        return target
    worked = as_of.weekday() + 1
    return math.ceil(target * worked / 5)


# --- briefing ----------------------------------------------------------------------------


def gift_status(arrives_on: date | None, today: date) -> GiftStatus:
    if arrives_on is None:
        return GiftStatus.UNSCHEDULED
    return GiftStatus.ARRIVED if arrives_on <= today else GiftStatus.EXPECTED


def windows_on(windows: Sequence[dict[str, object]], day: date) -> list[dict[str, object]]:
    """The weekly windows (store-local) that fall on this calendar day."""
    return [w for w in windows if w.get("weekday") == day.weekday()]


@dataclass(frozen=True, slots=True)
class MoneyPosition:
    credit_limit: Decimal
    balance_owed: Decimal

    @property
    def available_credit(self) -> Decimal:
        return self.credit_limit - self.balance_owed

    @property
    def over_limit(self) -> bool:
        return self.balance_owed > self.credit_limit


def reminders(
    *,
    money: MoneyPosition,
    monthly_terms: bool,
    appointment_required: bool,
    windows_today: Sequence[dict[str, object]],
    open_problems: int,
    gifts_arrived: int,
    pop_damaged_last_visit: bool,
) -> list[str]:
    """What to keep in mind walking in, most pressing first."""
    out: list[str] = []
    if money.over_limit:
        out.append(
            f"Over the credit limit by {money.balance_owed - money.credit_limit}: collect "
            "payment before any new order."
        )
    elif money.balance_owed > 0:
        out.append(f"Owes {money.balance_owed}: ask for payment.")
    if not monthly_terms:
        out.append("Pay before delivery: an order needs a recorded payment covering it.")
    if appointment_required:
        out.append("Appointment needed: call the owner before going.")
    if windows_today:
        spans = ", ".join(f"{w['start']}–{w['end']}" for w in windows_today)
        out.append(f"Owner free today at {spans}: keep important talks for then.")
    if open_problems:
        out.append(f"{open_problems} open problem(s) to follow up.")
    if gifts_arrived:
        out.append(f"{gifts_arrived} promotion gift lot(s) should have arrived: check them.")
    if pop_damaged_last_visit:
        out.append("POP was damaged last visit: bring replacement material.")
    return out
