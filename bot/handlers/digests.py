"""/digest, /schedule and /quiet: what managers hear without asking."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update

from bot import jobs
from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import caller_of, reply, request_of, resolve
from bot.notices import Skipped
from domain.errors import UserError
from domain.i18n import t
from domain.locale import zone_label
from domain.parsing import parse_no_args
from domain.schedule import parse_quiet, parse_schedule
from services import notices
from services.notices import DigestTimes

log = logging.getLogger(__name__)


async def post_digest(update: Update, context: Context, command: Command) -> None:
    """Post this chat's digest now: /digest."""
    caller = caller_of(update, command)
    parse_no_args(caller.rest, "digest")
    settings = context.bot_data.settings
    await run_db(context, lambda s: resolve(s, settings, caller), readonly=True)
    status = await jobs.send_digest(
        context.application,
        caller.chat_id,
        slot_key=f"digest-now:{caller.message_id}",
    )
    if status is Skipped.UNLINKED:  # a member asking in a private chat that has no link
        raise UserError("digest_needs_link")


async def set_schedule(update: Update, context: Context, command: Command) -> None:
    """Subscribe this chat to digests: /schedule daily|weekdays|mon…sun HH:MM, or off."""
    request = await request_of(update, context, command)
    caller, lang = request.caller, request.lang
    wanted = parse_schedule(caller.rest)

    def apply(session: Session) -> tuple[DigestTimes, str]:
        tracker = resolve(session, request.settings, caller, changing=wanted is not None).tracker
        return notices.set_digest_schedule(session, caller.chat_id, wanted), tracker.timezone

    times, tz_name = await run_db(context, apply)
    tz = zone_label(tz_name, lang)
    if wanted is not None:
        jobs.register_chat(context.application, times.plan)
    if wanted == "off":
        text = t(lang, "schedule_off", tz=tz)
    elif times.schedule is None:
        text = t(lang, "schedule_none")
    else:
        key = "schedule_show" if wanted is None else "schedule_set"
        text = t(lang, key, when=times.schedule.describe(lang), tz=tz)
    await reply(update, text)


async def set_quiet(update: Update, context: Context, command: Command) -> None:
    """Show or set (admin) the days of silence before a workstream is nudged: /quiet [days]."""
    request = await request_of(update, context, command)
    days = parse_quiet(request.caller.rest)

    def apply(session: Session) -> tuple[str, int]:
        changing = days is not None
        tracker = resolve(session, request.settings, request.caller, changing=changing).tracker
        return tracker.title, notices.set_quiet_days(session, tracker, days)

    title, in_force = await run_db(context, apply)
    key = "quiet_show" if days is None else "quiet_set"
    await reply(update, t(request.lang, key, tracker=title, days=in_force))
