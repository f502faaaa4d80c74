"""Before ``pantau run`` polls: is Telegram there, and does it take the token?

PTB's own start-up tries once and ends in a traceback (a rejected token's message carries the
token in the request URL). Here a separate ``Bot`` asks ``getMe`` in an event loop of its own,
before the application is built: a network failure is retried with growing pauses, one line per
attempt; a rejected token is one line that never shows it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import BadRequest, InvalidToken, NetworkError

MAX_PAUSE = 30.0


class StartupError(Exception):
    """Telegram cannot be used: the message says why and what to do."""


def pauses(attempts: int) -> list[float]:
    """The waits between ``attempts`` tries: 1, 2, 4, … seconds, at most ``MAX_PAUSE``."""
    return [min(MAX_PAUSE, 2.0**n) for n in range(attempts - 1)]


async def check_telegram(
    token: str,
    *,
    base_url: str | None,
    attempts: int,
    say: Callable[[str], None] = lambda line: print(line, file=sys.stderr),  # noqa: T201
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> str:
    """The bot's @username once ``getMe`` answers; ``StartupError`` when it never does."""
    where = urlsplit(base_url).netloc if base_url else "api.telegram.org"
    waits = pauses(attempts)
    for attempt in range(1, attempts + 1):
        bot = Bot(token, base_url=base_url) if base_url else Bot(token)
        try:
            async with bot:
                return bot.username
        except InvalidToken:
            raise StartupError(
                f"Telegram ({where}) rejected TELEGRAM_BOT_TOKEN: copy the token again from "
                "@BotFather (/mybots → API Token) into .env or the environment."
            ) from None
        except BadRequest as exc:  # an answer, not a network failure: retrying will not help
            raise StartupError(
                f"Telegram ({where}) refused getMe: {_redact(exc, token)}"
            ) from None
        except NetworkError as exc:  # includes TimedOut
            reason = _redact(exc, token)
            if attempt == attempts:
                raise StartupError(
                    f"cannot reach Telegram at {where} after {attempts} attempts ({reason}). "
                    "Check the network (or TELEGRAM_API_BASE_URL) and start again."
                ) from None
            pause = waits[attempt - 1]
            say(
                f"pantau: cannot reach Telegram at {where} (attempt {attempt} of {attempts}: "
                f"{reason}); trying again in {pause:g} s"
            )
            await sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover


def _redact(exc: Exception, token: str) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.replace(token, "<token>").replace(token.split(":")[-1], "<token>")
