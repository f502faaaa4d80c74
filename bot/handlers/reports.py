"""/update and /undo: the hot path, where staff record progress."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session
from telegram import Update

from bot.access import Command
from bot.config import Settings
from bot.context import Context, run_db
from bot.handlers.buttons import offer_buttons
from bot.handlers.common import (
    Caller,
    Scope,
    active_workstream,
    caller_of,
    chat_lang,
    reply,
    resolve,
    today_for,
)
from bot.inbox import settle
from bot.outbox import ack_for
from domain.errors import UserError
from domain.i18n import code, t
from domain.parsing import UpdateArgs, parse_no_args, parse_update
from domain.progress import find_workstream, overall_percent, with_report
from domain.render import ReportOutcome, UndoOutcome, render_files, render_undo, render_update
from domain.views import FileFacts, ReportView, WorkstreamView
from storage import evidence, locks
from storage import reports as report_store
from storage import trackers as tracker_store
from storage import workstreams as workstream_store
from storage.models import Report

log = logging.getLogger(__name__)

# How long after a report an edit of its message may still correct it. Later, a correction
# is a new /update with a note: the trail shows both, each at its own time.
EDIT_WINDOW = timedelta(hours=48)


def _add_report(
    session: Session,
    scope: Scope,
    caller: Caller,
    args: UpdateArgs,
    workstream: WorkstreamView,
    *,
    created_at: datetime,
    recorded_at: datetime,
    revision: int = 0,
    corrects_id: int | None = None,
) -> ReportView:
    """The report an /update message (or its edit) makes: who said what, when, from where."""
    return report_store.insert_report(
        session,
        workstream_key=workstream.key,
        tracker_id=scope.tracker_id,
        workstream_id=workstream.id,
        percent=args.percent,
        note=args.note,
        reporter_id=caller.user_id,
        reporter_name=caller.name,
        chat_id=caller.chat_id,
        message_id=caller.message_id,
        update_id=caller.update_id,
        created_at=created_at,
        recorded_at=recorded_at,
        revision=revision,
        corrects_id=corrects_id,
    )


def record_report(
    session: Session,
    settings: Settings,
    caller: Caller,
    args: UpdateArgs,
    now: datetime,
    files: Sequence[FileFacts] = (),
) -> ReportOutcome | str:
    """What /update does in its transaction (with the files its message carried, as
    evidence): the outcome, or the workstream's title when the same message was recorded
    already."""
    scope = resolve(session, settings, caller)
    # Before reading whether the message made a report: an edit of it handled at the same
    # moment waits for this transaction (or this one for it) and sees what it wrote.
    locks.lock_message(session, chat_id=caller.chat_id, message_id=caller.message_id)
    before = report_store.snapshot(session, tracker=scope.tracker)
    previous = active_workstream(before, scope.tracker.title, args.workstream)
    if report_store.report_exists(session, chat_id=caller.chat_id, message_id=caller.message_id):
        # The same message delivered again (a retry after a crash), or an edit of it came
        # first: one report, one answer.
        return previous.title
    report = _add_report(
        session, scope, caller, args, previous, created_at=caller.sent_at, recorded_at=now
    )
    stored = session.get(Report, report.id) if files else None  # the evidence chain's row
    for facts in files:
        assert stored is not None
        evidence.add(
            session,
            report=stored,
            facts=facts,
            added_by=caller.user_id,
            now=now,
            chat_id=caller.chat_id,
            message_id=caller.message_id,
        )
    after = with_report(before, report, previous.id)
    return ReportOutcome(
        snapshot=after,
        workstream=find_workstream(after, previous.id),
        previous_percent=previous.percent,
        previous_overall=overall_percent(before.workstreams),
        note=args.note,
        # Accepted, but a drop is worth a second look: the reply asks why.
        lower_than_before=previous.latest is not None and args.percent < previous.percent,
    )


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
    settings = context.bot_data.settings
    now = context.bot_data.clock()

    def record(session: Session) -> ReportOutcome | str:
        settle(session, context, caller.update_id)  # the inbox entry commits with the report
        return record_report(session, settings, caller, args, now, files)

    outcome = await run_db(context, record)
    lang = await chat_lang(context, update)
    if isinstance(outcome, str):
        log.info("duplicate delivery of message %s in chat %s", caller.message_id, caller.chat_id)
        await reply(update, t(lang, "already_recorded", title=outcome))
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
    settings = context.bot_data.settings
    now = context.bot_data.clock()

    def retract(session: Session) -> UndoOutcome | None:
        settle(session, context, caller.update_id)
        scope = resolve(session, settings, caller)
        if report_store.retracted_by(
            session, chat_id=caller.chat_id, message_id=caller.message_id
        ):
            return None  # the same /undo delivered again
        report = report_store.last_report_by(
            session, tracker_id=scope.tracker_id, reporter_id=caller.user_id
        )
        if report is None:
            raise UserError("nothing_to_undo", tracker=scope.tracker.title)
        workstream = workstream_store.get_workstream_by_id(
            session, workstream_id=report.workstream_id
        )
        assert workstream is not None
        report_store.retract_report(
            session,
            report=report,
            now=now,
            chat_id=caller.chat_id,
            message_id=caller.message_id,
            by=caller.user_id,
        )
        return UndoOutcome(
            undone=report_store.report_view(report, workstream.key),
            workstream_title=workstream.title,
            snapshot=report_store.snapshot(session, tracker=scope.tracker),
        )

    outcome = await run_db(context, retract)
    lang = await chat_lang(context, update)
    if outcome is None:
        await reply(update, t(lang, "already_undone"))
        return
    log.info("undo: report %s by %s", outcome.undone.id, caller.user_id)
    today = today_for(context, outcome.snapshot.tracker.timezone)
    await reply(update, render_undo(outcome, today, lang))


def _check_correction(
    session: Session, scope: Scope, caller: Caller, args: UpdateArgs, revisions: list[Report]
) -> Report | None:
    """The report an edit may correct (None: the message made none, so the edit is a new
    report), or a refusal saying what to send instead."""
    example = code(f"/update {args.workstream} {args.percent}")
    current = next((r for r in reversed(revisions) if r.retracted_at is None), None)
    if current is None:
        if revisions:  # every report of the message was undone: an edit may not revive it
            raise UserError("edit_undone", example=example)
        return None
    if current.tracker_id != scope.tracker_id:  # the chat follows another tracker now
        old = tracker_store.get_tracker_by_id(session, tracker_id=current.tracker_id)
        raise UserError(
            "edit_other_tracker",
            old=old.title if old is not None else "?",
            new=scope.tracker.title,
            example=example,
        )
    edited_at = caller.edited_at or caller.sent_at
    if edited_at - current.created_at > EDIT_WINDOW:
        raise UserError(
            "edit_too_old", hours=int(EDIT_WINDOW.total_seconds() // 3600), example=example
        )
    return current


def record_correction(
    session: Session, settings: Settings, caller: Caller, args: UpdateArgs, now: datetime
) -> tuple[ReportOutcome, int | None] | str:
    """What an edited /update does in its transaction: the outcome and the percent it
    corrected (None: a refused command made valid), or the workstream's title when this edit
    was recorded already."""
    scope = resolve(session, settings, caller)
    # Before reading the message's revisions: a second edit (or the /update itself) handled
    # at the same moment waits, then counts this one's revision. (Without it both would take
    # the same next revision on PostgreSQL and the unique key would refuse one.)
    locks.lock_message(session, chat_id=caller.chat_id, message_id=caller.message_id)
    revisions = report_store.revisions_of_message(
        session, chat_id=caller.chat_id, message_id=caller.message_id
    )
    for done in revisions:
        if done.update_id == caller.update_id:  # the same edit delivered again
            ws_row = workstream_store.get_workstream_by_id(
                session, workstream_id=done.workstream_id
            )
            return ws_row.title if ws_row is not None else args.workstream
    original = _check_correction(session, scope, caller, args, revisions)
    before = report_store.snapshot(session, tracker=scope.tracker)
    ws = active_workstream(before, scope.tracker.title, args.workstream)
    if original is not None:
        report_store.retract_report(
            session,
            report=original,
            now=now,
            chat_id=None,
            message_id=None,
            by=caller.user_id,
            replaced=True,
        )
    report = _add_report(
        session,
        scope,
        caller,
        args,
        ws,
        # A correction keeps the moment of the claim it corrects; an edit that turns a
        # refused command into a valid one claims progress as of the edit.
        created_at=(original.created_at if original is not None else caller.edited_at or now),
        recorded_at=now,
        # Counted, not timed: two edits within one second are two revisions.
        revision=max((r.revision for r in revisions), default=0) + 1,
        corrects_id=original.id if original is not None else None,
    )
    after = report_store.snapshot(session, tracker=scope.tracker)
    outcome = ReportOutcome(
        snapshot=after,
        workstream=find_workstream(after, ws.id),
        previous_percent=ws.percent,
        previous_overall=overall_percent(before.workstreams),
        note=args.note,
    )
    log.info("correction of message %s: report %s", caller.message_id, report.id)
    return outcome, original.percent if original is not None else None


async def correct_update(update: Update, context: Context, command: Command) -> None:
    """An edited /update: a correction of the report its message made (a new report linked to
    the first, which stays in the trail retracted), never a silent overwrite. Only a report
    that still counts, in the chat's tracker, within 48 hours; an edit of a refused /update is
    a new report at the edit's time."""
    caller = caller_of(update, command)
    args = parse_update(caller.rest)
    settings = context.bot_data.settings
    now = context.bot_data.clock()

    def record(session: Session) -> tuple[ReportOutcome, int | None] | str:
        settle(session, context, caller.update_id)  # the inbox entry commits with the report
        return record_correction(session, settings, caller, args, now)

    result = await run_db(context, record)
    lang = await chat_lang(context, update)
    if isinstance(result, str):
        await reply(update, t(lang, "already_recorded", title=result))
        return
    outcome, corrected_from = result
    today = today_for(context, outcome.snapshot.tracker.timezone)
    if corrected_from is None:  # an edit that turned a refused command into a valid one
        await reply(update, render_update(outcome, today, lang))
        return
    text = t(
        lang,
        "corrected",
        title=outcome.workstream.title,
        before=corrected_from,
        after=args.percent,
    )
    await reply(update, text + "\n" + render_update(outcome, today, lang).split("\n", 1)[1])
