"""Telegram's send limits, counted over moving windows and shareable between instances.

Telegram allows a bot about 30 messages a second in all and 20 a minute into one group, and
tolerates short bursts in a chat. Both budgets are counted here over a *moving window* (the
``limits`` library's moving-window strategy): a conversation of a few commands is answered at
once, and only a message past the budget waits — never an even pace of one per 3 s. With
``PANTAU_REDIS_URL`` the windows live in Redis, so every instance draws on one budget;
without it they live in this process.

``SendLimiter`` is a ``telegram.ext.BaseRateLimiter`` (PTB's public hook), so every request
with a ``chat_id`` — replies, notices, pictures, files — passes through it. On a 429 it waits
``retry_after`` and tries again, up to ``max_retries`` times; requests of other chats wait for
the same pause (Telegram's flood control is per bot). After a pause each request still takes
a slot in the window, so the budget is never exceeded in a burst.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import warnings
import weakref
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

JSON = bool | dict[str, Any] | list[dict[str, Any]]
KEY_PREFIX = "pantau"
# Never sleep less than this when a window is full: the storage's clock has a resolution.
MIN_SLEEP = 0.005
EDGE_MARGIN = 0.02


def per_second(rate: float) -> RateLimitItem | None:
    """``rate`` messages a second as a window item (a fraction: 1 per ⌈1/rate⌉ s)."""
    if rate <= 0:
        return None
    if rate >= 1:
        return RateLimitItemPerSecond(int(rate))
    return RateLimitItemPerSecond(1, math.ceil(1 / rate))


def per_period(rate: float, seconds: int) -> RateLimitItem | None:
    """``rate`` messages per ``seconds`` (a minute for Telegram's groups; tests shorten it)."""
    if rate <= 0:
        return None
    if rate >= 1:
        return RateLimitItemPerSecond(int(rate), seconds)
    return RateLimitItemPerSecond(1, math.ceil(seconds / rate))


def group_of(chat_id: object) -> str | None:
    """The group a request goes to, or None (a private chat, or not a chat at all).

    Groups and channels have negative ids; a string id (``@channel``) is always one.
    """
    if isinstance(chat_id, str):
        try:
            number = int(chat_id)
        except ValueError:
            return chat_id
    elif isinstance(chat_id, int):
        number = chat_id
    else:
        return None
    return str(number) if number < 0 else None


class SendLimiter(BaseRateLimiter[None]):
    """The global and per-group send budgets over moving windows (Redis or in memory)."""

    def __init__(
        self,
        *,
        rate_per_second: float,
        rate_per_group_minute: float,
        redis_url: str | None = None,
        key_prefix: str = KEY_PREFIX,
        max_retries: int = 3,
        group_period: int = 60,
    ) -> None:
        self.overall = per_second(rate_per_second)
        self.group = per_period(rate_per_group_minute, group_period)
        self.redis_url = redis_url
        self.key_prefix = key_prefix
        self.max_retries = max_retries
        self._storage: Storage | None = None
        self._windows: MovingWindowRateLimiter | None = None
        self._pool: Any = None
        self._paused_until = 0.0  # time.monotonic() before which nothing is sent
        # Per group: when this instance sent to it within the window (for estimates only).
        self._sent: dict[str, deque[float]] = {}
        self._overall_lock = asyncio.Lock()
        self._group_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    @property
    def shared(self) -> bool:
        return self.redis_url is not None

    async def initialize(self) -> None:
        if self._windows is not None:
            return
        if self.redis_url:
            from redis.asyncio import ConnectionPool  # only deployments with Redis need it

            # Our own pool, so shutdown() can close it (the library would leave it open).
            self._pool = ConnectionPool.from_url(self.redis_url.removeprefix("async+"))
            self._storage = RedisStorage(
                "async+" + self.redis_url.removeprefix("async+"),
                implementation="redispy",
                key_prefix=self.key_prefix,
                connection_pool=self._pool,
            )
        else:
            self._storage = MemoryStorage()
        self._windows = MovingWindowRateLimiter(self._storage)
        if self.redis_url:
            # Connect and load the scripts now: the first real check must not be dated
            # before a connection set-up.
            await self._windows.hit(RateLimitItemPerSecond(1), "warm-up")
            await self._windows.test(RateLimitItemPerSecond(1), "warm-up")

    async def shutdown(self) -> None:
        if self._pool is not None:
            await self._pool.disconnect()
            self._pool = None
        elif self._storage is not None:
            await self._storage.reset()
            timer = getattr(self._storage, "timer", None)  # the memory storage's sweeper
            if isinstance(timer, asyncio.Task):
                timer.cancel()
        self._storage = None
        self._windows = None

    async def _ready(self) -> MovingWindowRateLimiter:
        if self._windows is None:
            await self.initialize()
        assert self._windows is not None
        return self._windows

    # --- the budget --------------------------------------------------------------------------

    async def wait_for(self, chat_id: object) -> float:
        """Seconds until a message to this chat could go (0: now), without taking a slot."""
        wait = max(0.0, self._paused_until - time.monotonic())
        if self.overall is None and self.group is None:
            return wait
        windows = await self._ready()
        now = time.time()
        group = group_of(chat_id)
        if self.group is not None and group is not None:
            stats = await windows.get_window_stats(self.group, "group", group)
            if stats.remaining <= 0:
                wait = max(wait, stats.reset_time - now)
        if self.overall is not None:
            stats = await windows.get_window_stats(self.overall, "all")
            if stats.remaining <= 0:
                wait = max(wait, stats.reset_time - now)
        return wait

    async def acquire(self, chat_id: object) -> None:
        """Wait until both budgets have room for one message to this chat, and take it.

        Senders queue in order: per group for the group's window, then all together for the
        global one, so only the first in line polls a full window (no stampede of hundreds
        of senders at each slot) and a slot's time is taken when its check is sent, never
        before a queue of checks ahead of it.
        """
        if self.overall is None and self.group is None:
            await self._wait_out_pause()
            return
        windows = await self._ready()
        group = group_of(chat_id) if self.group is not None else None
        if group is None:
            await self._take_overall(windows)
            return
        assert self.group is not None
        lock = self._group_locks.get(group)
        if lock is None:
            lock = self._group_locks[group] = asyncio.Lock()
        async with lock:
            while True:
                while not await windows.test(self.group, "group", group):
                    await self._sleep_until_reset(windows, self.group, "group", group)
                await self._take_overall(windows)
                if await windows.hit(self.group, "group", group):
                    break
                # Another instance took the group's last slot between our test and our hit:
                # the overall slot is spent, which only errs on the safe side.
        self._sent.setdefault(group, deque()).append(time.time())

    async def _take_overall(self, windows: MovingWindowRateLimiter) -> None:
        async with self._overall_lock:
            while True:
                await self._wait_out_pause()
                if self.overall is None or await windows.hit(self.overall, "all"):
                    return
                await self._sleep_until_reset(windows, self.overall, "all")

    async def _wait_out_pause(self) -> None:
        pause = self._paused_until - time.monotonic()
        while pause > 0:  # Telegram's 429 pause holds even without budgets of our own
            await asyncio.sleep(pause)
            pause = self._paused_until - time.monotonic()

    @staticmethod
    async def _sleep_until_reset(
        windows: MovingWindowRateLimiter, item: RateLimitItem, *identifiers: str
    ) -> None:
        """Sleep until the oldest entry of the full window leaves it (and a hair more: what
        Telegram counts arrives a few milliseconds after the slot was taken)."""
        stats = await windows.get_window_stats(item, *identifiers)
        await asyncio.sleep(max(MIN_SLEEP, stats.reset_time - time.time() + EDGE_MARGIN))

    def estimate(self, chat_id: object, position: int) -> float:
        """Seconds until the ``position``-th next message to this chat could go, by this
        instance's own sends to the group (messages of other instances are not counted: an
        estimate, for deciding to merge acknowledgements, never for sending)."""
        group = group_of(chat_id)
        if group is None or self.group is None:
            return 0.0
        limit, period = self.group.amount, self.group.get_expiry()
        now = time.time()
        sent = self._sent.get(group)
        while sent and sent[0] <= now - period:
            sent.popleft()
        if not sent:
            self._sent.pop(group, None)
            return 0.0 if position <= limit else period * ((position - 1) // limit)
        free = limit - len(sent)
        if position <= free:
            return 0.0
        rounds, index = divmod(position - free - 1, limit)
        # The n-th slot to free is the n-th oldest send leaving the window (then a period more
        # for each further round).
        frees_at = sent[index] + period if index < len(sent) else now + period
        return max(0.0, frees_at + period * rounds - now)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing leaves this instance for ``seconds``."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    # --- PTB's hook ----------------------------------------------------------------------------

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,  # noqa: ARG002 (PTB's signature; no per-call arguments here)
    ) -> JSON:
        chat_id = data.get("chat_id")
        if chat_id is None or data.get("allow_paid_broadcast"):
            # getUpdates, setMyCommands, getMe…: no chat, no budget (as PTB's own limiter).
            return await callback(*args, **kwargs)
        retries = self.max_retries
        attempt = 0
        while True:
            await self.acquire(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                attempt += 1
                if attempt > retries:
                    raise
                wait = retry_after_seconds(exc)
                log.info(
                    "%s to %s: Telegram asks to wait %ss (try %s of %s)",
                    endpoint,
                    chat_id,
                    wait,
                    attempt,
                    retries,
                )
                self.pause(wait + 0.1)


def retry_after_seconds(exc: RetryAfter) -> float:
    """The pause Telegram asked for, in seconds, in PTB 22 (a number, with a deprecation
    warning) as in PTB 23 (a ``timedelta``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)
