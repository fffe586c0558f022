from dataclasses import asdict

import pytest

from fieldsales.domain.errors import InvalidInput
from fieldsales.domain.scoring import (
    DEFAULT_WEIGHTS,
    DealerFigures,
    Metric,
    Observation,
    RankInput,
    Scale,
    check_weights,
    observations,
    rank_within_regions,
    score_dealer,
)

FULL = {
    Metric.FILL_RATE: Observation(0.95, 100),  # 75 points
    Metric.FULL_LINE_RATE: Observation(0.90, 100),  # 75
    Metric.ON_TIME_RATE: Observation(0.80, 50),  # 50
    Metric.RESPONSE_HOURS_MEDIAN: Observation(2.0, 50),  # 100
    Metric.CANNOT_FILL_RATE: Observation(0.05, 100),  # 75
    Metric.DEALER_STOCKOUT_RATE: Observation(0.02, 400),  # 80
    Metric.PROBLEMS_PER_100_VISITS: Observation(5.0, 300),  # 50
    Metric.RESOLUTION_DAYS_MEDIAN: Observation(1.0, 10),  # 100
    Metric.POP_COMPLIANCE: Observation(70.0, 40),  # 70
}


@pytest.mark.parametrize(
    ("scale", "value", "points"),
    [
        (Scale(worst=0.8, best=1.0, min_sample=1), 0.9, 50.0),
        (Scale(worst=0.8, best=1.0, min_sample=1), 0.5, 0.0),
        (Scale(worst=0.8, best=1.0, min_sample=1), 1.2, 100.0),
        (Scale(worst=48, best=2, min_sample=1), 25, 50.0),  # smaller is better
        (Scale(worst=48, best=2, min_sample=1), 1, 100.0),
    ],
)
def test_scale_points_are_linear_and_clamped(scale, value, points):
    assert scale.points(value) == points


def test_score_is_the_weighted_mean_of_points():
    expected = (
        75 * 20 + 75 * 10 + 50 * 15 + 100 * 10 + 75 * 5 + 80 * 15 + 50 * 10 + 100 * 5 + 70 * 10
    ) / 100
    result = score_dealer(FULL)
    assert result.score == round(expected, 1)
    assert result.weight_with_data == 1.0
    assert {m.metric: m.points for m in result.breakdown}[Metric.DEALER_STOCKOUT_RATE] == 80.0


def test_a_metric_with_too_small_a_sample_drops_out_and_weights_rescale():
    obs = dict(FULL)
    obs[Metric.POP_COMPLIANCE] = Observation(0.0, 2)  # only 2 photos reviewed
    result = score_dealer(obs)
    pop = next(m for m in result.breakdown if m.metric is Metric.POP_COMPLIANCE)
    assert pop.points is None and pop.weight == 0.0
    assert result.weight_with_data == 0.9
    others = sum(m.points * m.weight for m in result.breakdown if m.points is not None)
    assert result.score == round(others, 1)


def test_too_little_data_overall_gives_no_score():
    obs = {Metric.FILL_RATE: Observation(1.0, 50), Metric.POP_COMPLIANCE: Observation(90, 10)}
    result = score_dealer(obs)
    assert result.score is None and not result.enough_data
    assert result.weight_with_data == 0.3


def test_weights_an_admin_sets_change_the_score():
    only_fill = {m: 0.0 for m in DEFAULT_WEIGHTS} | {Metric.FILL_RATE: 1.0}
    assert score_dealer(FULL, weights=only_fill).score == 75.0


def test_ranking_is_per_region_with_ties_and_change():
    ranked = rank_within_regions(
        [
            RankInput("a", "north", 80.0, 70.0),
            RankInput("b", "north", 90.0, None),
            RankInput("c", "north", 80.0, 85.0),
            RankInput("d", "north", None, 60.0),
            RankInput("e", "south", 50.0, 50.0),
        ]
    )
    by_key = {r.key: r for r in ranked}
    assert [by_key[k].rank for k in "abcde"] == [2, 1, 2, None, 1]
    assert by_key["a"].change == 10.0 and by_key["c"].change == -5.0
    assert by_key["b"].change is None and by_key["d"].change is None
    assert [r.key for r in ranked] == ["b", "a", "c", "d", "e"]


def test_observations_turn_counts_into_rates_with_their_samples():
    figures = DealerFigures(
        lines=20,
        units_requested=400,
        units_delivered=380,
        full_lines=17,
        requests=8,
        cannot_fill_requests=1,
        stock_counts=50,
        dealer_stockouts=2,
        visits=40,
        dealer_problems=3,
    )
    obs = observations(figures)
    assert obs[Metric.FILL_RATE] == Observation(0.95, 20)
    assert obs[Metric.FULL_LINE_RATE] == Observation(0.85, 20)
    assert obs[Metric.CANNOT_FILL_RATE] == Observation(0.125, 8)
    assert obs[Metric.DEALER_STOCKOUT_RATE] == Observation(0.04, 50)
    assert obs[Metric.PROBLEMS_PER_100_VISITS] == Observation(7.5, 40)
    assert obs[Metric.ON_TIME_RATE] == Observation(None, 0)  # nothing promised: no data


def test_figures_round_trip_through_json_like_mappings():
    figures = DealerFigures(lines=3, cannot_fill_reasons=(("no stock", 2),))
    stored = {**asdict(figures), "unknown_later_field": 1}
    stored["cannot_fill_reasons"] = [["no stock", 2]]
    assert DealerFigures.from_mapping(stored) == figures


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"fill_rate": -1}, "json.weights.fill_rate"),
        ({"fill_rate": float("nan")}, "json.weights.fill_rate"),
        ({"bogus": 1}, "json.weights.bogus"),
        (dict.fromkeys([m.value for m in Metric], 0), "json.weights"),
    ],
)
def test_bad_weights_are_refused(change, path):
    weights = {m.value: 1.0 for m in Metric} | change
    with pytest.raises(InvalidInput) as err:
        check_weights(weights)
    assert path in {e["path"] for e in err.value.errors}


def test_a_missing_metric_weight_is_refused():
    with pytest.raises(InvalidInput):
        check_weights({"fill_rate": 1.0})
