"""People, chats and a harness that drives the real application over the offline Bot API."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import subprocess
import sys
import threading
import traceback
import warnings
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import select
from telegram.ext import Application, JobQueue

from bot.app import build_application
from bot.config import Settings
from bot.context import PantauApp
from bot.offline import ChatRef, OfflineBotAPI, Person, SentMessage, UpdateFactory
from bot.transport import PantauBot
from storage.db import make_engine, session_scope
from storage.models import Report
from storage.verify import verify

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "tiktok-tokopedia.toml"
TEST_TOKEN = "123456789:AAH-test-token-which-must-never-be-logged"
ADMIN = Person(1001, "Ayu", "Lestari", "ayu_pantau")
BUDI = Person(1002, "Budi", "Santoso", "budi_s")
SARI = Person(1003, "Sari", "Wulandari", "sari_w")
DEWI = Person(1004, "Dewi", None, "dewi_a")  # never given a role
OPERATOR = Person(9001, "Oscar", None, "oscar_ops")  # in PANTAU_ADMIN_IDS

STAFF = ChatRef(-1001001, "Tim Pemantau")
MANAGERS = ChatRef(-1001002, "Pimpinan")
ELSEWHERE = ChatRef(-1009999, "Unlinked group")

START = datetime(2024, 2, 23, 2, 0, tzinfo=UTC)  # 09:00 in Jakarta

# A wait in a test that takes longer than this fails, naming what it waited for, instead of
# hanging (pytest-timeout in pyproject.toml stops the whole test later still).
WAIT_LIMIT = 30.0
T = TypeVar("T")


async def within(awaitable: Awaitable[T], what: str) -> T:
    """``await awaitable``, failing the test if it takes longer than ``WAIT_LIMIT``."""
    try:
        async with asyncio.timeout(WAIT_LIMIT):
            return await awaitable
    except TimeoutError:
        raise AssertionError(f"{what}: still waiting after {WAIT_LIMIT:.0f} s") from None


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """The settings of Pantau under test: the test token, Oscar as the operator, Jakarta, and
    no throttling (Telegram's limits are the limiter's business, tested apart)."""
    values: dict[str, Any] = {
        "telegram_bot_token": SecretStr(TEST_TOKEN),
        "database_url": database_url,
        "telegram_api_base_url": None,
        "pantau_admin_ids": frozenset({OPERATOR.id}),
        "pantau_timezone": "Asia/Jakarta",
        "log_level": "INFO",
        "pantau_rate_per_second": 0,
        "pantau_rate_per_group_minute": 0,
    }
    return Settings(_env_file=None, **(values | overrides))


def pantau_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of ``pantau`` run by a test: none of the caller's Telegram or Pantau
    settings, a database in ``workdir``, no colours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PANTAU_"))}
    env.pop("LOG_LEVEL", None)
    env.update({"DATABASE_URL": f"sqlite:///{workdir / 'cli.db'}", "NO_COLOR": "1"})
    env.update(extra)
    return env


def run_pantau(
    workdir: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """``pantau ARGS`` as an operator runs it, in ``workdir`` (no .env there): the real entry
    point, run in this process (see ``run_pantau_bytes``); its output as text, with the
    newlines a pipe read in text mode gives."""
    done = run_pantau_bytes(workdir, *args, stdin=stdin, **env)
    return subprocess.CompletedProcess(
        done.args, done.returncode, _text(done.stdout), _text(done.stderr)
    )


def _text(data: bytes) -> str:
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def run_pantau_bytes(
    workdir: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[bytes]:
    """``pantau ARGS`` without a new Python process: ``bot.cli.main`` in a thread of its own
    (an event loop of its own, as in a process), with what a process would have of its own
    swapped in and put back afterwards: the working directory, the environment, sys.argv,
    stdin, stdout and stderr (pipes: not a terminal), the root logger, warning filters and the
    CLI's secrets. An exception out of ``main`` is a traceback on stderr and exit 1, as in a
    process. Starting Python and importing Pantau (about a second of CPU) is what is saved;
    tests about the process itself use ``run_pantau_process``."""
    from bot import cli, cli_common

    out, err = io.BytesIO(), io.BytesIO()
    streams = [
        io.TextIOWrapper(buffer, encoding="utf-8", write_through=True) for buffer in (out, err)
    ]
    code: list[int] = []

    def run() -> None:
        try:
            code.append(cli.main(list(args)))
        except SystemExit as exc:  # argparse: --help, --version, a usage mistake
            if exc.code is None or isinstance(exc.code, int):
                code.append(exc.code or 0)
            else:
                sys.stderr.write(f"{exc.code}\n")
                code.append(1)
        except BaseException:
            traceback.print_exc()
            code.append(1)

    root = logging.getLogger()
    loggers = {
        logger: logger.level
        for logger in root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    }
    environment = pantau_env(workdir, **env)
    cwd, saved_environ, argv = os.getcwd(), dict(os.environ), sys.argv
    stdio = (sys.stdin, sys.stdout, sys.stderr)
    handlers, level = root.handlers[:], root.level
    secrets, debug = set(cli_common.SECRETS), dict(cli_common.DEBUG)
    cli_common.SECRETS.clear()
    cli_common.DEBUG["on"] = False
    try:
        with warnings.catch_warnings():
            os.chdir(workdir)
            os.environ.clear()
            os.environ.update(environment)
            sys.argv = ["pantau", *args]
            sys.stdin = io.StringIO(stdin)
            sys.stdout, sys.stderr = streams
            thread = threading.Thread(target=run, name="pantau", daemon=True)
            thread.start()
            thread.join(timeout=120)
            assert not thread.is_alive(), f"pantau {' '.join(args)}: still running after 120 s"
    finally:
        for stream in streams:
            stream.flush()
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved_environ)
        sys.argv = argv
        sys.stdin, sys.stdout, sys.stderr = stdio
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        for logger, logger_level in loggers.items():
            logger.setLevel(logger_level)
        cli_common.SECRETS.clear()
        cli_common.SECRETS.update(secrets)
        cli_common.DEBUG.update(debug)
    return subprocess.CompletedProcess(["pantau", *args], code[0], out.getvalue(), err.getvalue())


def copy_database(source: Path, workdir: Path) -> Path:
    """``workdir`` given the database that ``pantau`` left in ``source`` (both folders of
    ``run_pantau``): a module's tests start from one import instead of each running it."""
    shutil.copy2(source / "cli.db", workdir / "cli.db")  # the CLI's engine is disposed: no WAL
    return workdir


def run_pantau_process(
    workdir: Path, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` in a new process, for tests about the process itself."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=workdir,
        env=pantau_env(workdir, **env),
        timeout=120,
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """The one or two lines of a refusal: exit ``code``, no traceback, never the token."""
    out = result.stdout + result.stderr
    assert result.returncode == code, out
    assert "Traceback" not in out
    assert TEST_TOKEN not in out
    assert TEST_TOKEN.split(":")[1] not in out
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, result.stderr
    return result.stderr


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Harness:
    app: Application[Any, Any, Any, Any, Any, Any]
    api: OfflineBotAPI
    engine: Engine
    clock: Clock
    factory: UpdateFactory = field(init=False)

    def __post_init__(self) -> None:
        self.factory = UpdateFactory(self.app.bot, self.clock)

    @property
    def jobs(self) -> JobQueue[Any]:
        assert self.app.job_queue is not None
        return self.app.job_queue

    async def send_update(
        self, text: str, *, sender: Person, chat: ChatRef, **kwargs: Any
    ) -> list[SentMessage]:
        self.api.take()
        update = self.factory.message(text, sender=sender, chat=chat, **kwargs)
        await self.app.process_update(update)
        await self.flush()
        return self.api.take()

    async def flush(self) -> None:
        """Wait until the replies queued in the outbox have been sent."""
        await flush(self.app)

    async def say(
        self, text: str, *, sender: Person = ADMIN, chat: ChatRef = STAFF, **kwargs: Any
    ) -> str:
        """Send ``text`` as ``sender`` in ``chat``; the bot's replies as a person reads them."""
        sent = await self.send_update(text, sender=sender, chat=chat, **kwargs)
        return "\n".join(message.text for message in sent)

    async def tap(
        self,
        label: str,
        *,
        sender: Person,
        chat_id: int | None = None,
        workstream: str | None = None,
    ) -> str:
        """Press the button ``label`` on the newest prompt; the bot's messages and edits."""
        found = self.api.find_button(label, chat_id=chat_id, workstream=workstream)
        assert found is not None, f"no button {label!r}"
        prompt, data = found
        self.api.take()
        await self.app.process_update(self.factory.tap(prompt, data, sender=sender))
        await self.flush()
        return "\n".join(message.text for message in self.api.take())

    def reports(self) -> list[Report]:
        with session_scope(self.engine, readonly=True) as session:
            return list(session.exec(select(Report).order_by(Report.id)).all())  # type: ignore[arg-type]


@asynccontextmanager
async def running_app(settings: Settings, engine: Engine, clock: Clock) -> AsyncIterator[Harness]:
    """The application on ``engine`` over the offline Bot API, as the ``harness`` fixture
    gives it."""
    api = OfflineBotAPI(clock)
    app = build_application(settings, request=api, engine=engine, clock=clock)
    async with app:
        yield Harness(app, api, engine, clock)
    # Any Bot API method the offline transport does not know is a test failure.
    assert api.unknown == []


@asynccontextmanager
async def another_instance(
    h: Harness, settings: Settings
) -> AsyncIterator[tuple[PantauApp, OfflineBotAPI]]:
    """Another process on the same database (a restart, a second instance): its own engine
    and transport, the harness's clock."""
    api = OfflineBotAPI(h.clock)
    engine = make_engine(settings.database_url)
    app = build_application(settings, request=api, engine=engine, clock=h.clock)
    try:
        async with app:
            yield app, api
    finally:
        engine.dispose()


async def flush(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Replies leave through the outbox after the handler returns: wait for them."""
    assert isinstance(app.bot, PantauBot)
    await within(app.bot.outbox.drain(), "the outbox never drained")


def assert_trail_intact(engine: Engine) -> None:
    """What ``pantau verify`` checks: every tracker's chain recomputes from its rows."""
    with session_scope(engine, readonly=True) as session:
        problems = [str(r.problem) for r in verify(session) if r.problem is not None]
    assert problems == [], "the audit trail does not verify"


def busiest(times: list[float], window: float) -> int:
    """The most events in any ``window`` seconds (how a send budget is checked)."""
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def seed_tracker(h: Harness) -> None:
    """The story's tracker, built through chat commands as an admin would."""
    await h.say("/setup tiktok-tokopedia 2024-04-12 TikTok Shop → Tokopedia", sender=OPERATOR)
    await h.say(f"/grant {ADMIN.id} admin", sender=OPERATOR)
    await h.say("/workstream add payments Payments", sender=ADMIN)
    await h.say("/workstream add sellers weight=2 Seller back-end", sender=ADMIN)
    for person in (BUDI, SARI, DEWI):
        await h.say("/start", sender=person, chat=ChatRef(person.id))
    await h.say("/grant @budi_s reporter", sender=ADMIN)
    await h.say("/grant 1003 reporter", sender=ADMIN)
