"""/owner, /checkin, /holidays, /away and /use: who is asked, when, and on which tracker."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update

from bot import checkins as checkin_jobs
from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import (
    authorize,
    authorize_key,
    caller_of,
    chat_lang,
    check,
    chosen_tracker,
    effective_role,
    is_operator,
    locate,
    reply,
    resolve,
)
from domain.checkin import (
    holiday_country,
    parse_away,
    parse_checkin,
    parse_holidays,
)
from domain.errors import UserError
from domain.i18n import Html, code, code_msg, t
from domain.locale import fmt_date, zone_label
from domain.parsing import (
    parse_slug,
    parse_target,
    parse_tracker_key,
    suggest,
)
from domain.progress import local_today
from domain.schedule import Schedule, parse_time
from domain.views import Role
from services.checkins import person_label
from services.members import target_of
from storage import checkins, queries
from storage.models import Tracker, Workstream

log = logging.getLogger(__name__)

OWNER_USAGE = code_msg("usage_owner")


# --- /owner ----------------------------------------------------------------------------------


def _workstream(session: Session, tracker: Tracker, key: str) -> Workstream:
    assert tracker.id is not None
    ws = queries.get_workstream(session, tracker_id=tracker.id, key=key)
    if ws is None or ws.archived:
        active = [w.key for w in queries.active_workstreams(session, tracker_id=tracker.id)]
        raise UserError(
            "no_workstream", tracker=tracker.title, key=code(key), hint=suggest(key, active)
        )
    return ws


def _names(session: Session, user_ids: list[int]) -> str:
    return ", ".join(person_label(session, u) for u in user_ids)


async def set_owner(update: Update, context: Context, command: Command) -> None:
    """Who answers for a workstream: /owner <workstream> [<@user | id>… | off]."""
    caller = caller_of(update, command)
    parts = caller.rest.split()
    if not parts:
        raise UserError(
            "owner_usage",
            usage=OWNER_USAGE,
            example=code("/owner sellers @sari_w"),
            off=code("/owner sellers off"),
        )
    key = parse_slug(parts[0], OWNER_USAGE)
    off = [p.lower() for p in parts[1:]] == ["off"]
    targets = [] if off else [parse_target(p, OWNER_USAGE) for p in parts[1:]]
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def apply(session: Session) -> str:
        scope = resolve(session, settings, caller, changing=len(parts) > 1)
        tracker = scope.tracker
        ws = _workstream(session, tracker, key)
        assert ws.id is not None
        if len(parts) == 1:
            owners = checkins.owners_of(session, workstream_id=ws.id)
            if not owners:
                return t(lang, "owner_none", title=ws.title, example=code(f"/owner {key} @name"))
            return t(lang, "owner_show", title=ws.title, names=_names(session, owners))
        if off:
            checkins.set_owners(session, workstream_id=ws.id, user_ids=[])
            return t(lang, "owner_off", title=ws.title)
        user_ids = []
        for target in targets:
            user_id, name = target_of(session, target)
            role = effective_role(session, settings, tracker_id=scope.tracker_id, user_id=user_id)
            if role not in (Role.REPORTER, Role.ADMIN):
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
        return t(
            lang,
            "owner_set",
            title=ws.title,
            names=_names(session, user_ids),
            checkin=Html(_checkin_line(tracker, lang)),
        )

    await reply(update, await run_db(context, apply))


def _checkin_line(tracker: Tracker, lang: str) -> str:
    if tracker.checkin_days is None or tracker.checkin_time is None:
        return t(lang, "owner_checkin_off", example=code_msg("example_checkin"))
    schedule = Schedule(tracker.checkin_days, parse_time(tracker.checkin_time))
    return t(
        lang,
        "owner_checkin_on",
        when=schedule.describe(lang),
        tz=zone_label(tracker.timezone, lang),
    )


# --- /checkin and /holidays ------------------------------------------------------------------


async def set_checkin(update: Update, context: Context, command: Command) -> None:
    """When owners are asked: /checkin daily|weekdays|mon…sun HH:MM, /checkin off, /checkin."""
    caller = caller_of(update, command)
    wanted = parse_checkin(caller.rest)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def apply(session: Session) -> tuple[Tracker, str]:
        scope = resolve(session, settings, caller, changing=wanted is not None)
        tracker = scope.tracker
        if wanted == "off":
            checkins.set_checkin(session, tracker=tracker, days=None, at=None)
            return tracker, t(lang, "checkin_off", title=tracker.title)
        if isinstance(wanted, Schedule):
            checkins.set_checkin(
                session, tracker=tracker, days=wanted.days, at=f"{wanted.at:%H:%M}"
            )
            log.info("check-ins of %s: %s", tracker.key, wanted)
        if tracker.checkin_days is None or tracker.checkin_time is None:
            return tracker, t(
                lang, "checkin_none", title=tracker.title, example=code_msg("example_checkin")
            )
        schedule = Schedule(tracker.checkin_days, parse_time(tracker.checkin_time))
        text = t(
            lang,
            "checkin_show",
            title=tracker.title,
            when=schedule.describe(lang),
            tz=zone_label(tracker.timezone, lang),
        )
        if not checkins.owners_by_workstream(session, tracker_id=scope.tracker_id):
            text += "\n" + t(lang, "checkin_no_owners", example=code("/owner sellers @name"))
        return tracker, text

    tracker, text = await run_db(context, apply)
    if wanted is not None:
        assert tracker.id is not None
        if tracker.checkin_days is None or tracker.checkin_time is None:
            checkin_jobs.unregister(context.application, tracker.id)
        else:
            checkin_jobs.register(
                context.application,
                checkins.CheckinPlan(
                    tracker.id, tracker.timezone, tracker.checkin_days, tracker.checkin_time
                ),
            )
    await reply(update, text)


async def set_holidays(update: Update, context: Context, command: Command) -> None:
    """Whose public holidays pause check-ins: /holidays, /holidays ID, /holidays off."""
    caller = caller_of(update, command)
    wanted = parse_holidays(caller.rest)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def apply(session: Session) -> str:
        scope = resolve(session, settings, caller, changing=wanted is not None)
        tracker = scope.tracker
        if wanted is not None:
            checkins.set_holidays(session, tracker=tracker, country=wanted)
        country = holiday_country(tracker.holidays, settings.pantau_holidays)
        if country is None:
            return t(lang, "holidays_none", title=tracker.title)
        return t(lang, "holidays_show", title=tracker.title, country=code(country))

    await reply(update, await run_db(context, apply))


# --- /away and /use --------------------------------------------------------------------------


async def set_away(update: Update, context: Context, command: Command) -> None:
    """Pause one's own check-ins: /away YYYY-MM-DD (the day back), /away off, /away."""
    caller = caller_of(update, command)
    settings = context.bot_data.settings
    now = context.bot_data.clock()
    today = local_today(now, settings.pantau_timezone)
    wanted = parse_away(caller.rest, today)
    lang = await chat_lang(context, update)

    def apply(session: Session) -> str:
        authorize(session, settings, caller)
        if wanted == "off":
            checkins.set_away(session, user_id=caller.user_id, until=None, now=now)
            return t(lang, "away_off")
        if wanted is None:
            until = checkins.away_until(session, user_id=caller.user_id)
            if until is None or until <= today:
                return t(lang, "away_none", example=code_msg("usage_away_day"))
            return t(lang, "away_show", day=fmt_date(until, lang))
        assert not isinstance(wanted, str)
        checkins.set_away(session, user_id=caller.user_id, until=wanted, now=now)
        return t(lang, "away_set", day=fmt_date(wanted, lang), off=code("/away off"))

    await reply(update, await run_db(context, apply))


def _keys(trackers: list[Tracker]) -> Html:
    return Html(", ".join(code(tracker.key) for tracker in trackers))


async def use_tracker(update: Update, context: Context, command: Command) -> None:
    """Choose the tracker of this private chat: /use <key>; /use shows it and lists yours."""
    caller = caller_of(update, command)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def apply(session: Session) -> str:
        here = locate(session, settings, caller, need_tracker=False)
        check(session, command, here, changing=False)
        mine = queries.trackers_of_user(session, user_id=caller.user_id)
        if caller.rest.strip():
            key = parse_tracker_key(caller.rest, "use")
            try:
                tracker = authorize_key(session, settings, caller, key)
            except UserError:  # one answer whether the key exists or not
                raise UserError("use_refused", key=code(key), keys=_keys(mine)) from None
            assert tracker is not None
            assert tracker.id is not None
            checkins.choose_tracker(session, chat_id=caller.chat_id, tracker_id=tracker.id)
            return t(lang, "use_set", title=tracker.title, key=code(tracker.key))
        if not mine and not is_operator(settings, caller.user_id):
            raise UserError("not_member")
        chosen = chosen_tracker(session, settings, caller.chat_id, caller.user_id)
        if chosen is None:
            return t(lang, "use_none", keys=_keys(mine), example=code_msg("usage_use_one"))
        return t(lang, "use_show", title=chosen.title, key=code(chosen.key), keys=_keys(mine))

    await reply(update, await run_db(context, apply))
