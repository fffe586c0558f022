"""JSON logs, one line per request, each carrying a request id (taken from X-Request-ID
when the caller sends a sane one, so a phone's retry can be traced end to end)."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

access_log = logging.getLogger("fieldsales.access")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from flask import has_request_context

        record.request_id = g.get("request_id") if has_request_context() else None
        return True


def configure_logging(app: Flask) -> None:
    root = logging.getLogger("fieldsales")
    if getattr(root, "_fieldsales_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    if app.config["LOG_JSON"]:
        handler.setFormatter(
            JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s")
        )
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = False
    root._fieldsales_configured = True  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    configure_logging(app)

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        actor = g.get("actor")
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.get("started", 0)) * 1000, 2),
                "user_id": str(actor.user_id) if actor else None,
            },
        )
        return response
