"""Who is asked at a tracker's check-in, and about what: read in one transaction, rendered
and sent by ``bot.checkins`` after it."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from domain.checkin import PromptItem, due_items, holiday_country, working_day
from domain.progress import local_today
from domain.schedule import Schedule, parse_time
from domain.views import Role, Snapshot
from services.notices import Defaults, language
from services.progress import tracker_state
from storage import checkins, queries
from storage.models import Tracker

log = logging.getLogger(__name__)


def person_label(session: Session, user_id: int) -> str:
    """A person as check-ins name them: display name and @username, else their id."""
    seen = queries.get_seen_user(session, user_id=user_id)
    if seen is None:
        return str(user_id)
    return f"{seen.display_name} (@{seen.username})" if seen.username else seen.display_name


@dataclass(frozen=True, slots=True)
class Prompt:
    user_id: int
    items: list[PromptItem]
    lang: str


@dataclass(frozen=True, slots=True)
class CheckinDay:
    tracker: Tracker
    snapshot: Snapshot
    today: date
    prompts: list[Prompt]  # one per owner asked


def checkin_day(
    session: Session,
    tracker_id: int,
    *,
    slot: datetime,
    now: datetime,
    operators: Collection[int],
    defaults: Defaults,
) -> CheckinDay | None:
    """Every owner's prompt for the day of ``slot``: on a scheduled day every workstream below
    100%, on other working days only those at risk near the deadline; none on weekends and
    holidays, none to owners who are away or lost their role."""
    tracker = queries.get_tracker_by_id(session, tracker_id=tracker_id)
    if tracker is None or tracker.id is None or tracker.archived_at is not None:
        return None
    today = local_today(slot, tracker.timezone)
    if tracker.checkin_days is None or tracker.checkin_time is None:
        return None
    if not working_day(holiday_country(tracker.holidays, defaults.country), today):
        log.info("tracker %s: %s is not a working day, no check-ins", tracker.key, today)
        return None
    schedule = Schedule(tracker.checkin_days, parse_time(tracker.checkin_time))
    scheduled_today = today.weekday() in schedule.weekdays
    snap, insight = tracker_state(session, tracker, now)
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
    prompts = []
    for user_id, items in asked.items():
        if user_id in away:
            continue
        role = queries.role_of(session, tracker_id=tracker.id, user_id=user_id)
        if role not in (Role.REPORTER, Role.ADMIN) and user_id not in operators:
            continue  # an owner who lost their role is not asked
        prompts.append(Prompt(user_id, items, language(session, user_id, defaults.lang)))
    return CheckinDay(tracker, snap, today, prompts)


def group_of(session: Session, tracker_id: int) -> int | None:
    """The tracker's group: where its reports come from, else the first linked group."""
    for chat_id in queries.report_chats(session, tracker_id=tracker_id):
        if chat_id < 0:
            return chat_id
    for link in queries.linked_chats(session, tracker_id=tracker_id):
        if link.chat_id < 0 and link.active:
            return link.chat_id
    return None


@dataclass(frozen=True, slots=True)
class Unreachable:
    group: int
    lang: str
    names: dict[int, str]  # per owner the bot cannot write to: how the group knows them


def unreachable(
    session: Session, tracker_id: int, user_ids: list[int], *, defaults: Defaults
) -> Unreachable | None:
    """Owners Telegram will not let us write to, to be named in the tracker's group (None:
    it has no group)."""
    group = group_of(session, tracker_id)
    if group is None:
        return None
    names = {user_id: person_label(session, user_id) for user_id in user_ids}
    return Unreachable(group, language(session, group, defaults.lang), names)
