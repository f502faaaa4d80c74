"""The application factory: the CLI, the demo and the tests all build the bot here."""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import checkins, inbox, jobs
from bot.access import bind
from bot.commands import COMMANDS, menu
from bot.config import Settings
from bot.context import BotData, PantauApp, utc_now
from bot.handlers import buttons, gate, people, start
from bot.handlers.errors import on_error
from bot.inbox import InboxQueue
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
    builder = (
        Application.builder()
        .token(token)
        .context_types(ContextTypes(context=CallbackContext, bot_data=BotData))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(rate_limiter(settings))
        .update_queue(InboxQueue())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.pantau_concurrent_updates > 1:
        builder = builder.concurrent_updates(settings.pantau_concurrent_updates)
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.bot_data.configure(
        settings, engine or make_engine(settings.database_url), clock or utc_now
    )
    if isinstance(application.update_queue, InboxQueue):
        application.update_queue.application = application
    register_handlers(application)
    return application


class PacedRateLimiter(AIORateLimiter):
    """PTB's limiter, never above the cap, even right after a 429.

    PTB takes a send slot and then waits for a ``retry_after`` pause to end, so every request
    paced during the pause goes out at once when it ends (measured: 80 sends in one second at a
    cap of 60). Here a request that got its slot during a pause waits and takes a fresh slot:
    after the pause sending resumes at the cap. (Uses PTB 22's limiter internals; the version
    is pinned below 23.)
    """

    async def _run_request(
        self,
        chat: bool,
        group: str | int | bool,
        allow_paid_broadcast: bool,
        callback: Callable[..., Any],
        args: Any,
        kwargs: dict[str, Any],
    ) -> Any:
        if allow_paid_broadcast or not (chat and self._base_limiter):
            return await super()._run_request(
                chat, group, allow_paid_broadcast, callback, args, kwargs
            )
        while True:
            group_context = (
                self._get_group_limiter(group)
                if group and self._group_max_rate
                else contextlib.nullcontext()
            )
            async with group_context, self._base_limiter:
                if self._retry_after_event.is_set():
                    return await callback(*args, **kwargs)
            await self._retry_after_event.wait()


def rate_limiter(settings: Settings) -> AIORateLimiter:
    """Telegram's limits: about 30 messages a second, 20 a minute per group.

    The limiter is a leaky bucket: "30 per 1 s" would let 30 go at once and 30 more within the
    second. "1 per 1/30 s" paces the same allowance evenly, so no second ever carries more than
    the cap. On a 429 the limiter waits ``retry_after`` and tries again (its default: never).
    """
    per_second = settings.pantau_rate_per_second
    per_group_minute = settings.pantau_rate_per_group_minute
    return PacedRateLimiter(
        overall_max_rate=1 if per_second else 0,
        overall_time_period=1 / per_second if per_second else 0,
        group_max_rate=1 if per_group_minute else 0,
        group_time_period=60 / per_group_minute if per_group_minute else 0,
        max_retries=3,
    )


def register_handlers(application: PantauApp) -> None:
    """Every handler in one block. Order matters only where a comment says so."""
    new = filters.UpdateType.MESSAGE  # edits are handled apart: they never rewrite a record

    # Group -2 runs first: a command sent anonymously, as a channel or by a bot is refused
    # with one line and goes no further (no role can be checked for a stand-in).
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
    if application.bot_data.write_executor is not None:
        application.bot_data.write_executor.shutdown(wait=True)
    application.bot_data.engine.dispose()
