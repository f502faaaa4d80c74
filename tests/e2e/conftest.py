"""The real bot process (``python -m bot run``) against the emulator on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from storage.db import make_engine, session_scope
from storage.models import Report
from tests.e2e.emulator import BotAPIEmulator, Chat, User, running
from tests.e2e.forked import Forked
from tests.helpers import assert_trail_intact

TOKEN = "777000111:E2E-token-that-must-not-leak"
ROOT = Path(__file__).resolve().parents[2]

OPERATOR = User(9001, "Oscar", "oscar_ops")
REPORTERS = [
    User(2001, "Budi", "budi_s"),
    User(2002, "Sari", "sari_w"),
    User(2003, "Rina", "rina_p"),
    User(2004, "Tono", "tono_k"),
]
STRANGER = User(2999, "Dewi", "dewi_a")
STAFF = Chat(-1002001, "Tim Pemantau")
MANAGERS = Chat(-1002002, "Pimpinan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BotProcess:
    """``pantau run`` as a subprocess; its log goes to a file the test can read."""

    emulator: BotAPIEmulator
    url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    # Time constants scaled for a test (tests/e2e/launch.py; zero or empty: the bot's own).
    clock_ahead: float | None = None  # seconds the bot's wall clock runs ahead of the real one
    group_window: int = 0  # seconds of Telegram's per-group window (a minute)
    retry_delays: tuple[float, ...] = ()  # pauses before retrying a failed Bot API call
    read_timeout: float = 0.0  # seconds a Bot API call waits for its answer
    process: Forked | None = None
    starts: int = 0

    @property
    def db_path(self) -> Path:
        return self.workdir / "pantau.db"

    @property
    def log_path(self) -> Path:
        return self.workdir / "bot.log"

    def env(self) -> dict[str, str]:
        # Without PYTHONDONTWRITEBYTECODE (some machines set it) each start reuses the bytecode
        # the previous one wrote, instead of compiling Pantau and its libraries again.
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "PANTAU_")) and k != "PYTHONDONTWRITEBYTECODE"
        }
        env.update(
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": self.url,
                "DATABASE_URL": f"sqlite:///{self.db_path}",
                "PANTAU_EVIDENCE_DIR": str(self.workdir / "evidence"),
                "PANTAU_ADMIN_IDS": str(OPERATOR.id),
                "PANTAU_TIMEZONE": "Asia/Jakarta",
                # Bursts of hundreds of replies to one group: Telegram's per-group limit
                # would stretch a test to minutes. The limiter's retry on 429 stays on.
                "PANTAU_RATE_PER_SECOND": "0",
                "PANTAU_RATE_PER_GROUP_MINUTE": "0",
                # Checking a country code loads every country of the holidays package (about
                # a second of CPU per start); no test but the check-in's needs a calendar.
                "PANTAU_HOLIDAYS": "off",
                # The bot talks plain HTTP to the emulator: no certificate store to load (httpx
                # reads certifi's bundle for each of its four clients, 0.1 s of CPU each).
                "SSL_CERT_DIR": str(self.workdir),
                "LOG_LEVEL": "INFO",
            }
        )
        env.update(self.extra_env)
        return env

    def launcher(self) -> list[str]:
        """tests/e2e/launch.py (the bot with Pantau's modules imported apart; see there) with
        the time constants this test scales."""
        scaled = {
            "--ahead": str(self.clock_ahead) if self.clock_ahead is not None else "",
            "--group-window": str(self.group_window) if self.group_window else "",
            "--retry-delays": ",".join(str(d) for d in self.retry_delays),
            "--read-timeout": str(self.read_timeout) if self.read_timeout else "",
        }
        options = [part for name, value in scaled.items() if value for part in (name, value)]
        return [*options, "--"]

    def start(self, *args: str, wait_for: str | None = "getUpdates") -> None:
        calls_before = sum(1 for m, _ in self.emulator.calls if m == wait_for)
        self.process = Forked(
            [*self.launcher(), "run", *args], cwd=self.workdir, env=self.env(), log=self.log_path
        )
        self.starts += 1
        if wait_for is not None:
            try:
                # Generous: a busy machine may take long to start Python and import Pantau.
                self.emulator.wait_for_call(wait_for, calls_before + 1, timeout=60)
            except TimeoutError:
                raise AssertionError(f"bot did not start:\n{self.log()}") from None

    def stop(self) -> int:
        """SIGTERM, as systemd does; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self.process = None
        return code

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no cleanup of any kind
        self.process.wait(timeout=10)
        self.process = None

    def shift_clock(self, seconds: float) -> None:
        """Move the running bot's clock (started with ``clock_ahead``) on by ``seconds``."""
        assert self.process is not None
        assert self.clock_ahead is not None
        shifts = self.log().count("launch.py: clock moved on")
        (self.workdir / "clock-shift").write_text(str(seconds))
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 15
        while self.log().count("launch.py: clock moved on") == shifts:
            if time.monotonic() > deadline:
                raise AssertionError(f"the clock did not move within 15 s:\n{self.log()}")
            time.sleep(0.02)
        self.clock_ahead += seconds

    def wait_log(self, text: str, timeout: float = 15.0) -> None:
        """Wait until the bot's log says ``text``."""
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not logged within {timeout} s:\n{self.log()}")
            time.sleep(0.05)

    def keep_figures(self, name: str, summary: str) -> None:
        """Print a test's figures (for the notes) and keep them beside its log."""
        print(summary)  # noqa: T201
        (self.workdir / name).write_text(summary)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def engine(self) -> Engine:
        return make_engine(f"sqlite:///{self.db_path}")

    def reports(self) -> list[Report]:
        engine = self.engine()
        with session_scope(engine, readonly=True) as session:
            rows = list(session.exec(select(Report).order_by(Report.id)).all())  # type: ignore[arg-type]
        engine.dispose()
        return rows


@pytest.fixture
def emulator() -> Iterator[BotAPIEmulator]:
    with running(TOKEN) as emu:
        yield emu


@pytest.fixture
def bot(emulator: BotAPIEmulator, tmp_path: Path) -> Iterator[BotProcess]:
    proc = BotProcess(emulator, emulator.url, tmp_path)
    yield proc
    if proc.process is not None:
        proc.stop()
    if proc.db_path.exists():  # what the real process recorded verifies from its rows
        engine = make_engine(f"sqlite:///{proc.db_path}")
        try:
            assert_trail_intact(engine)
        finally:
            engine.dispose()
    assert TOKEN not in proc.log(), "the token leaked into the log"
    assert TOKEN.split(":")[1] not in proc.log()


class Conversation:
    """A person typing into a chat and reading the bot's answer."""

    def __init__(self, emulator: BotAPIEmulator) -> None:
        self.emulator = emulator

    def say(self, text: str, *, user: User, chat: Chat, timeout: float = 15.0, **kw: Any) -> str:
        mark = self.emulator.mark()
        update = self.emulator.send(text, user=user, chat=chat, **kw)
        message_id = update["message"]["message_id"]
        return self.emulator.replies_to(chat.id, message_id, since=mark, timeout=timeout)


@pytest.fixture
def chat(emulator: BotAPIEmulator) -> Conversation:
    return Conversation(emulator)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
