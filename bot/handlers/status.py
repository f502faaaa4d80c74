"""/status, /history and /workstreams: reading where things stand."""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from bot.access import Command
from bot.checkins import person_name as checkin_person_name
from bot.context import Context, run_db
from bot.handlers.common import (
    Scope,
    active_workstream,
    caller_of,
    chat_lang,
    insight_for,
    reply,
    resolve,
    today_for,
)
from domain.i18n import t
from domain.parsing import parse_history, parse_no_args, parse_status
from domain.render import (
    render_history,
    render_status,
    render_workstream_status,
    render_workstreams,
)
from domain.views import WorkstreamView
from storage import checkins, queries

STATUS_DETAIL_REPORTS = 5


def find_active_workstream(session: Session, scope: Scope, key: str) -> WorkstreamView:
    """An active workstream of the tracker by key, or a refusal suggesting the closest keys."""
    return active_workstream(
        queries.snapshot(session, tracker=scope.tracker), scope.tracker.title, key
    )


async def show_status(update: Update, context: Context, command: Command) -> None:
    """Where the tracker stands: /status, or one workstream: /status <workstream>."""
    caller = caller_of(update, command)
    key = parse_status(caller.rest)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)
    now = context.bot_data.clock()

    def read(session: Session) -> str:
        scope = resolve(session, settings, caller)
        today = today_for(context, scope.tracker.timezone)
        snap = queries.snapshot(session, tracker=scope.tracker)
        insight = insight_for(session, snap, now)
        if key is None:
            return render_status(snap, today, lang, insight)
        ws = find_active_workstream(session, scope, key)
        rows = queries.recent_reports(session, workstream_id=ws.id, limit=STATUS_DETAIL_REPORTS)
        views = [queries.report_view(row, ws.key) for row in rows]
        text = render_workstream_status(
            snap.tracker, ws, views, today, lang, insight.per_workstream.get(ws.id)
        )
        owners = checkins.owners_of(session, workstream_id=ws.id)
        if owners:
            names = ", ".join(checkin_person_name(session, user_id) for user_id in owners)
            text += "\n\n" + t(lang, "owners_line", names=names)
        return text

    await reply(update, await run_db(context, read, readonly=True))


async def show_history(update: Update, context: Context, command: Command) -> None:
    """The last n reports of a workstream with their notes: /history <workstream> [n]."""
    caller = caller_of(update, command)
    key, limit = parse_history(caller.rest)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def read(session: Session) -> str:
        scope = resolve(session, settings, caller)
        ws = find_active_workstream(session, scope, key)
        rows = queries.recent_reports(session, workstream_id=ws.id, limit=limit)
        views = [queries.report_view(row, ws.key) for row in rows]
        tracker = queries.tracker_view(scope.tracker)
        return render_history(tracker, ws, views, today_for(context, tracker.timezone), lang)

    await reply(update, await run_db(context, read, readonly=True))


async def list_workstreams(update: Update, context: Context, command: Command) -> None:
    """The tracker's active workstreams and weights: /workstreams."""
    caller = caller_of(update, command)
    parse_no_args(caller.rest, "workstreams")
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def read(session: Session) -> str:
        scope = resolve(session, settings, caller)
        return render_workstreams(queries.snapshot(session, tracker=scope.tracker), lang)

    await reply(update, await run_db(context, read, readonly=True))
