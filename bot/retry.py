"""Retrying a Bot API call after timeouts and server errors.

``RetryAfter`` (429) is the rate limiter's business; ``BadRequest`` is final (PTB makes it a
``NetworkError`` subclass, so it is excluded by name); everything else that is a
``NetworkError`` — timeouts, 5xx, dropped connections — is tried again after a pause.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from telegram.error import BadRequest, NetworkError

log = logging.getLogger(__name__)
T = TypeVar("T")

# Seconds to wait before each retry (two retries); tests shorten them.
NETWORK_RETRY_DELAYS: tuple[float, ...] = (2.0, 8.0)


@dataclass
class Attempts:
    """How many times a call was tried, for the caller's records."""

    count: int = 0


async def with_network_retries(
    call: Callable[[], Awaitable[T]], *, what: str, attempts: Attempts | None = None
) -> T:
    attempts = attempts or Attempts()
    while True:
        attempts.count += 1
        try:
            return await call()
        except BadRequest:
            raise
        except NetworkError as exc:
            tries = sum(1 for _ in NETWORK_RETRY_DELAYS)
            if attempts.count > tries:
                raise
            delay = NETWORK_RETRY_DELAYS[attempts.count - 1]
            log.warning("%s: %s; retrying in %ss", what, exc.message, delay)
            await asyncio.sleep(delay)
