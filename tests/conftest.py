from __future__ import annotations

import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from sqlalchemy import Engine, create_engine

import storage.db
from bot.config import Settings
from storage.db import is_sqlite, make_engine
from storage.migrate import upgrade
from tests.helpers import Clock, Harness, assert_trail_intact, make_settings, running_app
from tests.pg import database_name, fresh_database, recreate_from_template, server_url

# Hypothesis, for every property test: no deadline (a busy 2-core machine makes any example
# slow now and then, and a timed assertion fails for it), examples drawn afresh each run with
# failing ones kept in .hypothesis/ (a CI clone starts without it). Each test sets its own
# example count, sized to what its property needs. ``--hypothesis-profile=ci`` draws the same
# examples every run instead, and keeps none.
hypothesis.settings.register_profile("pantau", deadline=None)
hypothesis.settings.register_profile(
    "ci", parent=hypothesis.settings.get_profile("pantau"), derandomize=True, database=None
)
hypothesis.settings.load_profile("pantau")


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLite in the test's directory; with PANTAU_TEST_DATABASE_URL naming a PostgreSQL server,
    a database of the test's own there (tests marked sqlite_only stay on SQLite)."""
    server = server_url()
    if server is None or request.node.get_closest_marker("sqlite_only"):
        yield f"sqlite:///{tmp_path / 'pantau.db'}"
        return
    with fresh_database(server) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session; each test's ``engine`` copies it."""
    path = tmp_path_factory.mktemp("template") / "pantau.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closes: WAL is checkpointed into the file
    return path


@pytest.fixture(scope="session", autouse=True)
def shared_compiled_statements() -> Iterator[None]:
    """Every SQLite engine Pantau makes in this process shares one dialect and one cache of
    compiled statements. SQLAlchemy keys that cache by dialect object and keeps it per engine:
    with an engine per test (or several), each compiled every statement it ran again, about a
    third of the CPU of a test that drives the application, though only the file differs.
    Every SQLite dialect of a process is the same (one sqlite3 library, no options set), so
    a statement compiled for one engine is what another would compile."""
    shared = create_engine("sqlite://", query_cache_size=5_000)
    with shared.connect():  # the dialect learns the SQLite version on its first connection
        pass

    def create_sharing(url: str, **kwargs: Any) -> Engine:
        engine = create_engine(url, **kwargs)
        if engine.dialect.name == "sqlite":
            engine.dialect = shared.dialect
            engine._compiled_cache = shared._compiled_cache
        return engine

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage.db, "create_engine", create_sharing)
        yield
    shared.dispose()


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str | None]:
    """The name of a PostgreSQL database migrated to head once per session (None without a
    server): each test's database is created from it as a template."""
    server = server_url()
    if server is None:
        yield None
        return
    with fresh_database(server, prefix="pantau_template") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()  # CREATE DATABASE … TEMPLATE needs the template unused
        yield database_name(url)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A database of the test's own on the PostgreSQL server; skips the test without one."""
    server = server_url()
    if server is None:
        pytest.skip("PANTAU_TEST_DATABASE_URL does not name a PostgreSQL server")
    with fresh_database(server) as url:
        yield url


@pytest.fixture(scope="session")
def test_settings() -> Settings:
    """Pantau's settings under test, read once (pydantic-settings reads the environment and
    validates every field: a few milliseconds, for each of some two thousand tests)."""
    return make_settings("sqlite://")


@pytest.fixture
def settings(db_url: str, tmp_path: Path, test_settings: Settings) -> Settings:
    """``make_settings(db_url, pantau_evidence_dir=…)``: the session's settings with the
    test's database and evidence folder (both valid by construction)."""
    return test_settings.model_copy(
        update={"database_url": db_url, "pantau_evidence_dir": tmp_path / "evidence"}
    )


@pytest.fixture
def engine(
    db_url: str,
    request: pytest.FixtureRequest,
    migrated_sqlite: Path,
    migrated_postgres: str | None,
) -> Iterator[Engine]:
    """The test's database at the newest schema: a copy of the session's migrated one, which is
    what running the migrations here would give (tests of the migrations run them themselves)."""
    if is_sqlite(db_url):
        shutil.copy(migrated_sqlite, db_url.removeprefix("sqlite:///"))  # keeps its 0600
    else:
        server = server_url()
        assert server is not None
        assert migrated_postgres is not None
        recreate_from_template(server, db_url, migrated_postgres)
    engine = make_engine(db_url)
    yield engine
    # Whatever a test did through Pantau, the audit trail still verifies from the rows
    # (tests that tamper with the database on purpose are marked so).
    if not request.node.get_closest_marker("tampers"):
        assert_trail_intact(engine)
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def harness(settings: Settings, engine: Engine, clock: Clock) -> AsyncIterator[Harness]:
    async with running_app(settings, engine, clock) as h:
        yield h


REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


@pytest.fixture
def redis_url() -> str:
    """Redis on 127.0.0.1:6379 (as PostgreSQL on 5432); skips the test when it does not answer."""
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1).close()
    except OSError:
        pytest.skip(f"Redis does not answer on {REDIS_HOST}:{REDIS_PORT}: shared limits untested")
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
