"""Scheduled check-ins: each workstream's owners asked in private, with buttons to answer.

One job per tracker with a check-in schedule, ``checkin:<tracker>``, runs every day at the
check-in time (tracker timezone) and decides there: nothing on weekends and public holidays;
on a scheduled day every owner is asked about their workstreams below 100%; on other working
days only owners of workstreams at risk with 14 days or fewer left. Each prompt is a notice
claimed under ``checkin:<tracker>@<local date>`` for the owner's private chat, so a person is
asked at most once a day per tracker, across restarts and instances. An owner Telegram will
not let us write to (never pressed Start) is named once in the tracker's group.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlmodel import Session

from bot.context import Context, PantauApp, run_db_app
from bot.jobqueue import job_queue, remove_jobs
from bot.jobs import LATE_AFTER, MISFIRE_GRACE, _lang
from bot.notices import Outgoing, deliver
from domain.checkin import (
    PromptItem,
    due_items,
    holiday_country,
    keyboard,
    render_prompt,
    working_day,
)
from domain.forecast import build_insight
from domain.i18n import t
from domain.progress import local_today
from domain.schedule import Schedule, latest_occurrence, occurrences, parse_time
from domain.views import Role
from storage import chats as chat_store
from storage import checkins
from storage import history as history_store
from storage import members as member_store
from storage import reports as report_store
from storage import trackers as tracker_store
from storage.checkins import CheckinPlan
from storage.models import Tracker

log = logging.getLogger(__name__)

ALL_DAYS = tuple(range(7))


def tracker_country(application: PantauApp, tracker: Tracker) -> str | None:
    """The country whose public holidays pause this tracker's check-ins (None: none)."""
    return holiday_country(tracker.holidays, application.bot_data.settings.pantau_holidays)


def is_working_day(application: PantauApp, tracker: Tracker, day: date) -> bool:
    return working_day(tracker_country(application, tracker), day)


def person_name(session: Session, user_id: int) -> str:
    seen = member_store.get_seen_user(session, user_id=user_id)
    if seen is None:
        return str(user_id)
    return f"{seen.display_name} (@{seen.username})" if seen.username else seen.display_name


# --- registration ----------------------------------------------------------------------------


def register(application: PantauApp, plan: CheckinPlan) -> None:
    """(Re)create a tracker's check-in job: daily at its check-in time; the job decides."""
    name = f"checkin:{plan.tracker_id}"
    remove_jobs(application, name)
    at = parse_time(plan.at)
    trigger = CronTrigger(
        day_of_week="mon-sun", hour=at.hour, minute=at.minute, timezone=ZoneInfo(plan.timezone)
    )
    job_queue(application).run_custom(
        checkin_job,
        job_kwargs={
            "trigger": trigger,
            "id": name,
            "replace_existing": True,
            "misfire_grace_time": int(MISFIRE_GRACE.total_seconds()),
            "coalesce": True,
        },
        name=name,
        data=plan.tracker_id,
    )


def unregister(application: PantauApp, tracker_id: int) -> None:
    remove_jobs(application, f"checkin:{tracker_id}")


async def register_all(application: PantauApp) -> None:
    plans = await run_db_app(application, checkins.checkin_plans, readonly=True)
    for plan in plans:
        register(application, plan)
    remove_jobs(application, "checkin-catch-up")
    job_queue(application).run_once(checkin_catch_up_job, when=0, name="checkin-catch-up")


# --- sending ---------------------------------------------------------------------------------


def _prompts(
    application: PantauApp, session: Session, tracker: Tracker, slot: datetime, late: bool
) -> list[Outgoing]:
    """Every owner's prompt for the day of ``slot`` (none on weekends and holidays)."""
    assert tracker.id is not None
    today = local_today(slot, tracker.timezone)
    if tracker.checkin_days is None or tracker.checkin_time is None:
        return []
    if not is_working_day(application, tracker, today):
        log.info("tracker %s: %s is not a working day, no check-ins", tracker.key, today)
        return []
    schedule = Schedule(tracker.checkin_days, parse_time(tracker.checkin_time))
    scheduled_today = today.weekday() in schedule.weekdays
    snap = report_store.snapshot(session, tracker=tracker)
    now = application.bot_data.clock()
    insight = build_insight(
        snap, history_store.histories(session, snapshot=snap, now=now), now=now
    )
    owners = checkins.owners_by_workstream(session, tracker_id=tracker.id)
    asked: dict[int, list[PromptItem]] = {}
    for ws in snap.workstreams:
        for item in due_items(
            [ws],
            insight.per_workstream,
            deadline=tracker.deadline,
            today=today,
            scheduled_today=scheduled_today,
        ):
            for user_id in owners.get(ws.id, []):
                asked.setdefault(user_id, []).append(item)
    away = checkins.away_among(session, user_ids=list(asked), today=today)
    operators = application.bot_data.settings.pantau_admin_ids
    outgoing = []
    for user_id, items in asked.items():
        if user_id in away:
            continue
        role = member_store.role_of(session, tracker_id=tracker.id, user_id=user_id)
        if role not in (Role.REPORTER, Role.ADMIN) and user_id not in operators:
            continue  # an owner who lost their role is not asked
        lang = _lang(application, session, user_id)
        outgoing.append(
            Outgoing(
                user_id,
                tracker.id,
                "checkin",
                f"checkin:{tracker.id}@{today.isoformat()}",
                render_prompt(snap, items, today=today, lang=lang, asked=True),
                late=late,
                buttons=tuple(tuple(row) for row in keyboard(items, lang)),
                private=True,
            )
        )
    return outgoing


def _group_of(session: Session, tracker_id: int) -> int | None:
    """The tracker's group: where its reports come from, else the first linked group."""
    for chat_id in chat_store.report_chats(session, tracker_id=tracker_id):
        if chat_id < 0:
            return chat_id
    for link in chat_store.linked_chats(session, tracker_id=tracker_id):
        if link.chat_id < 0 and link.active:
            return link.chat_id
    return None


async def send_checkins(
    application: PantauApp, tracker_id: int, *, slot: datetime, late: bool = False
) -> dict[int, str]:
    """Ask this tracker's owners for the day of ``slot``: what ``deliver`` said, per person."""

    def build(session: Session) -> list[Outgoing]:
        tracker = tracker_store.get_tracker_by_id(session, tracker_id=tracker_id)
        if tracker is None or tracker.archived_at is not None:
            return []
        return _prompts(application, session, tracker, slot, late)

    results: dict[int, str] = {}
    for outgoing in await run_db_app(application, build):
        results[outgoing.chat_id] = await deliver(application, outgoing)
    blocked = [user_id for user_id, status in results.items() if status == "forbidden"]
    if blocked:
        await _name_unreachable(application, tracker_id, blocked)
    return results


async def _name_unreachable(application: PantauApp, tracker_id: int, user_ids: list[int]) -> None:
    """Owners Telegram will not let us write to, named once (ever) in the tracker's group."""
    bot = application.bot.username

    def build(session: Session) -> list[Outgoing]:
        group = _group_of(session, tracker_id)
        if group is None:
            return []
        lang = _lang(application, session, group)
        return [
            Outgoing(
                group,
                tracker_id,
                "unreachable",
                f"unreachable:{user_id}",
                t(lang, "ci_blocked", names=person_name(session, user_id), bot=bot),
            )
            for user_id in user_ids
        ]

    for outgoing in await run_db_app(application, build, readonly=True):
        await deliver(application, outgoing)


# --- job callbacks ---------------------------------------------------------------------------


async def checkin_job(context: Context) -> None:
    """Cron, daily at the tracker's check-in time: whoever is due today."""
    assert context.job is not None
    assert isinstance(context.job.data, int)
    application = context.application
    tracker_id = context.job.data
    plans = await run_db_app(
        application, lambda s: checkins.checkin_plans(s, tracker_id=tracker_id), readonly=True
    )
    if not plans:
        return
    plan = plans[0]
    now = application.bot_data.clock()
    slack = timedelta(seconds=1)  # the trigger may fire a hair before the wall clock says so
    slot = latest_occurrence(
        ALL_DAYS, parse_time(plan.at), plan.timezone, now + slack, MISFIRE_GRACE + slack
    )
    if slot is None:
        log.warning("check-in job for tracker %s ran with no slot due at %s", tracker_id, now)
        return
    await send_checkins(application, tracker_id, slot=slot, late=now - slot > LATE_AFTER)


async def catch_up(application: PantauApp) -> None:
    """At start: check-ins that fell due while the bot was down (the newest only)."""
    now = application.bot_data.clock()
    window = timedelta(hours=application.bot_data.settings.pantau_catchup_hours)
    plans = await run_db_app(application, checkins.checkin_plans, readonly=True)
    for plan in plans:
        missed = occurrences(ALL_DAYS, parse_time(plan.at), plan.timezone, now - window, now)
        if missed:
            late = now - missed[-1] > LATE_AFTER
            await send_checkins(application, plan.tracker_id, slot=missed[-1], late=late)


async def checkin_catch_up_job(context: Context) -> None:
    await catch_up(context.application)
