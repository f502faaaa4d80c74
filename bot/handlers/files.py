"""/chart and /export: the burn-up as a picture, the audit trail as a file.

Both run on the render thread (``run_heavy``), never on the event loop or in the database
pool. A chart is drawn once per change of its tracker, language and day (``bot.cache``), and
a chat gets at most one every 30 s: a repeat gets one short line.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import Session
from telegram import Update

from bot.access import Command
from bot.context import Context, run_heavy
from bot.files import chart_png, export_file
from bot.handlers.common import caller_of, chat_lang, reply, reply_file, resolve
from bot.outbox import Attachment
from domain.i18n import t
from domain.parsing import parse_export, parse_no_args
from domain.progress import local_today
from storage import trackers as tracker_store

log = logging.getLogger(__name__)

CHART_EVERY = timedelta(seconds=30)


async def send_chart(update: Update, context: Context, command: Command) -> None:
    """The tracker's burn-up chart as a PNG: /chart."""
    caller = caller_of(update, command)
    parse_no_args(caller.rest, "chart")
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)
    now = context.bot_data.clock()
    sent = context.bot_data.charts_sent
    last = sent.get(caller.chat_id)
    if last is not None and timedelta(0) <= now - last < CHART_EVERY:
        wait = int((CHART_EVERY - (now - last)).total_seconds()) + 1
        await reply(update, t(lang, "chart_recent", seconds=wait))
        return
    cache = context.bot_data.views

    def draw(session: Session) -> tuple[bytes, str]:
        scope = resolve(session, settings, caller)
        version = tracker_store.tracker_version(session, tracker=scope.tracker)
        key = ("chart", lang, local_today(now, scope.tracker.timezone))
        png = cache.get(
            scope.tracker_id,
            version,
            key,
            lambda: chart_png(session, scope.tracker, now=now, lang=lang),
        )
        return png, scope.tracker.title

    png, title = await run_heavy(context, draw)
    sent[caller.chat_id] = now
    await reply_file(
        update, t(lang, "chart_caption", title=title), Attachment("photo", "chart.png", png)
    )


async def send_export(update: Update, context: Context, command: Command) -> None:
    """The audit trail as a document (admins): /export [csv|xlsx]."""
    caller = caller_of(update, command)
    fmt = parse_export(caller.rest)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)
    now = context.bot_data.clock()

    def build(session: Session) -> tuple[str, bytes, int, str]:
        scope = resolve(session, settings, caller)
        name, content, count = export_file(session, scope.tracker, fmt=fmt, now=now, lang=lang)
        return name, content, count, scope.tracker.title

    name, content, count, title = await run_heavy(context, build)
    log.info("export %s: %s reports, %s bytes", name, count, len(content))
    caption = t(lang, "export_caption", title=title, count=count)
    await reply_file(update, caption, Attachment("document", name, content))
