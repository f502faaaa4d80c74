"""/chart and /export: the burn-up as a picture, the audit trail as a file."""

from __future__ import annotations

import io
import logging

from sqlmodel import Session
from telegram import InputFile, Update

from bot.access import Command
from bot.context import Context, run_db
from bot.files import chart_png, export_file
from bot.handlers.common import caller_of, chat_lang, resolve
from bot.retry import with_network_retries
from domain.i18n import t
from domain.parsing import parse_export, parse_no_args

log = logging.getLogger(__name__)


async def send_chart(update: Update, context: Context, command: Command) -> None:
    """The tracker's burn-up chart as a PNG: /chart."""
    caller = caller_of(update, command)
    parse_no_args(caller.rest, "chart")
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)
    now = context.bot_data.clock()

    def draw(session: Session) -> tuple[bytes, str]:
        scope = resolve(session, settings, caller)
        return chart_png(session, scope.tracker, now=now, lang=lang), scope.tracker.title

    png, title = await run_db(context, draw, readonly=True)
    message = update.effective_message
    assert message is not None
    await with_network_retries(
        lambda: message.reply_photo(
            InputFile(io.BytesIO(png), filename="chart.png"),
            caption=t(lang, "chart_caption", title=title),
        ),
        what="chart",
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

    name, content, count, title = await run_db(context, build, readonly=True)
    log.info("export %s: %s reports, %s bytes", name, count, len(content))
    message = update.effective_message
    assert message is not None
    await with_network_retries(
        lambda: message.reply_document(
            InputFile(io.BytesIO(content), filename=name),
            caption=t(lang, "export_caption", title=title, count=count),
        ),
        what="export",
    )
