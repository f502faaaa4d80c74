"""/verify: the audit trail's head as it stands, for members to compare with what digests
published."""

from __future__ import annotations

from telegram import Update

from bot.access import Command
from bot.context import Context
from bot.handlers.common import read_tracker, reply, request_of, today_for
from domain.i18n import Html, code, t
from domain.locale import fmt_time
from domain.parsing import parse_no_args
from storage import trail


async def show_trail_head(update: Update, context: Context, command: Command) -> None:
    """The head of this tracker's trail, its number of events and the last one's time."""
    request = await request_of(update, context, command)
    parse_no_args(request.caller.rest, "verify")
    tracker, head = await read_tracker(
        context, request, lambda s, tr: (tr, trail.head(s, tracker_id=tr.id or 0))
    )
    lang = request.lang
    if head.last_at is None:
        await reply(update, t(lang, "verify_empty", title=tracker.title))
        return
    tz = tracker.timezone
    text = t(
        lang,
        "verify_answer",
        title=tracker.title,
        count=head.count,
        when=Html(fmt_time(head.last_at, tz, lang, today_for(context, tz))),
        head=head.head,
        command=code(f"pantau verify --tracker {tracker.key} --head {head.head[:16]}"),
    )
    await reply(update, text)
