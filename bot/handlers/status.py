"""/status, /history and /workstreams: reading where things stand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session
from telegram import Update

from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import (
    Scope,
    caller_of,
    chat_lang,
    read_tracker,
    reply,
    request_of,
    resolve,
    today_for,
)
from domain.i18n import t
from domain.parsing import parse_history, parse_no_args, parse_status
from domain.portfolio import Entry, render_portfolio
from domain.render import (
    render_history,
    render_status,
    render_workstream_status,
    render_workstreams,
)
from domain.views import ReportView, WorkstreamView
from services import notices
from services.checkins import person_label
from services.progress import insight_for, tracker_state
from services.reports import active_workstream
from storage import checkins, evidence, follows
from storage import reports as report_store
from storage import trackers as tracker_store
from storage.models import Report, Tracker

STATUS_DETAIL_REPORTS = 5


def portfolio_entry(session: Session, tracker: Tracker, now: datetime) -> Entry:
    """One tracker of a portfolio chat, as of now."""
    return notices.entry(session, tracker, lambda s, tr: tracker_state(s, tr, now), now)


def with_files(session: Session, rows: Sequence[Report], key: str) -> list[ReportView]:
    """Reports as views, each with the names of its evidence files (📎)."""
    files = evidence.of_reports(session, report_ids=[row.id for row in rows if row.id])
    return [
        replace(
            report_store.report_view(row, key),
            files=tuple(f.name for f in files.get(row.id or 0, [])),
        )
        for row in rows
    ]


def find_active_workstream(session: Session, scope: Scope, key: str) -> WorkstreamView:
    """An active workstream of the tracker by key, or a refusal suggesting the closest keys."""
    return active_workstream(report_store.snapshot(session, tracker=scope.tracker), key)


async def show_status(update: Update, context: Context, command: Command) -> None:
    """Where the tracker stands: /status, or one workstream: /status <workstream>."""
    caller = caller_of(update, command)
    key = parse_status(caller.rest)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)
    now = context.bot_data.clock()

    cache = context.bot_data.views

    def read(session: Session) -> str:
        scope = resolve(session, settings, caller)
        others = follows.followed(session, chat_id=caller.chat_id)
        if others and key is None:  # a portfolio: one line per tracker
            entries = [
                portfolio_entry(session, tracker, now) for tracker in [scope.tracker, *others]
            ]
            return render_portfolio(entries, lang)
        named = next((t for t in others if t.key == key), None)
        if named is not None:  # /status <key> of a followed tracker: its detail
            scope = Scope(named, None)
        today = today_for(context, scope.tracker.timezone)
        version = tracker_store.tracker_version(session, tracker=scope.tracker)

        def overview() -> str:
            snap = report_store.snapshot(session, tracker=scope.tracker)
            return render_status(snap, today, lang, insight_for(session, snap, now))

        if key is None or named is not None or (others and key == scope.tracker.key):
            # The overview: computed once per change of the tracker, language and day.
            return cache.get(scope.tracker_id, version, ("status", lang, today), overview)
        snap = report_store.snapshot(session, tracker=scope.tracker)
        insight = insight_for(session, snap, now)
        ws = find_active_workstream(session, scope, key)
        rows = report_store.recent_reports(
            session, workstream_id=ws.id, limit=STATUS_DETAIL_REPORTS
        )
        views = with_files(session, rows, ws.key)
        text = render_workstream_status(
            snap.tracker, ws, views, today, lang, insight.per_workstream.get(ws.id)
        )
        owners = checkins.owners_of(session, workstream_id=ws.id)
        if owners:
            names = ", ".join(person_label(session, user_id) for user_id in owners)
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
        rows = report_store.recent_reports(session, workstream_id=ws.id, limit=limit)
        views = with_files(session, rows, ws.key)
        tracker = tracker_store.tracker_view(scope.tracker)
        return render_history(tracker, ws, views, today_for(context, tracker.timezone), lang)

    await reply(update, await run_db(context, read, readonly=True))


async def list_workstreams(update: Update, context: Context, command: Command) -> None:
    """The tracker's active workstreams and weights: /workstreams."""
    request = await request_of(update, context, command)
    parse_no_args(request.caller.rest, "workstreams")
    snapshot = await read_tracker(
        context, request, lambda s, tracker: report_store.snapshot(s, tracker=tracker)
    )
    await reply(update, render_workstreams(snapshot, request.lang))
