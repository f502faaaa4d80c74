"""What scheduled notices say, read in one transaction: digests (a chat's or a portfolio's),
deadline reminders and quiet nudges. The jobs render and deliver them after it (bot.jobs).

A tracker's figures may come from a cache (``StateOf``): a digest due in a thousand chats
reads each tracker once per change, not a thousand times.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from domain.checkin import holiday_country, holiday_name, working_day
from domain.digest import UNDONE_SHOWN, quiet_workstreams
from domain.errors import UserError
from domain.forecast import Insight
from domain.portfolio import Entry
from domain.progress import local_today, overall_percent
from domain.schedule import Schedule, deadline_slot, parse_time, quiet_slot
from domain.views import NoticeKind, Snapshot, UndoneReport, WorkstreamView
from storage import chats as chat_store
from storage import checkins, follows, trail
from storage import members as member_store
from storage import notices as notice_store
from storage import reports as report_store
from storage import trackers as tracker_store
from storage.chats import ChatPlan
from storage.models import Tracker

log = logging.getLogger(__name__)

# A tracker's snapshot and forecasts now (perhaps from a cache keyed by its version).
StateOf = Callable[[Session, Tracker], tuple[Snapshot, Insight]]


@dataclass(frozen=True, slots=True)
class Defaults:
    """What a notice falls back on: ``PANTAU_LANGUAGE`` and ``PANTAU_HOLIDAYS``."""

    lang: str
    country: str | None


def stored_schedule(days: str | None, at: str | None) -> Schedule | None:
    """A schedule as a row stores it (days and "HH:MM"), for digests and check-ins alike (None:
    either is unset, so nothing is scheduled)."""
    if days is None or at is None:
        return None
    return Schedule(days, parse_time(at))


def digest_schedule(plan: ChatPlan) -> Schedule | None:
    """A linked chat's digest schedule (None: no scheduled digests)."""
    return stored_schedule(plan.digest_days, plan.digest_time)


@dataclass(frozen=True, slots=True)
class DigestTimes:
    plan: ChatPlan  # the chat's, with its schedule as it is now
    schedule: Schedule | None


def set_digest_schedule(
    session: Session, chat_id: int, wanted: Schedule | str | None
) -> DigestTimes:
    """/schedule: this chat's digest schedule (``wanted``: a schedule, "off", or None to
    show); only a chat that follows a tracker has one."""
    plans = chat_store.chat_plans(session, chat_id=chat_id)
    if not plans:
        raise UserError("schedule_needs_link")
    if wanted == "off":
        chat_store.set_schedule(session, chat_id=chat_id, days=None, at=None)
    elif isinstance(wanted, Schedule):
        chat_store.set_schedule(
            session, chat_id=chat_id, days=wanted.days, at=f"{wanted.at:%H:%M}"
        )
    if wanted is not None:
        log.info("schedule of chat %s: %s", chat_id, wanted)
        plans = chat_store.chat_plans(session, chat_id=chat_id)
    return DigestTimes(plans[0], digest_schedule(plans[0]))


def set_quiet_days(session: Session, tracker: Tracker, days: int | None) -> int:
    """/quiet: days without a report before a workstream is nudged (None: show); the days in
    force."""
    if days is not None:
        tracker_store.set_quiet_days(session, tracker=tracker, days=days)
    return tracker.quiet_days


def language(session: Session, chat_id: int, default: str) -> str:
    """A chat's language for a notice (no person to ask: the setting, else the default)."""
    return chat_store.chat_language(session, chat_id=chat_id) or default


def person_name(session: Session, user_id: int) -> str:
    """A person as notices name them: display name, else their id."""
    seen = member_store.get_seen_user(session, user_id=user_id)
    return seen.display_name if seen is not None else str(user_id)


def _live(tracker: Tracker | None) -> bool:
    """A tracker that sends notices: it exists and is not archived."""
    return tracker is not None and tracker.id is not None and tracker.archived_at is None


def entry(session: Session, tracker: Tracker, state_of: StateOf, now: datetime) -> Entry:
    """A tracker's figures as a digest shows them, with its trail's head as of now."""
    assert tracker.id is not None
    snap, insight = state_of(session, tracker)
    head = trail.head(session, tracker_id=tracker.id).head
    return Entry(snap, insight, local_today(now, tracker.timezone), head)


def holiday_on(session: Session, tracker_id: int, slot: datetime, *, defaults: Defaults) -> bool:
    """Whether ``slot`` falls on a public holiday where the tracker's team works."""
    tracker = tracker_store.get_tracker_by_id(session, tracker_id=tracker_id)
    if tracker is None:
        return False
    country = holiday_country(tracker.holidays, defaults.country)
    return holiday_name(country, local_today(slot, tracker.timezone)) is not None


@dataclass(frozen=True, slots=True)
class People:
    """A digest's owners of each workstream and the members who are away."""

    owners: list[tuple[str, list[str]]]  # (workstream title, owners' names)
    away: list[tuple[str, date]]  # (name, the day they are back), by name


@dataclass(frozen=True, slots=True)
class DigestFacts:
    tracker: Tracker
    kind: NoticeKind
    lang: str
    entries: list[Entry]  # the chat's own tracker first; more: a portfolio chat
    previous_figures: str | None  # what the chat's previous digest showed
    undone: list[UndoneReport]
    people: People


def _people(session: Session, snap: Snapshot, today: date) -> People:
    owners = checkins.owners_by_workstream(session, tracker_id=snap.tracker.id)
    names: dict[int, str] = {}

    def name(user_id: int) -> str:
        if user_id not in names:
            names[user_id] = person_name(session, user_id)
        return names[user_id]

    owned = [
        (ws.title, [name(u) for u in owners[ws.id]])
        for ws in snap.workstreams
        if owners.get(ws.id)
    ]
    members = checkins.tracker_members(session, tracker_id=snap.tracker.id)
    away = checkins.away_among(session, user_ids=members, today=today)
    return People(owned, sorted(((name(u), back) for u, back in away.items())))


def digest_facts(
    session: Session,
    chat_id: int,
    *,
    now: datetime,
    state_of: StateOf,
    scheduled: bool,
    defaults: Defaults,
    undone_window: timedelta,
) -> DigestFacts | None:
    """What this chat's digest shows now (None: the chat follows no live tracker)."""
    tracker = tracker_store.tracker_for_chat(session, chat_id=chat_id)
    if tracker is None or not _live(tracker):
        return None  # an archived tracker sends nothing
    own = entry(session, tracker, state_of, now)
    others = [
        entry(session, other, state_of, now)
        for other in follows.followed(session, chat_id=chat_id)
    ]
    previous = notice_store.previous_digest(session, chat_id=chat_id)
    since = (previous.sent_at or previous.created_at) if previous else now - undone_window
    portfolio = bool(others)
    return DigestFacts(
        tracker,
        NoticeKind.DIGEST if scheduled else NoticeKind.DIGEST_NOW,
        language(session, chat_id, defaults.lang),
        [own, *others],
        previous.figures if previous else None,
        []
        if portfolio
        else report_store.undone_reports(
            session, snapshot=own.snapshot, since=since, until=now, limit=UNDONE_SHOWN + 1
        ),
        People([], []) if portfolio else _people(session, own.snapshot, own.today),
    )


@dataclass(frozen=True, slots=True)
class ReminderFacts:
    tracker: Tracker
    kind: NoticeKind  # deadline | overdue
    slot_key: str
    snapshot: Snapshot
    today: date
    lang: str
    country: str | None  # whose holidays: a reminder on one says so


def reminder_facts(
    session: Session, chat_id: int, *, due: datetime, defaults: Defaults
) -> ReminderFacts | None:
    """The deadline reminder or overdue notice that belongs to ``due``'s local date, if any."""
    tracker = tracker_store.tracker_for_chat(session, chat_id=chat_id)
    if tracker is None or not _live(tracker):
        return None  # an archived tracker sends nothing
    snap = report_store.snapshot(session, tracker=tracker)
    today = local_today(due, tracker.timezone)
    done = overall_percent(snap.workstreams) >= 100
    planned = deadline_slot(tracker.deadline, today, done)
    if planned is None:
        return None
    kind, slot_key = planned
    return ReminderFacts(
        tracker,
        kind,
        slot_key,
        snap,
        today,
        language(session, chat_id, defaults.lang),
        holiday_country(tracker.holidays, defaults.country),
    )


@dataclass(frozen=True, slots=True)
class Nudge:
    chat_id: int
    tracker: Tracker
    workstream: WorkstreamView
    since: datetime  # silent since
    slot_key: str
    lang: str


def quiet_nudges(
    session: Session, tracker_id: int, *, now: datetime, defaults: Defaults
) -> list[Nudge]:
    """One nudge per silent period per workstream, to the chats its tracker's reports come
    from; none on weekends and public holidays."""
    tracker = tracker_store.get_tracker_by_id(session, tracker_id=tracker_id)
    if tracker is None or not _live(tracker):
        return []  # an archived tracker sends nothing
    country = holiday_country(tracker.holidays, defaults.country)
    if not working_day(country, local_today(now, tracker.timezone)):
        return []  # nobody is nudged on a weekend or a public holiday
    snap = report_store.snapshot(session, tracker=tracker)
    # Groups only: reports made in private (check-in answers) do not make a private chat
    # the place for a nudge.
    chats = [c for c in chat_store.report_chats(session, tracker_id=tracker_id) if c < 0] or [
        link.chat_id for link in chat_store.linked_chats(session, tracker_id=tracker_id)
    ]
    nudges = []
    for ws, since in quiet_workstreams(snap, now, tracker.created_at):
        slot_key = quiet_slot(ws.key, since, tracker.quiet_days, now)
        if slot_key is not None:
            nudges += [
                Nudge(
                    chat_id,
                    tracker,
                    ws,
                    since,
                    slot_key,
                    language(session, chat_id, defaults.lang),
                )
                for chat_id in chats
            ]
    return nudges
