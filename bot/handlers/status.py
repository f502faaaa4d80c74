"""/status, /history and /workstreams: reading where things stand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlmodel import Session
from telegram import Update

from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import read_tracker, reply, request_of, resolve, today_for
from domain.i18n import t
from domain.parsing import parse_history, parse_no_args, parse_status
from domain.portfolio import render_portfolio
from domain.render import (
    render_history,
    render_status,
    render_workstream_status,
    render_workstreams,
)
from services import status
from services.progress import tracker_state
from storage import follows
from storage import reports as report_store
from storage import trackers as tracker_store

STATUS_DETAIL_REPORTS = 5


async def show_status(update: Update, context: Context, command: Command) -> None:
    """Where the tracker stands: /status, or one workstream: /status <workstream>."""
    request = await request_of(update, context, command)
    caller, lang, now = request.caller, request.lang, request.now
    key = parse_status(caller.rest)
    cache = context.bot_data.views

    def read(session: Session) -> Callable[[], str]:
        """What to show, read here; the returned call renders it after the transaction."""
        tracker = resolve(session, request.settings, caller).tracker
        others = follows.followed(session, chat_id=caller.chat_id)
        if others and key is None:  # a portfolio: one line per tracker
            entries = status.portfolio(session, [tracker, *others], now)
            return lambda: render_portfolio(entries, lang)
        named = next((t for t in others if t.key == key), None)
        if named is not None:  # /status <key> of a followed tracker: its detail
            tracker = named
        today = today_for(context, tracker.timezone)
        assert tracker.id is not None
        if key is None or named is not None or (others and key == tracker.key):
            # The overview: rendered once per change of the tracker, language and day.
            version = tracker_store.tracker_version(session, tracker=tracker)
            entry_key = ("status", lang, today)
            held = cache.peek(tracker.id, version, entry_key)
            if isinstance(held, str):
                return lambda: held
            snap, insight = tracker_state(session, tracker, now)
            tracker_id = tracker.id

            def overview() -> str:
                text = render_status(snap, today, lang, insight)
                cache.put(tracker_id, version, entry_key, text)
                return text

            return overview
        found = status.workstream_status(
            session, tracker, key, limit=STATUS_DETAIL_REPORTS, now=now
        )
        return lambda: _workstream_text(found, today, lang)

    render = await run_db(context, read, readonly=True)
    await reply(update, render())


def _workstream_text(found: status.WorkstreamReports, today: date, lang: str) -> str:
    text = render_workstream_status(
        found.tracker, found.workstream, found.reports, today, lang, found.forecast
    )
    if found.owners:
        text += "\n\n" + t(lang, "owners_line", names=", ".join(found.owners))
    return text


async def show_history(update: Update, context: Context, command: Command) -> None:
    """The last n reports of a workstream with their notes: /history <workstream> [n]."""
    request = await request_of(update, context, command)
    key, limit = parse_history(request.caller.rest)
    found = await read_tracker(
        context, request, lambda s, tracker: status.history(s, tracker, key, limit)
    )
    today = today_for(context, found.tracker.timezone)
    await reply(
        update, render_history(found.tracker, found.workstream, found.reports, today, request.lang)
    )


async def list_workstreams(update: Update, context: Context, command: Command) -> None:
    """The tracker's active workstreams and weights: /workstreams."""
    request = await request_of(update, context, command)
    parse_no_args(request.caller.rest, "workstreams")
    snapshot = await read_tracker(
        context, request, lambda s, tracker: report_store.snapshot(s, tracker=tracker)
    )
    await reply(update, render_workstreams(snapshot, request.lang))
