"""Who is asked at a tracker's check-in, and about what: read in one transaction, rendered
and sent by ``bot.checkins`` after it."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session

from domain.checkin import PromptItem, due_items, holiday_country, urgent, working_day
from domain.errors import UserError
from domain.i18n import code
from domain.parsing import Target
from domain.progress import local_today
from domain.schedule import Schedule
from domain.views import Role, Snapshot
from services.members import target_of
from services.notices import Defaults, language, stored_schedule
from services.progress import tracker_state
from services.workstreams import active_row
from storage import chats as chat_store
from storage import checkins
from storage import members as member_store
from storage import trackers as tracker_store
from storage.checkins import CheckinPlan
from storage.models import Tracker, Workstream

log = logging.getLogger(__name__)


def person_label(session: Session, user_id: int) -> str:
    """A person as check-ins name them: display name and @username, else their id."""
    seen = member_store.get_seen_user(session, user_id=user_id)
    if seen is None:
        return str(user_id)
    return f"{seen.display_name} (@{seen.username})" if seen.username else seen.display_name


def offered_items(
    session: Session, tracker: Tracker, now: datetime
) -> tuple[Snapshot, list[PromptItem]]:
    """What a bare /update offers: every workstream below 100%, urgent ones marked."""
    snap, insight = tracker_state(session, tracker, now)
    today = local_today(now, tracker.timezone)
    items = [
        PromptItem(
            ws,
            insight.per_workstream.get(ws.id),
            urgent(insight.per_workstream.get(ws.id), tracker.deadline, today),
        )
        for ws in snap.workstreams
        if ws.percent < 100
    ]
    return snap, items


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
    tracker = tracker_store.get_tracker_by_id(session, tracker_id=tracker_id)
    if tracker is None or tracker.id is None or tracker.archived_at is not None:
        return None
    today = local_today(slot, tracker.timezone)
    schedule = schedule_of(tracker)
    if schedule is None:
        return None
    if not working_day(holiday_country(tracker.holidays, defaults.country), today):
        log.info("tracker %s: %s is not a working day, no check-ins", tracker.key, today)
        return None
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
        role = member_store.role_of(session, tracker_id=tracker.id, user_id=user_id)
        if role not in (Role.REPORTER, Role.ADMIN) and user_id not in operators:
            continue  # an owner who lost their role is not asked
        prompts.append(Prompt(user_id, items, language(session, user_id, defaults.lang)))
    return CheckinDay(tracker, snap, today, prompts)


def group_of(session: Session, tracker_id: int) -> int | None:
    """The tracker's group: where its reports come from, else the first linked group."""
    for chat_id in chat_store.report_chats(session, tracker_id=tracker_id):
        if chat_id < 0:
            return chat_id
    for link in chat_store.linked_chats(session, tracker_id=tracker_id):
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


class OwnersChange(StrEnum):
    SHOWN = "shown"
    SET = "set"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class Owners:
    change: OwnersChange
    workstream: Workstream
    names: list[str]  # the owners now, as check-ins name them


def owners(
    session: Session,
    tracker: Tracker,
    key: str,
    targets: list[Target] | None,
    *,
    operators: Collection[int],
) -> Owners:
    """/owner: who answers for a workstream (``targets`` None: show; empty: none). Owners are
    reporters or admins of the tracker."""
    assert tracker.id is not None
    ws = active_row(session, tracker, key)
    assert ws.id is not None
    if targets is None:
        shown = checkins.owners_of(session, workstream_id=ws.id)
        return Owners(OwnersChange.SHOWN, ws, [person_label(session, u) for u in shown])
    user_ids = []
    for target in targets:
        user_id, name = target_of(session, target)
        role = member_store.role_of(session, tracker_id=tracker.id, user_id=user_id)
        if role not in (Role.REPORTER, Role.ADMIN) and user_id not in operators:
            handle = f"@{target.username}" if target.username else str(user_id)
            raise UserError(
                "owner_not_member",
                name=name,
                tracker=tracker.title,
                grant=code(f"/grant {handle} reporter"),
            )
        user_ids.append(user_id)
    checkins.set_owners(session, workstream_id=ws.id, user_ids=user_ids)
    log.info("owners of %s/%s: %s", tracker.key, ws.key, user_ids)
    names = [person_label(session, u) for u in user_ids]
    return Owners(OwnersChange.SET if user_ids else OwnersChange.OFF, ws, names)


def schedule_of(tracker: Tracker) -> Schedule | None:
    """A tracker's check-in schedule (None: no check-ins)."""
    return stored_schedule(tracker.checkin_days, tracker.checkin_time)


@dataclass(frozen=True, slots=True)
class CheckinTimes:
    schedule: Schedule | None
    has_owners: bool
    plan: CheckinPlan | None  # the job to (re)register; None: no check-ins


def set_checkin(session: Session, tracker: Tracker, wanted: Schedule | str | None) -> CheckinTimes:
    """/checkin: when owners are asked (``wanted``: a schedule, "off", or None to show)."""
    assert tracker.id is not None
    if wanted == "off":
        checkins.set_checkin(session, tracker=tracker, days=None, at=None)
    elif isinstance(wanted, Schedule):
        checkins.set_checkin(session, tracker=tracker, days=wanted.days, at=f"{wanted.at:%H:%M}")
        log.info("check-ins of %s: %s", tracker.key, wanted)
    schedule = schedule_of(tracker)
    has_owners = bool(checkins.owners_by_workstream(session, tracker_id=tracker.id))
    plan = None
    if tracker.checkin_days is not None and tracker.checkin_time is not None:
        plan = CheckinPlan(
            tracker.id, tracker.timezone, tracker.checkin_days, tracker.checkin_time
        )
    return CheckinTimes(schedule, has_owners, plan)


def set_holidays(
    session: Session, tracker: Tracker, wanted: str | None, *, default_country: str | None
) -> str | None:
    """/holidays: whose public holidays pause check-ins (``wanted`` None: show); the country
    in force (None: none)."""
    if wanted is not None:
        checkins.set_holidays(session, tracker=tracker, country=wanted)
    return holiday_country(tracker.holidays, default_country)


def set_away(
    session: Session, user_id: int, wanted: date | str | None, *, today: date, now: datetime
) -> date | None:
    """/away: pause one's own check-ins until the day back (``wanted``: that day, "off", or
    None to show); the day back in force (None: not away)."""
    if wanted == "off":
        checkins.set_away(session, user_id=user_id, until=None, now=now)
        return None
    if wanted is None:
        until = checkins.away_until(session, user_id=user_id)
        return until if until is not None and until > today else None
    assert isinstance(wanted, date)
    checkins.set_away(session, user_id=user_id, until=wanted, now=now)
    return wanted
