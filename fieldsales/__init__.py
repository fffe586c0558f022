"""fieldsales: the backend that field reps' phones, supervisors and dealers talk to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from fieldsales.config import DEV_SECRET_KEY, DefaultConfig


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    # Imported here, not at the top: importing any fieldsales submodule (say
    # fieldsales.domain.types from schemas) runs this file first, and a top-level import of
    # the API would then import schemas half-initialised (circular import).
    from fieldsales import auth, cli, db, logs, problems, storage
    from fieldsales.api import register_blueprints
    from fieldsales.extensions import api

    app = Flask(__name__)
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env("FIELDSALES")
    if config:
        app.config.update(config)
    refuse_insecure_production(app)
    app.json.sort_keys = False  # keep schema field order in responses

    logs.init_app(app)
    db.init_app(app)
    storage.init_app(app)
    auth.init_app(app)
    api.init_app(app)
    problems.init_app(app)
    register_blueprints(api)
    cli.init_app(app)
    return app


def refuse_insecure_production(app: Flask) -> None:
    if app.config["ENV"] == "production" and app.config["SECRET_KEY"] in ("", DEV_SECRET_KEY):
        raise RuntimeError(
            "FIELDSALES_SECRET_KEY must be set to a long random value "
            "when FIELDSALES_ENV=production."
        )
