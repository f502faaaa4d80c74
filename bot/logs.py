"""Logging set-up. The bot token must never reach a log line."""

from __future__ import annotations

import logging
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks secrets out of the whole line, tracebacks included.

    Below DEBUG (``tracebacks=False``) an exception is logged as one line under the message
    (its type and text): an operator reads what went wrong, and LOG_LEVEL=DEBUG shows where.
    """

    def __init__(self, *secrets: str | None, tracebacks: bool = True) -> None:
        super().__init__(FORMAT)
        self.secrets = [secret for secret in secrets if secret]
        self.tracebacks = tracebacks

    def formatException(self, ei: Any) -> str:
        if self.tracebacks:
            return super().formatException(ei)
        exc = ei[1]
        first = str(exc).splitlines()[0] if str(exc) else ""
        return f"  {type(exc).__name__}: {first} (LOG_LEVEL=DEBUG shows the traceback)"

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "<secret>")
        return text


def configure_logging(level: str, *secrets: str | None) -> None:
    """Log to stderr with the bot token (and any other secret) never written out."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(*secrets, tracebacks=level == "DEBUG"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
