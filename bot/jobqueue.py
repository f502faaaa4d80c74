"""PTB's JobQueue as Pantau uses it: jobs with deterministic names, replaced (never doubled)
when registered again, on timezone-aware cron triggers that tolerate a busy loop."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from telegram.ext import JobQueue

from bot.context import PantauApp

# APScheduler's default misfire grace time is one second: a job whose loop was busy for two
# seconds would be silently skipped. An hour still runs it, once (coalesce).
MISFIRE_GRACE = timedelta(hours=1)


def job_queue(application: PantauApp) -> JobQueue:  # type: ignore[type-arg]
    queue = application.job_queue
    assert queue is not None, "python-telegram-bot[job-queue] is a dependency"
    return queue


def remove_jobs(application: PantauApp, name: str) -> None:
    for job in job_queue(application).get_jobs_by_name(name):
        job.schedule_removal()


def cron(
    application: PantauApp,
    callback: object,
    name: str,
    *,
    day_of_week: str,
    at: time,
    tz_name: str,
    data: int,
) -> None:
    """(Re)create the job ``name``: ``callback`` on those days at ``at``, local time."""
    remove_jobs(application, name)
    trigger = CronTrigger(
        day_of_week=day_of_week, hour=at.hour, minute=at.minute, timezone=ZoneInfo(tz_name)
    )
    job_queue(application).run_custom(
        callback,  # type: ignore[arg-type]
        job_kwargs={
            "trigger": trigger,
            "id": name,
            "replace_existing": True,
            "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
            "coalesce": True,
        },
        name=name,
        data=data,
    )


def once(application: PantauApp, callback: object, name: str) -> None:
    """Queue one run for when the scheduler starts (replacing any queued one)."""
    remove_jobs(application, name)
    job_queue(application).run_once(callback, when=0, name=name)  # type: ignore[arg-type]


def digest_job_name(chat_id: int) -> str:
    return f"digest:{chat_id}"


def reminders_job_name(chat_id: int) -> str:
    return f"reminders:{chat_id}"


def unregister_chat(application: PantauApp, chat_id: int) -> None:
    """A chat that no longer follows a tracker (or refuses the bot): its jobs end."""
    remove_jobs(application, digest_job_name(chat_id))
    remove_jobs(application, reminders_job_name(chat_id))
