"""What the test_schedules* modules share: Jakarta's wall clock, the notices sent, and the
story's tracker with its managers' group linked and scheduled."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from telegram.ext import JobQueue

from bot.context import PantauApp
from storage import notices as notice_store
from storage.db import session_scope
from storage.models import Notice
from tests.helpers import MANAGERS, Harness, seed_tracker

JAKARTA = ZoneInfo("Asia/Jakarta")


def wib(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    """A Jakarta wall-clock time as UTC."""
    return datetime(year, month, day, hour, minute, second, tzinfo=JAKARTA).astimezone(UTC)


def jq(app: PantauApp) -> JobQueue[Any]:
    assert app.job_queue is not None
    return app.job_queue


def notices(engine: Engine) -> list[Notice]:
    with session_scope(engine, readonly=True) as session:
        return notice_store.notices(session)


async def tracked(h: Harness, schedule: str | None = "daily 09:00") -> None:
    """The story's tracker, the managers' group linked to it with a digest on ``schedule``
    (none when None)."""
    await seed_tracker(h)
    await h.say("/setup tiktok-tokopedia", chat=MANAGERS)
    if schedule:
        await h.say(f"/schedule {schedule}", chat=MANAGERS)
