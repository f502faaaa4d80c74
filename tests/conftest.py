from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from bot.app import build_application
from bot.config import Settings
from bot.offline import OfflineBotAPI
from storage.db import make_engine
from storage.migrate import upgrade
from tests.helpers import OPERATOR, Clock, Harness

TEST_TOKEN = "123456789:AAH-test-token-which-must-never-be-logged"


# Set to a PostgreSQL server URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run
# every database test against PostgreSQL: each test gets a database of its own, dropped after.
SERVER_ENV = "PANTAU_TEST_DATABASE_URL"


@pytest.fixture
def db_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    server = os.environ.get(SERVER_ENV)
    if not server or request.node.get_closest_marker("sqlite_only"):
        yield f"sqlite:///{tmp_path / 'pantau.db'}"
        return
    name = f"pantau_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        _env_file=None,
        telegram_bot_token=SecretStr(TEST_TOKEN),
        database_url=db_url,
        telegram_api_base_url=None,
        pantau_admin_ids=frozenset({OPERATOR.id}),
        pantau_timezone="Asia/Jakarta",
        log_level="INFO",
        # No throttling in tests (Telegram's limits are the limiter's business, tested apart).
        pantau_rate_per_second=0,
        pantau_rate_per_group_minute=0,
    )


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def harness(settings: Settings, engine: Engine, clock: Clock) -> AsyncIterator[Harness]:
    api = OfflineBotAPI(clock)
    app = build_application(settings, request=api, engine=engine, clock=clock)
    async with app:
        yield Harness(app, api, engine, clock)
    # Any Bot API method the offline transport does not know is a test failure.
    assert api.unknown == []
