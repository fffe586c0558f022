"""Reorder prompts: sell rates from stock counts, and an order-up-to policy that explains itself.

Pure: stdlib only, frozen dataclasses in and out, `now` passed in. The service loads counts,
deliveries, dealer history, route plans and promotions and calls `suggest_reorder`.
"""

from fieldsales.domain.reorder.dealer import DealerProfile, SupplyRecord, profile_dealer
from fieldsales.domain.reorder.horizon import HorizonDemand, horizon_demand
from fieldsales.domain.reorder.policy import (
    DEFAULT_POLICY,
    MinimumEffect,
    MinimumOrder,
    OnHandSource,
    OpenOrder,
    PromotionEffect,
    PromptAction,
    PromptExplanation,
    ReorderItem,
    ReorderPolicy,
    ReorderPrompt,
    ReorderProposal,
    ServiceMeasure,
    apply_minimum_order,
    current_stock,
    plan_order,
    prompt_for_item,
    suggest_reorder,
)
from fieldsales.domain.reorder.promotions import Promotion, demand_days
from fieldsales.domain.reorder.review import (
    ReviewPeriod,
    VisitOutlook,
    VisitPlanSource,
    review_period,
)
from fieldsales.domain.reorder.sell_rate import (
    Delivery,
    RateSource,
    SellRate,
    SellRatePrior,
    StockCount,
    estimate_sell_rate,
    prior_from_peers,
)

__all__ = [
    "DEFAULT_POLICY",
    "DealerProfile",
    "Delivery",
    "HorizonDemand",
    "MinimumEffect",
    "MinimumOrder",
    "OnHandSource",
    "OpenOrder",
    "Promotion",
    "PromotionEffect",
    "PromptAction",
    "PromptExplanation",
    "RateSource",
    "ReorderItem",
    "ReorderPolicy",
    "ReorderPrompt",
    "ReorderProposal",
    "ReviewPeriod",
    "ServiceMeasure",
    "SellRate",
    "SellRatePrior",
    "StockCount",
    "SupplyRecord",
    "VisitOutlook",
    "VisitPlanSource",
    "apply_minimum_order",
    "current_stock",
    "demand_days",
    "estimate_sell_rate",
    "horizon_demand",
    "plan_order",
    "prior_from_peers",
    "profile_dealer",
    "prompt_for_item",
    "review_period",
    "suggest_reorder",
]
