"""The buttons of a check-in (and of a bare /update), and the number typed after "✍️ Other"."""

from __future__ import annotations

import html
import logging
import re
from functools import partial

from sqlmodel import Session
from telegram import Chat, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.access import Command, Place, rank_of
from bot.config import Settings
from bot.context import Context, run_db
from bot.handlers.common import (
    Here,
    chat_lang,
    check,
    effective_role,
    is_operator,
    read_tracker,
    reply,
    request_of,
    today_for,
)
from bot.notices import markup
from bot.retry import with_network_retries
from domain.checkin import (
    Button,
    Choice,
    keyboard,
    render_prompt,
    without_workstream,
)
from domain.checkin import decode_tap as decode
from domain.errors import UserError
from domain.i18n import code, code_msg, t
from domain.locale import fmt_day
from domain.parsing import (
    parse_percent,
)
from domain.progress import local_today
from domain.render import render_update
from services import checkins as asking
from services import reports
from services.reports import AlreadyRecorded, Answered, Source
from storage import checkins
from storage.models import Tracker, Workstream

log = logging.getLogger(__name__)

# --- the buttons -----------------------------------------------------------------------------


async def offer_buttons(update: Update, context: Context, command: Command) -> None:
    """A bare /update: the check-in's buttons for every workstream of the tracker."""
    request = await request_of(update, context, command)
    lang, now = request.lang, request.now
    snap, items = await read_tracker(
        context, request, lambda s, tracker: asking.offered_items(s, tracker, now)
    )
    if not items:
        text, rows = t(lang, "ci_all_done", title=snap.tracker.title), []
    else:
        today = local_today(now, snap.tracker.timezone)
        text = render_prompt(snap, items, today=today, lang=lang, asked=False)
        rows = keyboard(items, lang)
    message = update.effective_message
    assert message is not None
    await with_network_retries(
        partial(message.reply_text, text, reply_markup=markup(rows)),
        what=f"buttons in chat {message.chat_id}",
    )


def _update_rules(context: Context) -> Command:
    """The /update row of the command table: a button records what /update would, under the
    rules the table gives it (passed along: this module is below bot.commands)."""
    return next(c for c in context.bot_data.commands if c.name == "update")


def _answerable(
    session: Session, settings: Settings, workstream_id: int, user_id: int, rules: Command
) -> tuple[Tracker, Workstream]:
    """The workstream a button answers for and its tracker, refused unless the table's check
    of /update passes for a private chat about it (a reporter or admin, not archived): the
    same ``check`` every command goes through."""
    tracker, ws_row = reports.answered_workstream(session, workstream_id)
    assert tracker.id is not None
    role = effective_role(session, settings, tracker_id=tracker.id, user_id=user_id)
    rank = rank_of(role, operator=is_operator(settings, user_id))
    check(session, rules, Here(Place.PRIVATE, tracker, role, rank), changing=False)
    reports.refuse_archived(ws_row)
    return tracker, ws_row


def _rows_of(message: Message) -> list[list[Button]]:
    keyboard_markup = message.reply_markup
    if not isinstance(keyboard_markup, InlineKeyboardMarkup):
        return []
    return [
        [(button.text, str(button.callback_data)) for button in row]
        for row in keyboard_markup.inline_keyboard
    ]


async def _mark_prompt(message: Message, workstream_id: int, line: str) -> None:
    """The prompt after an answer: a line saying what happened, that workstream's buttons gone."""
    rows = without_workstream(_rows_of(message), workstream_id)
    try:
        await message.edit_text(message.text_html + "\n" + line, reply_markup=markup(rows))
    except BadRequest as exc:  # e.g. the message is too old to edit: the answer still counts
        log.warning("could not edit check-in prompt %s: %s", message.message_id, exc.message)


async def on_tap(update: Update, context: Context) -> None:
    """A button of a check-in (or of a bare /update) pressed."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    assert user is not None
    message = query.message if isinstance(query.message, Message) else None
    lang = await chat_lang(context, update)
    tap = decode(query.data)
    if tap is None or message is None:
        await query.answer(html_free(t(lang, "ci_stale")))
        return
    if tap.choice is Choice.TITLE:
        await query.answer(html_free(t(lang, "ci_answer_title")))
        return
    await query.answer()
    settings = context.bot_data.settings
    now = context.bot_data.clock()
    private = message.chat.type == Chat.PRIVATE

    def apply(session: Session) -> Answered | AlreadyRecorded | str:
        tracker, ws_row = _answerable(
            session, settings, tap.workstream_id, user.id, _update_rules(context)
        )
        if tap.choice is Choice.NONE:
            return t(lang, "ci_nothing", title=ws_row.title)
        if tap.choice is Choice.OTHER:
            if not private:  # in a group the bot sees commands only: ask for one
                raise UserError(
                    "ci_other_group", example=code_msg("example_update_percent", key=ws_row.key)
                )
            checkins.wait_for_other(
                session,
                chat_id=message.chat.id,
                user_id=user.id,
                workstream_id=tap.workstream_id,
                base_report_id=tap.base_report_id,
                prompt_message_id=message.message_id,
                now=now,
            )
            return t(lang, "ci_other_ask", title=ws_row.title)
        assert isinstance(tap.choice, int)
        # A tap has no message of its own: the update's id, negative so that it never meets
        # a real message id, makes a redelivered tap one report.
        source = Source(
            user.id, user.full_name, message.chat.id, -update.update_id, update.update_id, now
        )
        return reports.record_answer(
            session,
            tracker,
            source,
            workstream_id=tap.workstream_id,
            base_report_id=tap.base_report_id,
            percent=tap.choice,
        )

    result = await run_db(context, apply)
    if isinstance(result, str):
        await _mark_prompt(message, tap.workstream_id, result)
        return
    if isinstance(result, AlreadyRecorded):
        await _mark_prompt(
            message, tap.workstream_id, t(lang, "already_recorded", title=result.title)
        )
        return
    await _answered(update, context, message, tap.workstream_id, result, lang)


async def _answered(
    update: Update,
    context: Context,
    prompt: Message | None,
    workstream_id: int,
    result: Answered,
    lang: str,
) -> None:
    ws = result.outcome.workstream
    if prompt is not None:
        await _mark_prompt(
            prompt, workstream_id, t(lang, "ci_recorded", title=ws.title, percent=ws.percent)
        )
    tracker = result.outcome.snapshot.tracker
    today = today_for(context, tracker.timezone)
    text = render_update(result.outcome, today, lang)
    newer = result.replaced
    if newer is not None:
        text += "\n" + t(
            lang,
            "ci_replaced",
            percent=newer.percent,
            name=newer.reporter_name,
            day=fmt_day(newer.created_at, tracker.timezone, lang),
        )
    await reply(update, text)


def html_free(text: str) -> str:
    """A callback answer is plain text: the catalogue's markup removed."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


async def typed_other(update: Update, context: Context) -> None:
    """A number typed in private after "✍️ Other": the percent for that workstream. Any other
    plain text in private gets a one-line pointer to /help."""
    message = update.effective_message
    user = update.effective_user
    chat = update.effective_chat
    if message is None or user is None or chat is None or not message.text:
        return
    settings = context.bot_data.settings
    now = context.bot_data.clock()
    lang = await chat_lang(context, update)
    text = message.text.strip()

    def apply(session: Session) -> Answered | AlreadyRecorded | None:
        pending = checkins.pending_other(session, chat_id=chat.id)
        if pending is None or pending.user_id != user.id:
            return None  # plain chat: not ours to answer
        tracker, ws_row = _answerable(
            session, settings, pending.workstream_id, user.id, _update_rules(context)
        )
        try:
            percent = parse_percent(text.split()[0] if text.split() else text)
        except UserError:
            raise UserError(
                "ci_other_bad", token=code(text[:20]), title=ws_row.title, example=code("65")
            ) from None
        checkins.clear_other(session, chat_id=chat.id)
        source = Source(
            user.id, user.full_name, chat.id, message.message_id, update.update_id, now
        )
        return reports.record_answer(
            session,
            tracker,
            source,
            workstream_id=pending.workstream_id,
            base_report_id=pending.base_report_id,
            percent=percent,
        )

    result = await run_db(context, apply)
    if result is None:  # not an answer to "✍️ Other": someone talking to the bot
        await reply(update, t(lang, "plain_text_private"))
        return
    if isinstance(result, AlreadyRecorded):
        await reply(update, t(lang, "already_recorded", title=result.title))
        return
    await _answered(update, context, None, result.outcome.workstream.id, result, lang)
