"""/chart and /export: the burn-up as a picture, the audit trail as a file.

Both run on the render thread (``run_heavy``): the data is read in a short transaction, the
picture or workbook made after it, never on the event loop or in the database pool. A chart
is drawn once per change of its tracker, language and day (``bot.cache``), and a chat gets at
most one every 30 s: a repeat gets one short line.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import Session
from telegram import Update

from bot.access import Command
from bot.context import Context, run_heavy
from bot.files import Chart, draw, read_chart
from bot.handlers.common import reply, reply_file, request_of, resolve
from bot.outbox import Attachment
from domain.i18n import t
from domain.parsing import parse_export, parse_no_args
from services.files import ExportData, export_data, export_file

log = logging.getLogger(__name__)

CHART_EVERY = timedelta(seconds=30)


async def send_chart(update: Update, context: Context, command: Command) -> None:
    """The tracker's burn-up chart as a PNG: /chart."""
    request = await request_of(update, context, command)
    caller, lang, now = request.caller, request.lang, request.now
    parse_no_args(caller.rest, "chart")
    sent = context.bot_data.charts_sent
    last = sent.get(caller.chat_id)
    if last is not None and timedelta(0) <= now - last < CHART_EVERY:
        wait = int((CHART_EVERY - (now - last)).total_seconds()) + 1
        await reply(update, t(lang, "chart_recent", seconds=wait))
        return
    cache = context.bot_data.views

    def read(session: Session) -> tuple[Chart, str]:
        tracker = resolve(session, request.settings, caller).tracker
        return read_chart(session, cache, tracker, now=now, lang=lang), tracker.title

    def make(facts: tuple[Chart, str]) -> tuple[bytes, str]:
        return draw(cache, facts[0], now=now, lang=lang), facts[1]

    png, title = await run_heavy(context, read, make)
    sent[caller.chat_id] = now
    await reply_file(
        update, t(lang, "chart_caption", title=title), Attachment("photo", "chart.png", png)
    )


async def send_export(update: Update, context: Context, command: Command) -> None:
    """The audit trail as a document (admins): /export [csv|xlsx]."""
    request = await request_of(update, context, command)
    caller, lang = request.caller, request.lang
    fmt = parse_export(caller.rest)

    def read(session: Session) -> tuple[ExportData, str]:
        tracker = resolve(session, request.settings, caller).tracker
        return export_data(session, tracker, fmt=fmt, now=request.now), tracker.title

    def make(facts: tuple[ExportData, str]) -> tuple[tuple[str, bytes, int], str]:
        return export_file(facts[0], lang=lang), facts[1]

    (name, content, count), title = await run_heavy(context, read, make)
    log.info("export %s: %s reports, %s bytes", name, count, len(content))
    caption = t(lang, "export_caption", title=title, count=count)
    await reply_file(update, caption, Attachment("document", name, content))
