"""`make bench-sync`: sync throughput and briefing latency on a fresh PostgreSQL database.

Builds a city (reps, ~420 stores, products, promotions) with 8 weeks of visit history, then
- POST /api/v1/sync: each rep sends a realistic day (~20 visits, ~300 operations) once,
  then the same batches again (all duplicates): operations per second;
- GET /api/v1/stores/{id}/briefing for random stores: p50 / p99 latency.
Requests go through Flask's test client (the app and the database, without a network).
Database: FIELDSALES_BENCH_DATABASE_URL (dropped and re-created), default below."""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.day_batch import StoreSpot, day_batch
from fieldsales import create_app, db, security
from fieldsales.db.models import (
    Dealer,
    Product,
    Promotion,
    PromotionGift,
    Store,
    Team,
    User,
)
from fieldsales.domain.types import GiftAllocation, Grade, PaymentTerms, Role
from fieldsales.services.demo_history import load_visit_history

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fieldsales_bench_sync"
REPS = 12
STORES = 420
PRODUCTS = 30
SYNC_BATCHES = 8
BRIEFINGS = 400
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fresh_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        cfg = Config(os.path.join(ROOT, "alembic.ini"))
        cfg.attributes["configure_logger"] = False
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    engine.dispose()


def build_city(rng: random.Random, today: date) -> tuple[list[User], dict[Any, list[Store]]]:
    session = db.session
    password_hash = security.hash_password("bench-password")
    supervisor = User(
        username="sup", display_name="Sup", password_hash=password_hash, role=Role.SUPERVISOR
    )
    session.add(supervisor)
    session.flush()
    team = Team(name="Bench team", supervisor_id=supervisor.id)
    session.add(team)
    session.flush()
    reps = [
        User(
            username=f"rep{i:02d}",
            display_name=f"Rep {i}",
            password_hash=password_hash,
            role=Role.REP,
            team_id=team.id,
        )
        for i in range(REPS)
    ]
    dealers = [
        Dealer(
            code=f"D{i}",
            name=f"Dealer {i}",
            region="city",
            lead_time_days=2,
            minimum_order=Decimal("200.00"),
        )
        for i in range(6)
    ]
    products = [
        Product(sku=f"SKU{i:03d}", name=f"Product {i}", case_pack=12) for i in range(PRODUCTS)
    ]
    session.add_all([*reps, *dealers, *products])
    session.flush()
    by_rep: dict[Any, list[Store]] = {r.id: [] for r in reps}
    for i in range(STORES):
        rep = reps[i % REPS]
        store = Store(
            code=f"S{i:04d}",
            name=f"Store {i}",
            address=f"{i} Bench Road",
            region="city",
            lat=31.15 + rng.uniform(0, 0.15),
            lon=121.35 + rng.uniform(0, 0.2),
            timezone="Asia/Shanghai",
            grade=rng.choices([Grade.A, Grade.B, Grade.C], weights=[2, 3, 5])[0],
            owner_windows=[{"weekday": d, "start": "09:00", "end": "09:30"} for d in range(6)],
            opening_hours=[],
            dwell_minutes=rng.choice((15, 20, 25)),
            geofence_radius_m=150,
            dealer_id=dealers[i % len(dealers)].id,
            rep_id=rep.id,
            payment_terms=rng.choice([PaymentTerms.MONTHLY, PaymentTerms.PREPAID]),
            credit_limit=Decimal("5000.00"),
            balance_owed=Decimal(rng.randint(0, 400) * 10),
        )
        session.add(store)
        by_rep[rep.id].append(store)
    for i in range(6):
        promo = Promotion(
            name=f"Promo {i}",
            mechanics="Buy 10 get 1",
            starts_on=today - timedelta(days=10),
            ends_on=today + timedelta(days=10 + i),
            products=rng.sample(products, 3),
        )
        promo.gifts = [
            PromotionGift(
                description="Umbrella",
                quantity=100,
                arrives_on=today + timedelta(days=i - 3),
                allocation=GiftAllocation.EQUAL,
            )
        ]
        session.add(promo)
    session.commit()
    return reps, by_rep


def headers(user: User, secret: str) -> dict[str, str]:
    token = security.issue_access_token(
        user_id=user.id, role=user.role, secret=secret, now=datetime.now(UTC), ttl_s=3600
    )
    return {"Authorization": f"Bearer {token}"}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    url = os.environ.get("FIELDSALES_BENCH_DATABASE_URL", DEFAULT_URL)
    rng = random.Random(2026)  # not the history's seed: its ids come from the same stream
    today = datetime.now(UTC).date()
    t0 = time.perf_counter()
    fresh_database(url)
    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    secret = app.config["SECRET_KEY"]
    rows: list[tuple[str, str]] = []
    with app.app_context():
        reps, by_rep = build_city(rng, today)
        t = time.perf_counter()
        summary = load_visit_history(db.session, seed=7, weeks=8, today=today)
        db.session.commit()
        rows.append(
            (f"demo history (8 weeks, {STORES} stores)", f"{time.perf_counter() - t:.1f} s")
        )
        products = [p.id for p in db.session.query(Product).order_by(Product.sku)]
        batches = []
        for rep in reps[:SYNC_BATCHES]:
            stores = by_rep[rep.id][:20]
            spots = [StoreSpot(s.id, s.lat, s.lon) for s in stores]
            start = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)
            batches.append((rep, day_batch(spots, products, start=start, rng=rng)))
        store_owners = [(s.id, rep) for rep in reps for s in by_rep[rep.id]]
        db.session.remove()

    client = app.test_client()
    for label in ("first time", "replayed (duplicates)"):
        ops, elapsed, per_batch = 0, 0.0, []
        for rep, items in batches:
            body = {"sent_at": datetime.now(UTC).isoformat(), "items": items}
            t = time.perf_counter()
            rv = client.post("/api/v1/sync", json=body, headers=headers(rep, secret))
            took = time.perf_counter() - t
            assert rv.status_code == 200, rv.get_json()
            expected = "applied" if label == "first time" else "duplicate"
            assert rv.get_json()["counts"][expected] == len(items), [
                (r["op"], r["problem"]) for r in rv.get_json()["items"] if r["problem"]
            ][:5]
            ops += len(items)
            elapsed += took
            per_batch.append(took)
        rows.append(
            (
                f"sync {label}: {len(batches)} batches, {ops // len(batches)} ops each",
                f"{ops / elapsed:,.0f} ops/s "
                f"(batch p50 {statistics.median(per_batch) * 1000:.0f} ms)",
            )
        )

    latencies = []
    for store_id, rep in rng.choices(store_owners, k=BRIEFINGS):
        auth = headers(rep, secret)
        t = time.perf_counter()
        rv = client.get(f"/api/v1/stores/{store_id}/briefing", headers=auth)
        latencies.append(time.perf_counter() - t)
        assert rv.status_code == 200
    rows.append(
        (
            f"briefing latency ({BRIEFINGS} requests)",
            f"p50 {percentile(latencies, 50) * 1000:.1f} ms, "
            f"p99 {percentile(latencies, 99) * 1000:.1f} ms",
        )
    )
    rows.append(("total run time", f"{time.perf_counter() - t0:.0f} s"))

    print(summary)
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)} | result")
    print(f"{'-' * width}-+-{'-' * 40}")
    for name, value in rows:
        print(f"{name.ljust(width)} | {value}")


if __name__ == "__main__":
    main()
