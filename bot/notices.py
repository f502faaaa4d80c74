"""Sending scheduled notices exactly once, and surviving what Telegram answers.

A notice's slot is claimed in the database (unique chat + slot key) before anything is sent:
a second job run, a restart or another process finds the claim and sends nothing. Then:

* ``RetryAfter`` (429) — the send limiter (``bot.ratelimit``) waits and retries;
* ``Forbidden`` (bot removed or blocked) — the chat link is deactivated, logged once;
* ``ChatMigrated`` (group became a supergroup) — ids follow the chat, sent to the new id;
* timeouts and network errors — retried with backoff; a notice that finally fails stays in
  the table as failed, with its error.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TelegramError

from bot.context import BotData, PantauApp, run_db_app
from bot.jobqueue import unregister_chat
from bot.retry import Attempts, with_network_retries
from domain.htmltext import split_html
from domain.views import NoticeKind
from storage import lifecycle
from storage import notices as notice_store

log = logging.getLogger(__name__)


class Delivery(StrEnum):
    """What became of a notice handed to :func:`deliver`."""

    SENT = "sent"
    TAKEN = "taken"  # its slot was claimed already (another run, a restart, an instance)
    FAILED = "failed"
    FORBIDDEN = "forbidden"  # a private notice the person cannot receive yet


class Skipped(StrEnum):
    """Why a job had nothing to deliver."""

    UNLINKED = "unlinked"  # the chat follows no live tracker
    NOTHING_DUE = "nothing due"
    HOLIDAY = "holiday"  # a weekdays digest on a public holiday


@dataclass(frozen=True, slots=True)
class Outgoing:
    chat_id: int
    tracker_id: int
    kind: NoticeKind
    slot_key: str
    html: str
    late: bool = False
    figures: str | None = None  # digests: what they showed, for the next one's changes
    photo: bytes | None = None  # weekly digests: the burn-up chart, sent after the text
    # Check-ins: inline buttons (label, callback data) under the message, row by row.
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()
    # To a person, not a group: Forbidden means they never pressed Start (or blocked the
    # bot), which says nothing about any group link; ``deliver`` answers "forbidden".
    private: bool = False


def markup(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """Telegram's inline keyboard for rows of (label, callback data); None for no rows."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def deliver(application: PantauApp, outgoing: Outgoing) -> Delivery:
    """Claim, send, record."""
    data: BotData = application.bot_data
    now = data.clock()

    def claim(session: Session) -> int | None:
        return notice_store.claim_notice(
            session,
            chat_id=outgoing.chat_id,
            tracker_id=outgoing.tracker_id,
            kind=outgoing.kind,
            slot_key=outgoing.slot_key,
            late=outgoing.late,
            now=now,
        )

    notice_id = await run_db_app(application, claim)
    if notice_id is None:
        log.info("notice %s for chat %s already claimed", outgoing.slot_key, outgoing.chat_id)
        return Delivery.TAKEN

    chat_id = outgoing.chat_id
    attempts = Attempts()
    message_id: int | None = None
    error: str | None = None
    delivery = Delivery.FAILED
    for _ in range(3):  # a chat can migrate once; more is a loop to stop
        try:
            message_id = await with_network_retries(
                partial(_send, application, chat_id, outgoing.html, markup(outgoing.buttons)),
                what=f"notice {outgoing.slot_key}",
                attempts=attempts,
            )
        except Forbidden as exc:
            error = f"forbidden: {exc.message}"
            if outgoing.private:
                log.warning("person %s cannot be written to yet: %s", chat_id, exc.message)
                delivery = Delivery.FORBIDDEN
                break
            await _deactivate(application, chat_id, exc.message)
        except ChatMigrated as exc:
            log.warning("chat %s migrated to %s: moving its notices", chat_id, exc.new_chat_id)
            await _migrate(application, chat_id, exc.new_chat_id)
            chat_id = exc.new_chat_id
            error = "chat migrated repeatedly"
            continue
        except BadRequest as exc:
            error = f"bad request: {exc.message}"
        except NetworkError as exc:  # timeouts and server errors, after the retries
            error = f"network: {exc.message}"
        except TelegramError as exc:  # RetryAfter beyond the limiter's retries, and the rest
            error = f"{type(exc).__name__}: {exc.message}"
        else:
            error = None  # sent, perhaps after a migration
            delivery = Delivery.SENT
        break

    # However it ended, the claimed notice records it in this one place: sent with its
    # message, or failed with its error (and the chat id it ended at, after a migration).
    ended = data.clock()

    def finish(session: Session) -> None:
        notice_store.finish_notice(
            session,
            notice_id=notice_id,
            chat_id=chat_id,
            attempts=attempts.count,
            message_id=message_id,
            error=error,
            figures=outgoing.figures,
            now=ended,
        )

    await run_db_app(application, finish)
    if delivery is Delivery.SENT:
        log.info("sent %s to chat %s", outgoing.slot_key, chat_id)
        if outgoing.photo is not None:
            await _send_photo(application, chat_id, outgoing.photo)
    elif delivery is Delivery.FAILED:
        log.error("notice %s to chat %s failed: %s", outgoing.slot_key, chat_id, error)
    return delivery


async def _send(
    application: PantauApp, chat_id: int, html: str, buttons: InlineKeyboardMarkup | None
) -> int:
    """Send a notice (split under Telegram's limit, the buttons under its last part); the id
    of the message that carries the buttons, else of the first."""
    chunks = split_html(html)
    first: int | None = None
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        message = await application.bot.send_message(
            chat_id, chunk, reply_markup=buttons if last else None
        )
        if first is None or (last and buttons is not None):
            first = message.message_id
    assert first is not None
    return first


async def _send_photo(application: PantauApp, chat_id: int, png: bytes) -> None:
    """The chart that goes with a digest: the digest counts as sent whether or not it arrives."""
    try:
        await with_network_retries(
            lambda: application.bot.send_photo(
                chat_id, InputFile(io.BytesIO(png), filename="chart.png")
            ),
            what=f"chart to chat {chat_id}",
        )
    except TelegramError as exc:
        log.warning("chart to chat %s not sent: %s", chat_id, exc)


async def _migrate(application: PantauApp, old_chat_id: int, new_chat_id: int) -> None:
    def move(session: Session) -> None:
        lifecycle.migrate_chat(session, old_chat_id=old_chat_id, new_chat_id=new_chat_id)

    await run_db_app(application, move)


async def _deactivate(application: PantauApp, chat_id: int, reason: str) -> None:
    """Stop serving a chat that refuses the bot; log it once, not at every notice."""
    changed = await run_db_app(
        application, lambda s: lifecycle.deactivate_link(s, chat_id=chat_id)
    )
    if changed:
        log.warning(
            "chat %s refuses the bot (%s): link deactivated, no more notices", chat_id, reason
        )
        unregister_chat(application, chat_id)
