"""Dealer scorecards: figures from the database (scorecard_sql), scored by the pure
`domain.scoring` with the weights an admin set, ranked within each region, compared with
the previous period; closed periods are served from what the scheduled job stored.

Who sees what: supervisors and admins every dealer, a dealer user its own dealer only
(`scope` rules for Dealer: another dealer is a 404). Reps are refused by the API (403)."""

from __future__ import annotations

import csv
import functools
import io
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, case, delete, insert, literal, null, select, true
from sqlalchemy.orm import Session

from fieldsales.db.models import Dealer, ScorecardWeight, StoredScorecard
from fieldsales.domain.errors import InvalidInput, NotFound
from fieldsales.domain.periods import CALENDAR_KINDS, Period, PeriodKind, date_range
from fieldsales.domain.periods import period_containing as calendar_period
from fieldsales.domain.scoring import (
    DEFAULT_WEIGHTS,
    SCALES,
    DealerFigures,
    DealerScore,
    Metric,
    RankInput,
    check_weights,
    observations,
    rank_within_regions,
    ratio,
    score_change,
    score_dealer,
)
from fieldsales.domain.types import Actor
from fieldsales.services import scope
from fieldsales.services.scorecard_sql import (
    DealerIds,
    Window,
    compute_figures,
    line_rows,
    photo_rows,
    problem_rows,
    request_rows,
    resolution_rows,
    stock_rows,
    visit_rows,
)

STORED = "stored"
LIVE = "live"


@dataclass(frozen=True, slots=True)
class Clock:
    """When and in which calendar the figures are computed."""

    now: datetime
    timezone: str

    @property
    def today(self) -> date:
        from zoneinfo import ZoneInfo

        return self.now.astimezone(ZoneInfo(self.timezone)).date()


def period_from_args(args: Mapping[str, Any], clock: Clock) -> Period:
    """`from`+`to` make a range; otherwise the week / month / quarter containing `date`
    (default: today)."""
    start, end = args.get("from_"), args.get("to")
    if start is not None or end is not None:
        if start is None or end is None:
            missing = "from" if start is None else "to"
            raise InvalidInput(
                "A range needs both from and to.",
                errors=[{"path": f"query.{missing}", "message": "Missing."}],
            )
        return date_range(start, end)
    return calendar_period(PeriodKind(args.get("period", "month")), args.get("date") or clock.today)


# --- weights -----------------------------------------------------------------------------


def current_weights(session: Session) -> dict[Metric, float]:
    stored = {w.metric: w.weight for w in session.scalars(select(ScorecardWeight))}
    return {m: stored.get(m.value, DEFAULT_WEIGHTS[m]) for m in Metric}


def weights_view(session: Session) -> list[dict[str, Any]]:
    weights = current_weights(session)
    return [
        {
            "metric": m,
            "weight": weights[m],
            "default_weight": DEFAULT_WEIGHTS[m],
            "worst": SCALES[m].worst,
            "best": SCALES[m].best,
            "min_sample": SCALES[m].min_sample,
        }
        for m in Metric
    ]


def set_weights(
    session: Session, *, weights: Mapping[str, float], actor: Actor, now: datetime
) -> list[dict[str, Any]]:
    checked = check_weights(weights)
    session.execute(delete(ScorecardWeight))
    session.add_all(
        ScorecardWeight(metric=m.value, weight=w, updated_at=now, updated_by_id=actor.user_id)
        for m, w in checked.items()
    )
    session.flush()
    return weights_view(session)


# --- figures: stored for closed periods, computed otherwise -------------------------------


@dataclass(frozen=True, slots=True)
class Card:
    figures: DealerFigures
    source: str
    computed_at: datetime


def figures_for(
    session: Session, period: Period, *, dealer_ids: DealerIds, clock: Clock
) -> dict[uuid.UUID, Card]:
    """The figures of these dealers (None: all) for a period: a closed week / month /
    quarter from the stored scorecards, anything else (or a dealer the job has not stored)
    computed now."""
    cards: dict[uuid.UUID, Card] = {}
    if period.kind in CALENDAR_KINDS and period.is_closed(clock.today):
        stmt = select(StoredScorecard).where(
            StoredScorecard.period_kind == period.kind,
            StoredScorecard.period_start == period.start,
        )
        if dealer_ids is not None:
            stmt = stmt.where(StoredScorecard.dealer_id.in_(list(dealer_ids)))
        for row in session.scalars(stmt):
            cards[row.dealer_id] = Card(
                DealerFigures.from_mapping(row.figures), STORED, row.computed_at
            )
    wanted = set(dealer_ids) if dealer_ids is not None else set(session.scalars(select(Dealer.id)))
    missing = wanted - cards.keys()
    if missing:
        window = Window.of(period, now=clock.now, timezone=clock.timezone)
        live = compute_figures(
            session, window, None if not cards and dealer_ids is None else missing
        )
        for dealer_id in missing:
            cards[dealer_id] = Card(live.get(dealer_id, DealerFigures()), LIVE, clock.now)
    return cards


def store_closed_period(session: Session, period: Period, *, clock: Clock) -> int:
    """Compute and store every dealer's figures for a closed calendar period (the scheduled
    job; running it again replaces what it stored). Returns the number of dealers."""
    if period.kind not in CALENDAR_KINDS or not period.is_closed(clock.today):
        raise InvalidInput(
            f"Only a week, month or quarter that is over is stored ({period.key} is not)."
        )
    window = Window.of(period, now=clock.now, timezone=clock.timezone)
    figures = compute_figures(session, window, None)
    dealer_ids = list(session.scalars(select(Dealer.id)))
    session.execute(
        delete(StoredScorecard).where(
            StoredScorecard.period_kind == period.kind,
            StoredScorecard.period_start == period.start,
        )
    )
    if dealer_ids:
        session.execute(
            insert(StoredScorecard),
            [
                {
                    "id": uuid.uuid4(),
                    "dealer_id": d,
                    "period_kind": period.kind,
                    "period_start": period.start,
                    "period_end": period.end,
                    "figures": asdict(figures.get(d, DealerFigures())),
                    "computed_at": clock.now,
                }
                for d in dealer_ids
            ],
        )
    session.flush()
    return len(dealer_ids)


def last_closed(kind: PeriodKind, today: date) -> Period:
    return calendar_period(kind, today).previous()


# --- views -------------------------------------------------------------------------------


def _period_view(period: Period, clock: Clock) -> dict[str, Any]:
    return {
        "kind": period.kind,
        "key": period.key,
        "start": period.start,
        "end": period.end,
        "closed": period.is_closed(clock.today),
    }


def _dealer_view(dealer: Dealer) -> dict[str, Any]:
    return {"id": dealer.id, "code": dealer.code, "name": dealer.name, "region": dealer.region}


def _metric_views(score: DealerScore, weights: Mapping[Metric, float]) -> list[dict[str, Any]]:
    return [
        {
            "metric": m.metric,
            "value": m.value,
            "sample": m.sample,
            "min_sample": SCALES[m.metric].min_sample,
            "worst": SCALES[m.metric].worst,
            "best": SCALES[m.metric].best,
            "points": m.points,
            "configured_weight": weights[m.metric],
            "weight": m.weight,
            "enough_data": m.points is not None,
        }
        for m in score.breakdown
    ]


def _figures_view(f: DealerFigures) -> dict[str, Any]:
    return {
        **asdict(f),
        "cannot_fill_reasons": [{"reason": r, "requests": n} for r, n in f.cannot_fill_reasons],
        "rep_stockouts": f.rep_stockouts,
        "rep_stockout_rate": ratio(f.rep_stockouts, f.stock_counts),
        "approval_share": ratio(f.approved_photos, f.reviewed_photos),
    }


def scorecard(
    session: Session, *, actor: Actor, dealer_id: uuid.UUID, period: Period, clock: Clock
) -> dict[str, Any]:
    dealer = scope.get_visible(session, Dealer, dealer_id, actor)
    weights = current_weights(session)
    card = figures_for(session, period, dealer_ids=[dealer.id], clock=clock)[dealer.id]
    previous_period = period.previous()
    previous_card = figures_for(session, previous_period, dealer_ids=[dealer.id], clock=clock)
    score = score_dealer(observations(card.figures), weights=weights)
    previous = score_dealer(observations(previous_card[dealer.id].figures), weights=weights)
    return {
        "dealer": _dealer_view(dealer),
        "period": _period_view(period, clock),
        "source": card.source,
        "computed_at": card.computed_at,
        "score": score.score,
        "enough_data": score.enough_data,
        "weight_with_data": score.weight_with_data,
        "previous": {"period": _period_view(previous_period, clock), "score": previous.score},
        "change": score_change(score.score, previous.score),
        "metrics": _metric_views(score, weights),
        "figures": _figures_view(card.figures),
    }


def ranking(
    session: Session, *, actor: Actor, period: Period, region: str | None, clock: Clock
) -> list[dict[str, Any]]:
    """Active dealers ranked within their region; a dealer user sees only its own row (its
    rank still among all the region's dealers)."""
    stmt = select(Dealer).where(Dealer.active).order_by(Dealer.region, Dealer.code)
    if region is not None:
        stmt = stmt.where(Dealer.region == region)
    dealers = {d.id: d for d in session.scalars(stmt)}
    weights = current_weights(session)
    ids = None if region is None else list(dealers)
    current = figures_for(session, period, dealer_ids=ids, clock=clock)
    before = figures_for(session, period.previous(), dealer_ids=ids, clock=clock)
    scores = {d: score_dealer(observations(current[d].figures), weights=weights) for d in dealers}
    previous = {d: score_dealer(observations(before[d].figures), weights=weights) for d in dealers}
    ranked = rank_within_regions(
        RankInput(str(d), dealers[d].region, scores[d].score, previous[d].score) for d in dealers
    )
    visible = set(session.scalars(scope.scoped(select(Dealer.id), Dealer, actor)))
    return [
        {
            "rank": r.rank,
            "region": r.region,
            "dealer": _dealer_view(dealers[uuid.UUID(r.key)]),
            "score": r.score,
            "enough_data": r.score is not None,
            "previous_score": previous[uuid.UUID(r.key)].score,
            "change": r.change,
            "source": current[uuid.UUID(r.key)].source,
            "points": {m.metric.value: m.points for m in scores[uuid.UUID(r.key)].breakdown},
        }
        for r in ranked
        if uuid.UUID(r.key) in visible
    ]


# --- evidence ----------------------------------------------------------------------------

VISITS = "visits"  # the denominator of problems per 100 visits


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str  # what a row is
    rows: Any  # (Window, dealer ids) -> Select
    only: Any = None  # (columns) -> condition: the rows the metric counts
    against: Any = None  # (columns) -> condition: the row counts against the dealer


EVIDENCE: dict[str, Evidence] = {
    Metric.FILL_RATE: Evidence("request_line", line_rows, against=lambda c: c.complete == 0),
    Metric.FULL_LINE_RATE: Evidence("request_line", line_rows, against=lambda c: c.complete == 0),
    Metric.ON_TIME_RATE: Evidence(
        "request", request_rows, only=lambda c: c.promised == 1, against=lambda c: c.on_time == 0
    ),
    Metric.RESPONSE_HOURS_MEDIAN: Evidence("request", request_rows),
    Metric.CANNOT_FILL_RATE: Evidence(
        "request", request_rows, against=lambda c: c.cannot_fill == 1
    ),
    Metric.DEALER_STOCKOUT_RATE: Evidence(
        "stock_count",
        functools.partial(stock_rows, only_out=True),
        against=lambda c: c.blame == "dealer",
    ),
    Metric.PROBLEMS_PER_100_VISITS: Evidence("problem", problem_rows, against=lambda _c: true()),
    VISITS: Evidence("visit", visit_rows),
    Metric.RESOLUTION_DAYS_MEDIAN: Evidence("problem", resolution_rows),
    Metric.POP_COMPLIANCE: Evidence("photo", photo_rows, against=lambda c: c.approved == 0),
}
EVIDENCE_METRICS = tuple(EVIDENCE)


def evidence_stmt(
    session: Session,
    *,
    actor: Actor,
    dealer_id: uuid.UUID,
    metric: str,
    period: Period,
    clock: Clock,
) -> Select[Any]:
    """The records behind one metric of one dealer's scorecard, oldest first. Always read
    from the records as they are now (a stored period shows today's view of its rows)."""
    dealer = scope.get_visible(session, Dealer, dealer_id, actor)
    spec = EVIDENCE.get(metric)
    if spec is None:
        raise NotFound(f"No metric {metric!r}.")
    window = Window.of(period, now=clock.now, timezone=clock.timezone)
    rows = spec.rows(window, [dealer.id]).subquery()
    against = case((spec.against(rows.c), True), else_=False) if spec.against else null()
    stmt = select(rows, literal(spec.kind).label("kind"), against.label("against_dealer")).order_by(
        rows.c.at, rows.c.id
    )
    return stmt.where(spec.only(rows.c)) if spec.only else stmt


def evidence_item(row: Mapping[str, Any]) -> dict[str, Any]:
    fixed = ("dealer_id", "kind", "id", "at", "store_id", "against_dealer")
    return {
        "kind": row["kind"],
        "id": row["id"],
        "at": row["at"],
        "store_id": row["store_id"],
        "against_dealer": row["against_dealer"],
        "detail": {k: _jsonable(v) for k, v in row.items() if k not in fixed},
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, float):
        return round(value, 4)
    return value


# --- CSV ---------------------------------------------------------------------------------


def _csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue()


def scorecard_csv(card: Mapping[str, Any]) -> str:
    """One row per metric, then the overall score."""
    dealer, period = card["dealer"], card["period"]
    lead = [dealer["code"], dealer["name"], dealer["region"], period["key"]]
    rows = [
        [*lead, m["metric"], m["value"], m["sample"], m["points"], m["weight"]]
        for m in card["metrics"]
    ]
    rows.append([*lead, "score", card["score"], None, card["score"], card["weight_with_data"]])
    header = ["dealer_code", "dealer_name", "region", "period", "metric", "value", "sample"]
    return _csv([*header, "points", "weight"], rows)


def ranking_csv(rows: list[dict[str, Any]], period: Period) -> str:
    metrics = [m.value for m in Metric]
    header = ["period", "region", "rank", "dealer_code", "dealer_name", "score"]
    header += ["previous_score", "change", *(f"{m}_points" for m in metrics)]
    return _csv(
        header,
        (
            [
                period.key,
                r["region"],
                r["rank"],
                r["dealer"]["code"],
                r["dealer"]["name"],
                r["score"],
                r["previous_score"],
                r["change"],
                *(r["points"][m] for m in metrics),
            ]
            for r in rows
        ),
    )
