"""`make bench-scorecards`: dealer scorecards on a year of records for a national sales force.

Generates, set-based on PostgreSQL (INSERT ... SELECT over generate_series, seeded random()),
50 dealers in 5 regions, 5,000 stores, 100 products, 1M visits over the last 365 days,
5M stock counts (5 per visit, ~3% at zero), 200k reorder requests (400k lines) in every
workflow state, 500k POP photos (most reviewed) and 50k problems (a third attributed to a
dealer); then times, with a warm cache, median of RUNS:
- every dealer's figures for the last closed quarter (the SQL alone, and the stored-scorecard
  job that writes them);
- GET /api/v1/dealer-scorecards for that quarter when it is not stored yet (two quarters:
  it and the one before) and once it is stored;
- one dealer's current month: the SQL alone and GET /api/v1/dealers/{id}/scorecard.
Database: FIELDSALES_BENCH_DATABASE_URL (dropped and re-created), default below;
FIELDSALES_BENCH_REUSE=1 measures again on the data already generated."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bench.sync import fresh_database
from fieldsales import create_app, db, security
from fieldsales.domain.periods import PeriodKind, period_containing
from fieldsales.domain.types import Role
from fieldsales.services import scorecards
from fieldsales.services.scorecard_sql import Window, compute_figures

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fs_bench_scorecards"
TIMEZONE = "Asia/Shanghai"
RUNS = 5
SIZES = {
    "dealers": 50,
    "stores": 5_000,
    "reps": 200,
    "products": 100,
    "visits": 1_000_000,
    "stock_counts_per_visit": 5,
    "requests": 200_000,  # every 5th visit
    "photos": 500_000,  # every 2nd visit
    "problems": 50_000,  # every 20th visit
}

# Each step is one statement; {now} is the generation instant. Temp tables number the rows
# so later steps can join on a plain integer.
GENERATE = [
    "SELECT setseed(0.42)",
    """INSERT INTO dealers (id, code, name, region, lead_time_days, minimum_order)
       SELECT gen_random_uuid(), 'D' || lpad(n::text, 3, '0'), 'Dealer ' || n,
              'region-' || (n % 5), 2 + n % 3, 100
       FROM generate_series(0, {dealers} - 1) n""",
    """CREATE TEMP TABLE b_dealers AS
       SELECT row_number() OVER (ORDER BY code) - 1 AS n, id FROM dealers""",
    """INSERT INTO users (id, username, display_name, password_hash, role)
       SELECT gen_random_uuid(), 'rep' || n, 'Rep ' || n, 'x', 'rep'
       FROM generate_series(0, {reps} - 1) n""",
    """CREATE TEMP TABLE b_reps AS
       SELECT row_number() OVER (ORDER BY username) - 1 AS n, id FROM users WHERE role = 'rep'""",
    """INSERT INTO products (id, sku, name, case_pack)
       SELECT gen_random_uuid(), 'SKU' || n, 'Product ' || n, 12
       FROM generate_series(0, {products} - 1) n""",
    """CREATE TEMP TABLE b_products AS
       SELECT row_number() OVER (ORDER BY sku) - 1 AS n, id FROM products""",
    """CREATE TEMP TABLE b_stores AS
       SELECT g.i AS n, gen_random_uuid() AS id, d.id AS dealer_id, r.id AS rep_id
       FROM generate_series(0, {stores} - 1) AS g(i)
       JOIN b_dealers d ON d.n = g.i % {dealers}
       JOIN b_reps r ON r.n = g.i % {reps}""",
    """INSERT INTO stores (id, code, name, address, region, lat, lon, timezone, grade,
              owner_windows, opening_hours, dwell_minutes, appointment_required,
              geofence_radius_m, dealer_id, rep_id, payment_terms, credit_limit, balance_owed)
       SELECT id, 'S' || n, 'Store ' || n, n || ' Street', 'region-' || (n % {dealers} % 5),
              31 + random(), 121 + random(), 'Asia/Shanghai', 'B', '[]', '[]', 20, false, 150,
              dealer_id, rep_id, 'monthly', 5000, 0
       FROM b_stores""",
    # Visits spread evenly over the last 365 days (about 31.5 s apart), random stores.
    """CREATE TEMP TABLE b_visits AS
       SELECT g.i AS n, gen_random_uuid() AS id, s.id AS store_id, s.rep_id,
              TIMESTAMPTZ '{now}' - make_interval(secs => g.i * 31.536) AS at
       FROM generate_series(0, {visits} - 1) AS g(i)
       JOIN b_stores s ON s.n = (hashint4(g.i) & 2147483647) % {stores}""",
    "ALTER TABLE b_visits ADD PRIMARY KEY (n)",
    """INSERT INTO visits (id, rep_id, store_id, planned, local_day, clock_offset_s,
              payload_hash, checked_in_at, checkin_received_at, checkin_lat, checkin_lon,
              checkin_accuracy_m, checkin_fix_age_s, checkin_mock, checkin_distance_m,
              checkin_flags, checkout_flags, flagged, checked_out_at, checkout_received_at)
       SELECT id, rep_id, store_id, true, (at AT TIME ZONE 'Asia/Shanghai')::date, 0, 'x', at,
              at, 31, 121, 10, 0, false, 5, '[]', '[]', false, at + interval '20 minutes',
              at + interval '20 minutes'
       FROM b_visits""",
    """INSERT INTO stock_counts (id, visit_id, store_id, product_id, shelf_qty, backroom_qty,
              recorded_at, received_at, payload_hash)
       SELECT gen_random_uuid(), v.id, v.store_id, p.id,
              CASE WHEN random() < 0.03 THEN 0 ELSE 1 + (random() * 20)::int END, 0,
              v.at, v.at, 'x'
       FROM b_visits v CROSS JOIN generate_series(0, {stock_counts_per_visit} - 1) k
       JOIN b_products p ON p.n = (v.n * 7 + k * 13) % {products}""",
    # Requests: every 5th visit. The state depends on a die roll and on age (recent ones
    # are still in flight).
    """CREATE TEMP TABLE b_requests AS
       SELECT v.n, gen_random_uuid() AS id, v.id AS visit_id, v.store_id, v.rep_id,
              s.dealer_id, v.at + interval '10 minutes' AS submitted_at, random() AS roll,
              1 + (random() * 30)::int AS ack_h, (random() * 4)::int - 1 AS late_days
       FROM b_visits v JOIN b_stores s ON s.id = v.store_id
       WHERE v.n % 5 = 0""",
    """INSERT INTO reorder_requests (id, store_id, dealer_id, rep_id, visit_id, status,
              recorded_at, received_at, payload_hash, submitted_at, acknowledged_at,
              confirmed_at, promised_delivery_on, first_delivery_at, delivered_at,
              cannot_fill_at, cannot_fill_reason, rejected_at, total, total_mismatch)
       SELECT id, store_id, dealer_id, rep_id, visit_id, st.status, submitted_at, submitted_at,
              'x', submitted_at,
              CASE WHEN st.status <> 'submitted'
                   THEN submitted_at + make_interval(hours => ack_h) END,
              CASE WHEN st.status IN ('confirmed', 'delivered', 'partially_delivered')
                   THEN submitted_at + make_interval(hours => ack_h + 1) END,
              CASE WHEN st.status IN ('confirmed', 'delivered', 'partially_delivered')
                   THEN (submitted_at AT TIME ZONE 'Asia/Shanghai')::date + 3 END,
              CASE WHEN st.status IN ('delivered', 'partially_delivered')
                   THEN submitted_at + make_interval(days => 3 + late_days) END,
              CASE WHEN st.status = 'delivered'
                   THEN submitted_at + make_interval(days => 3 + late_days) END,
              CASE WHEN st.status = 'cannot_fill'
                   THEN submitted_at + make_interval(hours => ack_h + 2) END,
              CASE WHEN st.status = 'cannot_fill'
                   THEN (ARRAY['out of stock', 'truck broke down', 'discontinued'])[1 + n % 3] END,
              CASE WHEN st.status = 'rejected'
                   THEN submitted_at + make_interval(hours => ack_h) END,
              100, false
       FROM b_requests,
       LATERAL (SELECT CASE
           WHEN submitted_at > TIMESTAMPTZ '{now}' - interval '2 days' THEN 'submitted'
           WHEN submitted_at > TIMESTAMPTZ '{now}' - interval '5 days' THEN 'confirmed'
           WHEN roll < 0.80 THEN 'delivered'
           WHEN roll < 0.88 THEN 'partially_delivered'
           WHEN roll < 0.94 THEN 'cannot_fill'
           WHEN roll < 0.97 THEN 'rejected'
           ELSE 'cancelled' END AS status) st""",
    """INSERT INTO reorder_request_lines (id, request_id, position, product_id, quantity,
              cases, case_pack, unit_price, price_valid_from, line_total, delivered_quantity)
       SELECT gen_random_uuid(), r.id, k, p.id, 24, 2, 12, 2.5, DATE '2026-01-01', 60,
              CASE r2.status WHEN 'delivered' THEN 24
                             WHEN 'partially_delivered' THEN 12 * k ELSE 0 END
       FROM b_requests r JOIN reorder_requests r2 ON r2.id = r.id
       CROSS JOIN generate_series(0, 1) k
       JOIN b_products p ON p.n = (r.n * 7 + k * 13) % {products}""",
    """INSERT INTO photos (id, visit_id, rep_id, store_id, local_day, kind, content_type,
              byte_size, sha256, taken_at, payload_hash, object_id, object_key,
              upload_expires_at, status, flags, risk_score, review_status, compliance_score)
       SELECT gen_random_uuid(), v.id, v.rep_id, v.store_id,
              (v.at AT TIME ZONE 'Asia/Shanghai')::date, 'our_pop', 'image/jpeg', 1000, 'x',
              v.at, 'x', gen_random_uuid(), 'k', v.at, 'processed', '[]', 0, rv.status,
              CASE WHEN rv.status = 'pending' THEN NULL ELSE (40 + random() * 60)::int END
       FROM b_visits v,
       LATERAL (SELECT (ARRAY['approved', 'approved', 'approved', 'rejected', 'retake',
                              'pending'])[1 + (v.n / 2) % 6] AS status) rv
       WHERE v.n % 2 = 0""",
    """INSERT INTO problems (id, visit_id, store_id, rep_id, category, what, needs_support,
              status, solved_on_spot, dealer_id, recorded_at, received_at, payload_hash,
              resolved_at)
       SELECT gen_random_uuid(), v.id, v.store_id, v.rep_id, 'dealer_service', 'late', false,
              CASE WHEN v.n % 40 = 0 THEN 'solved' ELSE 'open' END, false,
              CASE WHEN v.n % 60 = 0 THEN s.dealer_id END, v.at, v.at, 'x',
              CASE WHEN v.n % 40 = 0 THEN v.at + make_interval(hours => v.n % 300) END
       FROM b_visits v JOIN b_stores s ON s.id = v.store_id
       WHERE v.n % 20 = 0""",
]

COUNTED = [
    "dealers",
    "stores",
    "visits",
    "stock_counts",
    "reorder_requests",
    "reorder_request_lines",
    "photos",
    "problems",
]


BULK_TABLES = ("visits", "stock_counts", "reorder_requests", "reorder_request_lines", "photos")


def generate(engine: Engine, now: datetime) -> float:
    """Bulk load the way one would restore a dump: foreign-key triggers off for this session
    and secondary indexes built once at the end, not maintained row by row."""
    started = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(text("SET session_replication_role = replica"))
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        indexes = conn.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.tablename = ANY(:tables) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            ),
            {"tables": list(BULK_TABLES)},
        ).all()
        for name, _definition in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        for step in GENERATE:
            conn.execute(text(step.format(now=now.isoformat(), **SIZES)))
        for _name, definition in indexes:
            conn.execute(text(definition))
        conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def timed(fn: Callable[[], Any], runs: int = RUNS) -> tuple[float, float]:
    """Median and worst wall time in ms, after one warm-up run."""
    fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    url = os.environ.get("FIELDSALES_BENCH_DATABASE_URL", DEFAULT_URL)
    now = datetime.now(UTC).replace(microsecond=0)
    if os.environ.get("FIELDSALES_BENCH_REUSE"):  # measure again on the data already there
        engine, generation_s = create_engine(url), 0.0
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM stored_scorecards"))
            conn.execute(text("DELETE FROM users WHERE username = 'bench-admin'"))
    else:
        fresh_database(url)
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        generation_s = generate(engine, now)
    with engine.connect() as conn:
        sizes = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in COUNTED}
        dealer_id = conn.scalar(text("SELECT id FROM dealers ORDER BY code LIMIT 1"))
    engine.dispose()

    app = create_app({"DATABASE_URL": url, "SCORECARD_TIMEZONE": TIMEZONE, "LOG_LEVEL": "ERROR"})
    clock = scorecards.Clock(now, TIMEZONE)
    quarter = scorecards.last_closed(PeriodKind.QUARTER, clock.today)
    month = period_containing(PeriodKind.MONTH, clock.today)
    results: list[tuple[str, float, float, str]] = []
    with app.app_context():
        session = db.session
        admin_id = uuid.uuid4()
        token = security.issue_access_token(
            user_id=admin_id, role=Role.ADMIN, secret=app.config["SECRET_KEY"], now=now, ttl_s=3600
        )
        session.execute(
            text(
                "INSERT INTO users (id, username, display_name, password_hash, role) "
                "VALUES (:id, 'bench-admin', 'Bench admin', 'x', 'admin')"
            ),
            {"id": admin_id},
        )
        session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        quarter_args = {"period": "quarter", "date": quarter.start.isoformat()}

        def all_dealers_quarter_sql() -> None:
            compute_figures(session, Window.of(quarter, now=now, timezone=TIMEZONE), None)
            session.rollback()  # one transaction per computation, as in a request

        def one_dealer_month_sql() -> None:
            compute_figures(session, Window.of(month, now=now, timezone=TIMEZONE), [dealer_id])
            session.rollback()

        def get(path: str, **query: str) -> Callable[[], None]:
            def call() -> None:
                rv = client.get(path, query_string=query, headers=headers)
                assert rv.status_code == 200, rv.get_data(as_text=True)[:300]

            return call

        results.append(
            (f"all 50 dealers, quarter {quarter.key}: SQL", *timed(all_dealers_quarter_sql), "10 s")
        )

        def store_job() -> None:
            scorecards.store_closed_period(session, quarter, clock=clock)
            session.commit()

        results.append(
            (f"job: store quarter {quarter.key} (all dealers)", *timed(store_job, 3), "")
        )
        session.execute(text("DELETE FROM stored_scorecards"))
        session.commit()
        ranking = get("/api/v1/dealer-scorecards", **quarter_args)
        results.append((f"GET ranking {quarter.key} (+ previous), not stored", *timed(ranking), ""))
        scorecards.store_closed_period(session, quarter, clock=clock)
        scorecards.store_closed_period(session, quarter.previous(), clock=clock)
        session.commit()
        results.append((f"GET ranking {quarter.key}, it and previous stored", *timed(ranking), ""))
        # The previous month is what a current-month scorecard compares with: store it too.
        scorecards.store_closed_period(session, month.previous(), clock=clock)
        session.commit()
        results.append((f"one dealer, month {month.key}: SQL", *timed(one_dealer_month_sql), ""))
        card = get(f"/api/v1/dealers/{dealer_id}/scorecard", period="month")
        results.append((f"GET one dealer's scorecard {month.key}", *timed(card), "300 ms"))
        evidence = get(
            f"/api/v1/dealers/{dealer_id}/scorecard/evidence",
            period="month",
            metric="dealer_stockout_rate",
        )
        results.append(("GET evidence page (stock-outs, month)", *timed(evidence), ""))
    print_report(sizes, generation_s, results)


def print_report(
    sizes: dict[str, int], generation_s: float, results: list[tuple[str, float, float, str]]
) -> None:
    print(f"\nscorecards bench on {os.cpu_count()} CPUs (generated in {generation_s:.0f} s)\n")
    print(f"{'table':<24}{'rows':>12}")
    for table, count in sizes.items():
        print(f"{table:<24}{count:>12,}")
    print(f"\n{'measurement':<52}{'median ms':>11}{'max ms':>10}{'target':>9}")
    for label, median, worst, target in results:
        print(f"{label:<52}{median:>11.0f}{worst:>10.0f}{target:>9}")


if __name__ == "__main__":
    main()
