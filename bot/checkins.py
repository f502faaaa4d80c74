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
from datetime import datetime, timedelta

from bot.context import Context, PantauApp, run_db_app
from bot.jobqueue import cron, once, remove_jobs
from bot.jobs import ALL_DAYS, LATE_AFTER, defaults, latest_slot
from bot.notices import Delivery, Outgoing, deliver
from domain.checkin import keyboard, render_prompt
from domain.i18n import t
from domain.schedule import occurrences, parse_time
from domain.views import NoticeKind
from services import checkins as asking
from storage import checkins
from storage.checkins import CheckinPlan

log = logging.getLogger(__name__)


# --- registration ----------------------------------------------------------------------------


def register(application: PantauApp, plan: CheckinPlan) -> None:
    """(Re)create a tracker's check-in job: daily at its check-in time; the job decides."""
    cron(
        application,
        checkin_job,
        f"checkin:{plan.tracker_id}",
        day_of_week="mon-sun",
        at=parse_time(plan.at),
        tz_name=plan.timezone,
        data=plan.tracker_id,
    )


def unregister(application: PantauApp, tracker_id: int) -> None:
    remove_jobs(application, f"checkin:{tracker_id}")


async def register_all(application: PantauApp) -> None:
    plans = await run_db_app(application, checkins.checkin_plans, readonly=True)
    for plan in plans:
        register(application, plan)
    once(application, checkin_catch_up_job, "checkin-catch-up")


# --- sending ---------------------------------------------------------------------------------


async def send_checkins(
    application: PantauApp, tracker_id: int, *, slot: datetime, late: bool = False
) -> dict[int, Delivery]:
    """Ask this tracker's owners for the day of ``slot``: what ``deliver`` said, per person."""
    data = application.bot_data
    day = await run_db_app(
        application,
        lambda s: asking.checkin_day(
            s,
            tracker_id,
            slot=slot,
            now=data.clock(),
            operators=data.settings.pantau_admin_ids,
            defaults=defaults(application),
        ),
    )
    results: dict[int, Delivery] = {}
    for prompt in day.prompts if day is not None else []:
        assert day is not None
        lang = prompt.lang
        html = render_prompt(day.snapshot, prompt.items, today=day.today, lang=lang, asked=True)
        outgoing = Outgoing(
            prompt.user_id,
            tracker_id,
            NoticeKind.CHECKIN,
            f"checkin:{tracker_id}@{day.today.isoformat()}",
            html,
            late=late,
            buttons=tuple(tuple(row) for row in keyboard(prompt.items, lang)),
            private=True,
        )
        results[prompt.user_id] = await deliver(application, outgoing)
    blocked = [user_id for user_id, status in results.items() if status is Delivery.FORBIDDEN]
    if blocked:
        await _name_unreachable(application, tracker_id, blocked)
    return results


async def _name_unreachable(application: PantauApp, tracker_id: int, user_ids: list[int]) -> None:
    """Owners Telegram will not let us write to, named once (ever) in the tracker's group."""
    fallback = defaults(application)
    found = await run_db_app(
        application,
        lambda s: asking.unreachable(s, tracker_id, user_ids, defaults=fallback),
        readonly=True,
    )
    if found is None:
        return
    bot = application.bot.username
    for user_id, name in found.names.items():
        html = t(found.lang, "ci_blocked", names=name, bot=bot)
        outgoing = Outgoing(
            found.group, tracker_id, NoticeKind.UNREACHABLE, f"unreachable:{user_id}", html
        )
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
    slot = latest_slot(ALL_DAYS, parse_time(plan.at), plan.timezone, now)
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
