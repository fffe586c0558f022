"""SQLAlchemy 2 adapter: declarative Base, the session, and the Flask hook.

Models import without an app (Alembic's env.py uses Base.metadata directly). The session is
a plain scoped_session over a module-level sessionmaker that init_app binds to the engine.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker

if TYPE_CHECKING:
    from flask import Flask

# Stable constraint names, so Alembic revisions are reproducible (BEMServer's convention).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _session_scope() -> int:
    """One session per Flask app context (a request, a CLI command), else one per thread.

    As Flask-SQLAlchemy 3 does. Keyed by thread alone, a request served in the caller's
    thread (the test client) shared the test's session: the request's rollback on an error
    expired the test's objects and its teardown detached them."""
    from flask import has_app_context
    from flask.globals import app_ctx

    if has_app_context():
        return id(app_ctx._get_current_object())  # type: ignore[attr-defined]
    return threading.get_ident()


SessionFactory = sessionmaker(expire_on_commit=False)
session = scoped_session(SessionFactory, scopefunc=_session_scope)

_engines: dict[str, Engine] = {}


def engine_for(url: str, **kwargs: Any) -> Engine:
    """One engine per URL per process (engines own the connection pool)."""
    if url not in _engines:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        _engines[url] = engine
    return _engines[url]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # SQLite ignores foreign keys unless asked; WAL lets the dev server read while it writes.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def init_app(app: Flask) -> None:
    SessionFactory.configure(bind=engine_for(app.config["DATABASE_URL"]))

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        session.remove()
