"""Photo storage: the S3 adapter, wired into the Flask app once per process."""

from __future__ import annotations

from flask import Flask, current_app

from fieldsales.storage.photos import PhotoStore, S3PhotoStore, settings_from_config

EXTENSION_KEY = "fieldsales.photos"


def init_app(app: Flask) -> None:
    """Build the S3 photo store from app.config; no request is made here (see ensure_bucket)."""
    app.extensions[EXTENSION_KEY] = S3PhotoStore.from_settings(settings_from_config(app.config))


def get_photo_store() -> PhotoStore:
    store: PhotoStore = current_app.extensions[EXTENSION_KEY]
    return store
