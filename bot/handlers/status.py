"""/status, /history and /workstreams: reading where things stand."""

from __future__ import annotations

from html import escape

from sqlmodel import Session
from telegram import Update

from bot.context import Context, run_db
from bot.handlers.common import Caller, Scope, caller_of, reply, resolve, today_for
from domain.errors import UserError
from domain.parsing import HISTORY_USAGE, code, parse_history, parse_no_args, parse_status, suggest
from domain.render import (
    render_history,
    render_status,
    render_workstream_status,
    render_workstreams,
)
from domain.views import WorkstreamView
from storage import queries

STATUS_DETAIL_REPORTS = 5


def _workstream(session: Session, scope: Scope, key: str) -> WorkstreamView:
    """An active workstream of the tracker by key, or a refusal suggesting the closest keys."""
    snapshot = queries.snapshot(session, tracker=scope.tracker)
    for ws in snapshot.workstreams:
        if ws.key == key:
            return ws
    hint = suggest(key, [ws.key for ws in snapshot.workstreams])
    raise UserError(f"<b>{escape(scope.tracker.title)}</b> has no workstream {code(key)}. {hint}")


async def show_status(update: Update, context: Context) -> None:
    """Where the tracker stands: /status, or one workstream: /status <workstream>."""
    caller = caller_of(update)
    key = parse_status(caller.rest)
    settings = context.bot_data.settings

    def read(session: Session) -> tuple[str, str]:
        scope = resolve(session, settings, caller)
        tz_name = scope.tracker.timezone
        if key is None:
            snap = queries.snapshot(session, tracker=scope.tracker)
            return tz_name, render_status(snap, today_for(context, tz_name))
        ws = _workstream(session, scope, key)
        rows = queries.recent_reports(session, workstream_id=ws.id, limit=STATUS_DETAIL_REPORTS)
        views = [queries.report_view(row, ws.key) for row in rows]
        tracker = queries.tracker_view(scope.tracker)
        return tz_name, render_workstream_status(tracker, ws, views, today_for(context, tz_name))

    _, html = await run_db(context, read, readonly=True)
    await reply(update, html)


async def show_history(update: Update, context: Context) -> None:
    """The last n reports of a workstream with their notes: /history <workstream> [n]."""
    caller: Caller = caller_of(update)
    if not caller.rest:
        raise UserError(f"Name the workstream: {code(HISTORY_USAGE)}")
    key, limit = parse_history(caller.rest)
    settings = context.bot_data.settings

    def read(session: Session) -> str:
        scope = resolve(session, settings, caller)
        ws = _workstream(session, scope, key)
        rows = queries.recent_reports(session, workstream_id=ws.id, limit=limit)
        views = [queries.report_view(row, ws.key) for row in rows]
        tracker = queries.tracker_view(scope.tracker)
        return render_history(tracker, ws, views, today_for(context, tracker.timezone))

    await reply(update, await run_db(context, read, readonly=True))


async def list_workstreams(update: Update, context: Context) -> None:
    """The tracker's active workstreams and weights: /workstreams."""
    caller = caller_of(update)
    parse_no_args(caller.rest, "workstreams")
    settings = context.bot_data.settings

    def read(session: Session) -> str:
        scope = resolve(session, settings, caller)
        return render_workstreams(queries.snapshot(session, tracker=scope.tracker))

    await reply(update, await run_db(context, read, readonly=True))
