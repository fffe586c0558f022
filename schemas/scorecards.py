"""Dealer scorecards: query args, the scorecard, the ranking, evidence rows, weights."""

from __future__ import annotations

from marshmallow import fields, validate

from fieldsales.domain.periods import CALENDAR_KINDS
from fieldsales.domain.scoring import MAX_WEIGHT, Metric
from schemas import BaseSchema, Text
from schemas.visits import Day

METRIC_NAMES = [m.value for m in Metric]


class PeriodArgsSchema(BaseSchema):
    period = fields.String(
        load_default="month",
        validate=validate.OneOf([k.value for k in CALENDAR_KINDS]),
        metadata={"description": "Calendar period containing `date` (ignored with from/to)"},
    )
    date = Day(metadata={"description": "A day in the period (default: today)"})
    from_ = Day(
        data_key="from", metadata={"description": "Start of a free range (with `to`; inclusive)"}
    )
    to = Day(metadata={"description": "End of a free range (inclusive, at most 366 days)"})


class ScorecardArgsSchema(PeriodArgsSchema):
    format = fields.String(
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "csv: the same as sending Accept: text/csv"},
    )


class RankingArgsSchema(ScorecardArgsSchema):
    region = Text(80, metadata={"description": "Only this region's dealers"})


class EvidenceArgsSchema(PeriodArgsSchema):
    metric = fields.String(
        load_default=METRIC_NAMES[0],
        validate=validate.OneOf([*METRIC_NAMES, "visits"]),
        metadata={"description": "Which number to open (`visits`: the visits per 100 of which)"},
    )


class DealerRefSchema(BaseSchema):
    id = fields.UUID()
    code = fields.String()
    name = fields.String()
    region = fields.String()


class PeriodSchema(BaseSchema):
    kind = fields.String(metadata={"description": "week, month, quarter or range"})
    key = fields.String(metadata={"example": "2026-11"})
    start = fields.Date()
    end = fields.Date(metadata={"description": "Last day, inclusive"})
    closed = fields.Boolean(metadata={"description": "Over: served from the stored scorecards"})


class MetricScoreSchema(BaseSchema):
    metric = fields.String(metadata={"enum": METRIC_NAMES})
    value = fields.Float(allow_none=True, metadata={"description": "Raw value; rates 0..1"})
    sample = fields.Integer(metadata={"description": "Observations behind the value"})
    min_sample = fields.Integer()
    worst = fields.Float(metadata={"description": "Value worth 0 points"})
    best = fields.Float(metadata={"description": "Value worth 100 points"})
    points = fields.Float(allow_none=True, metadata={"description": "0-100; null: not enough data"})
    configured_weight = fields.Float()
    weight = fields.Float(metadata={"description": "Share of the score after rescaling"})
    enough_data = fields.Boolean()


class ReasonCountSchema(BaseSchema):
    reason = fields.String()
    requests = fields.Integer()


class FiguresSchema(BaseSchema):
    lines = fields.Integer()
    units_requested = fields.Integer()
    units_delivered = fields.Integer()
    full_lines = fields.Integer()
    promised_requests = fields.Integer()
    on_time_requests = fields.Integer()
    responses = fields.Integer()
    response_hours_median = fields.Float(allow_none=True)
    response_hours_p90 = fields.Float(allow_none=True)
    requests = fields.Integer()
    cannot_fill_requests = fields.Integer()
    cannot_fill_reasons = fields.List(fields.Nested(ReasonCountSchema))
    stock_counts = fields.Integer()
    stockouts = fields.Integer()
    dealer_stockouts = fields.Integer()
    rep_stockouts = fields.Integer()
    rep_stockout_rate = fields.Float(allow_none=True)
    visits = fields.Integer()
    dealer_problems = fields.Integer()
    resolved_problems = fields.Integer()
    resolution_days_median = fields.Float(allow_none=True)
    reviewed_photos = fields.Integer()
    approved_photos = fields.Integer()
    approval_share = fields.Float(allow_none=True)
    scored_photos = fields.Integer()
    mean_compliance = fields.Float(allow_none=True)


class PreviousSchema(BaseSchema):
    period = fields.Nested(PeriodSchema)
    score = fields.Float(allow_none=True)


class ScorecardSchema(BaseSchema):
    dealer = fields.Nested(DealerRefSchema)
    period = fields.Nested(PeriodSchema)
    source = fields.String(metadata={"description": "stored (closed period) or live"})
    computed_at = fields.AwareDateTime()
    score = fields.Float(allow_none=True, metadata={"description": "null: not enough data"})
    enough_data = fields.Boolean()
    weight_with_data = fields.Float(metadata={"description": "Share of the weight with data"})
    previous = fields.Nested(PreviousSchema)
    change = fields.Float(allow_none=True, metadata={"description": "Score minus previous"})
    metrics = fields.List(fields.Nested(MetricScoreSchema))
    figures = fields.Nested(FiguresSchema)


class RankingRowSchema(BaseSchema):
    rank = fields.Integer(allow_none=True, metadata={"description": "In its region; 1 = best"})
    region = fields.String()
    dealer = fields.Nested(DealerRefSchema)
    score = fields.Float(allow_none=True)
    enough_data = fields.Boolean()
    previous_score = fields.Float(allow_none=True)
    change = fields.Float(allow_none=True)
    source = fields.String()
    points = fields.Dict(
        keys=fields.String(), values=fields.Float(allow_none=True), metadata={"example": {}}
    )


class EvidenceItemSchema(BaseSchema):
    kind = fields.String(
        metadata={"enum": ["request_line", "request", "stock_count", "visit", "problem", "photo"]}
    )
    id = fields.UUID()
    at = fields.AwareDateTime(metadata={"description": "When it counts in the period"})
    store_id = fields.UUID()
    against_dealer = fields.Boolean(
        allow_none=True, metadata={"description": "Counts against the dealer (null: a value)"}
    )
    detail = fields.Dict(keys=fields.String(), metadata={"description": "The row's figures"})


class WeightSchema(BaseSchema):
    metric = fields.String(metadata={"enum": METRIC_NAMES})
    weight = fields.Float()
    default_weight = fields.Float()
    worst = fields.Float()
    best = fields.Float()
    min_sample = fields.Integer()


class WeightsUpdateSchema(BaseSchema):
    weights = fields.Dict(
        required=True,
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.Float(allow_nan=False),
        metadata={
            "description": "Every metric's weight, 0 to "
            f"{MAX_WEIGHT:g} (0 leaves it out of the score)",
            "example": {m.value: 10 for m in Metric},
        },
    )
