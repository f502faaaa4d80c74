"""/owner, /checkin, /holidays, /away and /use: who is asked, when, and on which tracker."""

from __future__ import annotations

import logging
from datetime import date

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
    is_operator,
    locate,
    reply,
    request_of,
    resolve,
)
from domain.checkin import (
    parse_away,
    parse_checkin,
    parse_holidays,
)
from domain.errors import UserError
from domain.i18n import Html, code, code_msg, t
from domain.locale import fmt_date, zone_label
from domain.parsing import parse_owner, parse_tracker_key
from domain.progress import local_today
from services import checkins as asking
from services.checkins import Owners, OwnersChange
from storage import checkins
from storage import trackers as tracker_store
from storage.models import Tracker

log = logging.getLogger(__name__)


# --- /owner ----------------------------------------------------------------------------------


OWNER_TEXT = {
    OwnersChange.SET: "owner_set",
    OwnersChange.OFF: "owner_off",
}


async def set_owner(update: Update, context: Context, command: Command) -> None:
    """Who answers for a workstream: /owner <workstream> [<@user | id>… | off]."""
    request = await request_of(update, context, command)
    caller, settings, lang = request.caller, request.settings, request.lang
    key, targets = parse_owner(caller.rest)

    def apply(session: Session) -> tuple[Owners, Tracker]:
        tracker = resolve(session, settings, caller, changing=targets is not None).tracker
        done = asking.owners(session, tracker, key, targets, operators=settings.pantau_admin_ids)
        return done, tracker

    done, tracker = await run_db(context, apply)
    title, names = done.workstream.title, ", ".join(done.names)
    if done.change is OwnersChange.SHOWN:
        if not names:
            text = t(lang, "owner_none", title=title, example=code(f"/owner {key} @name"))
        else:
            text = t(lang, "owner_show", title=title, names=names)
    else:
        checkin = Html(_checkin_line(tracker, lang))
        text = t(lang, OWNER_TEXT[done.change], title=title, names=names, checkin=checkin)
    await reply(update, text)


def _checkin_line(tracker: Tracker, lang: str) -> str:
    schedule = asking.schedule_of(tracker)
    if schedule is None:
        return t(lang, "owner_checkin_off", example=code_msg("example_checkin"))
    return t(
        lang,
        "owner_checkin_on",
        when=schedule.describe(lang),
        tz=zone_label(tracker.timezone, lang),
    )


# --- /checkin and /holidays ------------------------------------------------------------------


async def set_checkin(update: Update, context: Context, command: Command) -> None:
    """When owners are asked: /checkin daily|weekdays|mon…sun HH:MM, /checkin off, /checkin."""
    request = await request_of(update, context, command)
    caller, lang = request.caller, request.lang
    wanted = parse_checkin(caller.rest)

    def apply(session: Session) -> tuple[Tracker, asking.CheckinTimes]:
        tracker = resolve(session, request.settings, caller, changing=wanted is not None).tracker
        return tracker, asking.set_checkin(session, tracker, wanted)

    tracker, times = await run_db(context, apply)
    if wanted is not None:
        assert tracker.id is not None
        if times.plan is None:
            checkin_jobs.unregister(context.application, tracker.id)
        else:
            checkin_jobs.register(context.application, times.plan)
    if wanted == "off":
        text = t(lang, "checkin_off", title=tracker.title)
    elif times.schedule is None:
        example = code_msg("example_checkin")
        text = t(lang, "checkin_none", title=tracker.title, example=example)
    else:
        tz = zone_label(tracker.timezone, lang)
        when = times.schedule.describe(lang)
        text = t(lang, "checkin_show", title=tracker.title, when=when, tz=tz)
        if not times.has_owners:
            text += "\n" + t(lang, "checkin_no_owners", example=code("/owner sellers @name"))
    await reply(update, text)


async def set_holidays(update: Update, context: Context, command: Command) -> None:
    """Whose public holidays pause check-ins: /holidays, /holidays ID, /holidays off."""
    request = await request_of(update, context, command)
    caller, settings, lang = request.caller, request.settings, request.lang
    wanted = parse_holidays(caller.rest)

    def apply(session: Session) -> tuple[str, str | None]:
        tracker = resolve(session, settings, caller, changing=wanted is not None).tracker
        country = asking.set_holidays(
            session, tracker, wanted, default_country=settings.pantau_holidays
        )
        return tracker.title, country

    title, country = await run_db(context, apply)
    if country is None:
        await reply(update, t(lang, "holidays_none", title=title))
    else:
        await reply(update, t(lang, "holidays_show", title=title, country=code(country)))


# --- /away and /use --------------------------------------------------------------------------


async def set_away(update: Update, context: Context, command: Command) -> None:
    """Pause one's own check-ins: /away YYYY-MM-DD (the day back), /away off, /away."""
    request = await request_of(update, context, command)
    caller, settings, lang, now = request.caller, request.settings, request.lang, request.now
    today = local_today(now, settings.pantau_timezone)
    wanted = parse_away(caller.rest, today)

    def apply(session: Session) -> date | None:
        authorize(session, settings, caller)
        return asking.set_away(session, caller.user_id, wanted, today=today, now=now)

    back = await run_db(context, apply)
    if wanted == "off":
        await reply(update, t(lang, "away_off"))
    elif back is None:
        await reply(update, t(lang, "away_none", example=code_msg("usage_away_day")))
    elif wanted is None:
        await reply(update, t(lang, "away_show", day=fmt_date(back, lang)))
    else:
        await reply(update, t(lang, "away_set", day=fmt_date(back, lang), off=code("/away off")))


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
        mine = tracker_store.trackers_of_user(session, user_id=caller.user_id)
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
