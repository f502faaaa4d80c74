"""Engine factory and session scopes.

SQLite is the default and must never need a server: it is opened in WAL mode (readers never
block the writer), with a busy timeout so a second writer waits instead of failing, foreign
keys on, and write transactions started as ``BEGIN IMMEDIATE`` so two writers never deadlock
upgrading a read lock ("database is locked"). PostgreSQL is chosen by URL alone.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

SQLITE_BUSY_TIMEOUT_MS = 10_000
PRIVATE_DIR = 0o700  # folders Pantau creates for its data
PRIVATE_FILE = 0o600  # the database and every file Pantau writes for the operator
log = logging.getLogger(__name__)
_READONLY = "pantau_readonly"


SUPPORTED = "sqlite:///path/to/file.db or postgresql+psycopg://user:password@host/db"


class DatabaseUrlError(ValueError):
    """A DATABASE_URL Pantau cannot use; the message says what to write instead."""


def check_database_url(url: str) -> str:
    """``url`` if Pantau can open it: a SQLite file or PostgreSQL through psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(
            f"not a database URL; did you mean `sqlite:///{url.strip() or 'data/pantau.db'}`?"
        ) from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if (backend, driver) not in (("sqlite", "pysqlite"), ("postgresql", "psycopg")) and not (
        backend == "postgresql" and "+" not in parsed.drivername
    ):
        raise DatabaseUrlError(f"{parsed.drivername} is not supported; use {SUPPORTED}")
    return url


def _with_driver(url: str) -> str:
    """``postgresql://…`` means psycopg 3, the driver Pantau ships with (not psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    """Create the directory (0700) and the file (0600) of a SQLite database on first use.

    The file holds who reported what: only the bot's own user may read it. SQLite creates the
    ``-wal`` and ``-shm`` files with the database file's permissions, so they are 0600 too.
    A file or folder that already exists keeps its mode (an operator may have chosen it); a
    database readable by others is logged.
    """
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or parsed.database in (None, "", ":memory:")
        or parsed.database.startswith("file:")  # a URI names an existing file
    ):
        return
    path = Path(parsed.database).expanduser()
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    for folder in reversed(missing):  # every folder created here is private, not only the last
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning(
                "the database %s is readable by other users (mode %o): chmod 600 it "
                "and its -wal and -shm files",
                path,
                mode,
            )


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """The one way to get an engine: per-dialect settings live here and nowhere else."""
    check_database_url(url)
    if not is_sqlite(url):
        return create_engine(_with_driver(url), echo=echo, pool_pre_ping=True)
    ensure_sqlite_dir(url)
    parsed = make_url(url)
    database = parsed.database
    in_memory = database in (None, "", ":memory:")
    # ``?timeout=SECONDS`` in the URL changes how long a writer waits for the lock.
    timeout = parsed.query.get("timeout")
    seconds = timeout[-1] if isinstance(timeout, tuple) else timeout
    busy_ms = int(float(seconds) * 1000) if seconds else SQLITE_BUSY_TIMEOUT_MS
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": busy_ms / 1000},
    }
    if in_memory:
        # One shared connection: each new connection to :memory: would be a new, empty database.
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, echo=echo, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so "begin" below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # With WAL, NORMAL loses no committed data on a process crash (only on power loss).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(_READONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@contextmanager
def session_scope(engine: Engine, *, readonly: bool = False) -> Iterator[Session]:
    """One short transaction: commit on success, roll back on any error.

    ``readonly`` lets a SQLite reader start a deferred transaction so it never waits for, or
    holds up, a writer.
    """
    with Session(engine, expire_on_commit=False) as session:
        if readonly:
            session.connection(execution_options={_READONLY: True})
        try:
            yield session
            # A read-only transaction commits too: a rollback would expire the loaded rows.
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def snapshot_connection(engine: Engine) -> Iterator[Connection]:
    """A connection whose every read sees the database as of its first one, without blocking
    anyone: on SQLite a deferred transaction (WAL readers never hold up the writer, unlike the
    ``BEGIN IMMEDIATE`` of a write), on PostgreSQL a read-only REPEATABLE READ transaction."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection = connection.execution_options(**{_READONLY: True})
        else:
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with connection.begin():
            yield connection


RowT = TypeVar("RowT", bound=SQLModel)


def put_row(
    session: Session, model: type[RowT], key: Mapping[str, Any], values: Mapping[str, Any]
) -> RowT:
    """The row of ``model`` whose primary key is ``key``, made to hold ``values``: updated
    when it exists, else created (validated, as table models are not on construction)."""
    row = session.get(model, dict(key))
    if row is None:
        row = model.model_validate({**key, **values})
    else:
        row.sqlmodel_update(dict(values))
    session.add(row)
    session.flush()
    return row


class _WithId(Protocol):
    id: int | None


def insert_row(session: Session, row: _WithId) -> int:
    """Insert ``row`` now (in the caller's transaction) and return the id it was given."""
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id
