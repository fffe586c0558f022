"""Defaults for every setting. Each can be overridden by a FIELDSALES_<NAME> environment
variable (values are parsed as JSON when they can be: FIELDSALES_JWT_ACCESS_TTL_S=600)."""

from __future__ import annotations

# Refused when ENV is "production": a deployment must set its own secret.
DEV_SECRET_KEY = "dev-only-insecure-secret-change-me"


class DefaultConfig:
    ENV = "development"
    SECRET_KEY = DEV_SECRET_KEY

    # Database
    DATABASE_URL = "sqlite:///var/fieldsales.db"

    # OpenAPI / docs
    API_TITLE = "fieldsales"
    API_VERSION = "1.0"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/"
    API_SPEC_OPTIONS = {
        "info": {
            "description": "Field sales backend: master data, route plans, visits, POP photos, "
            "reorders and dealer scorecards. Errors are RFC 9457 application/problem+json.",
        },
        "security": [{"bearerAuth": []}],
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
        },
    }

    # Request bodies larger than this get a 413 problem (a day's sync batch is well below).
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    # CSV imports (stores, products): larger files get a 413 problem; split them.
    IMPORT_MAX_BYTES = 2 * 1024 * 1024
    IMPORT_MAX_ROWS = 5000

    # Auth
    JWT_ACCESS_TTL_S = 15 * 60
    REFRESH_TTL_S = 30 * 24 * 3600
    LOGIN_MAX_FAILURES = 5
    LOGIN_WINDOW_S = 15 * 60

    # S3-compatible photo storage (boto3). endpoint None = AWS.
    S3_ENDPOINT_URL: str | None = None
    S3_REGION = "us-east-1"
    S3_BUCKET = "fieldsales-photos"
    S3_ACCESS_KEY_ID: str | None = None  # None: boto3's default credential chain
    S3_SECRET_ACCESS_KEY: str | None = None
    S3_ADDRESSING_STYLE = "auto"
    S3_CORS_ORIGINS: list[str] = []  # e.g. ["https://app.example.com"]; empty: CORS untouched
    PHOTOS_URL_TTL_S = 600  # presigned download URLs (review queue)
    PHOTOS_UPLOAD_TTL_S = 600  # presigned upload slots
    PHOTOS_MAX_BYTES = 15 * 1024 * 1024
    PHOTOS_MAX_PIXELS = 64_000_000  # decompression-bomb guard
    PHOTOS_ALLOWED_TYPES = ["image/jpeg", "image/png", "image/webp", "image/heic"]
    # A PUT started just before its slot expired may still be arriving: completion and the
    # expiry sweep wait this much longer.
    PHOTOS_COMPLETION_GRACE_S = 900
    PHOTOS_LATE_UPLOAD_S = 24 * 3600  # photos may be added this long after check-out
    # Fraud flags (they rank the review queue, never refuse a photo).
    PHOTOS_EXIF_TIME_TOLERANCE_S = 3600  # EXIF capture time this far outside the visit
    PHOTOS_EXIF_GPS_TOLERANCE_M = 500  # EXIF position this far from the store
    PHOTOS_NEAR_DUPLICATE_MAX_DISTANCE = 10  # perceptual-hash bits (of 64)
    PHOTOS_NEAR_DUPLICATE_LOOKBACK_DAYS = 90

    # Background work: inline in the embedded default, RQ on Redis in production.
    JOBS_INLINE = True
    REDIS_URL = "redis://127.0.0.1:6379/0"

    # Visit cadence by grade (days between visits), used for "due" and "overdue".
    VISIT_FREQUENCY_DAYS = {"A": 7, "B": 14, "C": 30}
    # Coverage report: visits each rep is expected to make per week (Mon–Fri).
    VISITS_PER_WEEK_TARGET = 80

    # Route planning. Travel: great circle x circuity / speed, per store region if listed
    # ({"north": {"speed_kmh": 20, "circuity_factor": 1.4}}); with ROUTE_OSRM_URL set, any
    # OSRM-compatible table service, falling back to the estimate (recorded on the plan).
    ROUTE_SPEED_KMH = 25.0
    ROUTE_CIRCUITY_FACTOR = 1.3
    ROUTE_TRAVEL_BY_REGION: dict[str, dict[str, float]] = {}
    ROUTE_OSRM_URL: str | None = None
    ROUTE_OSRM_PROFILE = "driving"
    ROUTE_OSRM_TIMEOUT_S = 2.0
    ROUTE_TIME_LIMIT_MS = 60  # solver budget per plan; see the route-plans design notes
    ROUTE_MAX_STOPS = 60  # automatic choice: at most this many stores considered
    # Dwell: the median of a store's last ROUTE_DWELL_RECENT_VISITS visit durations once it
    # has ROUTE_DWELL_MIN_VISITS of them, else the store's dwell setting.
    ROUTE_DWELL_MIN_VISITS = 5
    ROUTE_DWELL_RECENT_VISITS = 10

    # Check-ins are stored whatever the position, but flagged beyond these.
    CHECKIN_MAX_ACCURACY_M = 100
    CHECKIN_MAX_FIX_AGE_S = 120
    CHECKIN_MAX_CLOCK_SKEW_S = 300
    # A record made on the phone this long after its visit's check-out still belongs to it.
    VISIT_LATE_RECORD_GRACE_S = 1800
    # How long a POST's Idempotency-Key is remembered (its response replayed).
    IDEMPOTENCY_KEY_TTL_S = 24 * 3600

    # Reorder prompts: target fill rate of the order-up-to policy (share of demand served).
    REORDER_SERVICE_LEVEL = 0.95
    # Dealer webhooks: request timeout, and retry back-off (base doubling up to the cap;
    # a delivery is retried until the receiver takes it, never dropped).
    WEBHOOK_TIMEOUT_S = 5.0
    WEBHOOK_BACKOFF_BASE_S = 10.0
    WEBHOOK_BACKOFF_MAX_S = 3600.0
    # Loopback, private and link-local webhook URLs are refused (SSRF) unless this is on
    # (a dealer's test receiver on the same machine, in development and the tests).
    WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    # Dealer scorecards: the calendar (IANA zone) whose weeks, months and quarters they cover.
    SCORECARD_TIMEZONE = "Asia/Shanghai"

    LOG_LEVEL = "INFO"
    LOG_JSON = True
