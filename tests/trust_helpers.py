"""What the test_trust_* modules share: Telegram's stand-in accounts, what the database says
about links, trackers and roles, and two transactions run at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.offline import ChatRef, Person
from domain.errors import UserError
from storage.db import session_scope
from storage.models import ChatLink, Member, Tracker
from tests.helpers import Harness

# Accounts Telegram uses for messages sent on someone's behalf: none of them is a person.
ANONYMOUS_ADMIN = Person(1087968824, "Group", None, "GroupAnonymousBot", is_bot=True)
CHANNEL_BOT = Person(136817688, "Channel", None, "Channel_Bot", is_bot=True)
SERVICE = Person(777000, "Telegram")
SOME_BOT = Person(5550001, "Helper", None, "helper_bot", is_bot=True)
BORIS = Person(1010, "Boris", None, "boris_b")
A_CHANNEL = ChatRef(-1007777, "Ministry channel")
# The whole answer to anything a stand-in sends.
AS_YOURSELF = "🙅 Send this as yourself, not anonymously or as a channel."
ONLY_ADMINS = "Only admins of TikTok Shop → Tokopedia can do that"


def links(h: Harness) -> dict[int, str]:
    """Each chat that follows a tracker, and that tracker's key."""
    with session_scope(h.engine, readonly=True) as session:
        rows = session.exec(select(ChatLink, Tracker).join(Tracker)).all()
        return {link.chat_id: tracker.key for link, tracker in rows if link.active}


def tracker_keys(h: Harness) -> list[str]:
    with session_scope(h.engine, readonly=True) as session:
        return sorted(t.key for t in session.exec(select(Tracker)).all())


def members(h: Harness) -> set[tuple[int, int, str]]:
    """(tracker id, user id, role) of every member."""
    with session_scope(h.engine, readonly=True) as session:
        return {(m.tracker_id, m.user_id, m.role) for m in session.exec(select(Member)).all()}


def at_once(
    engine: Engine, first: Callable[[Session], object], second: Callable[[Session], object]
) -> list[str]:
    """Run ``first`` in a transaction held open while ``second`` starts in another session;
    the second must wait for the first's commit. What the second ended with: "done", the key
    of the refusal it raised, or the exception it failed with."""
    outcome: list[str] = []

    def run_second() -> None:
        try:
            with session_scope(engine) as session:
                second(session)
            outcome.append("done")
        except UserError as exc:
            outcome.append(exc.key)
        except Exception as exc:  # noqa: BLE001 — the test reports what went wrong
            outcome.append(repr(exc)[:300])

    with session_scope(engine) as session:
        first(session)
        thread = threading.Thread(target=run_second)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the second must wait for the first one's lock"
    thread.join(timeout=10)
    return outcome
