"""Background work: inline in the embedded default, RQ on Redis in production.

A job is a plain function `job(session, *args)` that does its work with the session it is
given and flushes. `enqueue` runs it after the caller has committed: inline, in a fresh
session of its own; or on an RQ worker (`rq worker fieldsales` with the app's environment),
which builds the app once per process and runs each job in an app context. Job arguments
must be JSON-like (ids as strings), since RQ pickles them across machines.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry

from fieldsales import db

QUEUE_NAME = "fieldsales"
log = logging.getLogger("fieldsales.jobs")

Job = Callable[..., None]


def enqueue(job: Job, *args: Any) -> None:
    if current_app.config["JOBS_INLINE"]:
        # As on a worker, a failing job is logged and does not fail the request that queued it.
        with contextlib.suppress(Exception):
            run_job(job, *args)
        return
    queue = Queue(QUEUE_NAME, connection=Redis.from_url(current_app.config["REDIS_URL"]))
    queue.enqueue_call(
        run_in_worker_app,
        args=(f"{job.__module__}:{job.__qualname__}", *args),
        retry=Retry(max=3, interval=[10, 60, 300]),
        failure_ttl=7 * 24 * 3600,
    )


def run_job(job: Job, *args: Any) -> None:
    """Run one job in its own transaction: committed if it succeeds, rolled back if not."""
    session = db.SessionFactory()
    try:
        job(session, *args)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("job %s failed", job.__qualname__)
        raise
    finally:
        session.close()


@functools.cache
def _worker_app() -> Flask:
    from fieldsales import create_app

    return create_app()


def run_in_worker_app(job_path: str, *args: Any) -> None:
    """Entry point on an RQ worker: resolve the job by name and run it in an app context."""
    import importlib

    module_name, _, qualname = job_path.partition(":")
    job = getattr(importlib.import_module(module_name), qualname)
    with _worker_app().app_context():
        run_job(job, *args)
