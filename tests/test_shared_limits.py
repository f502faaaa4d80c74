"""Several instances share Telegram's budget through Redis (PANTAU_REDIS_URL)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot import transport
from bot.app import build_application
from bot.config import Settings
from bot.outbox import Outgoing
from bot.ratelimit import SendLimiter
from bot.transport import PantauBot
from storage.db import make_engine
from storage.migrate import upgrade
from tests.e2e.emulator import BotAPIEmulator, running
from tests.helpers import busiest, make_settings

TOKEN = "777000222:shared-limits-token"
RATE = 10  # messages a second for both instances together
# The group's budget in the instance test: a few a minute, so that a handful of messages per
# instance (fewer than the budget alone, more than it together) proves the sharing in seconds.
GROUP_PER_MINUTE = 5
GROUP = -100900


@pytest.fixture
def prefix() -> str:
    """Keys of this test only, whoever else uses the Redis server."""
    return f"pantau-test-{uuid.uuid4().hex[:12]}"


async def test_two_limiters_on_one_redis_share_the_group_and_global_windows(
    redis_url: str, prefix: str
) -> None:
    a, b = (
        SendLimiter(
            rate_per_second=10,
            rate_per_group_minute=5,
            group_period=1,  # 5 a second: the shape of 20 a minute, in a test's time
            redis_url=redis_url,
            key_prefix=prefix,
        )
        for _ in range(2)
    )
    await a.initialize()
    await b.initialize()
    group_times: list[float] = []
    all_times: list[float] = []

    async def send(limiter: SendLimiter, chat_id: int) -> None:
        await limiter.acquire(chat_id)
        moment = time.monotonic()
        all_times.append(moment)
        if chat_id < 0:
            group_times.append(moment)

    try:
        started = time.monotonic()
        await asyncio.gather(
            # Each instance alone would send its 3 group messages in the first window.
            *(send(limiter, GROUP) for limiter in (a, b) for _ in range(3)),
            *(send(limiter, 5000 + n) for n, limiter in enumerate([a, b] * 5)),
        )
        elapsed = time.monotonic() - started
    finally:
        await a.shutdown()
        await b.shutdown()
    assert len(group_times) == 6
    # One window for both instances. A slot is dated when it is taken and observed here a few
    # milliseconds later (two instances share this event loop), hence windows shortened by 50 ms.
    assert busiest(group_times, 0.95) <= 5
    assert busiest(all_times, 0.95) <= 10
    # Together, the 6 group messages (and the 16 messages over all) need a second window.
    assert elapsed >= 1.0


@pytest.fixture
def emulator() -> Iterator[BotAPIEmulator]:
    with running(TOKEN) as emu:
        yield emu


def _settings(tmp: Path, url: str, redis_url: str, prefix: str) -> Settings:
    return make_settings(
        f"sqlite:///{tmp / 'pantau.db'}",
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=url,
        pantau_rate_per_second=RATE,
        pantau_rate_per_group_minute=GROUP_PER_MINUTE,
        pantau_redis_url=redis_url,
        pantau_redis_prefix=prefix,
    )


async def test_two_instances_with_redis_against_one_emulator_never_exceed_the_rates(
    emulator: BotAPIEmulator,
    tmp_path: Path,
    redis_url: str,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(transport, "OUTBOX_GRACE_SECONDS", 0.1)  # the rest waits a minute
    # When each instance's limiter granted a send, whichever instance it was: the emulator sees
    # a message later than its slot, by as much as a busy machine stalls this event loop.
    granted: list[float] = []
    acquire = SendLimiter.acquire

    async def recorded(limiter: SendLimiter, chat_id: object) -> None:
        await acquire(limiter, chat_id)
        granted.append(time.monotonic())

    monkeypatch.setattr(SendLimiter, "acquire", recorded)
    settings = _settings(tmp_path, emulator.url, redis_url, prefix)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    apps = [build_application(settings, engine=engine) for _ in range(2)]
    try:
        for app in apps:
            await app.initialize()
        # Each instance has 4 answers for the group (fewer than its budget of 5, were it alone)
        # and 8 for private chats: 16 together, more than RATE in the first second.
        for app in apps:
            assert isinstance(app.bot, PantauBot)
            for n in range(8):
                if n < 4:
                    app.bot.outbox.put(Outgoing(GROUP, f"answer {n}"))
                app.bot.outbox.put(Outgoing(6000 + n + 100 * apps.index(app), f"private {n}"))

        def sent() -> tuple[list[float], list[float]]:
            group = [m.at for m in emulator.sent if m.chat_id == GROUP]
            return group, [m.at for m in emulator.sent if m.chat_id > 0]

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # noqa: ASYNC110 (the emulator runs in threads)
            to_group, private = sent()
            if len(to_group) >= GROUP_PER_MINUTE and len(private) >= 16:
                break
            await asyncio.sleep(0.05)
        # Half a second more: the overall budget (RATE a second, all of it free by now) would
        # let any group message through that did not wait for the group's window.
        await asyncio.sleep(0.5)
        to_group, private = sent()
    finally:
        for app in apps:
            await app.shutdown()
        engine.dispose()
    assert len(private) == 16
    assert len(to_group) == GROUP_PER_MINUTE  # the group's budget, shared: the other 3 wait
    # RATE a second for both instances together, in the slots their limiters granted (every
    # message that arrived had one; the 50 ms cut is the time from taking a slot to noting it).
    assert len(granted) == len(to_group) + len(private)
    assert busiest(granted, 0.95) <= RATE
