"""/digest, /schedule and /quiet: what managers hear without asking."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update

from bot import jobs
from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import caller_of, chat_lang, reply, resolve
from bot.notices import Skipped
from domain.errors import UserError
from domain.i18n import t
from domain.locale import zone_label
from domain.parsing import parse_no_args
from domain.schedule import Schedule, parse_quiet, parse_schedule
from storage import queries
from storage.queries import ChatPlan

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


def _linked_plan(session: Session, chat_id: int) -> ChatPlan:
    plans = queries.chat_plans(session, chat_id=chat_id)
    if not plans:
        raise UserError("schedule_needs_link")
    return plans[0]


async def set_schedule(update: Update, context: Context, command: Command) -> None:
    """Subscribe this chat to digests: /schedule daily|weekdays|mon…sun HH:MM, or off."""
    caller = caller_of(update, command)
    wanted = parse_schedule(caller.rest)
    settings = context.bot_data.settings

    lang = await chat_lang(context, update)

    def apply(session: Session) -> tuple[ChatPlan, str]:
        scope = resolve(session, settings, caller, changing=wanted is not None)
        plan = _linked_plan(session, caller.chat_id)
        tz = zone_label(scope.tracker.timezone, lang)
        if wanted is None:
            current = jobs.schedule_of(plan)
            if current is None:
                return plan, t(lang, "schedule_none")
            return plan, t(lang, "schedule_show", when=current.describe(lang), tz=tz)
        if wanted == "off":
            queries.set_schedule(session, chat_id=caller.chat_id, days=None, at=None)
            text = t(lang, "schedule_off", tz=tz)
        else:
            assert isinstance(wanted, Schedule)
            queries.set_schedule(
                session, chat_id=caller.chat_id, days=wanted.days, at=f"{wanted.at:%H:%M}"
            )
            text = t(lang, "schedule_set", when=wanted.describe(lang), tz=tz)
        log.info("schedule of chat %s: %s", caller.chat_id, wanted)
        return _linked_plan(session, caller.chat_id), text

    plan, text = await run_db(context, apply)
    if wanted is not None:
        jobs.register_chat(context.application, plan)
    await reply(update, text)


async def set_quiet(update: Update, context: Context, command: Command) -> None:
    """Show or set (admin) the days of silence before a workstream is nudged: /quiet [days]."""
    caller = caller_of(update, command)
    days = parse_quiet(caller.rest)
    settings = context.bot_data.settings

    lang = await chat_lang(context, update)

    def apply(session: Session) -> str:
        scope = resolve(session, settings, caller, changing=days is not None)
        if days is None:
            return t(
                lang, "quiet_show", tracker=scope.tracker.title, days=scope.tracker.quiet_days
            )
        queries.set_quiet_days(session, tracker=scope.tracker, days=days)
        return t(lang, "quiet_set", tracker=scope.tracker.title, days=days)

    await reply(update, await run_db(context, apply))
