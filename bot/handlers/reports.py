"""/update, its edits and /undo: the hot path, where staff record progress.

The rules live in ``services.reports``; here: parse, run the use case in one transaction
(with the inbox entry it settles), render outside it, reply."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session
from telegram import Update

from bot.access import Command
from bot.config import Settings
from bot.context import Context, run_db
from bot.handlers.buttons import offer_buttons
from bot.handlers.common import Caller, caller_of, chat_lang, reply, resolve, today_for
from bot.inbox import settle
from bot.outbox import ack_for
from domain.i18n import t
from domain.parsing import UpdateArgs, parse_no_args, parse_update
from domain.render import (
    ReportOutcome,
    render_files,
    render_undo,
    render_update,
    render_update_figures,
)
from domain.views import FileFacts
from services import reports
from services.reports import AlreadyRecorded, AlreadyUndone, Corrected

log = logging.getLogger(__name__)

T = TypeVar("T")


def record_report(
    session: Session,
    settings: Settings,
    caller: Caller,
    args: UpdateArgs,
    now: datetime,
    files: Sequence[FileFacts] = (),
) -> ReportOutcome | AlreadyRecorded:
    """/update in its transaction: the command table's check, then the use case."""
    tracker = resolve(session, settings, caller).tracker
    return reports.record_report(session, tracker, caller.source, args, now, files)


def record_correction(
    session: Session, settings: Settings, caller: Caller, args: UpdateArgs, now: datetime
) -> Corrected | AlreadyRecorded:
    """An edited /update in its transaction: the command table's check, then the use case."""
    tracker = resolve(session, settings, caller).tracker
    return reports.record_correction(session, tracker, caller.source, args, now)


async def _settled(
    context: Context, caller: Caller, work: Callable[[Session, Settings, datetime], T]
) -> T:
    """Run a use case in the transaction that also settles the update's inbox entry, so the
    two commit (or roll back) together."""
    settings = context.bot_data.settings
    now = context.bot_data.clock()

    def apply(session: Session) -> T:
        settle(session, context, caller.update_id)
        return work(session, settings, now)

    return await run_db(context, apply)


async def update_progress(update: Update, context: Context, command: Command) -> None:
    """Record a report: /update <workstream> <percent>[%] [note…]; bare, the buttons."""
    caller = caller_of(update, command)
    if not caller.rest.strip():
        await offer_buttons(update, context, command)
        return
    await record_update(update, context, command, parse_update(caller.rest))


async def record_update(
    update: Update,
    context: Context,
    command: Command,
    args: UpdateArgs,
    files: Sequence[FileFacts] = (),
) -> None:
    """Record the report an /update makes, with the files its message carried as evidence
    (in the same transaction), and reply."""
    caller = caller_of(update, command)
    outcome = await _settled(
        context,
        caller,
        lambda s, settings, now: record_report(s, settings, caller, args, now, files),
    )
    lang = await chat_lang(context, update)
    if isinstance(outcome, AlreadyRecorded):
        log.info("duplicate delivery of message %s in chat %s", caller.message_id, caller.chat_id)
        await reply(update, t(lang, "already_recorded", title=outcome.title))
        return
    log.info(
        "report: %s=%s%% by %s in tracker %s",
        outcome.workstream.key,
        outcome.workstream.percent,
        caller.user_id,
        outcome.snapshot.tracker.key,
    )
    today = today_for(context, outcome.snapshot.tracker.timezone)
    await reply(
        update,
        render_update(outcome, today, lang) + render_files(files, lang),
        ack=ack_for(outcome, today, lang),
    )


async def undo_report(update: Update, context: Context, command: Command) -> None:
    """Retract the caller's most recent report in this tracker: /undo."""
    caller = caller_of(update, command)
    parse_no_args(caller.rest, "undo")
    outcome = await _settled(
        context,
        caller,
        lambda s, settings, now: reports.undo_last_report(
            s, resolve(s, settings, caller).tracker, caller.source, now
        ),
    )
    lang = await chat_lang(context, update)
    if isinstance(outcome, AlreadyUndone):
        await reply(update, t(lang, "already_undone"))
        return
    today = today_for(context, outcome.snapshot.tracker.timezone)
    await reply(update, render_undo(outcome, today, lang))


async def correct_update(update: Update, context: Context, command: Command) -> None:
    """An edited /update: a correction of the report its message made (a new report linked to
    the first, which stays in the trail retracted), never a silent overwrite. Only a report
    that still counts, in the chat's tracker, within 48 hours; an edit of a refused /update is
    a new report at the edit's time."""
    caller = caller_of(update, command)
    args = parse_update(caller.rest)
    result = await _settled(
        context, caller, lambda s, settings, now: record_correction(s, settings, caller, args, now)
    )
    lang = await chat_lang(context, update)
    if isinstance(result, AlreadyRecorded):
        await reply(update, t(lang, "already_recorded", title=result.title))
        return
    outcome = result.outcome
    today = today_for(context, outcome.snapshot.tracker.timezone)
    if result.corrected_from is None:  # an edit that turned a refused command into a valid one
        await reply(update, render_update(outcome, today, lang))
        return
    text = t(
        lang,
        "corrected",
        title=outcome.workstream.title,
        before=result.corrected_from,
        after=args.percent,
    )
    await reply(update, text + "\n" + render_update_figures(outcome, today, lang))
