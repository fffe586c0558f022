"""Route plans through the HTTP API on PostgreSQL: a 40-store realistic day, end to end.

    python -m bench.route_api [--days 4]    (also run at the end of `make bench-routes`)

The demo city (420 stores in a 30 x 30 km city, owner windows, opening hours, 8 weeks of
visit history for the dwell medians) is loaded into a fresh database
(FIELDSALES_BENCH_DATABASE_URL, dropped and re-created; default below). The app is served by
a real HTTP server on loopback and called with `requests`, one request at a time:
- explicit-40: POST /api/v1/route-plans for each demo rep with the 40 stores nearest the
  rep's home, from home and back, 08:30-18:00, lunch 30 min starting 12:00-13:30;
- automatic: the same without store_ids (the service picks the rep's due stores);
- replan: POST /route-plans/{id}/replan at 11:00 with the first two stops done.
Latency is the client's wall time per request (parse, auth, queries, travel matrix, solver,
insert of the plan and its stops, JSON); "service p50" is the plan's own planning_ms (the
service call: queries, travel matrix, solver, flush).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from bench.sync import fresh_database
from fieldsales import create_app, db, security
from fieldsales.db.models import Store, User
from fieldsales.domain.types import Role
from fieldsales.services.demo import load_demo

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/fieldsales_bench_route_api"
FIRST_DAY = date(2026, 11, 16)  # a Monday; the benchmark plans Monday onwards
STORES_PER_DAY = 40
TARGET_P95_MS = 200.0


@dataclass
class Series:
    latencies: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)
    served: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    failures: int = 0

    def add(self, elapsed_ms: float, response: requests.Response) -> dict[str, Any] | None:
        self.latencies.append(elapsed_ms)
        if response.status_code != 201:
            self.failures += 1
            return None
        plan: dict[str, Any] = response.json()
        self.service.append(plan["solver"]["planning_ms"])
        self.served.append(plan["totals"]["stops"])
        self.dropped.append(plan["totals"]["dropped"])
        return plan


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def nearest(stores: list[Store], lat: float, lon: float, n: int) -> list[Store]:
    def distance(s: Store) -> float:
        return (s.lat - lat) ** 2 + ((s.lon - lon) * math.cos(math.radians(lat))) ** 2

    return sorted(stores, key=distance)[:n]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *_args: Any, **_kwargs: Any) -> None:
        """No access log line per request."""


class Server:
    """The app on a loopback port, in a background thread."""

    def __init__(self, app: Any) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=_Quiet)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()


def day_body(rep: User, day: date, stores: list[Store] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "rep_id": str(rep.id),
        "date": day.isoformat(),
        "day_start": "08:30",
        "latest_return": "18:00",
        "break": {"minutes": 30, "earliest_start": "12:00", "latest_start": "13:30"},
    }
    if stores is not None:
        body["store_ids"] = [str(s.id) for s in stores]
    return body


def run(days: int) -> dict[str, Series]:
    url = os.environ.get("FIELDSALES_BENCH_DATABASE_URL", DEFAULT_URL)
    fresh_database(url)
    app = create_app({"DATABASE_URL": url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        load_demo(db.session, seed=7, today=FIRST_DAY)
        db.session.commit()
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
        assert admin is not None
        reps = list(db.session.scalars(select(User).where(User.role == Role.REP)))
        stores = list(db.session.scalars(select(Store).where(Store.active)))
        token = security.issue_access_token(
            user_id=admin.id,
            role=admin.role,
            secret=app.config["SECRET_KEY"],
            now=datetime.now(UTC),
            ttl_s=3600,
        )
        db.session.expunge_all()
        db.session.remove()
    series = {"explicit-40": Series(), "automatic": Series(), "replan": Series()}
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    with Server(app) as server:
        http.post(f"{server.base}/api/v1/route-plans", json=day_body(reps[0], FIRST_DAY, None))
        for offset in range(days):
            day = FIRST_DAY + timedelta(days=offset)
            for rep in reps:
                near = nearest(stores, rep.home_lat or 0.0, rep.home_lon or 0.0, STORES_PER_DAY)
                plan = _timed(http, server, series["explicit-40"], day_body(rep, day, near))
                _timed(http, server, series["automatic"], day_body(rep, day, None))
                if plan is not None and len(plan["stops"]) >= 2:
                    replan = {
                        "position": {
                            "lat": plan["stops"][1]["store"]["lat"],
                            "lon": plan["stops"][1]["store"]["lon"],
                        },
                        "at": f"{day.isoformat()}T11:00:00+08:00",
                        "done_store_ids": [s["store"]["id"] for s in plan["stops"][:2]],
                    }
                    # The automatic plan is now the current version; re-plan from it.
                    current = http.get(
                        f"{server.base}/api/v1/route-plans",
                        params={"rep_id": str(rep.id), "date": day.isoformat(), "current_only": 1},
                    ).json()[0]
                    replan["done_store_ids"] = [s["store"]["id"] for s in current["stops"][:2]]
                    started = time.perf_counter()
                    rv = http.post(
                        f"{server.base}/api/v1/route-plans/{current['id']}/replan", json=replan
                    )
                    series["replan"].add((time.perf_counter() - started) * 1000, rv)
    return series


def _timed(
    http: requests.Session, server: Server, series: Series, body: dict[str, Any]
) -> dict[str, Any] | None:
    started = time.perf_counter()
    rv = http.post(f"{server.base}/api/v1/route-plans", json=body)
    return series.add((time.perf_counter() - started) * 1000, rv)


def print_table(series: dict[str, Series]) -> None:
    header = (
        f"{'HTTP on PostgreSQL':<18} {'requests':>8} {'failed':>6} {'stops':>6} {'dropped':>7} "
        f"{'service p50':>11} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, s in series.items():
        if not s.latencies:
            continue
        print(
            f"{name:<18} {len(s.latencies):>8} {s.failures:>6} "
            f"{statistics.fmean(s.served or [0]):>6.1f} {statistics.fmean(s.dropped or [0]):>7.1f} "
            f"{percentile(s.service or [0.0], 0.5):>11.1f} "
            f"{percentile(s.latencies, 0.5):>8.1f} {percentile(s.latencies, 0.95):>8.1f} "
            f"{max(s.latencies):>8.1f}"
        )
    p95 = percentile(series["explicit-40"].latencies, 0.95)
    verdict = "met" if p95 <= TARGET_P95_MS else "MISSED"
    print(f"\n40-store day p95 {p95:.1f} ms against the {TARGET_P95_MS:.0f} ms target: {verdict}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=4, help="days planned per demo rep")
    args = parser.parse_args(argv)
    print_table(run(args.days))


if __name__ == "__main__":
    main()
