"""What every callback can reach: typed ``bot_data`` and the one way to use the database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session
from telegram.ext import Application, CallbackContext, ExtBot

from bot.access import Command
from bot.cache import TrackerCache
from bot.config import Settings, configured
from storage.db import session_scope

T = TypeVar("T")
U = TypeVar("U")


def utc_now() -> datetime:
    return datetime.now(UTC)


class BotData:
    """Application-wide state. PTB creates it empty; ``build_application`` fills it in.

    Holds the engine (a connection factory), never a session: every update or job opens its
    own short session through :func:`run_db`.
    """

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._engine: Engine | None = None
        self.clock: Callable[[], datetime] = utc_now
        # Users whose seen_user row is known to be current: skips a write on the hot path.
        self.seen_users: dict[int, tuple[str | None, str]] = {}
        # Each chat's /lang setting (None: none), read once per chat and kept current by /lang.
        self.languages: dict[int, str | None] = {}
        # Per tracker, keyed by its version in the database: /status texts, digest states,
        # charts (see bot.cache).
        self.views = TrackerCache()
        # Set when Telegram refused our polling with 409: another poller uses the token.
        self.conflict = False
        # SQLite: one thread for every write (see in_db_thread); None: the shared pool.
        self.write_executor: ThreadPoolExecutor | None = None
        # Charts and exports: one thread of their own (see run_heavy), started on first use.
        self.render_executor: ThreadPoolExecutor | None = None
        # When each chat last got a chart (one per chat per 30 s).
        self.charts_sent: dict[int, datetime] = {}
        # The command table (bot/commands.py) the application was built from, for /help.
        self.commands: tuple[Command, ...] = ()

    def configure(self, settings: Settings, engine: Engine, clock: Callable[[], datetime]) -> None:
        self._settings = settings
        self._engine = engine
        self.clock = clock
        if engine.dialect.name == "sqlite":
            self.write_executor = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")

    @property
    def settings(self) -> Settings:
        return configured(self._settings, "build_application() configures bot_data")

    @property
    def engine(self) -> Engine:
        return configured(self._engine, "build_application() configures bot_data")


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
# PTB's builder infers loose type parameters; only bot_data's type matters to Pantau's code.
PantauApp = Application[Any, Any, Any, Any, BotData, Any]


async def run_db_app(
    application: PantauApp, work: Callable[[Session], T], *, readonly: bool = False
) -> T:
    """:func:`run_db` for code that holds the application rather than a context."""
    engine = application.bot_data.engine

    def in_session() -> T:
        with session_scope(engine, readonly=readonly) as session:
            return work(session)

    return await in_db_thread(application, in_session, write=not readonly)


async def in_db_thread(application: PantauApp, call: Callable[[], T], *, write: bool = True) -> T:
    """Run blocking database work off the event loop.

    SQLite takes one writer at a time; writers from several threads of one process would only
    queue on its lock, and its busy handler waits in sleeps of milliseconds. So on SQLite every
    write runs on one dedicated thread, in order, and never waits for the lock on another of
    ours. Reads, and everything on PostgreSQL, use the shared pool.
    """
    executor = application.bot_data.write_executor if write else None
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, call)


async def run_heavy(context: Context, read: Callable[[Session], T], make: Callable[[T], U]) -> U:
    """A chart or an export: ``read`` in one short transaction, then ``make`` — up to a
    second of CPU — after it has closed, both on the render thread."""
    engine = context.bot_data.engine

    def work() -> U:
        with session_scope(engine, readonly=True) as session:
            facts = read(session)
        return make(facts)

    return await run_render(context.application, work)


async def run_render(application: PantauApp, work: Callable[[], T]) -> T:
    """Run CPU-heavy work (a chart, a workbook) on the render thread.

    One thread, shared by every chat: the database pool and the event loop stay free for
    everyone else, and a flood of /chart queues here rather than everywhere.
    """
    data = application.bot_data
    if data.render_executor is None:
        data.render_executor = ThreadPoolExecutor(1, thread_name_prefix="render")
    return await asyncio.get_running_loop().run_in_executor(data.render_executor, work)


async def run_db(context: Context, work: Callable[[Session], T], *, readonly: bool = False) -> T:
    """Run ``work`` in one short transaction, off the event loop.

    Storage calls are synchronous; in a worker thread a writer that waits on SQLite's busy
    timeout never freezes the other chats. An exception (a ``UserError`` included) rolls the
    whole transaction back, so a refused command changes nothing.
    """
    return await run_db_app(context.application, work, readonly=readonly)
