"""Migration hygiene: one head; upgrade -> downgrade -> upgrade from empty on PostgreSQL and
SQLite; and the models match the migrations (nothing left for autogenerate to find)."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from fieldsales.db import Base
from tests.conftest import alembic_config, database_url_under_test, recreate_database


def test_single_head():
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


@pytest.fixture(params=["postgresql", "sqlite"])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
    else:
        url = make_url(database_url_under_test()).set(database="fieldsales_migrations_check")
        url = url.render_as_string(hide_password=False)
        recreate_database(url)
    engine = create_engine(url)
    yield engine
    engine.dispose()


def test_upgrade_downgrade_upgrade_and_models_match(empty_engine):
    with empty_engine.begin() as conn:
        cfg = alembic_config(conn)
        command.upgrade(cfg, "head")
        command.downgrade(cfg, "base")
        command.upgrade(cfg, "head")
    with empty_engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
