"""Evidence on reports: a photo or document sent with ``/update …`` as its caption, or in reply
to one's own /update within 48 hours; ``/evidence <workstream> [n]`` sends the files back."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import timedelta
from functools import partial

from sqlmodel import Session
from telegram import InputFile, Message, Update
from telegram.error import TelegramError

from bot.access import Command
from bot.context import Context, run_db
from bot.handlers import reports
from bot.handlers.common import caller_of, chat_lang, reply, resolve
from bot.retry import with_network_retries
from domain.errors import UserError
from domain.i18n import code, t
from domain.parsing import parse_evidence, parse_update, split_command
from domain.render import render_files
from domain.views import FileFacts
from services import reports as reports_uc
from services.reports import EvidenceAdded, active_workstream
from storage import evidence
from storage import reports as report_store

log = logging.getLogger(__name__)

# How long after an /update its reporter may still add files to it by replying.
REPLY_WINDOW = timedelta(hours=48)


def _file_of(message: Message) -> tuple[str, str, str, str | None, int | None] | None:
    """(file id, unique id, name, MIME type, size) of the file a message carries."""
    if message.document is not None:
        doc = message.document
        name = doc.file_name or f"document-{doc.file_unique_id}"
        return doc.file_id, doc.file_unique_id, name, doc.mime_type, doc.file_size
    if message.photo:
        photo = message.photo[-1]  # Telegram lists the sizes smallest first
        name = f"photo-{photo.file_unique_id}.jpg"
        return photo.file_id, photo.file_unique_id, name, "image/jpeg", photo.file_size
    return None


async def fetch(context: Context, message: Message) -> FileFacts:
    """Download a message's file, hash it and keep a copy; what could not be done is noted
    (the report is recorded either way)."""
    found = _file_of(message)
    assert found is not None
    file_id, unique, name, mime, size = found
    facts = FileFacts(file_id, unique, name, mime, size, None, None)
    if size is not None and size > evidence.DOWNLOAD_LIMIT:
        return _noted(facts, "too_big")
    try:
        tg_file = await context.bot.get_file(file_id)
        content = bytes(await tg_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("evidence %s: Telegram could not serve it: %s", unique, exc)
        return _noted(facts, "too_big" if "too big" in str(exc).lower() else "unavailable")
    digest = hashlib.sha256(content).hexdigest()
    facts = FileFacts(file_id, unique, name, mime, size or len(content), digest, None)
    directory = context.bot_data.settings.pantau_evidence_dir
    try:
        await asyncio.to_thread(evidence.store_copy, directory, content)
    except OSError as exc:
        log.error(
            "evidence %s not copied: the folder %s cannot be written: %s", unique, directory, exc
        )
        return _noted(facts, "not_writable")
    return facts


def _noted(facts: FileFacts, reason: str) -> FileFacts:
    return FileFacts(
        facts.file_id,
        facts.file_unique_id,
        facts.name,
        facts.mime,
        facts.size,
        facts.sha256,
        reason,
    )


def _ours(update: Update, context: Context) -> bool:
    """A caption addressed to this bot (``/update@OtherBot`` is not)."""
    message = update.effective_message
    assert message is not None
    _command, bot_name, _rest = split_command(message.caption or "")
    return bot_name is None or bot_name.lower() == (context.bot.username or "").lower()


async def update_with_file(update: Update, context: Context, command: Command) -> None:
    """A photo or document with the caption ``/update <workstream> <percent> [note]``: the
    report, with the file as its evidence. A caption that is not a valid /update stores
    nothing, and the reply says why."""
    if not _ours(update, context):
        return
    message = update.effective_message
    assert message is not None
    caller = caller_of(update, command)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)
    try:
        args = parse_update(caller.rest)

        def check(session: Session) -> None:
            # Who may, and which workstream: before anything is downloaded.
            scope = resolve(session, settings, caller)
            snapshot = report_store.snapshot(session, tracker=scope.tracker)
            active_workstream(snapshot, args.workstream)

        await run_db(context, check, readonly=True)
        facts = await fetch(context, message)
        await reports.record_update(update, context, command, args, [facts])
    except UserError as refused:
        log.info("refused /update with a file: %s", refused.key)
        await reply(update, refused.render(lang) + "\n" + t(lang, "evidence_not_stored"))


async def add_to_report(update: Update, context: Context, command: Command) -> None:
    """A photo or document sent in reply to one's own /update (within 48 hours, while it
    counts): more evidence for that report. Replies to anything else are not ours."""
    message = update.effective_message
    assert message is not None
    replied = message.reply_to_message
    if replied is None:
        return
    caller = caller_of(update, command)
    settings = context.bot_data.settings
    now = context.bot_data.clock()

    def check(session: Session) -> int | None:
        revisions = report_store.revisions_of_message(
            session, chat_id=caller.chat_id, message_id=replied.message_id
        )
        if not revisions:
            return None  # a reply to an ordinary message: people share photos
        resolve(session, settings, caller)
        current = next((r for r in reversed(revisions) if r.retracted_at is None), None)
        if revisions[0].reporter_id != caller.user_id:
            raise UserError("evidence_not_yours", name=revisions[0].reporter_name)
        if current is None:
            raise UserError("evidence_undone", example=code("/update …"))
        if caller.sent_at - revisions[0].created_at > REPLY_WINDOW:
            hours = int(REPLY_WINDOW.total_seconds() // 3600)
            raise UserError("evidence_too_old", hours=hours, example=code("/update …"))
        return current.id

    lang = await chat_lang(context, update)
    try:
        report_id = await run_db(context, check, readonly=True)
    except UserError as refused:
        log.info("refused evidence by reply: %s", refused.key)
        await reply(update, refused.render(lang) + "\n" + t(lang, "evidence_not_stored"))
        return
    if report_id is None:
        return
    facts = await fetch(context, message)

    def attach(session: Session) -> EvidenceAdded | None:
        return reports_uc.add_evidence_by_reply(session, report_id, facts, caller.source, now)

    try:
        done = await run_db(context, attach)
    except UserError as refused:
        await reply(update, refused.render(lang) + "\n" + t(lang, "evidence_not_stored"))
        return
    if done is None:
        return
    log.info("evidence added to report %s by %s", report_id, caller.user_id)
    text = t(lang, "evidence_added", title=done.workstream_title, percent=done.percent)
    await reply(update, text + render_files([facts], lang))


async def resend_evidence(update: Update, context: Context, command: Command) -> None:
    """The latest evidence files of a workstream, sent again: /evidence <workstream> [n]."""
    caller = caller_of(update, command)
    key, limit = parse_evidence(caller.rest)
    settings = context.bot_data.settings
    lang = await chat_lang(context, update)

    def read(session: Session) -> tuple[str, list[tuple[str, str, str | None]]]:
        scope = resolve(session, settings, caller)
        snapshot = report_store.snapshot(session, tracker=scope.tracker)
        ws = active_workstream(snapshot, key)
        files = evidence.latest_of_workstream(session, workstream_id=ws.id, limit=limit)
        return ws.title, [(f.file_id, f.name, f.sha256) for f in files]

    directory = settings.pantau_evidence_dir

    title, files = await run_db(context, read, readonly=True)
    if not files:
        await reply(update, t(lang, "evidence_none", title=title))
        return
    message = update.effective_message
    assert message is not None
    await reply(update, t(lang, "evidence_resent", title=title, count=len(files)))
    for file_id, name, sha in files:
        caption = f"📎 {name}" + (f"\nSHA-256 {sha}" if sha else "")
        # Our own copy when there is one (the trail must not depend on Telegram keeping the
        # file); Telegram's by id otherwise.
        copy = evidence.path_for(directory, sha) if sha else None
        content = await asyncio.to_thread(copy.read_bytes) if copy and copy.is_file() else None
        document: InputFile | str = (
            InputFile(content, filename=name) if content is not None else file_id
        )
        try:
            await with_network_retries(
                partial(message.reply_document, document, caption=caption, parse_mode=None),
                what="evidence",
            )
        except TelegramError as exc:
            # Telegram may have dropped the file since: say so, the trail keeps its hash.
            log.warning("could not resend evidence %s: %s", name, exc)
            await reply(update, t(lang, "evidence_gone", name=name))
