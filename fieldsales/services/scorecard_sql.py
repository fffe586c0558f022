"""The rows behind each scorecard metric, and their per-dealer aggregates, as SQL.

Each metric has one *population*: a SELECT of the records it is computed from, one row per
record with the record's own verdict (complete line? on time? whose stock-out?). The
scorecard aggregates that population per dealer in the database (GROUP BY, window functions
for medians); the evidence endpoint pages through the very same SELECT. What a number says
and the rows you can open behind it therefore cannot drift apart.

Periods are half-open UTC intervals [start, end) from the reporting time zone's calendar.
Which records count (documented in the README, "Dealer scorecards"):

- reorder lines / requests: submitted (not held, not cancelled by the rep) in the period and
  sent to the dealer; fill, full-line and on-time figures only count a request once it is
  *due*: delivered or rejected, cannot-fill with no new date, or its delivery date (the new
  date after a cannot-fill, else the confirmed date) is before the computation day.
- response: submitted -> the dealer's first answer (acknowledge, confirm, cannot-fill,
  reject or delivery); a request still unanswered counts with its waiting time so far.
- stock counts: of active products at the dealer's stores, counted in the period. One at
  zero is the dealer's if a request for that product at that store was submitted since the
  store's previous visit and was not delivered complete when counted; otherwise it is the
  rep's (nobody asked).
- visits at the dealer's stores; problems attributed to the dealer raised in the period,
  and those resolved in the period with their time to resolution.
- our-POP photos at the dealer's stores taken in the period with a review decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    Subquery,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session, aliased

from fieldsales.db.functions import earliest, local_date, seconds_between
from fieldsales.db.models import (
    Photo,
    Problem,
    Product,
    ReorderRequest,
    ReorderRequestLine,
    StockCount,
    Store,
    Visit,
)
from fieldsales.db.types import UTCDateTime
from fieldsales.domain.periods import Period
from fieldsales.domain.photos import PhotoKind, ReviewStatus
from fieldsales.domain.reorder.workflow import RequestStatus
from fieldsales.domain.scoring import DealerFigures

R = ReorderRequest
L = ReorderRequestLine
DealerIds = Collection[uuid.UUID] | None  # None: every dealer


@dataclass(frozen=True, slots=True)
class Window:
    """A period as the SQL sees it, and the moment the figures are computed at."""

    period: Period
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded
    as_of: datetime
    as_of_day: date
    timezone: str

    @classmethod
    def of(cls, period: Period, *, now: datetime, timezone: str) -> Window:
        from zoneinfo import ZoneInfo

        start, end = period.utc_bounds(timezone)
        return cls(period, start, end, now, now.astimezone(ZoneInfo(timezone)).date(), timezone)

    def holds(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1/0 rather than a boolean: SUM()s the same on every database."""
    return case((condition, 1), else_=0)


def _dealers(column: Any, dealer_ids: DealerIds) -> ColumnElement[bool]:
    return true() if dealer_ids is None else column.in_(list(dealer_ids))


def _submitted(w: Window, dealer_ids: DealerIds) -> list[ColumnElement[bool]]:
    return [
        w.holds(R.submitted_at),
        R.status != RequestStatus.CANCELLED,
        _dealers(R.dealer_id, dealer_ids),
    ]


def _due(w: Window) -> ColumnElement[bool]:
    due_on = func.coalesce(R.new_delivery_on, R.promised_delivery_on)
    return or_(
        R.status.in_([RequestStatus.DELIVERED, RequestStatus.REJECTED]),
        and_(R.status == RequestStatus.CANNOT_FILL, due_on.is_(None)),
        due_on < w.as_of_day,
    )


# --- populations -------------------------------------------------------------------------


def line_rows(w: Window, dealer_ids: DealerIds) -> Select[Any]:
    return (
        select(
            R.dealer_id.label("dealer_id"),
            L.id.label("id"),
            R.submitted_at.label("at"),
            R.store_id.label("store_id"),
            R.id.label("request_id"),
            L.product_id.label("product_id"),
            L.quantity.label("quantity"),
            L.delivered_quantity.label("delivered_quantity"),
            _flag(L.delivered_quantity >= L.quantity).label("complete"),
        )
        .join(R, L.request_id == R.id)
        .where(*_submitted(w, dealer_ids), _due(w))
    )


def request_rows(w: Window, dealer_ids: DealerIds) -> Select[Any]:
    first_answer = earliest(
        R.acknowledged_at, R.confirmed_at, R.cannot_fill_at, R.rejected_at, R.first_delivery_at
    )
    waited_until = func.coalesce(first_answer, literal(w.as_of, UTCDateTime()))
    promised = and_(_due(w), R.promised_delivery_on.is_not(None))
    on_time = and_(
        promised,
        R.delivered_at.is_not(None),
        local_date(R.delivered_at, w.timezone) <= R.promised_delivery_on,
    )
    return select(
        R.dealer_id.label("dealer_id"),
        R.id.label("id"),
        R.submitted_at.label("at"),
        R.store_id.label("store_id"),
        R.status.label("status"),
        first_answer.label("first_answer_at"),
        (seconds_between(waited_until, R.submitted_at) / 3600.0).label("response_hours"),
        _flag(R.cannot_fill_at.is_not(None)).label("cannot_fill"),
        R.cannot_fill_reason.label("cannot_fill_reason"),
        R.promised_delivery_on.label("promised_delivery_on"),
        R.delivered_at.label("delivered_at"),
        _flag(promised).label("promised"),
        _flag(on_time).label("on_time"),
    ).where(*_submitted(w, dealer_ids))


def stock_rows(w: Window, dealer_ids: DealerIds, *, only_out: bool = False) -> Select[Any]:
    """Stock counts; `only_out`: just those at zero (as a plain condition the planner can
    estimate, unlike a filter on the computed `out` column)."""
    sc = StockCount
    earlier = aliased(Visit)
    previous_visit = (
        select(func.max(earlier.checked_in_at))
        .where(
            earlier.store_id == sc.store_id,
            earlier.checked_in_at < sc.recorded_at,
            earlier.id != sc.visit_id,
        )
        .correlate_except(earlier)
        .scalar_subquery()
    )
    open_request = exists(
        select(1)
        .select_from(L)
        .join(R, L.request_id == R.id)
        .where(
            R.store_id == sc.store_id,
            L.product_id == sc.product_id,
            R.status != RequestStatus.CANCELLED,
            R.submitted_at <= sc.recorded_at,
            R.submitted_at >= func.coalesce(previous_visit, R.submitted_at),
            or_(R.delivered_at.is_(None), R.delivered_at > sc.recorded_at),
        )
        .correlate_except(L, R)
    )
    out = sc.shelf_qty + sc.backroom_qty <= 0
    # CASE evaluates the lookups only for the few counts at zero.
    blame = case((~out, null()), (open_request, "dealer"), else_="rep")
    stmt = (
        select(
            Store.dealer_id.label("dealer_id"),
            sc.id.label("id"),
            sc.recorded_at.label("at"),
            sc.store_id.label("store_id"),
            sc.visit_id.label("visit_id"),
            sc.product_id.label("product_id"),
            sc.shelf_qty.label("shelf_qty"),
            sc.backroom_qty.label("backroom_qty"),
            _flag(out).label("out"),
            blame.label("blame"),
        )
        .join(Store, sc.store_id == Store.id)
        .join(Product, sc.product_id == Product.id)
        .where(w.holds(sc.recorded_at), Product.active, _dealers(Store.dealer_id, dealer_ids))
    )
    return stmt.where(out) if only_out else stmt


def visit_rows(w: Window, dealer_ids: DealerIds) -> Select[Any]:
    return (
        select(
            Store.dealer_id.label("dealer_id"),
            Visit.id.label("id"),
            Visit.checked_in_at.label("at"),
            Visit.store_id.label("store_id"),
            Visit.rep_id.label("rep_id"),
        )
        .join(Store, Visit.store_id == Store.id)
        .where(w.holds(Visit.checked_in_at), _dealers(Store.dealer_id, dealer_ids))
    )


def _problem_columns() -> list[Any]:
    return [
        Problem.dealer_id.label("dealer_id"),
        Problem.id.label("id"),
        Problem.recorded_at.label("at"),
        Problem.store_id.label("store_id"),
        Problem.category.label("category"),
        Problem.what.label("what"),
        Problem.status.label("status"),
        Problem.resolved_at.label("resolved_at"),
    ]


def problem_rows(w: Window, dealer_ids: DealerIds) -> Select[Any]:
    return select(*_problem_columns()).where(
        Problem.dealer_id.is_not(None),
        w.holds(Problem.recorded_at),
        _dealers(Problem.dealer_id, dealer_ids),
    )


def resolution_rows(w: Window, dealer_ids: DealerIds) -> Select[Any]:
    days = seconds_between(Problem.resolved_at, Problem.recorded_at) / 86400.0
    return select(*_problem_columns(), days.label("resolution_days")).where(
        Problem.dealer_id.is_not(None),
        w.holds(Problem.resolved_at),
        _dealers(Problem.dealer_id, dealer_ids),
    )


def photo_rows(w: Window, dealer_ids: DealerIds) -> Select[Any]:
    return (
        select(
            Store.dealer_id.label("dealer_id"),
            Photo.id.label("id"),
            Photo.taken_at.label("at"),
            Photo.store_id.label("store_id"),
            Photo.visit_id.label("visit_id"),
            Photo.review_status.label("review_status"),
            Photo.compliance_score.label("compliance_score"),
            _flag(Photo.review_status == ReviewStatus.APPROVED).label("approved"),
        )
        .join(Store, Photo.store_id == Store.id)
        .where(
            Photo.kind == PhotoKind.OUR_POP,
            Photo.review_status != ReviewStatus.PENDING,
            w.holds(Photo.taken_at),
            _dealers(Store.dealer_id, dealer_ids),
        )
    )


# --- aggregates --------------------------------------------------------------------------


def _percentiles(rows: Subquery, value: str, wanted: dict[str, tuple[int, int]]) -> Select[Any]:
    """percentile_cont per dealer, for fractions given as (numerator, denominator), from
    row_number()/count() windows: portable, and integer arithmetic finds the two rows to
    interpolate between exactly (0.9 * 9 is not 8.1 in floating point)."""
    ranked = select(
        rows.c.dealer_id,
        rows.c[value].label("v"),
        func.row_number().over(partition_by=rows.c.dealer_id, order_by=rows.c[value]).label("rn"),
        func.count().over(partition_by=rows.c.dealer_id).label("n"),
    ).subquery()
    columns = []
    for name, (num, den) in wanted.items():
        below = (ranked.c.n - 1) * num // den + 1  # the row at or just below the percentile
        share = cast((func.max(ranked.c.n) - 1) * num % den, Float) / den
        low = func.max(case((ranked.c.rn == below, ranked.c.v)))
        high = func.coalesce(func.max(case((ranked.c.rn == below + 1, ranked.c.v))), low)
        columns.append((low + share * (high - low)).label(name))
    return select(ranked.c.dealer_id, *columns).group_by(ranked.c.dealer_id)


ROWS = None  # in `_summed`: count the rows


def _summed(rows: Subquery, **sums: Any) -> Select[Any]:
    columns = ((func.count() if c is ROWS else func.sum(c)).label(name) for name, c in sums.items())
    return select(rows.c.dealer_id, *columns).group_by(rows.c.dealer_id)


Aggregate = Callable[[Window, DealerIds], list[Select[Any]]]


def _line_figures(w: Window, ids: DealerIds) -> list[Select[Any]]:
    rows = line_rows(w, ids).subquery()
    return [
        _summed(
            rows,
            lines=ROWS,
            units_requested=rows.c.quantity,
            units_delivered=rows.c.delivered_quantity,
            full_lines=rows.c.complete,
        )
    ]


def _request_figures(w: Window, ids: DealerIds) -> list[Select[Any]]:
    rows = request_rows(w, ids).subquery()
    return [
        _summed(
            rows,
            requests=ROWS,
            responses=ROWS,
            cannot_fill_requests=rows.c.cannot_fill,
            promised_requests=rows.c.promised,
            on_time_requests=rows.c.on_time,
        ),
        _percentiles(
            rows,
            "response_hours",
            {"response_hours_median": (1, 2), "response_hours_p90": (9, 10)},
        ),
    ]


def _stock_figures(w: Window, ids: DealerIds) -> list[Select[Any]]:
    """Two passes: plain counts over every row (parallel hash aggregation), and whose
    stock-outs they were over the few rows at zero (the per-row lookups are not parallel)."""
    rows = stock_rows(w, ids).subquery()
    outs = stock_rows(w, ids, only_out=True).subquery()
    return [
        _summed(rows, stock_counts=ROWS, stockouts=rows.c.out),
        _summed(outs, dealer_stockouts=_flag(outs.c.blame == "dealer")),
    ]


def _visit_figures(w: Window, ids: DealerIds) -> list[Select[Any]]:
    return [_summed(visit_rows(w, ids).subquery(), visits=ROWS)]


def _problem_figures(w: Window, ids: DealerIds) -> list[Select[Any]]:
    resolved = resolution_rows(w, ids).subquery()
    return [
        _summed(problem_rows(w, ids).subquery(), dealer_problems=ROWS),
        _summed(resolved, resolved_problems=ROWS),
        _percentiles(resolved, "resolution_days", {"resolution_days_median": (1, 2)}),
    ]


def _photo_figures(w: Window, ids: DealerIds) -> list[Select[Any]]:
    rows = photo_rows(w, ids).subquery()
    return [
        select(
            rows.c.dealer_id,
            func.count().label("reviewed_photos"),
            func.sum(rows.c.approved).label("approved_photos"),
            func.count(rows.c.compliance_score).label("scored_photos"),
            func.avg(rows.c.compliance_score).label("mean_compliance"),
        ).group_by(rows.c.dealer_id)
    ]


AGGREGATES: tuple[Aggregate, ...] = (
    _line_figures,
    _request_figures,
    _stock_figures,
    _visit_figures,
    _problem_figures,
    _photo_figures,
)


def cannot_fill_reasons(w: Window, ids: DealerIds) -> Select[Any]:
    rows = request_rows(w, ids).subquery()
    reason = func.coalesce(rows.c.cannot_fill_reason, "(no reason given)")
    return (
        select(rows.c.dealer_id, reason.label("reason"), func.count().label("requests"))
        .where(rows.c.cannot_fill == 1)
        .group_by(rows.c.dealer_id, reason)
        .order_by(rows.c.dealer_id, func.count().desc(), reason)
    )


def compute_figures(session: Session, w: Window, dealer_ids: DealerIds) -> dict[uuid.UUID, Any]:
    """Every dealer's figures for the window: a handful of grouped queries, one row per
    dealer each; nothing per record comes back to Python."""
    values: dict[uuid.UUID, dict[str, Any]] = {}
    if session.get_bind().dialect.name == "postgresql":
        # The correlated lookups inflate the cost estimates past the JIT thresholds: JIT
        # then spends ~0.5 s compiling a query that runs in 20 ms (measured on the bench).
        session.execute(text("SET LOCAL jit = off"))
        # psycopg prepares a statement run 5 times on a connection, and PostgreSQL then
        # switches to a generic plan that ignores the period's bounds: 2 s became 9 s.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    for aggregate in AGGREGATES:
        for stmt in aggregate(w, dealer_ids):
            for row in session.execute(stmt).mappings():
                if row["dealer_id"] is not None:
                    values.setdefault(row["dealer_id"], {}).update(
                        {k: _plain(v) for k, v in row.items() if k != "dealer_id"}
                    )
    for row in session.execute(cannot_fill_reasons(w, dealer_ids)).mappings():
        reasons = values.setdefault(row["dealer_id"], {}).setdefault("cannot_fill_reasons", [])
        reasons.append((row["reason"], int(row["requests"])))
    return {dealer: DealerFigures.from_mapping(v) for dealer, v in values.items()}


def _plain(value: Any) -> Any:
    """Decimal sums as int, averages and medians as float to 4 places (SQLite's julianday
    arithmetic is off in the 10th digit)."""
    if value is None or isinstance(value, int):
        return value
    number = float(value)
    return int(number) if number.is_integer() and not isinstance(value, float) else round(number, 4)
