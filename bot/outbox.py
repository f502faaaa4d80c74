"""Replies leave through a per-chat outbox: recording never waits for Telegram's budget.

A handler records first (one transaction), then puts its reply here and returns: the next
update of the chat is handled at once, whatever the chat's budget. One sender task per chat
with something to send drains the chat's queue in order, through the rate limiter; chats
never wait for each other.

When a group is over its budget (20 messages a minute) and its next message would wait longer
than ``PANTAU_COALESCE_SECONDS``, the acknowledgements of reports waiting in its queue are
merged into one message ("✅ 12 reports recorded: Payments 100%, …" with the new overall):
every report is named, none is dropped. Refusals and answers to questions (/status,
/history, …) are never merged away.

The outbox lives in memory: a reply lost in a crash is lost. A report is not: it was committed
before its acknowledgement was queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import partial
from html import escape
from typing import TYPE_CHECKING

from telegram import InputFile, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from bot.retry import with_network_retries
from domain.htmltext import split_html
from domain.i18n import Html, t
from domain.locale import days_left_text, fmt_delta
from domain.progress import overall_percent, round_percent
from domain.render import ReportOutcome

if TYPE_CHECKING:
    from telegram import Bot

    from bot.ratelimit import SendLimiter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Ack:
    """What the acknowledgement of one report says, for merging several into one message."""

    tracker_id: int
    lang: str
    item: str  # HTML: "<b>Payments</b> 100%"
    overall: float  # the tracker's overall after this report
    previous_overall: float  # … and before it
    left: str  # HTML: "40 days left"


@dataclass(frozen=True, slots=True)
class Attachment:
    method: str  # "photo" | "document"
    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message for one chat: text (or a file with a caption), replying to a message."""

    chat_id: int
    html: str
    reply_to: int | None = None
    thread_id: int | None = None
    ack: Ack | None = None  # set: the acknowledgement of a report, which may be merged
    attachment: Attachment | None = None


def ack_for(outcome: ReportOutcome, today: date, lang: str) -> Ack:
    """The mergeable facts of an /update's acknowledgement."""
    ws = outcome.workstream
    return Ack(
        tracker_id=outcome.snapshot.tracker.id,
        lang=lang,
        item=f"<b>{escape(ws.title)}</b> {ws.percent}%",
        overall=overall_percent(outcome.snapshot.workstreams),
        previous_overall=outcome.previous_overall,
        left=days_left_text(outcome.snapshot.tracker.deadline, today, lang),
    )


def merged_ack(first: Outgoing, others: list[Outgoing]) -> Outgoing:
    """One message naming every report of ``first`` and ``others`` (all acknowledgements)."""
    acks = [item.ack for item in (first, *others) if item.ack is not None]
    assert acks
    last = acks[-1]
    items = ", ".join(ack.item for ack in acks)
    text = "\n".join(
        (
            t(last.lang, "acks_merged", count=len(acks), items=Html(items)),
            t(
                last.lang,
                "update_overall",
                overall=round_percent(last.overall),
                change=fmt_delta(last.overall - acks[0].previous_overall),
                left=Html(last.left),
            ),
        )
    )
    # Quote the last report: the reader sees the newest at the bottom of the chat.
    return replace(first, html=text, reply_to=others[-1].reply_to if others else first.reply_to)


class Outbox:
    """Per-chat queues of replies, each drained in order by its own sender task."""

    def __init__(
        self,
        bot: Bot,
        limiter: SendLimiter | None,
        *,
        coalesce_seconds: float = 10.0,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.limiter = limiter
        self.coalesce_seconds = coalesce_seconds
        self._sleep = sleep  # how a full window is waited out (tests pass simulated time)
        self._queues: dict[int, deque[Outgoing]] = {}
        self._senders: dict[int, asyncio.Task[None]] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self.merged = 0  # acknowledgements folded into another message (for logs and tests)

    def put(self, item: Outgoing) -> None:
        """Queue a message; it goes out as the chat's budget allows, after those before it."""
        self._queues.setdefault(item.chat_id, deque()).append(item)
        if item.chat_id not in self._senders:
            self._idle.clear()
            self._senders[item.chat_id] = asyncio.get_running_loop().create_task(
                self._drain_chat(item.chat_id), name=f"outbox:{item.chat_id}"
            )

    def queued(self, chat_id: int | None = None) -> int:
        if chat_id is not None:
            return len(self._queues.get(chat_id, ()))
        return sum(len(queue) for queue in self._queues.values())

    async def drain(self) -> None:
        """Wait until every queued message has been sent (or given up on)."""
        while self._senders:
            await self._idle.wait()

    async def close(self, grace: float) -> None:
        """At shutdown: send what is queued for up to ``grace`` seconds, then give up."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drain(), grace)
        left = self.queued()
        for task in list(self._senders.values()):
            task.cancel()
        if self._senders:
            await asyncio.gather(*self._senders.values(), return_exceptions=True)
        if left:
            log.warning("%s repl(ies) not sent before shutdown (the reports are recorded)", left)

    # --- the sender of one chat ----------------------------------------------------------------

    async def _drain_chat(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        try:
            while queue:
                if self.limiter is not None:
                    wait = await self.limiter.wait_for(chat_id)
                    if wait > 0:
                        # Wait before taking the next message off the queue, so that the
                        # acknowledgements arriving meanwhile can join it.
                        await self._sleep(wait)
                        continue
                merge = self._merge_now(chat_id, queue)
                item = queue.popleft()
                if merge:
                    item = self._merge(item, queue)
                await self._send(item)
        finally:
            del self._senders[chat_id]
            if not queue:
                self._queues.pop(chat_id, None)
            if not self._senders:
                self._idle.set()

    def _merge_now(self, chat_id: int, queue: deque[Outgoing]) -> bool:
        """Merge the queued acknowledgements into the one at the head, now?

        Yes when the last of them would wait longer than the coalescing limit and the head
        takes the last slot free now: the messages that fit the budget go as they are, and the
        one that would otherwise start the wait names every report still queued.
        """
        if self.limiter is None or queue[0].ack is None:
            return False
        last = 0
        acks = 0
        for position, item in enumerate(queue, start=1):
            if item.ack is not None:
                last = position
                acks += 1
        return (
            acks > 1
            and self.limiter.estimate(chat_id, last) > self.coalesce_seconds
            and self.limiter.estimate(chat_id, 2) > 0
        )

    def _merge(self, first: Outgoing, queue: deque[Outgoing]) -> Outgoing:
        assert first.ack is not None
        others = [
            item
            for item in queue
            if item.ack is not None and item.ack.tracker_id == first.ack.tracker_id
        ]
        if not others:
            return first
        for item in others:
            queue.remove(item)
        self.merged += len(others)
        log.info(
            "chat %s over its budget: %s acknowledgements sent as one",
            first.chat_id,
            len(others) + 1,
        )
        return merged_ack(first, others)

    async def _send(self, item: Outgoing) -> None:
        """Send one message (split under Telegram's limit); failures are logged, never raised:
        the report it acknowledges is already recorded."""
        reply = (
            ReplyParameters(item.reply_to, allow_sending_without_reply=True)
            if item.reply_to is not None
            else None
        )
        what = f"reply in chat {item.chat_id}"
        started = time.monotonic()
        try:
            if item.attachment is None:
                for chunk in split_html(item.html):
                    await with_network_retries(
                        partial(
                            self.bot.send_message,
                            item.chat_id,
                            chunk,
                            reply_parameters=reply,
                            message_thread_id=item.thread_id,
                        ),
                        what=what,
                    )
                    reply = None  # the rest of a long answer follows the first part
            else:
                await with_network_retries(partial(self._send_file, item, reply), what=what)
        except Forbidden as exc:
            log.warning("chat %s refuses the bot (%s): reply dropped", item.chat_id, exc.message)
        except ChatMigrated as exc:
            log.warning(
                "chat %s became %s: reply dropped (notices follow)", item.chat_id, exc.new_chat_id
            )
        except BadRequest as exc:
            log.error("%s refused by Telegram: %s", what, exc.message)
        except TelegramError as exc:
            log.error("%s not sent: %s", what, exc)
        except Exception:
            log.exception("%s failed", what)
        else:
            log.debug("%s sent in %.3fs", what, time.monotonic() - started)

    async def _send_file(self, item: Outgoing, reply: ReplyParameters | None) -> None:
        attachment = item.attachment
        assert attachment is not None
        upload = InputFile(io.BytesIO(attachment.content), filename=attachment.filename)
        send = self.bot.send_photo if attachment.method == "photo" else self.bot.send_document
        await send(
            item.chat_id,
            upload,
            caption=item.html or None,
            reply_parameters=reply,
            message_thread_id=item.thread_id,
        )
