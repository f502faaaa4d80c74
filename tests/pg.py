"""Throw-away PostgreSQL databases for tests, on the server PANTAU_TEST_DATABASE_URL names."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

SERVER_ENV = "PANTAU_TEST_DATABASE_URL"


def server_url() -> str | None:
    url = os.environ.get(SERVER_ENV, "")
    return url if url.startswith("postgresql") else None


def database_name(url: str) -> str:
    name = make_url(url).database
    assert name, f"no database in {url}"
    return name


@contextmanager
def fresh_database(server: str, prefix: str = "pantau_test") -> Iterator[str]:
    """Create an empty database, yield its URL, and drop it (whoever is still connected)."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def recreate_from_template(server: str, url: str, template: str) -> None:
    """Replace the (unused) database ``url`` names by a copy of ``template``.

    ``CREATE DATABASE … TEMPLATE`` copies the files of a migrated database: far cheaper than
    running every migration again for each test. The template must have no open connection.
    """
    name = database_name(url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        admin.dispose()
