"""ORM records, one module per area. Importing this package registers every table."""

from fieldsales.db.models.accounts import LoginAttempt, RefreshToken, Team, User
from fieldsales.db.models.master import (
    Dealer,
    Price,
    Product,
    Promotion,
    PromotionGift,
    PromotionTarget,
    Store,
    promotion_products,
    promotion_stores,
)
from fieldsales.db.models.photos import Photo, PhotoReview
from fieldsales.db.models.reorders import (
    DealerWebhook,
    PromptDecision,
    ReorderDelivery,
    ReorderRequest,
    ReorderRequestEvent,
    ReorderRequestLine,
    WebhookDelivery,
)
from fieldsales.db.models.routes import RoutePlan, RoutePlanDrop, RoutePlanStop
from fieldsales.db.models.scorecards import ScorecardWeight, StoredScorecard
from fieldsales.db.models.visits import (
    IdempotencyKey,
    Observation,
    Payment,
    Problem,
    SkippedVisit,
    StockCount,
    Training,
    Visit,
    VisitPurpose,
)

__all__ = [
    "ScorecardWeight",
    "StoredScorecard",
    "Dealer",
    "DealerWebhook",
    "PromptDecision",
    "ReorderDelivery",
    "ReorderRequest",
    "ReorderRequestEvent",
    "ReorderRequestLine",
    "WebhookDelivery",
    "IdempotencyKey",
    "Observation",
    "Payment",
    "Photo",
    "PhotoReview",
    "Problem",
    "RoutePlan",
    "RoutePlanDrop",
    "RoutePlanStop",
    "SkippedVisit",
    "StockCount",
    "Training",
    "Visit",
    "VisitPurpose",
    "LoginAttempt",
    "Price",
    "Product",
    "Promotion",
    "PromotionGift",
    "PromotionTarget",
    "RefreshToken",
    "Store",
    "Team",
    "User",
    "promotion_products",
    "promotion_stores",
]
