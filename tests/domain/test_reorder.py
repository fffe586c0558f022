"""Reorder prompts: sell-rate estimation, the order-up-to policy, its explanation, the minimum."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fieldsales.domain.reorder import (
    DealerProfile,
    Delivery,
    MinimumEffect,
    MinimumOrder,
    OnHandSource,
    OpenOrder,
    Promotion,
    PromptAction,
    RateSource,
    ReorderItem,
    ReorderPolicy,
    ReviewPeriod,
    SellRate,
    SellRatePrior,
    ServiceMeasure,
    StockCount,
    SupplyRecord,
    VisitOutlook,
    VisitPlanSource,
    apply_minimum_order,
    estimate_sell_rate,
    plan_order,
    prior_from_peers,
    profile_dealer,
    prompt_for_item,
    review_period,
    suggest_reorder,
)

T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)  # a Monday, 09:00: visits count before the day's sales


def at(day: float, hour: int = 9) -> datetime:
    return T0 + timedelta(days=day, hours=hour - 9)


def count(day: float, shelf: int, backroom: int = 0) -> StockCount:
    return StockCount(at(day), shelf, backroom)


def delivery(day: int, quantity: int) -> Delivery:
    return Delivery(at(day, hour=7), quantity)


def dealer(lead_times: dict[int, float], *, stated: int = 2, short: float = 0.0) -> DealerProfile:
    return DealerProfile(stated, tuple(sorted(lead_times.items())), short, 0.5, 20)


def fixed_review(days: int) -> ReviewPeriod:
    return ReviewPeriod(days, VisitPlanSource.ROUTE_PLAN, 0.0, ((days, 1.0),))


def rate(
    daily: float, *, dispersion: float = 1.0, uncertainty: float = 0.0, trend: float = 0.0
) -> SellRate:
    return SellRate(
        daily_rate=daily,
        daily_trend=trend,
        dispersion=dispersion,
        rate_variance=uncertainty,
        source=RateSource.HISTORY,
        observed_days=56.0,
        intervals=8,
        censored_intervals=0,
        discarded_counts=(),
        suspect_count=None,
        prior_basis=None,
    )


def poisson_pmf(k: int, mean: float) -> float:
    return math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))


PUNCTUAL = dealer({2: 1.0})
CYCLE_95 = ReorderPolicy(service_measure=ServiceMeasure.CYCLE)
NOW = at(28)


# --- sell rate ----------------------------------------------------------------------------------


def test_sell_rate_is_counted_drop_over_days():
    estimate = estimate_sell_rate([count(0, 100), count(10, 80)], [], now=at(10))
    assert estimate.daily_rate == pytest.approx(2.0)
    assert estimate.source is RateSource.HISTORY
    assert estimate.observed_days == pytest.approx(10.0)


def test_sell_rate_adds_deliveries_between_counts():
    # 50 + 40 delivered − 30 left = 60 sold in 7 days
    estimate = estimate_sell_rate([count(0, 50), count(7, 30)], [delivery(3, 40)], now=at(7))
    assert estimate.daily_rate == pytest.approx(60 / 7)


def test_sell_rate_ignores_deliveries_outside_the_interval():
    counts = [count(0, 50), count(7, 36)]
    estimate = estimate_sell_rate(counts, [delivery(-1, 99), delivery(8, 99)], now=at(7))
    assert estimate.daily_rate == pytest.approx(2.0)


def test_sell_rate_counts_shelf_and_backroom():
    estimate = estimate_sell_rate([count(0, 20, 80), count(10, 30, 50)], [], now=at(10))
    assert estimate.daily_rate == pytest.approx(2.0)


def test_negative_sale_drops_the_bad_count_and_keeps_the_total():
    # True stock 100 → 86 → 72; at day 7 the backroom was forgotten (40 counted): the raw
    # intervals read +60 and −32. Dropping the day-7 count leaves 28 sold in 14 days.
    counts = [count(0, 100), count(7, 40), count(14, 72)]
    estimate = estimate_sell_rate(counts, [], now=at(14))
    assert estimate.daily_rate == pytest.approx(2.0)
    assert estimate.discarded_counts == (at(7),)
    assert estimate.intervals == 1


def test_missed_count_makes_one_longer_interval():
    estimate = estimate_sell_rate([count(0, 100), count(14, 72)], [], now=at(14))
    assert estimate.daily_rate == pytest.approx(2.0)
    assert estimate.intervals == 1


def test_interval_that_ran_out_does_not_drag_the_rate_down():
    # 2/day for two weeks, then a week that opened with 12 and was found empty: it sold 12 in
    # 7 days only because there were no more.
    counts = [count(0, 40), count(7, 26), count(14, 12), count(21, 0)]
    estimate = estimate_sell_rate(counts, [], now=at(21))
    assert estimate.censored_intervals == 1
    assert estimate.daily_rate == pytest.approx(2.0)
    assert estimate.daily_rate > 40 / 21


def test_stock_out_before_a_delivery_is_scored_on_the_days_in_stock():
    # 3/day. The third week opens with 6 units and 40 arrive early on day 18: the 6 sell by day
    # 16, nothing sells until the delivery, then 3/day again: 31 are left on day 21.
    counts = [count(0, 48), count(7, 27), count(14, 6), count(21, 31)]
    estimate = estimate_sell_rate(counts, [delivery(18, 40)], now=at(21))
    naive = (48 + 40 - 31) / 21
    assert estimate.censored_intervals == 1
    assert estimate.daily_rate > naive
    assert estimate.daily_rate == pytest.approx(3.0, rel=0.05)


def test_promotion_days_count_as_uplift_days():
    # 10 days, 5 of them at ×2: 15 base-rate days; 30 sold → 2/day ordinary rate.
    promo = Promotion(date(2025, 3, 8), date(2025, 3, 12), 2.0)
    estimate = estimate_sell_rate(
        [count(0, 100), count(10, 70)], [], now=at(10), promotions=[promo]
    )
    assert estimate.daily_rate == pytest.approx(2.0)


def test_no_history_uses_the_prior_and_says_so():
    prior = SellRatePrior(3.0, 7.0, "SKU-1 at 12 grade-A stores")
    estimate = estimate_sell_rate([count(0, 24)], [], now=at(0), prior=prior)
    assert estimate.source is RateSource.PRIOR
    assert estimate.daily_rate == pytest.approx(3.0)
    assert estimate.prior_basis == "SKU-1 at 12 grade-A stores"


def test_short_history_blends_with_the_prior_by_weight():
    prior = SellRatePrior(3.0, 7.0, "peers")
    estimate = estimate_sell_rate([count(0, 30), count(10, 20)], [], now=at(10), prior=prior)
    recency = 0.5 ** (5 / 28)  # the interval's middle is 5 days old; half-life 28 days
    expected = (3.0 * 7 + recency * 10) / (7 + recency * 10)
    assert estimate.source is RateSource.HISTORY_AND_PRIOR
    assert estimate.daily_rate == pytest.approx(expected)


def test_no_history_and_no_prior_is_zero_and_says_so():
    estimate = estimate_sell_rate([count(0, 24)], [], now=at(0))
    assert estimate.source is RateSource.NONE
    assert estimate.daily_rate == 0


def test_counts_after_now_are_not_used():
    estimate = estimate_sell_rate([count(0, 100), count(10, 80), count(20, 0)], [], now=at(10))
    assert estimate.daily_rate == pytest.approx(2.0)


def test_growing_product_gets_a_positive_trend_and_a_rate_above_its_average():
    sold = [round(4 * math.exp(0.01 * 7 * k) * 7) for k in range(12)]  # +1 %/day
    stock, counts = 2000, [count(0, 2000)]
    for k, units in enumerate(sold, start=1):
        stock -= units
        counts.append(count(7 * k, stock))
    estimate = estimate_sell_rate(counts, [], now=at(84))
    average = sum(sold) / 84
    assert estimate.daily_trend > 0.004
    assert estimate.daily_rate > average * 1.2


def test_steady_product_has_no_trend_to_speak_of():
    counts = [count(7 * k, 1000 - 14 * k) for k in range(12)]
    estimate = estimate_sell_rate(counts, [], now=at(77))
    assert abs(estimate.daily_trend) < 1e-6
    assert estimate.daily_rate == pytest.approx(2.0)


def test_latest_count_far_too_low_is_suspect_not_sales():
    counts = [count(7 * k, 200 - 14 * k) for k in range(6)] + [count(42, 40)]  # 116 expected
    estimate = estimate_sell_rate(counts, [], now=at(42))
    assert estimate.suspect_count == at(42)
    assert estimate.daily_rate == pytest.approx(2.0)


def test_overdispersed_sales_give_dispersion_above_one():
    weekly = [2, 30, 5, 25, 0, 35, 3, 28, 1, 31]
    stock, counts = 1000, [count(0, 1000)]
    for k, units in enumerate(weekly, start=1):
        stock -= units
        counts.append(count(7 * k, stock))
    estimate = estimate_sell_rate(counts, [], now=at(70))
    assert estimate.dispersion > 3


def test_prior_from_peers_weighs_agreeing_peers_more():
    agreeing = prior_from_peers([2.0, 2.1, 1.9, 2.0], basis="agree")
    scattered = prior_from_peers([0.5, 2.0, 4.0, 1.0], basis="scatter")
    assert agreeing is not None and scattered is not None
    assert agreeing.daily_rate == pytest.approx(2.0)
    assert agreeing.weight_days > scattered.weight_days
    assert prior_from_peers([], basis="none") is None


# --- dealer and review period ---------------------------------------------------------------------


def test_dealer_profile_mixes_history_with_the_promise():
    d0 = date(2025, 3, 1)
    on_time = [SupplyRecord(d0, 10, d0 + timedelta(days=2), 10) for _ in range(5)]
    late = [SupplyRecord(d0, 10, d0 + timedelta(days=6), 5) for _ in range(5)]
    profile = profile_dealer(on_time + late, stated_lead_time_days=2, today=date(2025, 3, 20))
    # 5 pseudo-lines at the promised 2 days + 5 real at 2 + 5 real at 6
    assert profile.lead_time_pmf == ((2, pytest.approx(10 / 15)), (6, pytest.approx(5 / 15)))
    assert profile.late_share == pytest.approx(1 / 3)
    assert profile.short_ship_share == pytest.approx((5 + 0.02 * 5) / (10 + 5))
    assert profile.short_fill_ratio == pytest.approx(0.5)


def test_dealer_profile_counts_an_overdue_line_as_at_least_that_late():
    d0 = date(2025, 3, 1)
    profile = profile_dealer(
        [SupplyRecord(d0, 10)], stated_lead_time_days=2, today=d0 + timedelta(7)
    )
    assert dict(profile.lead_time_pmf)[8] == pytest.approx(1 / 6)


def test_dealer_without_history_is_as_stated():
    assert profile_dealer([], stated_lead_time_days=3, today=date(2025, 3, 1)) == (
        DealerProfile.as_stated(3)
    )


def test_review_period_stretches_by_skipped_visits():
    outlook = VisitOutlook(date(2025, 3, 10), VisitPlanSource.GRADE_FREQUENCY, 7, 20, 5)
    review = review_period(
        outlook, today=date(2025, 3, 3), skip_prior_rate=0.1, skip_prior_weight=10, max_skips=2
    )
    skip = (5 + 1) / (20 + 10)
    assert review.planned_days == 7
    assert review.skip_rate == pytest.approx(skip)
    assert review.pmf == (
        (7, pytest.approx(1 - skip)),
        (14, pytest.approx(skip * (1 - skip))),
        (21, pytest.approx(skip**2)),
    )


# --- the order-up-to formula ------------------------------------------------------------------


def test_cycle_service_level_is_the_poisson_quantile():
    # 2/day over 2 + 7 days: Poisson(18). P(D <= 24) = 0.932, P(D <= 25) = 0.955 → level 25.
    prompt = plan_order(
        "A",
        rate(2.0),
        on_hand=4,
        case_pack=6,
        review=fixed_review(7),
        dealer=PUNCTUAL,
        now=NOW,
        policy=CYCLE_95,
    )
    assert prompt.explanation.order_up_to == 25
    assert prompt.quantity == 24  # 25 − 4 = 21 → 4 cases of 6
    assert prompt.cases == 4


def test_fill_rate_level_serves_the_target_share_of_the_cycle():
    # Poisson(18) over the horizon, 14 expected between deliveries. Lost at 20 units: 0.898
    # (6.4 %), at 21 units: 0.629 (4.5 %) → level 21.
    prompt = plan_order(
        "A", rate(2.0), on_hand=4, case_pack=6, review=fixed_review(7), dealer=PUNCTUAL, now=NOW
    )
    e = prompt.explanation
    assert e.cycle_demand == pytest.approx(14.0)
    assert e.expected_demand == pytest.approx(18.0)
    assert e.order_up_to == 21
    assert prompt.quantity == 18  # 21 − 4 = 17 → 3 cases of 6
    lost = sum((k - 22) * poisson_pmf(k, 18.0) for k in range(23, 200))  # 4 + 18 = 22 after
    assert e.expected_service == pytest.approx(1 - lost / 14)


def test_nothing_to_order_when_stock_covers_the_level():
    prompt = plan_order(
        "A", rate(2.0), on_hand=30, case_pack=6, review=fixed_review(7), dealer=PUNCTUAL, now=NOW
    )
    assert prompt.action is PromptAction.NOTHING
    assert prompt.quantity == 0
    assert prompt.summary.endswith("No order needed.")


def test_on_order_counts_toward_the_level():
    with_order = plan_order(
        "A",
        rate(2.0),
        on_hand=4,
        open_orders=[OpenOrder(date(2025, 3, 30), 12)],
        case_pack=6,
        review=fixed_review(7),
        dealer=PUNCTUAL,
        now=NOW,
    )
    assert with_order.quantity == 6  # 21 − 4 − 12 = 5 → 1 case
    assert with_order.explanation.on_order == 12


def test_large_negative_binomial_level_matches_the_normal_quantile():
    # 20/day over 10 days, variance 3 × mean: mean 200, sd 24.5 → 95 % cycle level ≈ 240.
    prompt = plan_order(
        "A",
        rate(20.0, dispersion=3.0),
        on_hand=0,
        case_pack=1,
        review=fixed_review(8),
        dealer=PUNCTUAL,
        now=NOW,
        policy=CYCLE_95,
    )
    assert prompt.explanation.order_up_to == pytest.approx(200 + 1.645 * math.sqrt(600), abs=2)


def test_rate_uncertainty_raises_the_level():
    sure = plan_order(
        "A", rate(2.0), on_hand=0, case_pack=1, review=fixed_review(7), dealer=PUNCTUAL, now=NOW
    )
    unsure = plan_order(
        "A",
        rate(2.0, uncertainty=0.5),
        on_hand=0,
        case_pack=1,
        review=fixed_review(7),
        dealer=PUNCTUAL,
        now=NOW,
    )
    assert unsure.quantity > sure.quantity


def test_late_dealer_needs_more_than_a_punctual_one_with_the_same_promise():
    punctual = plan_order(
        "A",
        rate(3.0),
        on_hand=0,
        case_pack=1,
        review=fixed_review(7),
        dealer=dealer({2: 1.0}),
        now=NOW,
    )
    often_late = plan_order(
        "A",
        rate(3.0),
        on_hand=0,
        case_pack=1,
        review=fixed_review(7),
        dealer=dealer({2: 0.6, 7: 0.4}),
        now=NOW,
    )
    assert often_late.quantity > punctual.quantity
    assert often_late.explanation.dealer.late_share == pytest.approx(0.4)
    assert "40% later than the 2 promised" in often_late.summary


def test_short_shipping_dealer_gets_an_allowance_and_it_is_explained():
    reliable = plan_order(
        "A",
        rate(3.0),
        on_hand=0,
        case_pack=1,
        review=fixed_review(7),
        dealer=dealer({2: 1.0}),
        now=NOW,
    )
    short = plan_order(
        "A",
        rate(3.0),
        on_hand=0,
        case_pack=1,
        review=fixed_review(7),
        dealer=dealer({2: 1.0}, short=0.3),
        now=NOW,
    )
    assert short.quantity > reliable.quantity
    assert short.explanation.short_ship_allowance == short.quantity - (
        short.explanation.order_up_to
    )
    assert "ships short on 30% of lines" in short.summary


def test_skipped_visits_raise_the_level():
    skips = ReviewPeriod(7, VisitPlanSource.GRADE_FREQUENCY, 0.3, ((7, 0.7), (14, 0.3)))
    planned = plan_order(
        "A", rate(3.0), on_hand=0, case_pack=1, review=fixed_review(7), dealer=PUNCTUAL, now=NOW
    )
    stretched = plan_order(
        "A", rate(3.0), on_hand=0, case_pack=1, review=skips, dealer=PUNCTUAL, now=NOW
    )
    assert stretched.quantity > planned.quantity


def test_promotion_in_the_horizon_adds_its_uplift():
    promo = Promotion(date(2025, 4, 2), date(2025, 4, 4), 3.0, "spring")  # days 30–32 of 28–37
    plain = plan_order(
        "A",
        rate(2.0),
        on_hand=0,
        case_pack=1,
        review=fixed_review(7),
        dealer=PUNCTUAL,
        now=NOW,
        policy=CYCLE_95,
    )
    promoted = plan_order(
        "A",
        rate(2.0),
        on_hand=0,
        case_pack=1,
        review=fixed_review(7),
        dealer=PUNCTUAL,
        now=NOW,
        promotions=[promo],
        policy=CYCLE_95,
    )
    (effect,) = promoted.explanation.promotions
    assert effect.label == "spring"
    assert effect.extra_units == pytest.approx(2.0 * 2 * 3)  # 2/day × (3 − 1) × 3 days
    assert promoted.explanation.expected_demand == pytest.approx(18 + 12)
    assert promoted.quantity >= plain.quantity + 12
    assert "Promotion spring (x3) adds ~12" in promoted.summary


def test_uncertain_uplift_asks_for_more_safety():
    sure = Promotion(date(2025, 4, 2), date(2025, 4, 4), 3.0)
    unsure = Promotion(date(2025, 4, 2), date(2025, 4, 4), 3.0, uplift_sd=1.0)
    planned = [
        plan_order("A", rate(2.0), on_hand=0, case_pack=1, review=fixed_review(7),
                   dealer=PUNCTUAL, now=NOW, promotions=[p])
        for p in (sure, unsure)
    ]  # fmt: skip
    assert planned[0].explanation.expected_demand == planned[1].explanation.expected_demand
    assert planned[1].quantity > planned[0].quantity


def test_promotion_after_the_horizon_changes_nothing():
    later = Promotion(date(2025, 5, 1), date(2025, 5, 7), 3.0)
    plain = plan_order(
        "A", rate(2.0), on_hand=0, case_pack=1, review=fixed_review(7), dealer=PUNCTUAL, now=NOW
    )
    with_later = plan_order(
        "A",
        rate(2.0),
        on_hand=0,
        case_pack=1,
        review=fixed_review(7),
        dealer=PUNCTUAL,
        now=NOW,
        promotions=[later],
    )
    assert with_later.quantity == plain.quantity
    assert with_later.explanation.promotions == ()


def test_upward_trend_raises_the_level():
    flat = plan_order(
        "A", rate(4.0), on_hand=0, case_pack=1, review=fixed_review(14), dealer=PUNCTUAL, now=NOW
    )
    rising = plan_order(
        "A",
        rate(4.0, trend=0.01),
        on_hand=0,
        case_pack=1,
        review=fixed_review(14),
        dealer=PUNCTUAL,
        now=NOW,
    )
    assert rising.explanation.expected_demand == pytest.approx(4.0 * (math.exp(0.16) - 1) / 0.01)
    assert rising.quantity > flat.quantity


def test_explanation_carries_every_input():
    promo = Promotion(date(2025, 4, 6), date(2025, 4, 8), 2.0, "spring")
    prompt = plan_order(
        "SKU-7",
        rate(2.0),
        on_hand=6,
        open_orders=[OpenOrder(date(2025, 3, 30), 6)],
        case_pack=6,
        review=fixed_review(7),
        dealer=dealer({2: 0.5, 4: 0.5}),
        now=NOW,
        promotions=[promo],
    )
    e = prompt.explanation
    assert e.sell_rate.daily_rate == 2.0
    assert (e.on_hand, e.on_order, e.on_hand_source) == (6, 6, OnHandSource.COUNTED)
    assert e.days_of_cover == pytest.approx(3.0)
    assert e.review.planned_days == 7
    assert e.dealer.mean_lead_time == pytest.approx(3.0)
    assert e.service_level == 0.95 and e.service_measure is ServiceMeasure.FILL_RATE
    assert e.horizon_days == pytest.approx(10.0)
    assert e.safety_stock == pytest.approx(e.order_up_to - e.expected_demand)
    assert e.need == pytest.approx(e.order_up_to - 6 - 6)
    for text in (
        "Sells 2.0/day",
        "6 on hand",
        "lasts 3.0 days",
        "6 on order",
        "next visit in 7",
        "Promotion spring",
        "95% of demand served",
        f"Order {prompt.quantity}",
    ):
        assert text in prompt.summary


# --- from an item: stock now, robustness, new listings ----------------------------------------


def test_item_counted_today_uses_the_count():
    item = ReorderItem("A", 6, (count(0, 60), count(7, 46), count(14, 32)))
    prompt = prompt_for_item(item, dealer=PUNCTUAL, visits=_visits(at(14)), now=at(14))
    assert prompt.explanation.on_hand == 32
    assert prompt.explanation.on_hand_source is OnHandSource.COUNTED


def test_item_not_counted_today_carries_stock_forward():
    item = ReorderItem("A", 6, (count(0, 60), count(7, 46)), (delivery(10, 12),))
    prompt = prompt_for_item(item, dealer=PUNCTUAL, visits=_visits(at(14)), now=at(14))
    assert prompt.explanation.on_hand == 46 + 12 - 14  # 2/day for 7 days
    assert prompt.explanation.on_hand_source is OnHandSource.PROJECTED
    assert "carried forward from the count of 2025-03-10" in " ".join(prompt.explanation.notes)


def test_item_never_counted_starts_from_its_deliveries():
    prior = SellRatePrior(2.0, 7.0, "peers")
    item = ReorderItem("A", 6, (), (delivery(0, 30),), prior=prior)
    prompt = prompt_for_item(item, dealer=PUNCTUAL, visits=_visits(at(5)), now=at(5, hour=7))
    assert prompt.explanation.on_hand == 30 - 2 * 5
    assert prompt.explanation.on_hand_source is OnHandSource.PROJECTED


def test_suspect_count_is_not_trusted_for_stock_either():
    counts = tuple(count(7 * k, 200 - 14 * k) for k in range(6)) + (count(42, 40),)
    item = ReorderItem("A", 6, counts)
    prompt = prompt_for_item(item, dealer=PUNCTUAL, visits=_visits(at(42)), now=at(42))
    assert prompt.explanation.on_hand == 116
    assert any("please recount" in n for n in prompt.explanation.notes)


def test_new_listing_orders_from_the_prior_and_says_where_it_came_from():
    prior = SellRatePrior(3.0, 7.0, "SKU-1 at 12 grade-A stores")
    item = ReorderItem("A", 6, (count(0, 6),), prior=prior)
    prompt = prompt_for_item(item, dealer=PUNCTUAL, visits=_visits(at(0)), now=at(0))
    assert prompt.quantity > 0
    assert prompt.explanation.sell_rate.source is RateSource.PRIOR
    assert "rate taken from SKU-1 at 12 grade-A stores" in " ".join(prompt.explanation.notes)


def test_no_history_no_prior_orders_nothing_and_says_why():
    item = ReorderItem("A", 6, (count(0, 0),))
    prompt = prompt_for_item(item, dealer=PUNCTUAL, visits=_visits(at(0)), now=at(0))
    assert prompt.quantity == 0
    assert "nothing to base an order on" in " ".join(prompt.explanation.notes)


def test_overdue_order_is_flagged():
    item = ReorderItem(
        "A", 6, (count(0, 60), count(7, 46)), open_orders=(OpenOrder(at(0).date(), 12),)
    )
    prompt = prompt_for_item(item, dealer=PUNCTUAL, visits=_visits(at(7)), now=at(7))
    assert any("chase the dealer" in n for n in prompt.explanation.notes)


def _visits(now: datetime) -> VisitOutlook:
    """Next visit in a week, by the route plan, at a store that is never skipped."""
    return VisitOutlook(now.date() + timedelta(days=7), VisitPlanSource.ROUTE_PLAN, 7, 50, 0)


# --- the dealer's minimum order ---------------------------------------------------------------


def _line(sku: str, on_hand: int, daily: float = 2.0) -> object:
    return plan_order(
        sku,
        rate(daily),
        on_hand=on_hand,
        case_pack=6,
        review=fixed_review(7),
        dealer=PUNCTUAL,
        now=NOW,
    )


def test_minimum_met_changes_nothing():
    lines = [_line("A", 4), _line("B", 4)]  # 3 cases each
    proposal = apply_minimum_order(lines, prices={}, minimum=MinimumOrder(cases=6))
    assert proposal.minimum_effect is MinimumEffect.MET
    assert [p.quantity for p in proposal.prompts] == [18, 18]


def test_urgent_order_below_minimum_is_topped_up_on_the_thinnest_line():
    # A has 4 on hand (urgent: 3 cases), B has 16 (1 case, still covered for a while).
    lines = [_line("A", 4), _line("B", 16)]
    assert [p.cases for p in lines] == [3, 1]
    proposal = apply_minimum_order(lines, prices={}, minimum=MinimumOrder(cases=6))
    assert proposal.minimum_effect is MinimumEffect.TOPPED_UP
    assert sum(p.cases for p in proposal.prompts) == 6
    a, b = proposal.prompts
    assert (a.cases, b.cases) == (4, 2)  # each case goes where cover after the order is lowest
    assert "+1 case of A, +1 case of B" in proposal.minimum_note
    assert proposal.minimum_note in a.summary


def test_small_order_that_can_wait_is_deferred():
    lines = [_line("A", 19)]  # covers the expected 18 over the horizon, not the level 21
    assert lines[0].quantity == 6 and not lines[0].urgent
    proposal = apply_minimum_order(lines, prices={}, minimum=MinimumOrder(cases=3))
    assert proposal.minimum_effect is MinimumEffect.DEFERRED
    (held,) = proposal.prompts
    assert held.action is PromptAction.DEFERRED and held.quantity == 0
    assert "held until then" in held.summary


def test_minimum_value_uses_the_price_list():
    lines = [_line("A", 4)]  # 18 units
    prices = {"A": Decimal("2.50")}
    proposal = apply_minimum_order(lines, prices=prices, minimum=MinimumOrder(value=Decimal(60)))
    (a,) = proposal.prompts
    assert a.quantity == 24  # 18 × 2.50 = 45 < 60; 24 × 2.50 = 60
    assert proposal.minimum_effect is MinimumEffect.TOPPED_UP


def test_minimum_value_without_prices_is_reported_not_guessed():
    lines = [_line("A", 4)]
    proposal = apply_minimum_order(
        lines, prices={"A": None}, minimum=MinimumOrder(value=Decimal(60))
    )
    assert proposal.prompts[0].quantity == 18
    assert "prices missing" in proposal.minimum_note


def test_suggest_reorder_for_a_store():
    items = [
        ReorderItem("A", 6, (count(0, 40), count(7, 26), count(14, 12)), unit_price=Decimal(3)),
        ReorderItem("B", 12, (count(0, 90), count(7, 90), count(14, 90)), unit_price=Decimal(5)),
    ]
    proposal = suggest_reorder(
        items, dealer=PUNCTUAL, visits=_visits(at(14)), now=at(14), minimum=MinimumOrder(cases=1)
    )
    a, b = proposal.prompts
    assert a.action is PromptAction.ORDER and b.action is PromptAction.NOTHING
    assert proposal.lines == (a,)


# --- properties ------------------------------------------------------------------------------

plans = st.fixed_dictionaries(
    {
        "daily": st.floats(0, 40),
        "dispersion": st.floats(1, 6),
        "uncertainty": st.floats(0, 2),
        "case_pack": st.sampled_from([1, 6, 12, 24]),
        "on_order": st.integers(0, 200),
        "lead": st.dictionaries(st.integers(1, 10), st.floats(0.05, 1), min_size=1, max_size=4),
        "review": st.integers(1, 28),
        "short": st.floats(0, 0.5),
        "measure": st.sampled_from(list(ServiceMeasure)),
    }
)


def _plan(p: dict, on_hand: int) -> object:
    total = sum(p["lead"].values())
    supplier = dealer({d: w / total for d, w in p["lead"].items()}, short=p["short"])
    return plan_order(
        "A",
        rate(p["daily"], dispersion=p["dispersion"], uncertainty=p["uncertainty"]),
        on_hand=on_hand,
        open_orders=[OpenOrder(date(2025, 3, 30), p["on_order"])],
        case_pack=p["case_pack"],
        review=fixed_review(p["review"]),
        dealer=supplier,
        now=NOW,
        policy=ReorderPolicy(service_measure=p["measure"]),
    )


@settings(max_examples=60, deadline=None)
@given(plans, st.integers(0, 600))
def test_quantity_is_whole_cases_and_never_negative(p, on_hand):
    prompt = _plan(p, on_hand)
    assert prompt.quantity >= 0
    assert prompt.quantity % p["case_pack"] == 0


@settings(max_examples=60, deadline=None)
@given(plans, st.integers(0, 600), st.integers(0, 600))
def test_more_on_hand_never_orders_more(p, a, b):
    low, high = sorted((a, b))
    assert _plan(p, high).quantity <= _plan(p, low).quantity


def _slow_plan(daily: float, uncertainty: float, case_pack: int) -> dict:
    return {
        "daily": daily,
        "dispersion": 1.4826,
        "uncertainty": uncertainty,
        "case_pack": case_pack,
        "on_order": 180,
        "lead": {4: 1.0},
        "review": 5,
        "short": 0.0,
        "measure": ServiceMeasure.FILL_RATE,
    }


# A mean so small that P(D <= k) rounds to 1 minus noise: the fill rate once came from
# mean − s + sum P(D <= k), which cancelled to nothing and ordered 12 reaching 77 %.
@example(_slow_plan(1e-12, 1.6387805566083018e-13, 6), 5)
# Rate uncertainty far above the rate: most of the mean lies past the exact terms; the residual
# was never worked off and the search ordered its limit, 200 010 units, reaching 90 %.
@example({**_slow_plan(6.103515625e-05, 1.6937308303103156, 6), "lead": {1: 1.0}, "review": 1}, 7)
@settings(max_examples=60, deadline=None)
@given(plans, st.integers(0, 300))
def test_quantity_is_the_fewest_cases_that_reach_the_target(p, on_hand):
    whole = {**p, "short": 0.0}  # every ordered unit arrives: one case less is exactly on hand
    prompt = _plan(whole, on_hand)
    if prompt.quantity > 0:
        assert prompt.explanation.expected_service >= 0.95 - 1e-9
        one_case_short = on_hand + prompt.quantity - p["case_pack"]
        assert _plan(whole, one_case_short).quantity > 0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 60), min_size=2, max_size=12),
    st.lists(st.tuples(st.integers(0, 80), st.integers(0, 60)), max_size=6),
)
def test_sell_rate_is_never_negative_and_keeps_the_latest_count(levels, deliveries):
    counts = [count(7 * k, n) for k, n in enumerate(levels)]
    arrived = [delivery(d, q) for d, q in deliveries]
    estimate = estimate_sell_rate(counts, arrived, now=at(7 * len(levels)))
    assert estimate.daily_rate >= 0
    assert estimate.rate_variance >= 0
    assert estimate.dispersion >= 1
    assert at(7 * (len(levels) - 1)) not in estimate.discarded_counts
