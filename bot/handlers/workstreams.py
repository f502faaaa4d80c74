"""/workstream add|remove: shaping a tracker (admins)."""

from __future__ import annotations

import logging
from html import escape

from sqlmodel import Session
from telegram import Update

from bot.context import Context, run_db
from bot.handlers.common import caller_of, reply, resolve
from domain.errors import UserError
from domain.parsing import code, parse_workstream, suggest
from domain.render import fmt_weight
from domain.views import Role
from storage import queries

log = logging.getLogger(__name__)


async def change_workstream(update: Update, context: Context) -> None:
    """Add, restore, re-weight or archive a workstream: /workstream add|remove <key> …"""
    caller = caller_of(update)
    args = parse_workstream(caller.rest)
    settings = context.bot_data.settings

    def apply(session: Session) -> str:
        scope = resolve(session, settings, caller, Role.ADMIN)
        tracker = escape(scope.tracker.title)
        if args.action == "remove":
            ws = queries.get_workstream(session, tracker_id=scope.tracker_id, key=args.key)
            if ws is None or ws.archived:
                keys = [
                    w.key for w in queries.active_workstreams(session, tracker_id=scope.tracker_id)
                ]
                raise UserError(
                    f"<b>{tracker}</b> has no workstream {code(args.key)}. "
                    f"{suggest(args.key, keys)}"
                )
            queries.archive_workstream(session, workstream=ws)
            log.info("workstream %s/%s archived", scope.tracker.key, args.key)
            return (
                f"🗄 Archived <b>{escape(ws.title)}</b>: it no longer counts; its history is "
                f"kept. {code('/workstream add ' + args.key)} brings it back."
            )
        ws, outcome = queries.save_workstream(
            session,
            tracker_id=scope.tracker_id,
            key=args.key,
            title=args.title,
            weight=args.weight,
            now=context.bot_data.clock(),
        )
        log.info("workstream %s/%s %s", scope.tracker.key, args.key, outcome)
        verb = {"added": "➕ Added", "restored": "♻️ Restored", "updated": "✏️ Updated"}[outcome]
        return (
            f"{verb} <b>{escape(ws.title)}</b> ({code(ws.key)}, weight {fmt_weight(ws.weight)}) "
            f"in <b>{tracker}</b>.\nReport with {code(f'/update {ws.key} 50')}"
        )

    await reply(update, await run_db(context, apply))
