"""Scheduled work: digests, deadline reminders, quiet nudges, and catch-up after downtime.

Jobs are derived from the database at start (nothing is lost with the process) and live in
PTB's JobQueue (``bot.jobqueue``) with timezone-aware cron triggers and deterministic names:
``digest:<chat>``, ``reminders:<chat>``, ``quiet:<tracker>``. Registering again (a restart, a
changed schedule) replaces a job, never doubles it. What a notice says is read by
``services.notices`` in one transaction and rendered here after it; whatever a job sends goes
through ``bot.notices.deliver``, which claims the slot first.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.context import Context, PantauApp, run_db_app, run_render
from bot.files import Chart, draw, read_chart
from bot.jobqueue import (
    MISFIRE_GRACE,
    cron,
    digest_job_name,
    once,
    reminders_job_name,
    remove_jobs,
)
from bot.notices import Delivery, Outgoing, Skipped, deliver
from domain.checkin import holiday_name
from domain.digest import (
    UNDONE_WINDOW,
    Figures,
    render_deadline_notice,
    render_digest,
    render_quiet_nudge,
)
from domain.forecast import Insight
from domain.i18n import Html, t
from domain.locale import fmt_day
from domain.portfolio import render_portfolio_digest
from domain.progress import local_today
from domain.schedule import (
    DEFAULT_NOTICE_TIME,
    Schedule,
    digest_slot,
    latest_occurrence,
    occurrences,
    parse_time,
)
from domain.trail import short_head
from domain.views import NoticeKind, Snapshot
from services import notices
from services.notices import DigestFacts, People
from services.progress import tracker_state
from storage import chats as chat_store
from storage import notices as notice_store
from storage import trackers as tracker_store
from storage.chats import ChatPlan
from storage.models import Tracker

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=1)  # sent later than this after its slot: marked late
QUIET_CHECK_TIME = DEFAULT_NOTICE_TIME
ALL_DAYS = tuple(range(7))


def notice_time(plan: ChatPlan) -> time:
    """Reminders come at the chat's digest time, or 09:00 when it has none."""
    return parse_time(plan.digest_time) if plan.digest_time else DEFAULT_NOTICE_TIME


def attaches_chart(schedule: Schedule, slot: datetime, tz_name: str) -> bool:
    """Weekly digests carry the chart; daily ones on Mondays only."""
    return len(schedule.weekdays) == 1 or slot.astimezone(ZoneInfo(tz_name)).weekday() == 0


schedule_of = notices.digest_schedule


# --- registration ----------------------------------------------------------------------------


def register_chat(application: PantauApp, plan: ChatPlan) -> None:
    """(Re)create the digest and reminder jobs of one linked chat."""
    schedule = schedule_of(plan)
    if schedule is None:
        remove_jobs(application, digest_job_name(plan.chat_id))
    else:
        cron(
            application,
            digest_job,
            digest_job_name(plan.chat_id),
            day_of_week=schedule.cron_day_of_week,
            at=schedule.at,
            tz_name=plan.timezone,
            data=plan.chat_id,
        )
    cron(
        application,
        reminders_job,
        reminders_job_name(plan.chat_id),
        day_of_week="mon-sun",
        at=notice_time(plan),
        tz_name=plan.timezone,
        data=plan.chat_id,
    )


def register_tracker(application: PantauApp, tracker_id: int, tz_name: str) -> None:
    cron(
        application,
        quiet_job,
        f"quiet:{tracker_id}",
        day_of_week="mon-sun",
        at=QUIET_CHECK_TIME,
        tz_name=tz_name,
        data=tracker_id,
    )


def _load(session: Session) -> tuple[list[ChatPlan], list[tuple[int, str]]]:
    """Every linked chat's plan, and every tracker with its timezone."""
    trackers = [(t.id or 0, t.timezone) for t in tracker_store.all_trackers(session)]
    return chat_store.chat_plans(session), trackers


async def register_all(application: PantauApp) -> None:
    """At start: every job the database implies, and stale claims reported."""

    def load(session: Session) -> tuple[list[ChatPlan], list[tuple[int, str]], int]:
        return *_load(session), notice_store.abandon_pending(session)

    plans, trackers, abandoned = await run_db_app(application, load)
    if abandoned:
        log.warning("%s notice(s) were interrupted mid-send last time; not re-sent", abandoned)
    for plan in plans:
        register_chat(application, plan)
    for tracker_id, tz_name in trackers:
        register_tracker(application, tracker_id, tz_name)
    log.info("scheduled jobs for %s chats and %s trackers", len(plans), len(trackers))


# --- what the jobs send ----------------------------------------------------------------------


def defaults(application: PantauApp) -> notices.Defaults:
    settings = application.bot_data.settings
    return notices.Defaults(settings.pantau_language, settings.pantau_holidays)


def _people_lines(people: People, lang: str) -> list[str]:
    """A digest's owners of each workstream and the members who are away."""
    lines = []
    if people.owners:
        owned = "; ".join(f"{title} — {', '.join(names)}" for title, names in people.owners)
        lines.append(t(lang, "owners_line", names=owned))
    if people.away:
        items = ", ".join(
            t(lang, "away_item", name=name, day=fmt_day(_noon(back), "UTC", lang))
            for name, back in people.away
        )
        lines.append(t(lang, "away_line", items=Html(items)))
    return lines


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), ZoneInfo("UTC"))


def _state_of(application: PantauApp, now: datetime) -> notices.StateOf:
    """A tracker's snapshot and forecasts, computed once per change of the tracker and day.

    A digest due in a thousand chats at 09:00 reads the tracker once, not a thousand times
    (keyed by the tracker's version in the database, so never stale: see bot.cache).
    """

    def state(session: Session, tracker: Tracker) -> tuple[Snapshot, Insight]:
        assert tracker.id is not None
        version = tracker_store.tracker_version(session, tracker=tracker)
        today = local_today(now, tracker.timezone)
        return application.bot_data.views.get(
            tracker.id, version, ("state", today), lambda: tracker_state(session, tracker, now)
        )

    return state


def _digest_html(facts: DigestFacts, now: datetime, late_for: datetime | None) -> str:
    lang = facts.lang
    if len(facts.entries) > 1:  # a portfolio chat: one message over every tracker, worst first
        return render_portfolio_digest(facts.entries, lang)
    own = facts.entries[0]
    html = render_digest(
        own.snapshot,
        Figures.loads(facts.previous_figures),
        today=own.today,
        now=now,
        fallback=facts.tracker.created_at,
        lang=lang,
        insight=own.insight,
        late_for=late_for,
        undone=facts.undone,
    )
    people = _people_lines(facts.people, lang)
    if people:
        html += "\n\n" + "\n".join(people)
    # The trail's head as of now, last: the chat's history becomes a witness of the chain.
    assert own.head is not None
    return html + "\n\n" + t(lang, "digest_trail", head=short_head(own.head))


async def send_digest(
    application: PantauApp,
    chat_id: int,
    *,
    slot_key: str,
    late_for: datetime | None = None,
    with_chart: bool = False,
    scheduled: bool = False,
) -> Delivery | Skipped:
    """Build this chat's digest now and deliver it under ``slot_key`` (with the burn-up
    chart for weekly digests). Every digest reads the tracker's state computed once per
    change (see bot.cache); ``scheduled`` tells a scheduled digest from a /digest."""
    data = application.bot_data
    now = data.clock()

    def read(session: Session) -> tuple[DigestFacts, Chart | None] | None:
        facts = notices.digest_facts(
            session,
            chat_id,
            now=now,
            state_of=_state_of(application, now),
            scheduled=scheduled,
            defaults=defaults(application),
            undone_window=UNDONE_WINDOW,
        )
        if facts is None:
            return None
        if not with_chart or len(facts.entries) > 1:  # a portfolio digest has no chart
            return facts, None
        return facts, read_chart(session, data.views, facts.tracker, now=now, lang=facts.lang)

    found = await run_db_app(application, read, readonly=True)
    if found is None:
        return Skipped.UNLINKED
    facts, chart = found
    assert facts.tracker.id is not None
    photo = await _digest_chart(application, facts, chart, now) if chart is not None else None
    outgoing = Outgoing(
        chat_id,
        facts.tracker.id,
        facts.kind,
        slot_key,
        _digest_html(facts, now, late_for),
        late=late_for is not None,
        figures=Figures.of(facts.entries[0].snapshot).dumps(),
        photo=photo,
    )
    return await deliver(application, outgoing)


async def _digest_chart(
    application: PantauApp, facts: DigestFacts, chart: Chart, now: datetime
) -> bytes | None:
    """The chart a weekly digest carries, or None when drawing it fails: the digest goes out
    without it (the numbers matter more than the picture) and the log says why. The same
    picture /chart shows: drawn once per change of the tracker (see bot.cache)."""
    cache = application.bot_data.views
    try:
        return await run_render(application, lambda: draw(cache, chart, now=now, lang=facts.lang))
    except Exception:  # any failure of the drawing, whatever the data held
        log.exception("chart of tracker %s failed: digest sent without it", facts.tracker.key)
        return None


async def send_reminder(
    application: PantauApp, chat_id: int, *, due: datetime, late: bool
) -> Delivery | Skipped:
    """The deadline reminder or overdue notice that belongs to ``due``'s local date, if any."""
    fallback = defaults(application)
    facts = await run_db_app(
        application,
        lambda s: notices.reminder_facts(s, chat_id, due=due, defaults=fallback),
        readonly=True,
    )
    if facts is None:
        return Skipped.NOTHING_DUE
    lang = facts.lang
    html = render_deadline_notice(facts.snapshot, today=facts.today, lang=lang, late=late)
    # The deadline does not move for a holiday: the reminder goes out and says so.
    holiday = holiday_name(facts.country, facts.today, lang)
    if holiday is not None:
        html += "\n" + t(lang, "reminder_holiday", name=holiday)
    assert facts.tracker.id is not None
    outgoing = Outgoing(chat_id, facts.tracker.id, facts.kind, facts.slot_key, html, late=late)
    return await deliver(application, outgoing)


async def send_quiet_nudges(application: PantauApp, tracker_id: int) -> list[Delivery]:
    """One nudge per silent period per workstream, to the chats its tracker's reports come from."""
    now = application.bot_data.clock()
    fallback = defaults(application)
    nudges = await run_db_app(
        application, lambda s: notices.quiet_nudges(s, tracker_id, now=now, defaults=fallback)
    )
    results = []
    for nudge in nudges:
        html = render_quiet_nudge(
            nudge.workstream, nudge.since, tz_name=nudge.tracker.timezone, now=now, lang=nudge.lang
        )
        outgoing = Outgoing(nudge.chat_id, tracker_id, NoticeKind.QUIET, nudge.slot_key, html)
        results.append(await deliver(application, outgoing))
    return results


# --- job callbacks ---------------------------------------------------------------------------


async def _plan(application: PantauApp, chat_id: int) -> ChatPlan | None:
    plans = await run_db_app(
        application, lambda s: chat_store.chat_plans(s, chat_id=chat_id), readonly=True
    )
    return plans[0] if plans else None


def latest_slot(days: tuple[int, ...], at: time, tz_name: str, now: datetime) -> datetime | None:
    """The newest slot due by ``now`` within the misfire grace (None: the job ran early or
    very late)."""
    # A second of slack: the trigger may fire a hair before the wall clock says so.
    slack = timedelta(seconds=1)
    return latest_occurrence(days, at, tz_name, now + slack, MISFIRE_GRACE + slack)


async def digest_job(context: Context) -> None:
    """Cron: this chat's scheduled digest."""
    assert context.job is not None
    assert isinstance(context.job.data, int)
    application = context.application
    plan = await _plan(application, context.job.data)
    schedule = schedule_of(plan) if plan else None
    if plan is None or schedule is None:
        return
    now = application.bot_data.clock()
    slot = latest_slot(schedule.weekdays, schedule.at, plan.timezone, now)
    if slot is None:
        log.warning("digest job for chat %s ran with no slot due at %s", plan.chat_id, now)
        return
    await _send_scheduled_digest(application, plan, schedule, slot, now)


async def _send_scheduled_digest(
    application: PantauApp, plan: ChatPlan, schedule: Schedule, slot: datetime, now: datetime
) -> Delivery | Skipped:
    """The digest of one schedule slot: marked late when sent well after it, chart weekly.
    A ``weekdays`` digest is not sent on a public holiday."""
    if schedule.days == "weekdays" and await _holiday(application, plan.tracker_id, slot):
        return Skipped.HOLIDAY
    return await send_digest(
        application,
        plan.chat_id,
        slot_key=digest_slot(slot, plan.timezone),
        late_for=slot if now - slot > LATE_AFTER else None,
        with_chart=attaches_chart(schedule, slot, plan.timezone),
        scheduled=True,
    )


async def _holiday(application: PantauApp, tracker_id: int, slot: datetime) -> bool:
    fallback = defaults(application)
    return await run_db_app(
        application,
        lambda s: notices.holiday_on(s, tracker_id, slot, defaults=fallback),
        readonly=True,
    )


async def reminders_job(context: Context) -> None:
    """Cron, daily: a deadline reminder or overdue notice, when one is due today."""
    assert context.job is not None
    assert isinstance(context.job.data, int)
    application = context.application
    plan = await _plan(application, context.job.data)
    if plan is None:
        return
    now = application.bot_data.clock()
    slot = latest_slot(ALL_DAYS, notice_time(plan), plan.timezone, now)
    if slot is not None:
        await send_reminder(application, plan.chat_id, due=slot, late=now - slot > LATE_AFTER)


async def quiet_job(context: Context) -> None:
    """Cron, daily: nudges for workstreams that went quiet."""
    assert context.job is not None
    assert isinstance(context.job.data, int)
    await send_quiet_nudges(context.application, context.job.data)


async def catch_up(application: PantauApp) -> None:
    """At start: send, once and marked late, what fell due while the bot was down.

    Only slots within the catch-up window count; of several missed slots of one kind only the
    newest is sent — never a burst of stale messages.
    """
    now = application.bot_data.clock()
    window = timedelta(hours=application.bot_data.settings.pantau_catchup_hours)

    plans, trackers = await run_db_app(application, _load, readonly=True)
    for plan in plans:
        schedule = schedule_of(plan)
        if schedule is not None:
            missed = occurrences(schedule.weekdays, schedule.at, plan.timezone, now - window, now)
            if missed:
                if len(missed) > 1:
                    log.info("chat %s: %s missed digests coalesced", plan.chat_id, len(missed))
                await _send_scheduled_digest(application, plan, schedule, missed[-1], now)
        due = occurrences(ALL_DAYS, notice_time(plan), plan.timezone, now - window, now)
        if due:
            late = now - due[-1] > LATE_AFTER
            await send_reminder(application, plan.chat_id, due=due[-1], late=late)
    for tracker_id, tz_name in trackers:
        if occurrences(ALL_DAYS, QUIET_CHECK_TIME, tz_name, now - window, now):
            await send_quiet_nudges(application, tracker_id)


def schedule_catch_up(application: PantauApp) -> None:
    """Queue one catch-up run for when the scheduler starts (replacing any queued one)."""
    once(application, catch_up_job, "catch-up")


async def catch_up_job(context: Context) -> None:
    """Runs once, as soon as the scheduler starts."""
    await catch_up(context.application)
