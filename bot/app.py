"""The application factory: the CLI, the demo and the tests all build the bot here."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import checkins, inbox, jobs
from bot.access import bind
from bot.commands import BY_NAME, COMMANDS, menu
from bot.config import Settings
from bot.context import BotData, PantauApp, utc_now
from bot.dispatch import ChatOrderedProcessor
from bot.handlers import buttons, evidence, gate, migration, people, reports, start
from bot.handlers.errors import on_error
from bot.inbox import InboxQueue
from bot.outbox import Outbox
from bot.ratelimit import SendLimiter
from bot.transport import make_bot
from domain.i18n import LANGUAGES, t
from storage.db import make_engine

log = logging.getLogger(__name__)

# Token used with an offline transport when none is configured: it never leaves the process.
OFFLINE_TOKEN = "123456789:offline-transport-token"

LAST_GROUP = 1_000


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    engine: Engine | None = None,
    clock: Callable[[], datetime] | None = None,
) -> PantauApp:
    """Build the bot with every handler registered.

    ``request`` replaces the HTTP transport (the demo and the tests pass an offline one);
    ``engine`` shares a database between several applications; ``clock`` drives time.
    """
    if request is None:
        token = settings.require_token()
    else:
        token = (
            settings.telegram_bot_token.get_secret_value()
            if settings.telegram_bot_token
            else OFFLINE_TOKEN
        )
    limiter = send_limiter(settings)
    bot = make_bot(settings, token, request=request, limiter=limiter)
    application = (
        Application.builder()
        .bot(bot)
        .context_types(ContextTypes(context=CallbackContext, bot_data=BotData))
        .update_queue(InboxQueue())
        # Chats in parallel, each chat in order (see bot.dispatch).
        .concurrent_updates(ChatOrderedProcessor(settings.pantau_concurrent_updates))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data.configure(
        settings, engine or make_engine(settings.database_url), clock or utc_now
    )
    queue = application.update_queue
    assert isinstance(queue, InboxQueue)
    queue.application = application
    bot.attach(
        Outbox(bot, limiter, coalesce_seconds=settings.pantau_coalesce_seconds),
        queue.record_batch,
    )
    register_handlers(application)
    return application


def send_limiter(settings: Settings) -> SendLimiter:
    """Telegram's limits: about 30 messages a second, 20 a minute per group, over moving
    windows, shared through Redis when ``PANTAU_REDIS_URL`` is set (see bot.ratelimit)."""
    return SendLimiter(
        rate_per_second=settings.pantau_rate_per_second,
        rate_per_group_minute=settings.pantau_rate_per_group_minute,
        redis_url=settings.pantau_redis_url,
        key_prefix=settings.pantau_redis_prefix,
        max_retries=3,
    )


def register_handlers(application: PantauApp) -> None:
    """Every handler in one block. Order matters only where a comment says so."""
    new = filters.UpdateType.MESSAGE  # edits are handled apart: they never rewrite a record

    # Group -3: a group that became a supergroup takes its link to the new chat id at once
    # (the service message may come from a stand-in, so before the gate).
    application.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, migration.follow_migration), group=-3
    )
    # Group -2 runs next: a command sent anonymously, as a channel or by a bot is refused with
    # one line and goes no further (no role can be checked for a stand-in).
    application.add_handler(TypeHandler(Update, gate.refuse_stand_ins), group=-2)
    # Group -1 sees every update a person sent and never stops it: remember senders for
    # /grant @name.
    application.add_handler(TypeHandler(Update, people.remember_user), group=-1)

    # Every command of the table (bot/commands.py), which also says who may use it where.
    application.bot_data.commands = COMMANDS
    for command in COMMANDS:
        application.add_handler(
            CommandHandler(command.name, bind(command, command.handler), filters=new)
        )
        if command.edit_handler is not None:
            # An edited /update corrects the report it made (within limits), never rewrites.
            application.add_handler(
                CommandHandler(
                    command.name,
                    bind(command, command.edit_handler),
                    filters=filters.UpdateType.EDITED_MESSAGE,
                )
            )
    # A photo or document is evidence: with "/update …" as its caption it makes the report;
    # in reply to one's own /update it adds to that report. Both are /update as the table
    # declares it (who may, where).
    update_row = BY_NAME["update"]
    carries_file = (filters.PHOTO | filters.Document.ALL) & new
    with_update_caption = filters.CaptionRegex(r"^/update(@\w+)?(\s|$)")
    application.add_handler(
        MessageHandler(
            carries_file & with_update_caption, bind(update_row, evidence.update_with_file)
        )
    )
    application.add_handler(
        MessageHandler(
            carries_file & filters.REPLY & ~filters.CaptionRegex(r"^/"),
            bind(update_row, evidence.add_to_report),
        )
    )
    # An edited caption corrects its report as an edited /update does (the file stays the
    # evidence of the report it came with).
    application.add_handler(
        MessageHandler(
            filters.UpdateType.EDITED_MESSAGE
            & (filters.PHOTO | filters.Document.ALL)
            & with_update_caption,
            bind(update_row, reports.correct_update),
        )
    )
    # The buttons of a check-in or of a bare /update; and in private, the number typed after
    # "✍️ Other" (plain text only: commands keep their meaning); other plain text in private
    # gets a one-line pointer to /help from the same handler.
    application.add_handler(CallbackQueryHandler(buttons.on_tap, pattern=r"^ci:"))
    application.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & new, buttons.typed_other
        )
    )
    # Must stay after every CommandHandler of group 0: it catches what none of them took.
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE & new, start.unknown_command)
    )

    # The very last group: the update is handled; the inbox need not replay it after a crash.
    application.add_handler(TypeHandler(Update, inbox.mark_done), group=LAST_GROUP)

    application.add_error_handler(on_error)


async def _post_init(application: PantauApp) -> None:
    """After initialize(), before polling: jobs from the database, then a catch-up run."""
    if isinstance(application.update_queue, InboxQueue):
        await application.update_queue.replay(application)
    await jobs.register_all(application)
    await checkins.register_all(application)
    jobs.schedule_catch_up(application)
    try:
        for lang in LANGUAGES:
            # The catalogue holds HTML; a menu entry is plain text.
            commands = [BotCommand(name, html.unescape(t(lang, key))) for name, key in menu()]
            # English is also the menu for every language without its own.
            await application.bot.set_my_commands(commands, language_code=lang)
            if lang == "en":
                await application.bot.set_my_commands(commands)
    except TelegramError as exc:  # a menu is a nicety: never a reason not to start
        log.warning("could not register the command menu: %s", exc)


async def _post_shutdown(application: PantauApp) -> None:
    for executor in (application.bot_data.write_executor, application.bot_data.render_executor):
        if executor is not None:
            executor.shutdown(wait=True)
    application.bot_data.engine.dispose()
