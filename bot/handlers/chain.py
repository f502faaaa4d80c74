"""/verify: the audit trail's head as it stands, for members to compare with what digests
published."""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import caller_of, chat_lang, reply, resolve, today_for
from domain.i18n import Html, code, t
from domain.locale import fmt_time
from domain.parsing import parse_no_args
from storage import trail


async def show_trail_head(update: Update, context: Context, command: Command) -> None:
    """The head of this tracker's trail, its number of events and the last one's time."""
    caller = caller_of(update, command)
    parse_no_args(caller.rest, "verify")
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def read(session: Session) -> str:
        scope = resolve(session, settings, caller)
        head = trail.head(session, tracker_id=scope.tracker_id)
        if head.last_at is None:
            return t(lang, "verify_empty", title=scope.tracker.title)
        tz = scope.tracker.timezone
        return t(
            lang,
            "verify_answer",
            title=scope.tracker.title,
            count=head.count,
            when=Html(fmt_time(head.last_at, tz, lang, today_for(context, tz))),
            head=head.head,
            command=code(f"pantau verify --tracker {scope.tracker.key} --head {head.head[:16]}"),
        )

    await reply(update, await run_db(context, read, readonly=True))
