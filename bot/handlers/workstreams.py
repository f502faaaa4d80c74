"""/workstream add|remove: shaping a tracker (admins)."""

from __future__ import annotations

import logging

from sqlmodel import Session
from telegram import Update

from bot.access import Command
from bot.context import Context, run_db
from bot.handlers.common import caller_of, chat_lang, reply, resolve
from domain.errors import UserError
from domain.i18n import code, msg, t
from domain.locale import fmt_number
from domain.parsing import parse_workstream, suggest
from storage import workstreams as workstream_store

log = logging.getLogger(__name__)


async def change_workstream(update: Update, context: Context, command: Command) -> None:
    """Add, restore, re-weight or archive a workstream: /workstream add|remove <key> …"""
    caller = caller_of(update, command)
    args = parse_workstream(caller.rest)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)
    now = context.bot_data.clock()

    def apply(session: Session) -> str:
        scope = resolve(session, settings, caller)
        if args.action == "remove":
            ws = workstream_store.get_workstream(
                session, tracker_id=scope.tracker_id, key=args.key
            )
            if ws is None or ws.archived:
                active = workstream_store.active_workstreams(session, tracker_id=scope.tracker_id)
                raise UserError(
                    "no_workstream",
                    tracker=scope.tracker.title,
                    key=code(args.key),
                    hint=suggest(args.key, [w.key for w in active]),
                )
            workstream_store.archive_workstream(
                session, workstream=ws, actor_id=caller.user_id, now=now
            )
            log.info("workstream %s/%s archived", scope.tracker.key, args.key)
            restore = code("/workstream add " + args.key)
            return t(lang, "workstream_archived", title=ws.title, restore=restore)
        ws, outcome = workstream_store.save_workstream(
            session,
            tracker_id=scope.tracker_id,
            key=args.key,
            title=args.title,
            weight=args.weight,
            now=now,
            actor_id=caller.user_id,
        )
        log.info("workstream %s/%s %s", scope.tracker.key, args.key, outcome)
        return t(
            lang,
            "workstream_saved",
            verb=msg(
                {
                    "added": "workstream_added",
                    "restored": "workstream_restored",
                    "updated": "workstream_updated",
                }[outcome]
            ),
            title=ws.title,
            key=code(ws.key),
            weight=fmt_number(ws.weight, lang),
            tracker=scope.tracker.title,
            example=code(f"/update {ws.key} 50"),
        )

    await reply(update, await run_db(context, apply))
