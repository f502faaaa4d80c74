"""The JobQueue by job name: removing a chat's jobs, shared by the scheduler (``bot.jobs``,
``bot.checkins``), which creates them, and the sender (``bot.notices``), which drops them when a
chat refuses the bot. A module of its own so that neither of those imports the other.

Job names are deterministic (``digest:<chat>``, ``reminders:<chat>``, ``quiet:<tracker>``,
``checkin:<tracker>``): registering again replaces a job, removing by name finds it.
"""

from __future__ import annotations

from telegram.ext import JobQueue

from bot.context import PantauApp


def job_queue(application: PantauApp) -> JobQueue:  # type: ignore[type-arg]
    queue = application.job_queue
    assert queue is not None, "python-telegram-bot[job-queue] is a dependency"
    return queue


def remove_jobs(application: PantauApp, name: str) -> None:
    for job in job_queue(application).get_jobs_by_name(name):
        job.schedule_removal()


def unregister_chat(application: PantauApp, chat_id: int) -> None:
    """A chat no longer served: its digest and reminder jobs go."""
    remove_jobs(application, f"digest:{chat_id}")
    remove_jobs(application, f"reminders:{chat_id}")
