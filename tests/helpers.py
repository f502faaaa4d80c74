"""People, chats and a harness that drives the real application over the offline Bot API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select
from telegram.ext import Application, JobQueue

from bot.offline import ChatRef, OfflineBotAPI, Person, SentMessage, UpdateFactory
from bot.transport import PantauBot
from storage.db import session_scope
from storage.models import Report
from storage.verify import verify

ADMIN = Person(1001, "Ayu", "Lestari", "ayu_pantau")
BUDI = Person(1002, "Budi", "Santoso", "budi_s")
SARI = Person(1003, "Sari", "Wulandari", "sari_w")
DEWI = Person(1004, "Dewi", None, "dewi_a")  # never given a role
OPERATOR = Person(9001, "Oscar", None, "oscar_ops")  # in PANTAU_ADMIN_IDS

STAFF = ChatRef(-1001001, "Tim Pemantau")
MANAGERS = ChatRef(-1001002, "Pimpinan")
ELSEWHERE = ChatRef(-1009999, "Unlinked group")

START = datetime(2024, 2, 23, 2, 0, tzinfo=UTC)  # 09:00 in Jakarta


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Harness:
    app: Application[Any, Any, Any, Any, Any, Any]
    api: OfflineBotAPI
    engine: Engine
    clock: Clock
    factory: UpdateFactory = field(init=False)

    def __post_init__(self) -> None:
        self.factory = UpdateFactory(self.app.bot, self.clock)

    @property
    def jobs(self) -> JobQueue[Any]:
        assert self.app.job_queue is not None
        return self.app.job_queue

    async def send_update(
        self, text: str, *, sender: Person, chat: ChatRef, **kwargs: Any
    ) -> list[SentMessage]:
        self.api.take()
        update = self.factory.message(text, sender=sender, chat=chat, **kwargs)
        await self.app.process_update(update)
        await self.flush()
        return self.api.take()

    async def flush(self) -> None:
        """Wait until the replies queued in the outbox have been sent."""
        await flush(self.app)

    async def say(
        self, text: str, *, sender: Person = ADMIN, chat: ChatRef = STAFF, **kwargs: Any
    ) -> str:
        """Send ``text`` as ``sender`` in ``chat``; the bot's replies as a person reads them."""
        sent = await self.send_update(text, sender=sender, chat=chat, **kwargs)
        return "\n".join(message.text for message in sent)

    async def tap(
        self,
        label: str,
        *,
        sender: Person,
        chat_id: int | None = None,
        workstream: str | None = None,
    ) -> str:
        """Press the button ``label`` on the newest prompt; the bot's messages and edits."""
        found = self.api.find_button(label, chat_id=chat_id, workstream=workstream)
        assert found is not None, f"no button {label!r}"
        prompt, data = found
        self.api.take()
        await self.app.process_update(self.factory.tap(prompt, data, sender=sender))
        await self.flush()
        return "\n".join(message.text for message in self.api.take())

    def reports(self) -> list[Report]:
        with session_scope(self.engine, readonly=True) as session:
            return list(session.exec(select(Report).order_by(Report.id)).all())  # type: ignore[arg-type]


async def flush(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Replies leave through the outbox after the handler returns: wait for them."""
    assert isinstance(app.bot, PantauBot)
    await app.bot.outbox.drain()


def assert_trail_intact(engine: Engine) -> None:
    """What ``pantau verify`` checks: every tracker's chain recomputes from its rows."""
    with session_scope(engine, readonly=True) as session:
        problems = [str(r.problem) for r in verify(session) if r.problem is not None]
    assert problems == [], "the audit trail does not verify"


async def seed_tracker(h: Harness) -> None:
    """The story's tracker, built through chat commands as an admin would."""
    await h.say("/setup tiktok-tokopedia 2024-04-12 TikTok Shop → Tokopedia", sender=OPERATOR)
    await h.say(f"/grant {ADMIN.id} admin", sender=OPERATOR)
    await h.say("/workstream add payments Payments", sender=ADMIN)
    await h.say("/workstream add sellers weight=2 Seller back-end", sender=ADMIN)
    for person in (BUDI, SARI, DEWI):
        await h.say("/start", sender=person, chat=ChatRef(person.id))
    await h.say("/grant @budi_s reporter", sender=ADMIN)
    await h.say("/grant 1003 reporter", sender=ADMIN)
