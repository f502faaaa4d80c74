"""Logging set-up. The bot token must never reach a log line."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks secrets out of the whole line, tracebacks included."""

    def __init__(self, *secrets: str | None) -> None:
        super().__init__(FORMAT)
        self.secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "<secret>")
        return text


def configure_logging(level: str, *secrets: str | None) -> None:
    """Log to stderr with the bot token (and any other secret) never written out."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter(*secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
