"""What every ``pantau`` subcommand shares: the one-line error, settings and a migrated engine
read with clear errors, where output goes, and the secrets never printed.

``bot.cli`` imports this module before it knows the subcommand, so pydantic, SQLAlchemy and
Alembic are imported inside the functions that use them: ``pantau --help`` and ``--version``
answer without loading them."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

    from bot.config import Settings
    from storage.models import Tracker

EXIT_USAGE = 2
CHART_FORMATS = ("png", "svg", "pdf")
EXIT_FAILED = 1
log = logging.getLogger("pantau")
# Values never to print, whatever goes wrong (the token, once settings are read).
SECRETS: set[str] = set()
DEBUG = {"on": False}


class CliError(Exception):
    """Ends the command with one clear line on stderr and exit code 2."""


def load_settings() -> Settings:
    from pydantic import ValidationError

    from bot.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        # Never print the input values: one of them may be the token.
        lines = [
            f"{'.'.join(str(p) for p in err['loc']).upper()}: "
            + err["msg"].removeprefix("Value error, ")
            for err in exc.errors()
        ]
        raise CliError("invalid configuration: " + "; ".join(lines)) from None
    if settings.telegram_bot_token is not None:
        SECRETS.add(settings.telegram_bot_token.get_secret_value().strip())
    if settings.log_level == "DEBUG":
        DEBUG["on"] = True
    return settings


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def ready_engine(settings: Settings) -> Engine:
    """An engine on a database migrated to the newest schema, or one clear error line."""
    from sqlalchemy.exc import DatabaseError

    from storage.db import DatabaseUrlError, make_engine
    from storage.migrate import upgrade

    where = safe_url(settings.database_url)
    try:
        engine = make_engine(settings.database_url)
    except OSError as exc:  # the SQLite file's folder cannot be created
        raise CliError(
            f"cannot create the database folder {exc.filename}: {exc.strerror}. "
            "Point DATABASE_URL at a folder you may write to, e.g. sqlite:///data/pantau.db"
        ) from None
    except DatabaseUrlError as exc:
        raise CliError(f"DATABASE_URL: {exc}") from None
    try:
        upgrade(engine)
    except (DatabaseError, OSError) as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise CliError(
            f"cannot use the database at {where}: {reason}. "
            "Nothing was changed; check the file (or restore a backup) and DATABASE_URL."
        ) from None
    except ModuleNotFoundError as exc:  # a PostgreSQL URL naming a driver we do not ship
        engine.dispose()
        raise CliError(f"cannot use the database at {where}: {exc}") from None
    return engine


def open_engine() -> tuple[Engine, Settings]:
    settings = load_settings()
    return ready_engine(settings), settings


def write_out(out: str, content: bytes) -> str:
    """Write to the file ``out`` (``-``: standard output); returns where it went."""
    from bot.files import write_private

    if out == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return "standard output"
    try:
        write_private(Path(out), content)
    except OSError as exc:
        raise CliError(
            f"cannot write {out}: {exc.strerror}; choose a file in a folder that exists "
            "and that you may write to (or --out - for standard output)"
        ) from None
    return out


def named_tracker(session: Session, key: str | None, url: str) -> Tracker:
    """The tracker ``--tracker`` names, or the only one there is."""
    from storage import trackers as tracker_store

    if key is None:
        every = tracker_store.all_trackers(session)
        if len(every) == 1:
            return every[0]
        keys = ", ".join(t.key for t in every) or "none"
        raise CliError(f"name the tracker with --tracker (trackers in {safe_url(url)}: {keys})")
    tracker = tracker_store.get_tracker(session, key=key)
    if tracker is None:
        raise CliError(f"no tracker {key!r} in {safe_url(url)}")
    return tracker


def result_line(out: str, line: str) -> None:
    """The result line: on stderr when the result itself went to standard output."""
    print(line, file=sys.stderr if out == "-" else sys.stdout)


def redact(text: str) -> str:
    for secret in SECRETS:
        text = text.replace(secret, "<secret>")
    return text
