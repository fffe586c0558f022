"""Travel-time providers: the pure great-circle default, and the OSRM `table` client against a
real HTTP server on loopback (success, timeout, malformed answers fall back)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fieldsales.domain.routing import GreatCircleTravelTimes
from fieldsales.services.travel_times import OsrmTravelTimes


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


PEOPLES_SQUARE = Point(31.2304, 121.4737)
LUJIAZUI = Point(31.2397, 121.4998)
ONE_DEGREE_NORTH = Point(32.2304, 121.4737)
POINTS = [PEOPLES_SQUARE, LUJIAZUI, ONE_DEGREE_NORTH]


def test_great_circle_matrix_scales_distance_by_circuity_and_speed():
    matrix = GreatCircleTravelTimes(speed_kmh=36, circuity_factor=1.5).matrix(POINTS)
    assert matrix.source == "great-circle" and matrix.fallback_reason is None
    # One degree of latitude is 111.2 km; x1.5 road factor; 36 km/h = 10 m/s.
    assert matrix.metres[0][2] == pytest.approx(1.5 * 111_195, rel=1e-3)
    assert matrix.seconds[0][2] == pytest.approx(matrix.metres[0][2] / 10, abs=1)
    assert all(matrix.seconds[i][i] == 0 for i in range(3))
    assert matrix.seconds[0][1] == matrix.seconds[1][0] > 0


def test_great_circle_rejects_impossible_settings():
    with pytest.raises(ValueError):
        GreatCircleTravelTimes(speed_kmh=0)
    with pytest.raises(ValueError):
        GreatCircleTravelTimes(circuity_factor=0.9)


Reply = Callable[[BaseHTTPRequestHandler], None]


@contextmanager
def osrm_server(reply: Reply) -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on a free loopback port; yields its URL and the paths requested."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            seen.append(self.path)
            reply(self)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def json_reply(body: object, status: int = 200) -> Reply:
    def reply(handler: BaseHTTPRequestHandler) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return reply


def test_osrm_table_is_used_when_the_server_answers():
    body = {
        "code": "Ok",
        "durations": [[0, 301.4, 9000], [310.6, 0, 9100], [9005, 9120.2, 0]],
        "distances": [[0, 3100, 120000], [3200, 0, 121000], [119000, 121500.7, 0]],
    }
    with osrm_server(json_reply(body)) as (url, seen):
        matrix = OsrmTravelTimes(url, timeout_s=2).matrix(POINTS)
    assert matrix.source == "osrm" and matrix.fallback_reason is None
    assert matrix.seconds[0][1] == 301 and matrix.seconds[1][0] == 311
    assert matrix.metres[2][1] == 121501
    (path,) = seen
    assert path.startswith("/table/v1/driving/121.473700,31.230400;121.499800,31.239700;")
    assert "annotations=duration%2Cdistance" in path


def test_osrm_timeout_falls_back_to_great_circle():
    def slow(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(0.5)
        json_reply({"code": "Ok"})(handler)

    with osrm_server(slow) as (url, _):
        started = time.perf_counter()
        matrix = OsrmTravelTimes(url, timeout_s=0.1).matrix(POINTS)
        assert time.perf_counter() - started < 0.45
    assert matrix.source == "great-circle"
    assert matrix.fallback_reason == "osrm: no answer within 0.1 s"
    assert matrix.seconds == GreatCircleTravelTimes().matrix(POINTS).seconds


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (json_reply(b"<html>busy</html>"), "not JSON"),
        (json_reply({"code": "NoTable", "message": "too big"}), "code 'NoTable'"),
        (json_reply({"code": "Ok", "durations": [[0, 1], [1, 0]]}), "not a 3x3 matrix"),
        (
            json_reply(
                {
                    "code": "Ok",
                    "durations": [[0, None, 1], [1, 0, 1], [1, 1, 0]],
                    "distances": [[0, 1, 1], [1, 0, 1], [1, 1, 0]],
                }
            ),
            "missing or invalid entries",
        ),
        (json_reply({"code": "Ok"}, status=503), "request failed (HTTPError)"),
    ],
)
def test_osrm_malformed_answers_fall_back_and_say_why(reply, reason):
    with osrm_server(reply) as (url, _):
        matrix = OsrmTravelTimes(url, timeout_s=2).matrix(POINTS)
    assert matrix.source == "great-circle"
    assert matrix.fallback_reason is not None and reason in matrix.fallback_reason


def test_osrm_unreachable_server_falls_back():
    with osrm_server(json_reply({})) as (url, _):
        pass  # the port is closed again once the server has shut down
    matrix = OsrmTravelTimes(url, timeout_s=1).matrix(POINTS)
    assert matrix.source == "great-circle"
    assert matrix.fallback_reason == "osrm: request failed (ConnectionError)"
