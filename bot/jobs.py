"""Scheduled work: digests, deadline reminders, quiet nudges, and catch-up after downtime.

Jobs are derived from the database at start (nothing is lost with the process) and live in
PTB's JobQueue (APScheduler 3) with timezone-aware cron triggers and deterministic names:
``digest:<chat>``, ``reminders:<chat>``, ``quiet:<tracker>``. Registering again (a restart, a
changed schedule) replaces a job, never doubles it. Whatever a job sends goes through
``bot.notices.deliver``, which claims the slot first.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlmodel import Session

from bot.context import Context, PantauApp, run_db_app
from bot.files import chart_png
from bot.jobqueue import job_queue, remove_jobs
from bot.notices import Outgoing, deliver
from domain.checkin import holiday_country, holiday_name, working_day
from domain.digest import (
    UNDONE_SHOWN,
    UNDONE_WINDOW,
    Figures,
    quiet_workstreams,
    render_deadline_notice,
    render_digest,
    render_quiet_nudge,
)
from domain.forecast import Insight, build_insight
from domain.i18n import Html, t
from domain.locale import fmt_day
from domain.portfolio import Entry, render_portfolio_digest
from domain.progress import local_today, overall_percent
from domain.schedule import (
    DEFAULT_NOTICE_TIME,
    Schedule,
    deadline_slot,
    digest_slot,
    latest_occurrence,
    occurrences,
    parse_time,
    quiet_slot,
)
from domain.trail import short_head
from domain.views import Snapshot
from storage import chats as chat_store
from storage import checkins, follows, trail
from storage import history as history_store
from storage import members as member_store
from storage import notices as notice_store
from storage import reports as report_store
from storage import trackers as tracker_store
from storage.chats import ChatPlan
from storage.models import Tracker

log = logging.getLogger(__name__)

# APScheduler's default misfire grace time is one second: a job whose loop was busy for two
# seconds would be silently skipped. An hour still runs it, once (coalesce).
MISFIRE_GRACE = timedelta(hours=1)
LATE_AFTER = timedelta(minutes=1)  # sent later than this after its slot: marked late
QUIET_CHECK_TIME = DEFAULT_NOTICE_TIME
ALL_DAYS = tuple(range(7))


def notice_time(plan: ChatPlan) -> time:
    """Reminders come at the chat's digest time, or 09:00 when it has none."""
    return parse_time(plan.digest_time) if plan.digest_time else DEFAULT_NOTICE_TIME


def attaches_chart(schedule: Schedule, slot: datetime, tz_name: str) -> bool:
    """Weekly digests carry the chart; daily ones on Mondays only."""
    return len(schedule.weekdays) == 1 or slot.astimezone(ZoneInfo(tz_name)).weekday() == 0


def schedule_of(plan: ChatPlan) -> Schedule | None:
    if plan.digest_days is None or plan.digest_time is None:
        return None
    return Schedule(plan.digest_days, parse_time(plan.digest_time))


# --- registration ----------------------------------------------------------------------------


def _cron(
    application: PantauApp,
    callback: object,
    name: str,
    *,
    day_of_week: str,
    at: time,
    tz_name: str,
    data: int,
) -> None:
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


def register_chat(application: PantauApp, plan: ChatPlan) -> None:
    """(Re)create the digest and reminder jobs of one linked chat."""
    schedule = schedule_of(plan)
    if schedule is None:
        remove_jobs(application, f"digest:{plan.chat_id}")
    else:
        _cron(
            application,
            digest_job,
            f"digest:{plan.chat_id}",
            day_of_week=schedule.cron_day_of_week,
            at=schedule.at,
            tz_name=plan.timezone,
            data=plan.chat_id,
        )
    _cron(
        application,
        reminders_job,
        f"reminders:{plan.chat_id}",
        day_of_week="mon-sun",
        at=notice_time(plan),
        tz_name=plan.timezone,
        data=plan.chat_id,
    )


def register_tracker(application: PantauApp, tracker_id: int, tz_name: str) -> None:
    _cron(
        application,
        quiet_job,
        f"quiet:{tracker_id}",
        day_of_week="mon-sun",
        at=QUIET_CHECK_TIME,
        tz_name=tz_name,
        data=tracker_id,
    )


async def register_all(application: PantauApp) -> None:
    """At start: every job the database implies, and stale claims reported."""

    def load(session: Session) -> tuple[list[ChatPlan], list[tuple[int, str]], int]:
        trackers = [(t.id or 0, t.timezone) for t in tracker_store.all_trackers(session)]
        return chat_store.chat_plans(session), trackers, notice_store.abandon_pending(session)

    plans, trackers, abandoned = await run_db_app(application, load)
    if abandoned:
        log.warning("%s notice(s) were interrupted mid-send last time; not re-sent", abandoned)
    for plan in plans:
        register_chat(application, plan)
    for tracker_id, tz_name in trackers:
        register_tracker(application, tracker_id, tz_name)
    log.info("scheduled jobs for %s chats and %s trackers", len(plans), len(trackers))


# --- what the jobs send ----------------------------------------------------------------------


def _lang(application: PantauApp, session: Session, chat_id: int) -> str:
    """A chat's language for a notice (no person to ask: the setting, else the default)."""
    chosen = chat_store.chat_language(session, chat_id=chat_id)
    return chosen or application.bot_data.settings.pantau_language


def country_of(application: PantauApp, tracker: Tracker) -> str | None:
    """Whose public holidays pause this tracker's check-ins, nudges and weekday digests."""
    return holiday_country(tracker.holidays, application.bot_data.settings.pantau_holidays)


def _people_lines(session: Session, snap: Snapshot, today: date, lang: str) -> list[str]:
    """A digest's owners of each workstream and the members who are away."""
    owners = checkins.owners_by_workstream(session, tracker_id=snap.tracker.id)
    names: dict[int, str] = {}

    def name(user_id: int) -> str:
        if user_id not in names:
            seen = member_store.get_seen_user(session, user_id=user_id)
            names[user_id] = seen.display_name if seen is not None else str(user_id)
        return names[user_id]

    lines = []
    owned = [
        f"{ws.title} — {', '.join(name(u) for u in owners[ws.id])}"
        for ws in snap.workstreams
        if owners.get(ws.id)
    ]
    if owned:
        lines.append(t(lang, "owners_line", names="; ".join(owned)))
    members = checkins.tracker_members(session, tracker_id=snap.tracker.id)
    away = checkins.away_among(session, user_ids=members, today=today)
    if away:
        items = ", ".join(
            t(lang, "away_item", name=name(u), day=fmt_day(_noon(back), "UTC", lang))
            for u, back in sorted(away.items(), key=lambda pair: name(pair[0]))
        )
        lines.append(t(lang, "away_line", items=Html(items)))
    return lines


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), ZoneInfo("UTC"))


def _tracker_state(
    application: PantauApp, session: Session, tracker: Tracker, now: datetime
) -> tuple[Snapshot, Insight]:
    """A tracker's snapshot and forecasts, computed once per change of the tracker and day.

    A digest due in a thousand chats at 09:00 reads the tracker once, not a thousand times
    (keyed by the tracker's version in the database, so never stale: see bot.cache).
    """
    assert tracker.id is not None
    version = tracker_store.tracker_version(session, tracker=tracker)

    def compute() -> tuple[Snapshot, Insight]:
        snap = report_store.snapshot(session, tracker=tracker)
        insight = build_insight(
            snap, history_store.histories(session, snapshot=snap, now=now), now=now
        )
        return snap, insight

    today = local_today(now, tracker.timezone)
    return application.bot_data.views.get(tracker.id, version, ("state", today), compute)


def _head(session: Session, tracker: Tracker) -> str:
    assert tracker.id is not None
    return trail.head(session, tracker_id=tracker.id).head


async def send_digest(
    application: PantauApp,
    chat_id: int,
    *,
    slot_key: str,
    late_for: datetime | None = None,
    with_chart: bool = False,
    scheduled: bool = False,
) -> str:
    """Build this chat's digest now and deliver it under ``slot_key`` (with the burn-up
    chart for weekly digests). Every digest reads the tracker's state computed once per
    change (see bot.cache); ``scheduled`` tells a scheduled digest from a /digest."""
    now = application.bot_data.clock()

    def build(session: Session) -> Outgoing | None:
        tracker = tracker_store.tracker_for_chat(session, chat_id=chat_id)
        if tracker is None or tracker.id is None or tracker.archived_at is not None:
            return None  # an archived tracker sends nothing
        snap, insight = _tracker_state(application, session, tracker, now)
        previous = notice_store.previous_digest(session, chat_id=chat_id)
        since = (previous.sent_at or previous.created_at) if previous else now - UNDONE_WINDOW
        lang = _lang(application, session, chat_id)
        others = follows.followed(session, chat_id=chat_id)
        if others:  # a portfolio chat: one message over every tracker, worst first
            entries = [
                Entry(snap, insight, local_today(now, tracker.timezone), _head(session, tracker))
            ]
            for other in others:
                other_snap, other_insight = _tracker_state(application, session, other, now)
                entries.append(
                    Entry(
                        other_snap,
                        other_insight,
                        local_today(now, other.timezone),
                        _head(session, other),
                    )
                )
            return Outgoing(
                chat_id,
                tracker.id,
                notice_store.SCHEDULED_DIGEST if scheduled else notice_store.MANUAL_DIGEST,
                slot_key,
                render_portfolio_digest(entries, lang),
                late=late_for is not None,
                figures=Figures.of(snap).dumps(),
            )
        html = render_digest(
            snap,
            Figures.loads(previous.figures if previous else None),
            today=local_today(now, tracker.timezone),
            now=now,
            fallback=tracker.created_at,
            lang=lang,
            insight=insight,
            late_for=late_for,
            undone=report_store.undone_reports(
                session, snapshot=snap, since=since, until=now, limit=UNDONE_SHOWN + 1
            ),
        )
        people = _people_lines(session, snap, local_today(now, tracker.timezone), lang)
        if people:
            html += "\n\n" + "\n".join(people)
        # The trail's head as of now, last: the chat's history becomes a witness of the chain.
        html += "\n\n" + t(lang, "digest_trail", head=short_head(_head(session, tracker)))
        photo = _digest_chart(application, session, tracker, now, lang) if with_chart else None
        return Outgoing(
            chat_id,
            tracker.id,
            notice_store.SCHEDULED_DIGEST if scheduled else notice_store.MANUAL_DIGEST,
            slot_key,
            html,
            late=late_for is not None,
            figures=Figures.of(snap).dumps(),
            photo=photo,
        )

    outgoing = await run_db_app(application, build, readonly=True)
    return "unlinked" if outgoing is None else await deliver(application, outgoing)


def _digest_chart(
    application: PantauApp, session: Session, tracker: Tracker, now: datetime, lang: str
) -> bytes | None:
    """The chart a weekly digest carries, or None when drawing it fails: the digest goes out
    without it (the numbers matter more than the picture) and the log says why. The same
    picture /chart shows: drawn once per change of the tracker (see bot.cache)."""
    assert tracker.id is not None
    try:
        return application.bot_data.views.get(
            tracker.id,
            tracker_store.tracker_version(session, tracker=tracker),
            ("chart", lang, local_today(now, tracker.timezone)),
            lambda: chart_png(session, tracker, now=now, lang=lang),
        )
    except Exception:  # any failure of the drawing, whatever the data held
        log.exception("chart of tracker %s failed: digest sent without it", tracker.key)
        return None


async def send_reminder(application: PantauApp, chat_id: int, *, due: datetime, late: bool) -> str:
    """The deadline reminder or overdue notice that belongs to ``due``'s local date, if any."""

    def build(session: Session) -> Outgoing | None:
        tracker = tracker_store.tracker_for_chat(session, chat_id=chat_id)
        if tracker is None or tracker.id is None or tracker.archived_at is not None:
            return None  # an archived tracker sends nothing
        snap = report_store.snapshot(session, tracker=tracker)
        today = local_today(due, tracker.timezone)
        done = overall_percent(snap.workstreams) >= 100
        planned = deadline_slot(tracker.deadline, today, done)
        if planned is None:
            return None
        kind, slot_key = planned
        lang = _lang(application, session, chat_id)
        html = render_deadline_notice(snap, today=today, lang=lang, late=late)
        # The deadline does not move for a holiday: the reminder goes out and says so.
        holiday = holiday_name(country_of(application, tracker), today, lang)
        if holiday is not None:
            html += "\n" + t(lang, "reminder_holiday", name=holiday)
        return Outgoing(chat_id, tracker.id, kind, slot_key, html, late=late)

    outgoing = await run_db_app(application, build, readonly=True)
    return "nothing due" if outgoing is None else await deliver(application, outgoing)


async def send_quiet_nudges(application: PantauApp, tracker_id: int) -> list[str]:
    """One nudge per silent period per workstream, to the chats its tracker's reports come from."""
    now = application.bot_data.clock()

    def build(session: Session) -> list[Outgoing]:
        tracker = tracker_store.get_tracker_by_id(session, tracker_id=tracker_id)
        if tracker is None or tracker.archived_at is not None:
            return []  # an archived tracker sends nothing
        if not working_day(country_of(application, tracker), local_today(now, tracker.timezone)):
            return []  # nobody is nudged on a weekend or a public holiday
        snap = report_store.snapshot(session, tracker=tracker)
        # Groups only: reports made in private (check-in answers) do not make a private chat
        # the place for a nudge.
        chats = [c for c in chat_store.report_chats(session, tracker_id=tracker_id) if c < 0] or [
            link.chat_id for link in chat_store.linked_chats(session, tracker_id=tracker_id)
        ]
        outgoing: list[Outgoing] = []
        for ws, since in quiet_workstreams(snap, now, tracker.created_at):
            slot_key = quiet_slot(ws.key, since, tracker.quiet_days, now)
            if slot_key is None:
                continue
            for chat_id in chats:
                html = render_quiet_nudge(
                    ws,
                    since,
                    tz_name=tracker.timezone,
                    now=now,
                    lang=_lang(application, session, chat_id),
                )
                outgoing.append(Outgoing(chat_id, tracker_id, "quiet", slot_key, html))
        return outgoing

    return [await deliver(application, o) for o in await run_db_app(application, build)]


# --- job callbacks ---------------------------------------------------------------------------


async def _plan(application: PantauApp, chat_id: int) -> ChatPlan | None:
    plans = await run_db_app(
        application, lambda s: chat_store.chat_plans(s, chat_id=chat_id), readonly=True
    )
    return plans[0] if plans else None


def _latest(days: tuple[int, ...], at: time, tz_name: str, now: datetime) -> datetime | None:
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
    slot = _latest(schedule.weekdays, schedule.at, plan.timezone, now)
    if slot is None:
        log.warning("digest job for chat %s ran with no slot due at %s", plan.chat_id, now)
        return
    await _send_scheduled_digest(application, plan, schedule, slot, now)


async def _send_scheduled_digest(
    application: PantauApp, plan: ChatPlan, schedule: Schedule, slot: datetime, now: datetime
) -> str:
    """The digest of one schedule slot: marked late when sent well after it, chart weekly.
    A ``weekdays`` digest is not sent on a public holiday."""
    if schedule.days == "weekdays" and await _holiday(application, plan.tracker_id, slot):
        return "holiday"
    return await send_digest(
        application,
        plan.chat_id,
        slot_key=digest_slot(slot, plan.timezone),
        late_for=slot if now - slot > LATE_AFTER else None,
        with_chart=attaches_chart(schedule, slot, plan.timezone),
        scheduled=True,
    )


async def _holiday(application: PantauApp, tracker_id: int, slot: datetime) -> bool:
    def read(session: Session) -> bool:
        tracker = tracker_store.get_tracker_by_id(session, tracker_id=tracker_id)
        if tracker is None:
            return False
        day = local_today(slot, tracker.timezone)
        return holiday_name(country_of(application, tracker), day) is not None

    return await run_db_app(application, read, readonly=True)


async def reminders_job(context: Context) -> None:
    """Cron, daily: a deadline reminder or overdue notice, when one is due today."""
    assert context.job is not None
    assert isinstance(context.job.data, int)
    application = context.application
    plan = await _plan(application, context.job.data)
    if plan is None:
        return
    now = application.bot_data.clock()
    slot = _latest(ALL_DAYS, notice_time(plan), plan.timezone, now)
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

    def load(session: Session) -> tuple[list[ChatPlan], list[tuple[int, str]]]:
        trackers = [(t.id or 0, t.timezone) for t in tracker_store.all_trackers(session)]
        return chat_store.chat_plans(session), trackers

    plans, trackers = await run_db_app(application, load, readonly=True)
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
    remove_jobs(application, "catch-up")
    job_queue(application).run_once(catch_up_job, when=0, name="catch-up")


async def catch_up_job(context: Context) -> None:
    """Runs once, as soon as the scheduler starts."""
    await catch_up(context.application)
