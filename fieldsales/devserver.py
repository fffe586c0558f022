"""`make run`: the embedded default on one machine with no set-up.

SQLite file in ./var (or FIELDSALES_DEV_DATA_DIR), a local S3-compatible server (MiniStack)
persisting to ./var/s3, background work inline, the demo city loaded on first start.
Every FIELDSALES_* variable still applies: point FIELDSALES_DATABASE_URL at PostgreSQL or
FIELDSALES_S3_ENDPOINT_URL at a real bucket and the matching local piece is not started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def migrate(database_url: str) -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["configure_logger"] = False
    os.environ["FIELDSALES_DATABASE_URL"] = database_url
    command.upgrade(cfg, "head")


def exit_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit, so the local S3 server is stopped on the way out."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def main() -> None:
    from fieldsales import create_app, db
    from fieldsales.db.models import User
    from fieldsales.services.demo import load_demo
    from fieldsales.storage import get_photo_store
    from fieldsales.storage.local_server import LocalS3Server

    exit_on_sigterm()
    var = Path(os.environ.get("FIELDSALES_DEV_DATA_DIR", ROOT / "var"))
    var.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("FIELDSALES_DATABASE_URL", f"sqlite:///{var / 'fieldsales.db'}")
    port = int(os.environ.get("FIELDSALES_PORT", "5000"))
    with contextlib.ExitStack() as stack:
        overrides: dict[str, object] = {"DATABASE_URL": database_url, "JOBS_INLINE": True}
        if not os.environ.get("FIELDSALES_S3_ENDPOINT_URL"):
            s3 = stack.enter_context(
                LocalS3Server(data_dir=var / "s3", log_path=var / "s3-server.log")
            )
            overrides.update(s3.app_config())
            print(f"local S3-compatible server (MiniStack) on {s3.endpoint_url}")
        migrate(database_url)
        app = create_app(overrides)
        with app.app_context():
            get_photo_store().ensure_bucket()
            if db.session.scalar(select(User.id).limit(1)) is None:
                print("loading the demo city (first start only) ...")
                print(load_demo(db.session, seed=7, today=datetime.now(UTC).date()))
                db.session.commit()
        print(f"\n  API docs:  http://{HOST}:{port}/docs")
        print(f"  OpenAPI:   http://{HOST}:{port}/openapi.json")
        print(f"  database:  {database_url}\n")
        app.run(host=HOST, port=port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
