"""/workstream add|remove: shaping a tracker (admins). The rules: ``services.workstreams``."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update

from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import reply, request_of, resolve
from domain.i18n import code, msg, t
from domain.locale import fmt_number
from domain.parsing import parse_workstream
from services import workstreams
from services.workstreams import WorkstreamChange, WorkstreamSaved

log = logging.getLogger(__name__)

VERB = {
    WorkstreamChange.ADDED: "workstream_added",
    WorkstreamChange.RESTORED: "workstream_restored",
    WorkstreamChange.UPDATED: "workstream_updated",
}


async def change_workstream(update: Update, context: Context, command: Command) -> None:
    """Add, restore, re-weight or archive a workstream: /workstream add|remove <key> …"""
    request = await request_of(update, context, command)
    caller, lang, now = request.caller, request.lang, request.now
    args = parse_workstream(caller.rest)

    def apply(session: Session) -> tuple[WorkstreamSaved, str]:
        tracker = resolve(session, request.settings, caller).tracker
        if args.action == "remove":
            saved = workstreams.archive_workstream(
                session, tracker, args.key, actor_id=caller.user_id, now=now
            )
            return saved, tracker.title
        assert tracker.id is not None
        saved = workstreams.save_workstream(
            session, tracker.id, args, now=now, actor_id=caller.user_id
        )
        log.info("workstream %s/%s %s", tracker.key, args.key, saved.change)
        return saved, tracker.title

    saved, tracker_title = await run_db(context, apply)
    ws = saved.workstream
    if saved.change is WorkstreamChange.ARCHIVED:
        restore = code("/workstream add " + args.key)
        await reply(update, t(lang, "workstream_archived", title=ws.title, restore=restore))
        return
    text = t(
        lang,
        "workstream_saved",
        verb=msg(VERB[saved.change]),
        title=ws.title,
        key=code(ws.key),
        weight=fmt_number(ws.weight, lang),
        tracker=tracker_title,
        example=code(f"/update {ws.key} 50"),
    )
    await reply(update, text)
