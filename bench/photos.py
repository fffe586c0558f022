"""`make bench-photos`: photo completion and processing throughput, and review-queue latency.

On a fresh PostgreSQL database and a real local S3 server (MiniStack, AUTH on, loopback):
1. Each of PHOTOS ~3 MB camera JPEGs is uploaded by a presigned PUT (as a phone would),
   then completed and processed the way the API and a worker do it, one after the other in
   one process (= one worker): completion (HEAD, GET + SHA-256, verified decode) and
   processing (GET, decode, thumbnail PUT, EXIF, perceptual hash, duplicate search) are
   timed separately.
2. QUEUE_PHOTOS processed photos are bulk-inserted; a supervisor pages the review queue
   (50 per page, each with two presigned URLs) through the test client: p50 / p95.
Database: FIELDSALES_BENCH_DATABASE_URL (dropped and re-created), default below."""

from __future__ import annotations

import hashlib
import io
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import requests
from PIL import Image
from sqlalchemy import insert, select, text

from bench.sync import fresh_database, headers, percentile
from fieldsales import create_app, db, jobs, security
from fieldsales.db.models import Photo, Store, Team, User, Visit
from fieldsales.domain.photos import PhotoKind, PhotoStatus, ReviewStatus
from fieldsales.domain.types import Actor, Grade, PaymentTerms, Role
from fieldsales.services import photos
from fieldsales.storage import get_photo_store
from fieldsales.storage.local_server import LocalS3Server
from fieldsales.storage.photos import photo_key
from tests.photo_factories import camera_exif, scene

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fieldsales_bench_photos"
PHOTOS = 30
DISTINCT_PICTURES = 3  # encoding a 12 MP picture takes ~1 s; the rest differ by a comment
QUEUE_PHOTOS = 10_000
REPS = 10
STORES_PER_REP = 40
QUEUE_REQUESTS = 120
HTTP_TIMEOUT_S = 30


def camera_photo(seed: int, store: Store, taken_at: datetime) -> bytes:
    """A 12 MP JPEG of about 3 MB with camera EXIF: grain on a scene, as real photos have."""
    picture = scene(seed, (4000, 3000))
    grain = Image.effect_noise((4000, 3000), 40).convert("RGB")
    out = io.BytesIO()
    Image.blend(picture, grain, 0.16).save(
        out,
        format="JPEG",
        quality=88,
        exif=camera_exif(taken_at=taken_at, at=(store.lat, store.lon)),
    )
    return out.getvalue()


def with_comment(jpeg: bytes, text: str) -> bytes:
    """Other bytes, same picture: a JPEG comment segment right after the start marker."""
    payload = text.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def build_team(rng: random.Random, now: datetime) -> tuple[User, list[User], list[Store]]:
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
    session.add_all(reps)
    session.flush()
    stores = [
        Store(
            code=f"S{i:04d}",
            name=f"Store {i}",
            address=f"{i} Market Street",
            lat=31.2 + rng.uniform(-0.1, 0.1),
            lon=121.4 + rng.uniform(-0.1, 0.1),
            timezone="Asia/Shanghai",
            grade=Grade.B,
            rep_id=reps[i % REPS].id,
            payment_terms=PaymentTerms.MONTHLY,
        )
        for i in range(REPS * STORES_PER_REP)
    ]
    session.add_all(stores)
    session.commit()
    return supervisor, reps, stores


def visit_rows(reps: list[User], stores: list[Store], now: datetime, days: int) -> list[dict]:
    """Closed visits: each rep, each day, five stores of their own."""
    rows = []
    for day in range(1, days + 1):
        for r, rep in enumerate(reps):
            for k in range(5):
                store = stores[(r + REPS * (day * 5 + k)) % len(stores)]
                at = now - timedelta(days=day, hours=8 - k)
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "rep_id": rep.id,
                        "store_id": store.id,
                        "local_day": at.date(),
                        "payload_hash": "0" * 64,
                        "checked_in_at": at,
                        "checkin_received_at": at,
                        "checkin_lat": store.lat,
                        "checkin_lon": store.lon,
                        "checkin_accuracy_m": 10.0,
                        "checkin_distance_m": 0.0,
                        "checkin_flags": [],
                        "checked_out_at": at + timedelta(minutes=20),
                        "checkout_flags": [],
                    }
                )
    return rows


def queue_photo_rows(
    rng: random.Random, visits: list[dict], count: int, now: datetime
) -> list[dict]:
    rows = []
    for i in range(count):
        visit = visits[i % len(visits)]
        object_id = uuid.uuid4()
        risk = rng.choice([0, 0, 0, 0, 15, 25, 40, 60, 75, 100])
        rows.append(
            {
                "id": uuid.uuid4(),
                "visit_id": visit["id"],
                "rep_id": visit["rep_id"],
                "store_id": visit["store_id"],
                "local_day": visit["local_day"],
                "kind": rng.choice(list(PhotoKind)),
                "content_type": "image/jpeg",
                "byte_size": 3_000_000,
                "sha256": uuid.uuid4().hex * 2,
                "taken_at": visit["checked_in_at"],
                "payload_hash": "0" * 64,
                "object_id": object_id,
                "object_key": photo_key(object_id, created_at=now),
                "thumbnail_key": f"thumbnails/{object_id}.jpg",
                "upload_expires_at": visit["checked_in_at"] + timedelta(minutes=10),
                "status": PhotoStatus.PROCESSED,
                "completed_at": visit["checked_in_at"] + timedelta(minutes=5),
                "phash": f"{rng.getrandbits(64):016x}",
                "flags": [{"code": "no_exif"}] if risk else [],
                "risk_score": risk,
                "review_status": rng.choice([ReviewStatus.PENDING] * 3 + [ReviewStatus.APPROVED]),
            }
        )
    return rows


def throughput(app: Any, reps: list[User], stores: list[Store], now: datetime) -> list[tuple]:
    """Upload PHOTOS photos, then complete and process each, timing the two steps."""
    settings = photos.settings_from_config(app.config)
    store_of = {s.rep_id: s for s in reversed(stores)}
    rows: list[tuple] = []
    with app.app_context():
        session = db.session
        open_visits = []
        for rep in reps:
            store = store_of[rep.id]
            visit = Visit(**visit_rows([rep], [store], now, 1)[0])
            visit.checked_in_at = visit.checkin_received_at = now - timedelta(minutes=30)
            visit.local_day = now.date()
            visit.checked_out_at = None
            session.add(visit)
            open_visits.append((rep, store, visit))
        session.commit()
        rep, store, _ = open_visits[0]
        pictures = [
            camera_photo(seed, store, now - timedelta(minutes=10))
            for seed in range(DISTINCT_PICTURES)
        ]
        actor_of = {rep.id: rep for rep, _, _ in open_visits}
        pending, upload_s, sizes = [], 0.0, []
        for i in range(PHOTOS):
            rep, store, visit = open_visits[i % len(open_visits)]
            data = with_comment(pictures[i % DISTINCT_PICTURES], f"bench photo {i}")
            sizes.append(len(data))
            photo, slot, _ = photos.request_upload(
                session,
                get_photo_store(),
                actor=_actor(actor_of[rep.id]),
                visit=visit,
                photo_id=uuid.uuid4(),
                data={
                    "kind": PhotoKind.OUR_POP,
                    "content_type": "image/jpeg",
                    "byte_size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "taken_at": now - timedelta(minutes=10),
                    "position": None,
                },
                now=datetime.now(UTC),
                settings=settings,
            )
            session.commit()
            assert slot is not None
            t = time.perf_counter()
            put = requests.put(slot.url, data=data, headers=slot.headers, timeout=HTTP_TIMEOUT_S)
            upload_s += time.perf_counter() - t
            assert put.status_code == 200, put.text
            pending.append(photo.id)

        complete_s = process_s = 0.0
        store_client = get_photo_store()
        for photo_id in pending:
            t = time.perf_counter()
            photo = session.get(Photo, photo_id)
            verified = photos.complete_upload(
                session, store_client, photo=photo, now=datetime.now(UTC), settings=settings
            )
            session.commit()
            complete_s += time.perf_counter() - t
            assert verified, photo.rejection_reason
            t = time.perf_counter()
            jobs.run_job(photos.process_photo_job, str(photo_id))
            process_s += time.perf_counter() - t
        session.expire_all()  # the jobs ran in sessions of their own
        done = session.scalars(select(Photo).where(Photo.id.in_(pending))).all()
        assert all(p.status is PhotoStatus.PROCESSED for p in done)
        flagged = sum(1 for p in done if p.risk_score)
        session.remove()

    mean_mb = sum(sizes) / len(sizes) / 1e6
    rows.append((f"photos: {PHOTOS} JPEGs 4000x3000, mean size", f"{mean_mb:.2f} MB"))
    rows.append(("presigned PUT to MiniStack (phone side)", f"{PHOTOS / upload_s:.1f} /s"))
    rows.append(
        (
            "completions per second per worker",
            f"{PHOTOS / complete_s:.1f} /s ({complete_s / PHOTOS * 1000:.0f} ms each)",
        )
    )
    rows.append(
        (
            "processing per second per worker",
            f"{PHOTOS / process_s:.1f} /s ({process_s / PHOTOS * 1000:.0f} ms each)",
        )
    )
    both = complete_s + process_s
    rows.append(
        (
            "completion + processing per worker",
            f"{PHOTOS / both:.1f} photos/s ({flagged} flagged as look-alikes of each other)",
        )
    )
    return rows


def _actor(user: User) -> Actor:
    return Actor(user_id=user.id, role=user.role, team_id=user.team_id)


def queue_latency(app: Any, supervisor: User, reps: list[User], stores: list[Store]) -> list:
    rng = random.Random(5)
    now = datetime.now(UTC)
    rows: list[tuple] = []
    with app.app_context():
        visits = visit_rows(reps, stores, now, days=QUEUE_PHOTOS // (REPS * 5 * 4))
        t = time.perf_counter()
        db.session.execute(insert(Visit), visits)
        db.session.execute(insert(Photo), queue_photo_rows(rng, visits, QUEUE_PHOTOS, now))
        db.session.commit()
        db.session.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would leave
        db.session.commit()
        db.session.remove()
        rows.append((f"insert {QUEUE_PHOTOS:,} photos", f"{time.perf_counter() - t:.1f} s"))

    with app.app_context():
        store = get_photo_store()
        t = time.perf_counter()
        for i in range(100):
            store.presigned_get(f"photos/2026/11/{i}")
        signing_ms = (time.perf_counter() - t) * 1000

    client = app.test_client()
    auth = headers(supervisor, app.config["SECRET_KEY"])
    queries = [
        ("whole team, pages 1-20", lambda i: {"page": 1 + i % 20}),
        ("unreviewed, flagged", lambda i: {"status": "pending", "flagged": "true"}),
        ("one rep", lambda i: {"rep_id": str(reps[i % REPS].id)}),
    ]
    for label, query in queries:
        latencies = []
        for i in range(QUEUE_REQUESTS // len(queries)):
            t = time.perf_counter()
            rv = client.get("/api/v1/photos", query_string=query(i), headers=auth)
            latencies.append(time.perf_counter() - t)
            assert rv.status_code == 200, rv.get_json()
            assert len(rv.get_json()) == 50 and rv.get_json()[0]["thumbnail_url"]
        rows.append(
            (
                f"review queue, 50 per page with URLs: {label}",
                f"p50 {percentile(latencies, 50) * 1000:.1f} ms, "
                f"p95 {percentile(latencies, 95) * 1000:.1f} ms",
            )
        )
    rows.append(("  of a page: signing its 100 URLs (boto3, local)", f"{signing_ms:.1f} ms"))
    return rows


def main() -> None:
    url = os.environ.get("FIELDSALES_BENCH_DATABASE_URL", DEFAULT_URL)
    rng = random.Random(2026)
    t0 = time.perf_counter()
    fresh_database(url)
    with TemporaryDirectory() as tmp, LocalS3Server(log_path=Path(tmp) / "s3.log") as s3:
        app = create_app(
            {
                "DATABASE_URL": url,
                "LOG_LEVEL": "WARNING",
                "JOBS_INLINE": True,
                "S3_BUCKET": "fieldsales-bench",
                **s3.app_config(),
            }
        )
        with app.app_context():
            get_photo_store().ensure_bucket()
            now = datetime.now(UTC)
            supervisor, reps, stores = build_team(rng, now)
            db.session.remove()
        rows = throughput(app, reps, stores, now)
        rows += queue_latency(app, supervisor, reps, stores)
    rows.append(("total run time", f"{time.perf_counter() - t0:.0f} s"))

    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)} | result")
    print(f"{'-' * width}-+-{'-' * 44}")
    for name, value in rows:
        print(f"{name.ljust(width)} | {value}")


if __name__ == "__main__":
    main()
